"""`hotline bench-linkage`: tickets created per second, and p95 of the overdue list at scale.

Not part of `make test`. It empties the ticket tables of the database it is given, so it
refuses any database whose name does not contain "test" or "bench".
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import time
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator, Dict, List

import aiohttp
from aiohttp import web
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from bot.citypack import DEFAULT_PACK, load_city_pack
from bot.settings import Settings
from bot.ticketing.db import create_schema, make_engine, schema
from bot.ticketing.lifecycle import RUNNING
from bot.ticketing.models import Ticket
from bot.ticketing.service import NewTicket, TicketService
from bot.ticketing.states import Status
from bot.web.keys import ACCOUNTS

BATCH = 5000
CONCURRENCY = 20
TOKEN = "bench-service-token-0123456789"


def _p95(samples: List[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)


@contextlib.asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """The app on a free local port while the block runs; yields its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def _reset(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(schema().drop_all)
        await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await create_schema(engine)
    await TicketService(engine, load_city_pack()).sync_departments()
    await engine.dispose()


def _complaint(i: int, prefix: str) -> NewTicket:
    return NewTicket(
        sender_id=f"web:bench-{prefix}-{i}",
        description=f"第{i}号测试诉求：宝山北路{i}号门口占道经营，影响通行{random.random()}",
        address=f"宝山北路{i}号",
        category="street_vendor",
        category_confidence=0.9,
        idempotency_key=f"bench-{prefix}-{i:08d}",
    )


async def _create_through_service(url: str, count: int) -> Dict[str, float]:
    engine = make_engine(url)
    service = TicketService(engine, load_city_pack())
    await service.sync_departments()
    started = time.perf_counter()
    for i in range(count):
        await service.create(_complaint(i, "seq"))
    sequential = count / (time.perf_counter() - started)
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with semaphore:
            await service.create(_complaint(i, "par"))

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    parallel = count / (time.perf_counter() - started)
    await engine.dispose()
    return {"service_sequential_per_s": sequential, f"service_{CONCURRENCY}_concurrent_per_s": parallel}


async def _bulk_seed(url: str, total: int) -> None:
    """Insert `total` tickets in batches: 70 % closed, 20 % running on time, 10 % running overdue."""
    engine = make_engine(url)
    pack = load_city_pack()
    now = datetime.now(timezone.utc)
    departments = [code for code in pack.departments if code != pack.triage_department]
    categories = list(pack.categories)
    communities = list(pack.communities)
    running = [s.value for s in RUNNING]
    day0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    rows: List[Dict[str, Any]] = []
    async with engine.begin() as connection:
        for i in range(total):
            roll = random.random()
            accepted = now - timedelta(days=random.uniform(0, 300))
            if roll < 0.7:
                status, due = Status.closed.value, accepted + timedelta(days=5)
            elif roll < 0.9:
                status, due = random.choice(running), now + timedelta(days=random.uniform(0.1, 10))
            else:
                status, due = random.choice(running), now - timedelta(days=random.uniform(0.1, 30))
            day = day0 + timedelta(days=i // 900)
            rows.append(
                {
                    "number": f"{day:%Y%m%d}-{i % 900 + 1:06d}",
                    "channel": "web",
                    "sender_id": f"web:seed-{i % 20000}",
                    "appeal_type": "complaint",
                    "category": random.choice(categories),
                    "category_confidence": 0.9,
                    "description": f"批量测试诉求 {i}",
                    "address": "宝山北路1号",
                    "address_full": "贵阳市云岩区宝山北路1号",
                    "community": random.choice(communities),
                    "status": status,
                    "department_code": random.choice(departments),
                    "accepted_at": accepted,
                    "sign_due_at": accepted + timedelta(hours=2),
                    "due_at": due,
                    "warn_at": accepted + (due - accepted) * 0.75,
                    "escalations": 0,
                    "updated_at": accepted,
                    "version": 1,
                }
            )
            if len(rows) == BATCH:
                await connection.execute(insert(Ticket.__table__), rows)
                rows = []
        if rows:
            await connection.execute(insert(Ticket.__table__), rows)
        await connection.execute(
            text(
                "INSERT INTO ticket_events (ticket_id, at, actor, actor_role, action, to_status, note, public) "
                "SELECT id, accepted_at, 'system', 'system', 'accept', 'accepted', '您的诉求已受理', true FROM tickets"
            )
        )
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    await engine.dispose()


async def _http(url: str, creations: int, queries: int) -> Dict[str, float]:
    from bot.web.app import init_app

    settings = Settings(
        database_url=url,
        service_token=TOKEN,
        rasa_url="http://127.0.0.1:9",
        city_pack=DEFAULT_PACK,
        scheduler_seconds=0,
    )
    app = init_app(settings)
    results: Dict[str, float] = {}
    async with serving(app) as base:
        admin = await app[ACCOUNTS].create_token("admin")
        async with aiohttp.ClientSession() as http:
            if creations:
                semaphore = asyncio.Semaphore(CONCURRENCY)
                service_headers = {"Authorization": f"Bearer {TOKEN}"}

                async def one(i: int) -> None:
                    complaint = _complaint(i, "http")
                    body = {k: getattr(complaint, k) for k in ("sender_id", "description", "address", "category")}
                    body |= {"category_confidence": 0.9, "idempotency_key": complaint.idempotency_key}
                    async with semaphore, http.post(f"{base}/api/v1/tickets", json=body, headers=service_headers) as r:
                        assert r.status == 201, await r.text()

                started = time.perf_counter()
                await asyncio.gather(*(one(i) for i in range(creations)))
                results[f"http_{CONCURRENCY}_concurrent_per_s"] = creations / (time.perf_counter() - started)
            if queries:
                headers = {"Authorization": f"Bearer {admin}"}
                samples = []
                total = 0
                for _ in range(queries):
                    started = time.perf_counter()
                    async with http.get(f"{base}/api/v1/tickets?overdue=true", headers=headers) as r:
                        data = await r.json()
                    samples.append((time.perf_counter() - started) * 1000)
                    total = data["total"]
                results["overdue_total"] = total
                results["overdue_p50_ms"] = statistics.median(samples)
                results["overdue_p95_ms"] = _p95(samples)
    return results


def run_benchmark(url: str, tickets: int, creations: int) -> int:
    name = make_url(url).database or ""
    if "test" not in name and "bench" not in name:
        print(f"拒绝运行：数据库 {name!r} 的名字里没有 test 或 bench（基准测试会清空工单表）")
        return 2

    async def run() -> Dict[str, float]:
        figures: Dict[str, float] = {}
        await _reset(url)
        figures |= await _create_through_service(url, creations)
        await _reset(url)
        figures |= await _http(url, creations, 0)
        await _reset(url)
        started = time.perf_counter()
        await _bulk_seed(url, tickets)
        figures["seed_seconds"] = time.perf_counter() - started
        figures |= await _http(url, 0, 200)
        return figures

    figures = asyncio.run(run())
    print(f"数据库: {make_url(url).get_backend_name()} · 工单数: {tickets}")
    for key, value in figures.items():
        print(f"  {key}: {value:.1f}")
    return 0
