"""The login-failure limit (登录失败次数限制) as arithmetic on failure times; no I/O.

After `MAX_FAILURES` failed logins for one username within `WINDOW`, that username is refused
until `WINDOW` has passed since its last failure, whatever password is typed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Sequence

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
KEEP = 2 * WINDOW  # older failures can no longer lock anyone: the oldest that can is WINDOW before a recent one


def retry_after(failures: Sequence[datetime], now: datetime) -> timedelta | None:
    """How long the username stays locked, or None when it may try now.

    `failures` are its failure times in any order; only the newest `MAX_FAILURES` matter.
    """
    recent = sorted(failures, reverse=True)[:MAX_FAILURES]
    if len(recent) < MAX_FAILURES:
        return None
    newest, oldest = recent[0], recent[-1]
    if newest - oldest >= WINDOW:
        return None
    left = newest + WINDOW - now
    return left if left > timedelta(0) else None
