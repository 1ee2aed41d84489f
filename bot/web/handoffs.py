"""Handoff API `/api/v1/handoffs` (人工转接).

The action server (service token) opens a handoff with the transcript and relays what the
resident says; hotline-centre staff (token or console session) list the queue, read one
conversation, take it, reply and hand it back. Department staff and officials get 403.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any, Dict, List

from aiohttp import web

from bot.accounts.roles import Principal, Role
from bot.clock import format_local
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.handoff.models import Handoff, HandoffMessage
from bot.handoff.service import MAX_REPLY_CHARS, REASONS, STATES, Line
from bot.web.api import _body, _json, _text
from bot.web.bodies import limited_json_object
from bot.web.keys import COURIER, HANDOFFS
from bot.web.middleware import PRINCIPAL

routes = web.RouteTableDef()
CHANNELS = {"tg": "Telegram", "wx": "微信", "web": "网页", "tel": "电话"}
AUTHOR_NAMES = {"resident": "居民", "bot": "智能助手", "operator": "话务员", "system": "系统"}
TRANSCRIPT_BODY_BYTES = 512 * 1024  # 30 lines of up to 2,000 characters, as JSON \u escapes
REPLY_BODY_BYTES = 256 * 1024  # big enough to read an over-long reply and say how long it may be
MESSAGE_BODY_BYTES = 64 * 1024


def _centre(request: web.Request) -> Principal:
    who: Principal | None = request[PRINCIPAL]
    if who is None or not who.is_centre:
        raise NotAllowed("只有热线中心话务员可以处理人工会话", error_en="operators only")
    return who


def _service(request: web.Request) -> Principal:
    who: Principal | None = request[PRINCIPAL]
    if who is None or who.role is not Role.service:
        raise NotAllowed("只有系统服务可以代居民转人工", error_en="services only")
    return who


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def delivery(message: HandoffMessage) -> Dict[str, Any] | None:
    """Where a line for the resident stands, as the clerk reads it."""
    if message.intent is None:
        return None
    if message.sent_at is not None:
        state, text = "sent", "已送达"
    elif message.given_up_at is not None:
        state, text = "failed", "未能送达居民，请改用电话联系"
    elif message.attempts:
        state, text = "retrying", f"发送失败，正在重试（已试 {message.attempts} 次）"
    else:
        state, text = "pending", "发送中"
    return {"state": state, "text": text, "attempts": message.attempts, "error": message.last_error}


def message_json(message: HandoffMessage) -> Dict[str, Any]:
    return {
        "id": message.id,
        "author": message.author,
        "author_name": AUTHOR_NAMES.get(message.author, message.author),
        "operator": message.operator,
        "text": message.text,
        "at": _iso(message.created_at),
        "at_text": format_local(message.created_at),
        "delivery": delivery(message),
    }


def handoff_json(handoff: Handoff, now: datetime, latest: HandoffMessage | None = None) -> Dict[str, Any]:
    until = handoff.taken_at or (handoff.closed_at if handoff.state == "closed" else now)
    data: Dict[str, Any] = {
        "id": handoff.id,
        "sender_id": handoff.sender_id,
        "channel": handoff.channel,
        "channel_name": CHANNELS.get(handoff.channel, handoff.channel),
        "reason": handoff.reason,
        "reason_name": REASONS.get(handoff.reason, handoff.reason),
        "state": handoff.state,
        "state_name": STATES.get(handoff.state, handoff.state),
        "operator": handoff.operator,
        "created_at": _iso(handoff.created_at),
        "created_at_text": format_local(handoff.created_at),
        "waiting_seconds": max(0, math.floor((until - handoff.created_at).total_seconds())),
        "taken_at": _iso(handoff.taken_at),
        "closed_at": _iso(handoff.closed_at),
        "ticket_number": handoff.ticket_number,
    }
    if latest is not None:
        data["latest"] = {"author": latest.author, "text": latest.text[:80], "at": _iso(latest.created_at)}
        data["awaiting_reply"] = latest.author == "resident"
    return data


def _id(request: web.Request) -> int:
    return int(request.match_info["handoff_id"])


def _lines(value: Any) -> List[Line]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 200:
        raise InvalidInput("transcript 应为不超过 200 条的列表", error_en="transcript must be a list of <= 200 lines")
    lines = []
    for item in value:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("text"), str)
            or item.get("author")
            not in (
                "resident",
                "bot",
            )
        ):
            raise InvalidInput(
                "transcript 每条应含 author（resident/bot）和 text", error_en="each line needs author and text"
            )
        at = item.get("at")
        moment = None
        if isinstance(at, (int, float)) and not isinstance(at, bool) and 0 < at < 1e11:
            moment = datetime.fromtimestamp(at, tz=timezone.utc)
        if item["text"].strip():
            lines.append(Line(item["author"], item["text"], moment))
    return lines


@routes.post("/api/v1/handoffs")
async def open_handoff(request: web.Request) -> web.Response:
    """The action server: `{sender_id, reason, transcript}` → 201 (new) or 200 (the resident's open one)."""
    _service(request)
    data = await _body(request.clone(client_max_size=TRANSCRIPT_BODY_BYTES))
    handoffs = request.app[HANDOFFS]
    handoff, created = await handoffs.open(
        _text(data, "sender_id", required=True) or "",
        _text(data, "reason") or "asked",
        _lines(data.get("transcript")),
    )
    return _json(handoff_json(handoff, handoffs.clock()), status=201 if created else 200)


@routes.post("/api/v1/handoffs/messages")
async def relay_message(request: web.Request) -> web.Response:
    """The action server: what the resident said during the handoff; 404 when none is open."""
    _service(request)
    data = await _body(request.clone(client_max_size=MESSAGE_BODY_BYTES))
    text = data.get("text")
    if not isinstance(text, str):
        raise InvalidInput("缺少消息内容 text", error_en="'text' must be a string")
    message = await request.app[HANDOFFS].relay(_text(data, "sender_id", required=True) or "", text)
    if message is None:
        raise NotFound("该居民没有进行中的人工会话", error_en="no open handoff for this sender")
    return _json({"handoff_id": message.handoff_id, "message": message_json(message)}, status=201)


@routes.get("/api/v1/handoffs")
async def queue(request: web.Request) -> web.Response:
    """Open conversations: waiting ones first (longest wait first), then those being answered."""
    _centre(request)
    handoffs = request.app[HANDOFFS]
    now = handoffs.clock()
    rows = await handoffs.queue()
    return _json({"handoffs": [handoff_json(h, now, latest) for h, latest in rows]})


@routes.get("/api/v1/handoffs/{handoff_id:\\d+}")
async def one(request: web.Request) -> web.Response:
    """One conversation with its transcript and where each of the clerk's lines stands."""
    _centre(request)
    handoffs = request.app[HANDOFFS]
    handoff = await handoffs.get(_id(request))
    data = handoff_json(handoff, handoffs.clock(), handoff.messages[-1] if handoff.messages else None)
    data["messages"] = [message_json(m) for m in handoff.messages[-500:]]
    return _json(data)


@routes.post("/api/v1/handoffs/{handoff_id:\\d+}/take")
async def take(request: web.Request) -> web.Response:
    """接入; 409 when another clerk was first or it is over."""
    who = _centre(request)
    handoffs = request.app[HANDOFFS]
    handoff = await handoffs.take(_id(request), who)
    return _json(handoff_json(handoff, handoffs.clock()))


async def _reply_text(request: web.Request) -> Any:
    too_long = f"回复不能超过 {MAX_REPLY_CHARS} 字，请分几条发送"
    return (await limited_json_object(request, REPLY_BODY_BYTES, too_long, "reply text too long")).get("text")


@routes.post("/api/v1/handoffs/{handoff_id:\\d+}/replies")
async def reply(request: web.Request) -> web.Response:
    """`{text}`: the clerk's words, delivered to the resident's channel in order (a waiting one is taken)."""
    who = _centre(request)
    message = await request.app[HANDOFFS].reply(_id(request), who, await _reply_text(request))
    if COURIER in request.app:
        request.app[COURIER].wake()
    return _json(message_json(message), status=201)


@routes.post("/api/v1/handoffs/{handoff_id:\\d+}/handback")
async def hand_back(request: web.Request) -> web.Response:
    """交还机器人: the conversation closes and the resident is told the assistant is back."""
    who = _centre(request)
    handoffs = request.app[HANDOFFS]
    handoff = await handoffs.hand_back(_id(request), who)
    if COURIER in request.app:
        request.app[COURIER].wake()
    return _json(handoff_json(handoff, handoffs.clock()))
