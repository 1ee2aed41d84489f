"""A local stand-in for the Telegram Bot API (`/bot<token>/<method>`), so python-telegram-bot's
real HTTP code runs in tests and in `make fake-platforms`.

It remembers what the bot sent to each chat, hands out queued updates to `getUpdates`
(polling mode), and can be told to fail for a while (a Telegram outage).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any, Dict, List
from urllib.parse import unquote

from aiohttp import web

BOT_ID = 7000000001
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "12319助手", "username": "hotline_12319_bot"}


def _value(raw: str) -> Any:
    """PTB sends form fields; everything but plain strings is JSON-encoded."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class FakeBotAPI:
    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: List[Dict[str, Any]] = []
        self.sent: Dict[int, List[Dict[str, Any]]] = {}
        self.updates: List[Dict[str, Any]] = []
        self.webhook: Dict[str, Any] = {}
        self.files: Dict[str, bytes] = {}  # file_id → content, for getFile and the download
        self.failing = False
        self.changed = asyncio.Condition()
        self._message_ids = itertools.count(100)
        self._update_ids = itertools.count(900_000_001)

    def routes(self) -> List[web.RouteDef]:
        return [
            web.post(f"/bot{self.token}/{{method}}", self.handle),
            web.get(f"/bot{self.token}/{{method}}", self.handle),
            # PTB quotes the token's ":" in file URLs (`%3A`), so the token is compared unquoted.
            web.get("/file/{bot_token:bot[^/]+}/{path:.+}", self.download),
        ]

    def app(self) -> web.Application:
        app = web.Application()
        app.add_routes(self.routes())
        return app

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = {k: _value(v) for k, v in (await request.post()).items() if isinstance(v, str)}
        if self.failing:
            return web.json_response({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502)
        if method == "getFile" and str(params.get("file_id")) not in self.files:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}, status=400
            )
        async with self.changed:
            self.calls.append({"method": method, **params})
            result = await self._answer(method, params)
            self.changed.notify_all()
        return web.json_response({"ok": True, "result": result})

    async def download(self, request: web.Request) -> web.Response:
        """`/file/bot<token>/<file_path>`, where getFile's `file_path` points."""
        if unquote(request.match_info["bot_token"]) != f"bot{self.token}":
            raise web.HTTPNotFound()
        path = request.match_info["path"]
        file_id = path.removeprefix("photos/").rsplit(".", 1)[0]
        if self.failing or file_id not in self.files:
            raise web.HTTPNotFound()
        self.calls.append({"method": "download", "path": path})
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    def add_file(self, file_id: str, content: bytes) -> None:
        """A file the resident sent (a photo), for getFile and the download."""
        self.files[file_id] = content

    async def _answer(self, method: str, params: Dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("setWebhook", "deleteWebhook"):
            self.webhook = params if method == "setWebhook" else {}
            return True
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            ready = [u for u in self.updates if u["update_id"] >= offset]
            if not ready:
                await asyncio.sleep(0.05)
            return ready
        if method == "getFile":
            file_id = str(params["file_id"])
            return {
                "file_id": file_id,
                "file_unique_id": f"u{abs(hash(file_id)) % 10**8}",
                "file_size": len(self.files[file_id]),
                "file_path": f"photos/{file_id}.jpg",
            }
        if method in ("sendMessage", "sendPhoto"):
            chat_id = int(params["chat_id"])
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            self.sent.setdefault(chat_id, []).append({**params, "chat_id": chat_id})
            return message
        return True  # answerCallbackQuery, editMessageReplyMarkup, sendChatAction …

    def queue_update(self, update: Dict[str, Any]) -> None:
        """For polling mode: the next `getUpdates` returns it."""
        self.updates.append(update)

    def texts(self, chat_id: int) -> List[str]:
        return [m.get("text", "") for m in self.sent.get(chat_id, [])]

    async def wait_for(self, chat_id: int, count: int, timeout: float = 10.0) -> List[Dict[str, Any]]:
        """The first `count` messages the bot sent to a chat; fails the test after `timeout`."""

        async def enough() -> None:
            async with self.changed:
                await self.changed.wait_for(lambda: len(self.sent.get(chat_id, [])) >= count)

        await asyncio.wait_for(enough(), timeout)
        return self.sent[chat_id][:count]

    def next_update_id(self) -> int:
        return next(self._update_ids)


def text_update(update_id: int, chat_id: int, text: str, first_name: str = "小王") -> Dict[str, Any]:
    """A private-chat text message as Telegram delivers it (commands get their entity)."""
    message: Dict[str, Any] = {
        "message_id": update_id % 100_000,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": first_name},
        "from": {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": "zh-hans"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0].split("{")[0])}]
    return {"update_id": update_id, "message": message}


def callback_update(update_id: int, chat_id: int, data: str, message_id: int = 100) -> Dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "小王"}
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": user,
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": "请选择",
            },
        },
    }
