"""Open311 GeoReport v2 at `/open311/v2/`: JSON and XML; public reads carry no personal data.

`service_request_id` is the ticket number; `status` is `open` until 办结 and `closed` after,
with the Chinese state and the last public note in `status_notes`. Creating a request needs an
`api_key`: the service token, or a token made with `hotline token create --role service`.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

from aiohttp import web

from bot.accounts.roles import Role
from bot.errors import InvalidInput, NotFound, TicketNotFound, Unauthorized
from bot.taxonomy import Category
from bot.ticketing.service import NewTicket
from bot.ticketing.states import Status
from bot.web.keys import PACK, TICKETS
from bot.web.middleware import _principal_for_bearer
from bot.web.views import open311_request

routes = web.RouteTableDef()
FORMAT = "{format:(json|xml)}"
MAX_REQUESTS = 1000  # the spec's suggested cap for one answer
DEFAULT_DAYS = 90  # without dates, the spec asks for the last 90 days


def _respond(request: web.Request, data: Any, root: str, item: str, status: int = 200) -> web.Response:
    if request.match_info.get("format") == "xml":
        return web.Response(body=_xml(data, root, item), status=status, content_type="text/xml", charset="utf-8")
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _xml(data: Any, root: str, item: str) -> bytes:
    element = ET.Element(root)
    for row in data if isinstance(data, list) else [data]:
        child = ET.SubElement(element, item) if isinstance(data, list) else element
        for key, value in row.items():
            _xml_value(ET.SubElement(child, key), value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")


def _xml_value(node: ET.Element, value: Any) -> None:
    if isinstance(value, list):
        for entry in value:
            sub = ET.SubElement(node, "value" if not isinstance(entry, dict) else node.tag[:-1] or "item")
            if isinstance(entry, dict):
                for key, inner in entry.items():
                    _xml_value(ET.SubElement(sub, key), inner)
            else:
                sub.text = str(entry)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)


def _service(category: Category) -> Dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{category.name}，例如：{category.typical}",
        "metadata": True,
        "type": "realtime",
        "keywords": category.typical.replace("，", ",").replace(", ", ","),
        "group": category.sector,
    }


@routes.get(f"/open311/v2/services.{FORMAT}")
async def services(request: web.Request) -> web.Response:
    rows = [_service(c) for c in request.app[PACK].taxonomy.categories.values()]
    return _respond(request, rows, "services", "service")


@routes.get(f"/open311/v2/services/{{code}}.{FORMAT}")
async def service_definition(request: web.Request) -> web.Response:
    """The questions a request of this service may answer (all optional: we ask in the chat)."""
    code = request.match_info["code"]
    if code not in request.app[PACK].taxonomy:
        raise NotFound(f"没有这个服务类别：{code}", error_en=f"unknown service_code '{code}'")
    attributes = [
        {
            "variable": True,
            "code": "occurred_at",
            "datatype": "string",
            "required": False,
            "datatype_description": "问题发生的时间，例如：每天晚上十点以后",
            "order": 1,
            "description": "发生时间",
        }
    ]
    return _respond(request, {"service_code": code, "attributes": attributes}, "service_definition", "attribute")


def _date(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(
            f"{name} 应为 ISO 8601 时间，例如 2026-11-22T10:00:00+08:00", error_en=f"{name} must be ISO 8601"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@routes.get(f"/open311/v2/requests.{FORMAT}")
async def list_requests(request: web.Request) -> web.Response:
    query = request.query
    pack, tickets = request.app[PACK], request.app[TICKETS]
    numbers = [n.strip() for n in query.get("service_request_id", "").split(",") if n.strip()]
    if numbers:
        found = []
        for number in numbers[:MAX_REQUESTS]:
            try:
                found.append(await tickets.get(number))
            except TicketNotFound:  # an unknown id in the list is simply not returned
                continue
        return _respond(request, [open311_request(t, pack) for t in found], "service_requests", "request")
    code = query.get("service_code") or None
    if code and code not in pack.taxonomy:
        raise InvalidInput(f"未知的服务类别：{code}", error_en=f"unknown service_code '{code}'")
    status = query.get("status") or None
    if status not in (None, "open", "closed"):
        raise InvalidInput("status 应为 open 或 closed", error_en="status must be open or closed")
    end = _date(query.get("end_date"), "end_date") or tickets.clock()
    start = _date(query.get("start_date"), "start_date") or end - timedelta(days=DEFAULT_DAYS)
    if start > end:
        raise InvalidInput("start_date 不能晚于 end_date", error_en="start_date is after end_date")
    statuses = [s for s in Status if (s.is_open if status == "open" else not s.is_open)] if status else None
    found = await tickets.between(start, end, code, statuses, MAX_REQUESTS)
    return _respond(request, [open311_request(t, pack) for t in found], "service_requests", "request")


@routes.get(f"/open311/v2/requests/{{number}}.{FORMAT}")
async def request_detail(request: web.Request) -> web.Response:
    ticket = await request.app[TICKETS].get(request.match_info["number"])
    return _respond(request, [open311_request(ticket, request.app[PACK])], "service_requests", "request")


async def _form(request: web.Request) -> Dict[str, str]:
    if request.content_type == "application/json":
        try:
            data = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput("请求体不是有效的 JSON", error_en="body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise InvalidInput("请求体应为 JSON 对象", error_en="body must be a JSON object")
        return {str(k): str(v) for k, v in data.items() if v is not None}
    form = await request.post()
    return {key: value for key, value in form.items() if isinstance(value, str)}


@routes.post(f"/open311/v2/requests.{FORMAT}")
async def create_request(request: web.Request) -> web.Response:
    """Create a service request (form-encoded as in the spec, or JSON) with an `api_key`."""
    form = await _form(request)
    principal = await _principal_for_bearer(request, form.get("api_key", "")) if form.get("api_key") else None
    if principal is None or principal.role not in (Role.service, Role.admin):
        raise Unauthorized("api_key 缺失或无效", error_en="missing or invalid api_key")
    pack = request.app[PACK]
    code = form.get("service_code", "")
    if code not in pack.taxonomy:
        raise InvalidInput(f"未知的服务类别：{code}", error_en=f"unknown service_code '{code}'")
    address = form.get("address_string", "").strip()
    if not address:
        raise InvalidInput("请提供 address_string（问题发生的地址）", error_en="address_string is required")
    device = form.get("device_id") or form.get("account_id") or "anonymous"
    new = NewTicket(
        sender_id=f"open311:{device}"[:128],
        description=form.get("description", ""),
        address=address,
        category=code,
        category_confidence=1.0,  # the reporter chose the service themselves
        occurred_at=form.get("attribute[occurred_at]") or None,
        contact_phone=form.get("phone") or None,
    )
    ticket, _ = await request.app[TICKETS].create(new)
    body: List[Dict[str, Any]] = [
        {
            "service_request_id": ticket.number,
            "service_notice": f"已受理，承办单位：{ticket.department.name}",
            "account_id": None,
        }
    ]
    return _respond(request, body, "service_requests", "request", status=201)
