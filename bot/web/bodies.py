"""Request bodies: a JSON object, read whole, with the endpoint's own size limit where it has one."""

from __future__ import annotations

import json
from typing import Any, Dict

from aiohttp import web

from bot.errors import InvalidInput


async def read_limited(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or None past `limit` bytes (one `read(n)` may return only the first chunk)."""
    raw = bytearray()
    while len(raw) <= limit:
        chunk = await request.content.read(limit + 1 - len(raw))
        if not chunk:
            return bytes(raw)
        raw += chunk
    return None


def json_object(raw: bytes) -> Dict[str, Any]:
    """The body as a JSON object, or a Chinese 4xx that says what is wrong with it."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput("请求体不是有效的 JSON", error_en="body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise InvalidInput("请求体应为 JSON 对象", error_en="body must be a JSON object")
    return data


async def limited_json_object(request: web.Request, limit: int, too_long: str, too_long_en: str) -> Dict[str, Any]:
    """`json_object` of a body that may be at most `limit` bytes; longer gets `too_long`."""
    raw = await read_limited(request, limit)
    if raw is None:
        raise InvalidInput(too_long, error_en=too_long_en)
    return json_object(raw)
