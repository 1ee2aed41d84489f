"""Working-day arithmetic: weekends and public holidays do not count, make-up days do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import FrozenSet, Tuple

OfficeHours = Tuple[Tuple[time, time], ...]
DEFAULT_OFFICE_HOURS: OfficeHours = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30)))


@dataclass(frozen=True)
class WorkCalendar:
    holidays: FrozenSet[date] = field(default_factory=frozenset)
    workdays: FrozenSet[date] = field(default_factory=frozenset)  # 调休上班
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS  # windows of a working day, in order

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

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of office time after `start` (e.g. the 2-hour sign-for limit).

        Time outside the office windows, weekends and holidays does not count: a ticket
        dispatched on Friday at 17:00 with 2 hours to sign is due on Monday at 10:00.
        """
        remaining = timedelta(hours=hours)
        day = start.date()
        for _ in range(3 * 366):  # a calendar with no working time at all must not hang us
            if self.is_working_day(day):
                for opens, closes in self.office_hours:
                    window_start = datetime.combine(day, opens, start.tzinfo)
                    window_end = datetime.combine(day, closes, start.tzinfo)
                    begin = max(window_start, start)
                    if begin >= window_end:
                        continue
                    if begin + remaining <= window_end:
                        return begin + remaining
                    remaining -= window_end - begin
            day += timedelta(days=1)
        raise ValueError("the working-day calendar has no office hours within three years")

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
