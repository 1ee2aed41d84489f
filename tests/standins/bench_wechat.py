"""WeChat reply time under load: `python -m tests.standins.bench_wechat [--residents 20]`.

Starts the product as `make run` does (with the WeChat stand-in), lets N residents write at
the same time — each one a short conversation — as WeChat would deliver it (signed, 5 s wait,
redelivery), and reports the time to each answer and how it came: passively in the HTTP
response, or later through the customer-service API. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

import aiohttp

from tests.standins.__main__ import WECHAT as WECHAT_API
from tests.standins.stack import WECHAT, Stack, require_model, start_stack
from tests.standins.wechat_api import WeChatServer

CONVERSATION = [
    "你好",
    "我们小区门口天天有车乱停，把消防通道都堵死了",
    "宝山北路56号",
    "跳过",
    "13985012345",
    "查一下我的工单",
]


async def resident(stack: Stack, number: int, results: List[Tuple[float, str, str]]) -> None:
    wechat = WeChatServer(f"{stack.rasa}/webhooks/wechat/webhook", WECHAT["WECHAT_TOKEN"], WECHAT["WECHAT_APP_ID"])
    api = stack.standins.app[WECHAT_API]
    openid = f"o-bench-{number:03d}"
    async with aiohttp.ClientSession() as session:
        for text in CONVERSATION:
            before = len(api.sent.get(openid, []))
            delivery = await wechat.deliver(wechat.xml(openid, "text", Content=text), session)
            if delivery.passive:
                results.append((delivery.seconds, "passive", text))
                continue
            started = time.perf_counter() - delivery.seconds
            while len(api.sent.get(openid, [])) == before and time.perf_counter() - started < 60:
                await asyncio.sleep(0.05)
            answered = len(api.sent.get(openid, [])) > before
            results.append((time.perf_counter() - started, "customer_service" if answered else "no_answer", text))


async def bench(stack: Stack, residents: int) -> Dict[str, object]:
    results: List[Tuple[float, str, str]] = []
    started = time.perf_counter()
    await asyncio.gather(*(resident(stack, n, results) for n in range(residents)))
    seconds = sorted(r[0] for r in results)
    quantiles = statistics.quantiles(seconds, n=100)
    return {
        "residents": residents,
        "messages": len(results),
        "wall_seconds": round(time.perf_counter() - started, 1),
        "p50_seconds": round(statistics.median(seconds), 3),
        "p99_seconds": round(quantiles[98], 3),
        "max_seconds": round(seconds[-1], 3),
        "passive": sum(1 for r in results if r[1] == "passive"),
        "customer_service": sum(1 for r in results if r[1] == "customer_service"),
        "no_answer_in_60s": sum(1 for r in results if r[1] == "no_answer"),
        "slowest": [(round(r[0], 2), r[1], r[2][:8]) for r in sorted(results, reverse=True)[:6]],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=20)
    args = parser.parse_args()
    require_model()
    var = Path(tempfile.mkdtemp(prefix="bench-wechat-"))
    stack = start_stack(var)
    try:
        print(stack.standins.run(bench(stack, args.residents), timeout=900))
    finally:
        stack.stop()
    print(f"logs: {var / 'run.log'}")


if __name__ == "__main__":
    main()
