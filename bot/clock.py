"""The one place the service reads the time, so tests can freeze it."""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from typing import Callable
from zoneinfo import ZoneInfo

LOCAL_TZ: tzinfo = ZoneInfo("Asia/Shanghai")  # the hotline's working day is Beijing time
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TZ)


def format_local(moment: datetime) -> str:
    """`2026年11月25日 17:30`, how residents read a deadline."""
    value = local(moment)
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
