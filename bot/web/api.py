"""Workflow API `/api/v1/` used by the action server (service token)."""

from __future__ import annotations

import json
from typing import Any, Dict

from aiohttp import web

from bot.errors import InvalidInput
from bot.taxonomy import OTHER
from bot.ticketing.service import NewTicket
from bot.web.keys import PACK, TICKETS
from bot.web.views import ticket_json

routes = web.RouteTableDef()


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def _body(request: web.Request) -> Dict[str, Any]:
    try:
        data = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput("请求体不是有效的 JSON") from exc
    if not isinstance(data, dict):
        raise InvalidInput("请求体应为 JSON 对象")
    return data


def _text(data: Dict[str, Any], key: str, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise InvalidInput(f"缺少字段 {key}")
        return None
    if not isinstance(value, (str, int, float)):
        raise InvalidInput(f"字段 {key} 应为文本")
    return str(value)


@routes.post("/api/v1/tickets")
async def create_ticket(request: web.Request) -> web.Response:
    """Open a ticket. The same `idempotency_key` twice returns the first ticket with 200."""
    data = await _body(request)
    try:
        confidence = float(data.get("category_confidence", 0.0))
    except (TypeError, ValueError) as exc:
        raise InvalidInput("category_confidence 应为数字") from exc
    new = NewTicket(
        sender_id=_text(data, "sender_id", required=True) or "",
        description=_text(data, "description", required=True) or "",
        address=_text(data, "address", required=True) or "",
        category=_text(data, "category") or OTHER,
        category_confidence=confidence,
        appeal_type=_text(data, "appeal_type") or "complaint",
        occurred_at=_text(data, "occurred_at"),
        contact_phone=_text(data, "contact_phone"),
        idempotency_key=_text(data, "idempotency_key"),
    )
    ticket, created = await request.app[TICKETS].create(new)
    return _json(ticket_json(ticket, request.app[PACK]), status=201 if created else 200)


@routes.get("/api/v1/tickets")
async def list_tickets(request: web.Request) -> web.Response:
    sender_id = request.query.get("sender_id")
    if not sender_id:
        raise InvalidInput("请提供 sender_id")
    tickets = await request.app[TICKETS].list_for_sender(sender_id)
    pack = request.app[PACK]
    return _json({"tickets": [ticket_json(t, pack) for t in tickets]})


@routes.get("/api/v1/tickets/{number}")
async def get_ticket(request: web.Request) -> web.Response:
    """With `?sender_id=`, a ticket of another resident is reported as not found."""
    ticket = await request.app[TICKETS].get(request.match_info["number"], request.query.get("sender_id"))
    return _json(ticket_json(ticket, request.app[PACK]))


@routes.get("/api/v1/departments")
async def departments(request: web.Request) -> web.Response:
    pack = request.app[PACK]
    return _json({"departments": [{"code": d.code, "name": d.name, "kind": d.kind} for d in pack.departments.values()]})
