"""Workflow API `/api/v1/`: the action server (service token), staff tools and other systems.

Handlers are thin: they parse, call the ticket service with the caller, and render.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Dict, Tuple

from aiohttp import web

from bot.accounts.roles import Principal, Role
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.taxonomy import OTHER
from bot.ticketing.evidence import MAX_EVIDENCE_BYTES, EvidenceFiles
from bot.ticketing.lifecycle import parse_action
from bot.ticketing.service import NewTicket, TicketFilter, TransitionRequest
from bot.ticketing.states import Status
from bot.web.bodies import json_object
from bot.web.keys import EVIDENCE, PACK, TICKETS
from bot.web.middleware import PRINCIPAL
from bot.web.openapi import document
from bot.web.views import ticket_json

routes = web.RouteTableDef()


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def _body(request: web.Request) -> Dict[str, Any]:
    return json_object(await request.read())  # read() keeps the app's (or the clone's) size limit


def _text(data: Dict[str, Any], key: str, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise InvalidInput(f"缺少字段 {key}", error_en=f"'{key}' is required")
        return None
    if not isinstance(value, (str, int, float)):
        raise InvalidInput(f"字段 {key} 应为文本", error_en=f"'{key}' must be text")
    return str(value)


def _caller(request: web.Request) -> Principal:
    principal: Principal = request[PRINCIPAL]
    return principal


def _render(request: web.Request, ticket: Any, timeline: bool = True) -> Dict[str, Any]:
    tickets = request.app[TICKETS]
    return ticket_json(ticket, request.app[PACK], _caller(request), tickets.clock(), timeline=timeline)


@routes.post("/api/v1/tickets")
async def create_ticket(request: web.Request) -> web.Response:
    """Open a ticket. The same `idempotency_key` twice returns the first ticket with 200."""
    if _caller(request).role not in (Role.service, Role.operator, Role.admin):
        raise NotAllowed("只有热线中心和系统服务可以新建工单", error_en="only the centre and services open tickets")
    data = await _body(request)
    try:
        confidence = float(data.get("category_confidence", 0.0))
    except (TypeError, ValueError) as exc:
        raise InvalidInput("category_confidence 应为数字", error_en="category_confidence must be a number") from exc
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
        note=_text(data, "note"),
    )
    ticket, created = await request.app[TICKETS].create(new)
    return _json(_render(request, ticket), status=201 if created else 200)


def _page(request: web.Request) -> Tuple[int, int]:
    try:
        limit = int(request.query.get("limit", "50"))
        offset = int(request.query.get("offset", "0"))
    except ValueError as exc:
        raise InvalidInput("limit 和 offset 应为整数", error_en="limit and offset must be integers") from exc
    if not 1 <= limit <= 200 or not 0 <= offset <= 1_000_000:
        raise InvalidInput("limit 应在 1–200 之间，offset 不能为负", error_en="limit 1-200, offset >= 0")
    return limit, offset


def _filters(request: web.Request) -> TicketFilter:
    """Query parameters → a filter; unknown codes are a 422, not an empty list."""
    pack = request.app[PACK]
    query = request.query
    statuses = []
    for value in filter(None, query.get("status", "").split(",")):
        try:
            statuses.append(Status(value))
        except ValueError as exc:
            raise InvalidInput(f"未知的状态：{value}", error_en=f"unknown status '{value}'") from exc
    department = query.get("department") or None
    if department and department not in pack.departments:
        raise InvalidInput(f"未知的单位代码：{department}", error_en=f"unknown department '{department}'")
    community = query.get("community") or None
    if community and community not in pack.communities:
        raise InvalidInput(f"未知的社区代码：{community}", error_en=f"unknown community '{community}'")
    category = query.get("category") or None
    if category and category not in pack.taxonomy:
        raise InvalidInput(f"未知的事项类别：{category}", error_en=f"unknown category '{category}'")
    overdue_text = query.get("overdue")
    if overdue_text not in (None, "", "true", "false", "1", "0"):
        raise InvalidInput("overdue 应为 true 或 false", error_en="overdue must be true or false")
    overdue = None if not overdue_text else overdue_text in ("true", "1")
    limit, offset = _page(request)
    return TicketFilter(tuple(statuses), department, community, category, overdue, None, limit, offset)


@routes.get("/api/v1/tickets")
async def list_tickets(request: web.Request) -> web.Response:
    """Staff: the queue with filters, soonest deadline first. Services: `?sender_id=` (the resident's own)."""
    caller = _caller(request)
    tickets = request.app[TICKETS]
    sender_id = request.query.get("sender_id")
    if caller.role is Role.service and sender_id:
        found = await tickets.list_for_sender(sender_id)
        return _json({"tickets": [_render(request, t) for t in found]})
    filters = _filters(request)
    if sender_id:
        filters = TicketFilter(**{**filters.__dict__, "sender_id": sender_id})
    found, total = await tickets.search(filters, caller)
    return _json(
        {
            "total": total,
            "limit": filters.limit,
            "offset": filters.offset,
            "tickets": [_render(request, t, timeline=False) for t in found],
        }
    )


@routes.get("/api/v1/tickets/{number}")
async def get_ticket(request: web.Request) -> web.Response:
    """With `?sender_id=`, a ticket of another resident is reported as not found."""
    sender_id = request.query.get("sender_id")
    ticket = await request.app[TICKETS].get(request.match_info["number"], sender_id, viewer=_caller(request))
    return _json(_render(request, ticket))


def _transition_request(data: Dict[str, Any]) -> TransitionRequest:
    rating = data.get("rating")
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int)):
        raise InvalidInput("评价应为 1–5 的整数", error_en="rating must be an integer 1-5")
    public = data.get("public", False)
    if not isinstance(public, bool):
        raise InvalidInput("public 应为 true 或 false", error_en="public must be a boolean")
    return TransitionRequest(
        action=parse_action(data.get("action")),
        note=data.get("note") or "",
        public=public,
        department=_text(data, "department"),
        reason=data.get("reason") or "",
        into=_text(data, "into"),
        rating=rating,
        sender_id=_text(data, "sender_id"),
    )


