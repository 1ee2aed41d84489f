"""The residents' web chat `/chat`: a page and a same-origin relay to Rasa's REST channel.

The relay gives each browser a signed session cookie and talks to Rasa as `web:<session>`,
so a browser can never pose as another resident (and read their tickets).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
from pathlib import Path
from typing import Any, Dict, List

import aiohttp
from aiohttp import web

from bot.web.keys import HTTP, SETTINGS

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
COOKIE = "hotline_chat"
MAX_MESSAGE_CHARS = 5000
PAGE = Path(__file__).with_name("static") / "chat.html"


def _sign(secret: str, session: str) -> str:
    return hmac.new(secret.encode(), session.encode(), hashlib.sha256).hexdigest()[:32]


def _session_of(request: web.Request) -> str | None:
    value = request.cookies.get(COOKIE, "")
    session, _, signature = value.partition(".")
    if session and hmac.compare_digest(signature, _sign(request.app[SETTINGS].session_secret, session)):
        return session
    return None


def _reply(messages: List[Dict[str, Any]], status: int = 200) -> web.Response:
    return web.json_response({"messages": messages}, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


@routes.get("/chat")
async def page(request: web.Request) -> web.Response:
    return web.Response(text=PAGE.read_text(encoding="utf-8"), content_type="text/html", charset="utf-8")


@routes.post("/chat/api/messages")
async def relay(request: web.Request) -> web.Response:
    if request.content_type != "application/json":  # also stops cross-site form posts
        return _reply([{"text": "请求格式不对，请刷新页面后重试。"}], status=415)
    try:
        body = await request.json()
        message = str(body.get("message", "")) if isinstance(body, dict) else ""
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _reply([{"text": "请求格式不对，请刷新页面后重试。"}], status=400)
    session = _session_of(request)
    new_session = session is None
    if session is None:
        session = secrets.token_urlsafe(16)
    if not message.strip():
        response = _reply([{"text": "请输入您要反映的问题或咨询的事项。"}])
    elif len(message) > MAX_MESSAGE_CHARS:
        response = _reply([{"text": f"您的留言超过了 {MAX_MESSAGE_CHARS} 字，请精简后分几次发送。"}], status=413)
    else:
        response = _reply(await _ask_rasa(request, f"web:{session}", message))
    if new_session:
        secret = request.app[SETTINGS].session_secret
        response.set_cookie(
            COOKIE, f"{session}.{_sign(secret, session)}", httponly=True, samesite="Lax", max_age=30 * 86400
        )
    return response


@routes.get("/chat/api/updates")
async def updates(request: web.Request) -> web.Response:
    """Progress pushed to this browser's conversation since the last poll (bot/notify)."""
    from sqlalchemy import select, update

    from bot.notify.models import WebChatMessage
    from bot.web.keys import TICKETS

    session = _session_of(request)
    if session is None:
        return _reply([])
    tickets = request.app[TICKETS]
    async with tickets.sessions.begin() as db:
        rows = list(
            (
                await db.execute(
                    select(WebChatMessage)
                    .where(WebChatMessage.sender_id == f"web:{session}", WebChatMessage.fetched_at.is_(None))
                    .order_by(WebChatMessage.id)
                )
            ).scalars()
        )
        if rows:
            await db.execute(
                update(WebChatMessage)
                .where(WebChatMessage.id.in_([r.id for r in rows]))
                .values(fetched_at=tickets.clock())
            )
    return _reply([json.loads(r.payload) for r in rows])


async def _ask_rasa(request: web.Request, sender: str, message: str) -> List[Dict[str, Any]]:
    url = f"{request.app[SETTINGS].rasa_url}/webhooks/rest/webhook"
    try:
        async with request.app[HTTP].post(
            url, json={"sender": sender, "message": message}, timeout=aiohttp.ClientTimeout(total=30)
        ) as answer:
            if answer.status != 200:
                log.warning("Rasa answered %s to the web chat relay", answer.status)
                raise aiohttp.ClientError(f"status {answer.status}")
            data = await answer.json()
    except (aiohttp.ClientError, asyncio.TimeoutError, json.JSONDecodeError):
        return [{"text": "智能助手暂时无法应答，请稍后再试，或直接拨打 12319 热线。"}]
    # Nothing said is an answer too: while a clerk has the chat (人工转接) the bot stays silent.
    return [m for m in data if isinstance(m, dict)] if isinstance(data, list) else []
