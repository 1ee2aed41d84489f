"""Open311 GeoReport v2 public reads at `/open311/v2/` (JSON; no personal data)."""

from __future__ import annotations

import json
from typing import Any, Dict

from aiohttp import web

from bot.errors import TicketNotFound
from bot.taxonomy import Category
from bot.web.keys import PACK, TICKETS
from bot.web.views import open311_request

routes = web.RouteTableDef()


def _json(data: Any) -> web.Response:
    return web.json_response(data, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _service(category: Category) -> Dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{category.name}，例如：{category.typical}",
        "metadata": False,
        "type": "realtime",
        "keywords": category.typical.replace("，", ",").replace(", ", ","),
        "group": category.sector,
    }


@routes.get("/open311/v2/services.json")
async def services(request: web.Request) -> web.Response:
    return _json([_service(c) for c in request.app[PACK].taxonomy.categories.values()])


@routes.get("/open311/v2/services/{code}.json")
async def service_definition(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    taxonomy = request.app[PACK].taxonomy
    if code not in taxonomy:
        raise TicketNotFound("没有这个服务类别")
    return _json({"service_code": code, "attributes": []})


@routes.get("/open311/v2/requests/{number}.json")
async def request_detail(request: web.Request) -> web.Response:
    ticket = await request.app[TICKETS].get(request.match_info["number"])
    return _json([open311_request(ticket, request.app[PACK])])
