"""One place where errors become HTTP answers, and where service tokens are checked."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Awaitable, Callable

from aiohttp import web

from bot.errors import HotlineError, Unauthorized
from bot.web.keys import SETTINGS

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_json(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except HotlineError as exc:
        return error_json(exc.status, exc.message)
    except web.HTTPRequestEntityTooLarge:
        return error_json(413, "内容太长，请精简后再提交")
    except web.HTTPException as exc:
        if exc.status >= 400 and request.path.startswith(("/api/", "/open311/")):
            return error_json(exc.status, exc.reason or "请求有误")
        raise
    except Exception:  # a bug: log it, answer politely, never leak a trace
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_json(500, "系统繁忙，请稍后再试")


@web.middleware
async def service_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The workflow API needs the service bearer token (staff logins come with the workbench)."""
    if request.path.startswith("/api/v1/") and request.path != "/api/v1/openapi.json":
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        expected = request.app[SETTINGS].service_token
        if not token or not hmac.compare_digest(token.encode(), expected.encode()):
            raise Unauthorized("缺少或错误的访问令牌")
    return await handler(request)
