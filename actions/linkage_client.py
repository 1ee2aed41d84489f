"""The one client of the linkage service's workflow API, with timeouts."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List
from urllib.parse import quote

import aiohttp

from actions.config import ActionSettings


class LinkageUnavailable(Exception):
    """The linkage service did not answer (down, timed out, or failed with 5xx)."""


class LinkageRejected(Exception):
    """The linkage service refused the request (4xx); the message is Chinese, for the resident."""


class LinkageClient:
    def __init__(self, base_url: str, token: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    @classmethod
    def from_settings(cls, settings: ActionSettings) -> LinkageClient:
        return cls(settings.linkage_url, settings.service_token)

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any | None:
        try:
            async with aiohttp.ClientSession(timeout=self.timeout, headers=self.headers) as session:
                async with session.request(method, f"{self.base_url}{path}", **kwargs) as response:
                    if response.status == 404:
                        return None
                    if response.status >= 500:
                        raise LinkageUnavailable(f"{method} {path}: {response.status}")
                    data = await response.json(content_type=None)
                    if response.status >= 400:
                        raise LinkageRejected(str((data or {}).get("error", "请求被拒绝")))
                    return data
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise LinkageUnavailable(f"{method} {path}: {exc!r}") from exc

    async def create_ticket(self, payload: Dict[str, Any]) -> Dict[str, Any]:
        data = await self._request("POST", "/api/v1/tickets", json=payload)
        if data is None:
            raise LinkageUnavailable("POST /api/v1/tickets: 404")
        return dict(data)

    async def get_ticket(self, number: str, sender_id: str) -> Dict[str, Any] | None:
        """The resident's own ticket, or None (unknown number, or someone else's)."""
        data = await self._request("GET", f"/api/v1/tickets/{quote(number)}", params={"sender_id": sender_id})
        return dict(data) if data else None

    async def list_tickets(self, sender_id: str) -> List[Dict[str, Any]]:
        data = await self._request("GET", "/api/v1/tickets", params={"sender_id": sender_id})
        return list((data or {}).get("tickets", []))

    async def rate_ticket(self, number: str, rating: int, sender_id: str) -> Dict[str, Any] | None:
        """回访: the resident's 1–5 rating; 1–2 reopens the case (重办). None if the ticket is unknown."""
        body = {"action": "rate", "rating": rating, "sender_id": sender_id}
        data = await self._request("POST", f"/api/v1/tickets/{quote(number)}/transitions", json=body)
        return dict(data) if isinstance(data, dict) else None

    async def open_handoff(self, sender_id: str, reason: str, transcript: List[Dict[str, Any]]) -> Dict[str, Any]:
        """人工转接: the conversation joins the clerks' queue (the resident's open one if there is one)."""
        body = {"sender_id": sender_id, "reason": reason, "transcript": transcript}
        data = await self._request("POST", "/api/v1/handoffs", json=body)
        if data is None:
            raise LinkageUnavailable("POST /api/v1/handoffs: 404")
        return dict(data)

    async def relay_to_handoff(self, sender_id: str, text: str) -> Dict[str, Any] | None:
        """What the resident said, for the clerk; None when their handoff is over."""
        data = await self._request("POST", "/api/v1/handoffs/messages", json={"sender_id": sender_id, "text": text})
        return dict(data) if data else None

    async def search_knowledge(self, query: str, category: str | None = None) -> List[Dict[str, Any]]:
        """Knowledge-base answers for an inquiry, best first, each with its `confidence` (0–1)."""
        params = {"q": query[:2000]}
        if category:
            params["category"] = category
        data = await self._request("GET", "/api/v1/knowledge", params=params)
        return list((data or {}).get("articles", []))
