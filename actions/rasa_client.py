"""Telling a resident something outside a conversation turn, through Rasa's HTTP API."""

from __future__ import annotations

from typing import Any, Dict
from urllib.parse import quote

import aiohttp

from actions.config import ActionSettings


async def announce_ticket(settings: ActionSettings, sender_id: str, ticket: Dict[str, Any]) -> None:
    """Trigger `EXTERNAL_ticket_accepted` on the resident's conversation (channel they used last)."""
    url = f"{settings.rasa_url}/conversations/{quote(sender_id, safe='')}/trigger_intent"
    params = {"output_channel": "latest", "token": settings.rasa_token}
    body = {"name": "EXTERNAL_ticket_accepted", "entities": {"ticket_number": ticket["number"]}}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.post(url, params=params, json=body) as response:
            response.raise_for_status()
