"""`hotline bench-suggest`: latency of `POST /api/v1/suggest` over HTTP, and export time at scale.

Not part of `make test`. Runs the linkage service in-process with the trained model on a
throw-away SQLite database (or a given test database), sends held-out caller texts one at a
time as an operator would, and prints p50/p95. With `--export-rows N` it also bulk-loads N
tickets and times the CSV and Excel exports of all of them.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import aiohttp
from sqlalchemy.engine import make_url

from bot.bench_linkage import _bulk_seed, _p95, _reset, serving
from bot.citypack import DEFAULT_PACK
from bot.settings import ROOT, Settings
from bot.web.keys import ACCOUNTS, SUGGESTER

TEXTS = ROOT / "tests" / "data" / "heldout" / "chat.jsonl"


def _texts(limit: int) -> List[str]:
    lines = [json.loads(line)["text"] for line in TEXTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [lines[i % len(lines)] for i in range(limit)]


async def _run(model: Path, requests: int, url: str, export_rows: int) -> Dict[str, float]:
    from bot.web.app import init_app

    await _reset(url)
    if export_rows:
        started = time.perf_counter()
        await _bulk_seed(url, export_rows)
        seeded = time.perf_counter() - started
    settings = Settings(
        database_url=url,
        service_token="bench-service-token-0123456789",
        rasa_url="http://127.0.0.1:9",
        city_pack=DEFAULT_PACK,
        scheduler_seconds=0,
        suggest_model=model,
    )
    app = init_app(settings)
    figures: Dict[str, float] = {}
    async with serving(app) as base:
        assert SUGGESTER in app, "the model did not load"
        operator = await app[ACCOUNTS].create_token("operator")
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bearer {operator}"}
            for text in _texts(5):  # warm-up: TensorFlow builds its graphs on the first calls
                async with http.post(f"{base}/api/v1/suggest", json={"text": text}, headers=headers) as r:
                    assert r.status == 200, await r.text()
            samples = []
            for text in _texts(requests):
                started = time.perf_counter()
                async with http.post(f"{base}/api/v1/suggest", json={"text": text}, headers=headers) as r:
                    await r.read()
                    assert r.status == 200
                samples.append((time.perf_counter() - started) * 1000)
            figures["suggest_requests"] = len(samples)
            figures["suggest_p50_ms"] = statistics.median(samples)
            figures["suggest_p95_ms"] = _p95(samples)
            figures["suggest_max_ms"] = max(samples)
            if export_rows:
                figures["seed_seconds"] = seeded
                # Exports are page routes: an official logs in and downloads with the session cookie.
                await app[ACCOUNTS].add_user("bench-official", "official", "bench-pass-0001")
                session = await app[ACCOUNTS].login("bench-official", "bench-pass-0001")
                cookies = {"hotline_session": session.session_secret}
                for name, path in (("dashboard_page", "/dashboard"), ("summary_api", "/api/v1/reports/summary")):
                    started = time.perf_counter()
                    async with http.get(f"{base}{path}", cookies=cookies) as r:
                        await r.read()
                        assert r.status == 200, r.status
                    figures[f"{name}_seconds"] = time.perf_counter() - started
                for kind in ("csv", "xlsx"):
                    started = time.perf_counter()
                    async with http.get(f"{base}/dashboard/export.{kind}?status=all", cookies=cookies) as r:
                        size = len(await r.read())
                        assert r.status == 200, r.status
                    figures[f"export_{kind}_seconds"] = time.perf_counter() - started
                    figures[f"export_{kind}_megabytes"] = size / 1e6
    return figures


def run_benchmark(model: Path, requests: int, database_url: str | None, export_rows: int = 0) -> int:
    name = make_url(database_url).database or "" if database_url else "bench"
    if "test" not in name and "bench" not in name:
        print(f"拒绝运行：数据库 {name!r} 的名字里没有 test 或 bench（基准测试会清空工单表）")
        return 2
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{folder}/bench.sqlite3"
        figures = asyncio.run(_run(model, requests, url, export_rows))
    print(f"模型: {model.name} · 数据库: {url.split(':')[0]}")
    for key, value in figures.items():
        print(f"  {key}: {value:.1f}" if isinstance(value, float) else f"  {key}: {value}")
    return 0
