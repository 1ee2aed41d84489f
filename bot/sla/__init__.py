"""Deadlines (办理时限): the working-day calendar and the arithmetic on it. No I/O."""

from bot.sla.calendar import WorkCalendar, due_at

__all__ = ["WorkCalendar", "due_at"]
