"""Once-only processing: which platform message ids (Telegram update_id, WeChat MsgId) were taken.

Platforms deliver again when they think we missed a message (WeChat after 5 s, three times;
Telegram after a failed webhook call). The store must be shared by every Rasa instance behind
the load balancer, so it lives in Redis (`REDIS_URL`) or in the database (`DATABASE_URL`); the
in-memory store is for a single development process only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from typing import Mapping, Protocol

from sqlalchemy import Column, MetaData, String, Table, delete, insert
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ticketing.db import make_engine
from bot.ticketing.models import UTCDateTime

log = logging.getLogger(__name__)
REMEMBER_SECONDS = 2 * 24 * 3600  # longer than any platform retries

_metadata = MetaData()
seen_messages = Table(
    "channel_seen_messages",
    _metadata,
    Column("key", String(200), primary_key=True),
    Column("seen_at", UTCDateTime, nullable=False),
)


class SeenStore(Protocol):
    async def first_time(self, key: str) -> bool:
        """Remember `key`; True only for the first caller, on any instance."""

    async def close(self) -> None: ...


class MemorySeen:
    """One process only (development, tests); forgets the oldest keys beyond `capacity`."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self.keys: OrderedDict[str, float] = OrderedDict()

    async def first_time(self, key: str) -> bool:
        if key in self.keys:
            return False
        self.keys[key] = time.monotonic()
        while len(self.keys) > self.capacity:
            self.keys.popitem(last=False)
        return True

    async def close(self) -> None:
        return None


class RedisSeen:
    """`SET key 1 NX EX` — atomic across instances, expires by itself."""

    def __init__(self, url: str, prefix: str = "hotline:seen:") -> None:
        import redis.asyncio as redis

        self.client = redis.from_url(url)
        self.prefix = prefix

    async def first_time(self, key: str) -> bool:
        return bool(await self.client.set(self.prefix + key, b"1", nx=True, ex=REMEMBER_SECONDS))

    async def close(self) -> None:
        await self.client.close()


class DatabaseSeen:
    """A primary-key insert: the second insert of a key fails on every instance sharing the database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    async def open(cls, url: str) -> DatabaseSeen:
        engine = make_engine(url)
        for attempt in range(3):
            try:  # both channels (and other instances) may create the table at the same moment
                async with engine.begin() as connection:
                    await connection.run_sync(_metadata.create_all)
                    cutoff = datetime.now(timezone.utc) - timedelta(seconds=REMEMBER_SECONDS)
                    await connection.execute(delete(seen_messages).where(seen_messages.c.seen_at < cutoff))
                break
            except (OperationalError, ProgrammingError, IntegrityError):
                if attempt == 2:
                    raise
                await asyncio.sleep(0.2)
        return cls(engine)

    async def first_time(self, key: str) -> bool:
        try:
            async with self.engine.begin() as connection:
                await connection.execute(insert(seen_messages).values(key=key, seen_at=datetime.now(timezone.utc)))
        except IntegrityError:
            return False
        return True

    async def close(self) -> None:
        await self.engine.dispose()


async def open_seen_store(env: Mapping[str, str]) -> SeenStore:
    """Redis when `REDIS_URL` is set, else the database of `DATABASE_URL`, else memory (one process)."""
    if env.get("REDIS_URL"):
        return RedisSeen(env["REDIS_URL"])
    if env.get("DATABASE_URL"):
        return await DatabaseSeen.open(env["DATABASE_URL"])
    log.warning("neither REDIS_URL nor DATABASE_URL is set: repeated messages are only caught within this process")
    return MemorySeen()
