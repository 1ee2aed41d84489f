"""The once-only store on every backend: the first caller wins, on any instance, and only once."""

from __future__ import annotations

import asyncio
import uuid

from connectors.seen import MemorySeen


async def test_a_key_is_new_once(seen_store):
    assert await seen_store.first_time("wx:msg:24681357")
    assert not await seen_store.first_time("wx:msg:24681357")
    assert await seen_store.first_time("wx:msg:24681358")


async def test_of_many_concurrent_callers_exactly_one_wins(seen_store):
    results = await asyncio.gather(*(seen_store.first_time("tg:1:815000001") for _ in range(20)))
    assert results.count(True) == 1


async def test_the_memory_store_forgets_the_oldest_beyond_its_capacity():
    store = MemorySeen(capacity=2)
    for key in ("a", "b", "c"):
        assert await store.first_time(key)
    assert await store.first_time("a") and not await store.first_time("c")


async def test_two_channels_opening_the_database_store_at_once_both_work(database_url):
    from connectors.seen import DatabaseSeen

    first, second = await asyncio.gather(DatabaseSeen.open(database_url), DatabaseSeen.open(database_url))
    key = f"wx:race:{uuid.uuid4()}"
    assert await first.first_time(key) and not await second.first_time(key)
    await first.close()
    await second.close()
