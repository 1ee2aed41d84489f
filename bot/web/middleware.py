"""One place where errors become HTTP answers, and where callers are identified.

Callers are a bearer token (the action server's service token from the environment, or a
token made with `hotline token create`) or a staff session cookie from `/login`. Cookie
requests that change something must carry the session's CSRF token.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Awaitable, Callable

from aiohttp import web

from bot.accounts.roles import Principal, Role
from bot.errors import HotlineError, NotAllowed, Unauthorized
from bot.privacy import mask_text
from bot.web.keys import ACCOUNTS, PACK, SETTINGS

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SESSION_COOKIE = "hotline_session"
CSRF_HEADER = "X-CSRF-Token"
PRINCIPAL = "principal"  # request[PRINCIPAL]: Principal | None
LOGIN = "login"  # request[LOGIN]: the page session (with its CSRF token), when logged in by cookie
PUBLIC_API = ("/api/v1/openapi.json",)


def error_json(status: int, message: str, message_en: str = "") -> web.Response:
    body = {"error": message, "error_en": message_en or _EN.get(status, "error")}
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


_EN = {400: "bad request", 404: "not found", 405: "method not allowed", 413: "request body too large"}


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except HotlineError as exc:
        return error_json(exc.status, exc.message, exc.message_en)
    except web.HTTPRequestEntityTooLarge:
        return error_json(413, "内容太长，请精简后再提交", "request body too large")
    except web.HTTPException as exc:
        if exc.status >= 400 and request.path.startswith(("/api/", "/open311/")):
            return error_json(exc.status, _ZH.get(exc.status, "请求有误"), exc.reason or "")
        raise
    except Exception:  # a bug: log it (masked), answer politely, never leak a trace
        log.exception("unhandled error on %s %s", request.method, mask_text(request.path))
        return error_json(500, "系统繁忙，请稍后再试", "internal error")


_ZH = {404: "没有这个地址", 405: "不支持该请求方法"}


async def _principal_for_bearer(request: web.Request, token: str) -> Principal | None:
    pack = request.app[PACK]
    expected = request.app[SETTINGS].service_token
    if expected and hmac.compare_digest(token.encode(), expected.encode()):
        return Principal("action-server", Role.service, None, pack.triage_department)
    return await request.app[ACCOUNTS].principal_for_token(token)


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Put the caller in request[PRINCIPAL]; the workflow API refuses anonymous callers."""
    request[PRINCIPAL] = None
    request[LOGIN] = None
    header = request.headers.get("Authorization", "")
    if header:
        token = header[7:].strip() if header.startswith("Bearer ") else ""
        principal = await _principal_for_bearer(request, token) if token else None
        if principal is None and request.path.startswith("/api/"):
            raise Unauthorized("缺少或错误的访问令牌", error_en="missing or wrong bearer token")
        request[PRINCIPAL] = principal
    elif SESSION_COOKIE in request.cookies:
        login = await request.app[ACCOUNTS].session(request.cookies[SESSION_COOKIE])
        if login is not None:
            request[PRINCIPAL], request[LOGIN] = login.principal, login
            if request.method not in ("GET", "HEAD", "OPTIONS") and request.path.startswith("/api/"):
                sent = request.headers.get(CSRF_HEADER, "")
                if not hmac.compare_digest(sent.encode(), login.csrf_token.encode()):
                    raise NotAllowed("页面已过期，请刷新后重试", error_en="missing or wrong CSRF token")
    if request.path.startswith("/api/v1/") and request.path not in PUBLIC_API and request[PRINCIPAL] is None:
        raise Unauthorized("缺少或错误的访问令牌", error_en="missing or wrong bearer token")
    return await handler(request)