@routes.post("/api/v1/tickets/{number}/transitions")
async def transition(request: web.Request) -> web.Response:
    """One lifecycle step; 409 when the state does not allow it or someone else acted first."""
    request_body = _transition_request(await _body(request))
    ticket = await request.app[TICKETS].transition(request.match_info["number"], _caller(request), request_body)
    return _json(_render(request, ticket))


# Base64 makes 5 MB into ~6.7 MB; the rest of the body is a few short fields.
EVIDENCE_BODY_BYTES = MAX_EVIDENCE_BYTES * 4 // 3 + 64 * 1024


@routes.post("/api/v1/evidence")
async def add_evidence(request: web.Request) -> web.Response:
    """A resident's photo (base64): joins their recent open ticket, or waits for the next one."""
    if _caller(request).role is not Role.service:
        raise NotAllowed("只有系统服务可以代居民提交照片", error_en="only services submit evidence")
    data = await _body(request.clone(client_max_size=EVIDENCE_BODY_BYTES))
    sender_id = _text(data, "sender_id", required=True) or ""
    encoded = data.get("data")
    if not isinstance(encoded, str) or not encoded:
        raise InvalidInput("缺少照片内容（base64）", error_en="'data' must be base64 text")
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("照片内容不是有效的 base64", error_en="'data' is not valid base64") from exc
    in_progress = data.get("complaint_in_progress", False)
    if not isinstance(in_progress, bool):
        raise InvalidInput(
            "complaint_in_progress 应为 true 或 false", error_en="complaint_in_progress must be a boolean"
        )
    stored = await request.app[EVIDENCE].save(content)
    ticket = await request.app[TICKETS].add_evidence(sender_id, stored, in_progress)
    if ticket is None:
        return _json({"pending": True, "media_type": stored.media_type, "size": stored.size}, status=201)
    return _json({"attached_to": ticket.number, "media_type": stored.media_type, "size": stored.size}, status=201)


@routes.get("/api/v1/tickets/{number}/attachments/{attachment_id:\\d+}")
async def download_attachment(request: web.Request) -> web.StreamResponse:
    """The photo itself, for staff who may see the ticket (another department's: not found)."""
    caller = _caller(request)
    if caller.role is Role.service:
        raise NotAllowed("附件只对工作人员开放", error_en="attachments are for staff")
    number, attachment_id = request.match_info["number"], int(request.match_info["attachment_id"])
    attachment = await request.app[TICKETS].attachment(number, attachment_id, caller)
    files: EvidenceFiles = request.app[EVIDENCE]
    path = files.path_of(attachment.stored_path)
    if not path.exists():
        raise NotFound("附件文件已不存在", error_en="attachment file is missing")
    return web.FileResponse(
        path,
        headers={
            "Content-Type": attachment.media_type,
            "Cache-Control": "private, max-age=3600",
            "X-Content-Type-Options": "nosniff",
        },
    )


@routes.get("/api/v1/departments")
async def departments(request: web.Request) -> web.Response:
    pack = request.app[PACK]
    staff = _caller(request).role is not Role.service
    return _json(
        {
            "departments": [
                {
                    "code": d.code,
                    "name": d.name,
                    "kind": d.kind,
                    **({"phone": d.phone, "contact": d.contact} if staff else {}),
                }
                for d in pack.departments.values()
            ]
        }
    )


@routes.get("/api/v1/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return _json(document())
