"""The login-failure limit: five failures within 15 minutes lock a name for 15 minutes from the last one."""

from datetime import datetime, timedelta, timezone

import pytest

from bot.accounts.lockout import retry_after

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=timezone.utc)


def minutes_ago(*values: float) -> list:
    return [NOW - timedelta(minutes=value) for value in values]


@pytest.mark.parametrize(
    ("failures", "locked_for"),
    [
        ([], None),
        (minutes_ago(0, 0, 0, 0), None),  # four failures: one more try
        (minutes_ago(0, 0, 0, 0, 0), timedelta(minutes=15)),
        (minutes_ago(4, 3, 2, 1, 0), timedelta(minutes=15)),  # counted from the last failure
        (minutes_ago(10, 9, 8, 7, 6), timedelta(minutes=9)),
        (minutes_ago(15, 15, 15, 15, 15), None),  # 15 minutes after the last failure: free again
        (minutes_ago(18, 5, 4, 3, 2), None),  # five failures, but spread over more than 15 minutes
        (minutes_ago(20, 18, 5, 4, 3, 2), None),
        (minutes_ago(16, 14, 5, 4, 3, 2), timedelta(minutes=13)),  # the newest five are what count
        (minutes_ago(2, 3, 4, 5, 14), timedelta(minutes=13)),  # in any order
    ],
)
def test_the_lock(failures, locked_for):
    assert retry_after(failures, NOW) == locked_for
