"""Working-day arithmetic: weekends and public holidays do not count, make-up days do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import FrozenSet


@dataclass(frozen=True)
class WorkCalendar:
    holidays: FrozenSet[date] = field(default_factory=frozenset)
    workdays: FrozenSet[date] = field(default_factory=frozenset)  # 调休上班

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """`days` working days after `start`.

        A case accepted on a rest day starts counting at the beginning of the next working
        day, so "1 working day" from Saturday noon ends at midnight after Monday.
        """
        if days <= 0:
            return start
        current = start
        if not self.is_working_day(current.date()):
            current = datetime.combine(self._next_working_day(current.date()), time.min, start.tzinfo)
        day = current.date()
        for _ in range(days):
            day = self._next_working_day(day)
        return datetime.combine(day, current.timetz())

    def _next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


def due_at(
    calendar: WorkCalendar,
    accepted_at: datetime,
    working_days: int,
    hours: float | None = None,
) -> datetime:
    """The handling deadline: urgent matters count clock hours, the rest working days."""
    if hours is not None:
        return accepted_at + timedelta(hours=hours)
    return calendar.add_working_days(accepted_at, working_days)
