"""Request bodies with a limit of their own (a pasted letter, a handoff transcript)."""

from __future__ import annotations

from aiohttp import web


async def read_limited(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or None past `limit` bytes (one `read(n)` may return only the first chunk)."""
    raw = bytearray()
    while len(raw) <= limit:
        chunk = await request.content.read(limit + 1 - len(raw))
        if not chunk:
            return bytes(raw)
        raw += chunk
    return None
