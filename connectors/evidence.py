"""Client of the linkage service's evidence API (`POST /api/v1/evidence`) for the channels.

One aiohttp session with timeouts, opened when the channel starts (not at import) and closed
when it stops. The linkage service decides where a photo goes; this only carries it there.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass
from typing import Optional

import aiohttp

__all__ = ["EvidenceClient", "EvidenceReceipt", "EvidenceRefused", "EvidenceUnavailable"]

log = logging.getLogger(__name__)
TIMEOUT = aiohttp.ClientTimeout(total=15, connect=3)


class EvidenceUnavailable(Exception):
    """The linkage service cannot be reached (down, timing out, 5xx, or not configured)."""


class EvidenceRefused(Exception):
    """The linkage service refused the photo (too big, not an image); `message` is Chinese for the resident."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class EvidenceReceipt:
    attached_to: Optional[str]  # the ticket number, or None while it waits for the next ticket


class EvidenceClient:
    def __init__(self, linkage_url: str, service_token: str) -> None:
        self.url = f"{linkage_url.rstrip('/')}/api/v1/evidence"
        self.service_token = service_token
        self._session: Optional[aiohttp.ClientSession] = None

    async def open(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def submit(
        self, sender_id: str, data: bytes, caption: str = "", complaint_in_progress: bool = False
    ) -> EvidenceReceipt:
        if self._session is None or not self.service_token:
            raise EvidenceUnavailable("evidence client not started or HOTLINE_SERVICE_TOKEN unset")
        body = {
            "sender_id": sender_id,
            "media_type": "image/jpeg",  # a declaration only: the linkage service sniffs the bytes
            "data": base64.b64encode(data).decode("ascii"),
            "caption": caption[:1024],
            "complaint_in_progress": complaint_in_progress,
        }
        headers = {"Authorization": f"Bearer {self.service_token}"}
        try:
            async with self._session.post(self.url, json=body, headers=headers) as answer:
                if answer.status >= 500 or answer.status in (401, 403):
                    raise EvidenceUnavailable(f"linkage service answered {answer.status}")
                result = await answer.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise EvidenceUnavailable(f"linkage service unreachable: {exc!r}") from exc
        if answer.status >= 400:
            raise EvidenceRefused(str(result.get("error") or "照片未能保存"))
        number = result.get("attached_to")
        return EvidenceReceipt(str(number) if number else None)
