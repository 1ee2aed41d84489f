"""`make fake-platforms` — the Telegram Bot API and WeChat stand-ins on one port (default 8081),
for running the whole bot locally without the internet.

Point the bot at it (in .env): `TELEGRAM_API_BASE_URL=http://127.0.0.1:8081` and
`WECHAT_API_BASE_URL=http://127.0.0.1:8081`, with any TELEGRAM_TOKEN / TELEGRAM_SECRET_TOKEN /
WECHAT_TOKEN / WECHAT_APP_ID / WECHAT_APP_SECRET (and WECHAT_AES_KEY for safe mode). Then play a
resident:

    curl -s localhost:8081/simulate/telegram -d '{"chat_id": 10001, "text": "楼下有车占了消防通道"}'
    curl -s localhost:8081/simulate/wechat -d '{"openid": "o-resident-1", "text": "你好"}'
    curl -s localhost:8081/simulate/telegram/10001      # everything the bot sent to that chat
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any, Dict

import aiohttp
from aiohttp import web

from bot.settings import load_env
from tests.standins.telegram_api import FakeBotAPI, callback_update, text_update
from tests.standins.wechat_api import FakeWeChatAPI, WeChatServer

TELEGRAM = web.AppKey("telegram", FakeBotAPI)
WECHAT = web.AppKey("wechat", FakeWeChatAPI)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False, indent=1))


def build_app(env: Dict[str, str]) -> web.Application:
    rasa = env.get("RASA_URL") or f"http://127.0.0.1:{env.get('RASA_PORT', '5005')}"
    telegram = FakeBotAPI(env.get("TELEGRAM_TOKEN", "123456:local-token"))
    wechat = FakeWeChatAPI(env.get("WECHAT_APP_ID", "wx-local"), env.get("WECHAT_APP_SECRET", "wx-local-secret"))
    resident_side = WeChatServer(
        f"{rasa}/webhooks/wechat/webhook",
        env.get("WECHAT_TOKEN", ""),
        env.get("WECHAT_APP_ID", "wx-local"),
        env.get("WECHAT_AES_KEY", ""),
    )
    polling = env.get("TELEGRAM_MODE", "").lower() == "polling"

    async def simulate_telegram(request: web.Request) -> web.Response:
        body = await request.json()
        chat_id = int(body.get("chat_id", 10001))
        before = len(telegram.sent.get(chat_id, []))
        update_id = telegram.next_update_id()
        if "button" in body:
            update = callback_update(update_id, chat_id, str(body["button"]))
        else:
            update = text_update(update_id, chat_id, str(body.get("text", "")))
        if polling:
            telegram.queue_update(update)
            status = 200
        else:
            headers = {"X-Telegram-Bot-Api-Secret-Token": env.get("TELEGRAM_SECRET_TOKEN", "")}
            async with aiohttp.ClientSession() as session:
                async with session.post(f"{rasa}/webhooks/telegram/webhook", json=update, headers=headers) as answer:
                    status = answer.status
        deadline = time.monotonic() + float(body.get("wait", 8))
        while time.monotonic() < deadline and len(telegram.sent.get(chat_id, [])) == before:
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)  # a multi-part answer
        return _json({"webhook_status": status, "bot_sent": telegram.sent.get(chat_id, [])[before:]})

    async def telegram_chat(request: web.Request) -> web.Response:
        return _json(telegram.sent.get(int(request.match_info["chat_id"]), []))

    async def simulate_wechat(request: web.Request) -> web.Response:
        body = await request.json()
        openid = str(body.get("openid", "o-resident-1"))
        before = len(wechat.sent.get(openid, []))
        delivery = await resident_side.say(openid, str(body.get("text", "")))
        await asyncio.sleep(float(body.get("wait", 1)))
        return _json(
            {
                "statuses": delivery.statuses,
                "seconds": round(delivery.seconds, 3),
                "passive_reply": delivery.passive,
                "customer_service_messages": wechat.sent.get(openid, [])[before:],
            }
        )

    async def wechat_chat(request: web.Request) -> web.Response:
        return _json(wechat.sent.get(request.match_info["openid"], []))

    app = web.Application()
    app.add_routes(telegram.routes())
    app.add_routes(wechat.routes())
    app.add_routes(
        [
            web.post("/simulate/telegram", simulate_telegram),
            web.get("/simulate/telegram/{chat_id}", telegram_chat),
            web.post("/simulate/wechat", simulate_wechat),
            web.get("/simulate/wechat/{openid}", wechat_chat),
        ]
    )
    app[TELEGRAM], app[WECHAT] = telegram, wechat
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="本地模拟 Telegram Bot API 与微信公众平台")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    load_env()
    print(f"模拟平台已启动：http://{args.host}:{args.port}（Telegram Bot API、微信接口、/simulate/…）", flush=True)
    web.run_app(build_app(dict(os.environ)), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
