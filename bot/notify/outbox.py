"""What our delivery queues share (progress pushes, clerks' replies): a row is claimed by one
instance at a time, and a failed delivery waits twice as long as the time before."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession


def retry_wait(attempts: int, first_seconds: float, longest_seconds: float) -> float:
    """Seconds before the next try after `attempts` failures: first, 2×first, 4×first … up to longest."""
    return float(min(first_seconds * 2 ** (attempts - 1), longest_seconds))


async def claim(session: AsyncSession, table: Any, row_id: int, now: datetime, seconds: float) -> bool:
    """Take an undelivered row for `seconds`, unless another instance holds it; True when taken."""
    result = await session.execute(
        update(table)
        .where(
            table.id == row_id,
            table.sent_at.is_(None),
            or_(table.claimed_until.is_(None), table.claimed_until < now),
        )
        .values(claimed_until=now + timedelta(seconds=seconds))
    )
    return bool(result.rowcount == 1)
