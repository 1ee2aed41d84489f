"""Action tests run against a real linkage service (aiohttp test server on a real socket)."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from aiohttp.test_utils import TestServer
from rasa_sdk import Tracker

from bot.web.app import init_app
from tests.conftest import SERVICE_TOKEN, reset_database


def make_tracker(
    text: str = "",
    intent: str = "inform",
    slots: Dict[str, Any] | None = None,
    entities: List[Dict[str, Any]] | None = None,
    matter: Dict[str, Any] | None = None,
    sender_id: str = "web:resident-1",
    earlier_texts: List[str] | None = None,
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": entities or []}
    if matter is not None:
        latest["matter"] = matter
    events = [{"event": "user", "text": t} for t in [*(earlier_texts or []), text]]
    return Tracker(sender_id, slots or {}, latest, events, False, None, {}, "action_listen")


@pytest.fixture
async def linkage(database_url, settings_for, clock, monkeypatch, tmp_path):
    """A running linkage service; the actions find it through LINKAGE_URL."""
    await reset_database(database_url)
    server = TestServer(init_app(settings_for(database_url), clock=clock))
    await server.start_server()
    monkeypatch.setenv("LINKAGE_URL", str(server.make_url("")).rstrip("/"))
    monkeypatch.setenv("HOTLINE_SERVICE_TOKEN", SERVICE_TOKEN)
    monkeypatch.setenv("OUTBOX_PATH", str(tmp_path / "outbox.sqlite3"))
    yield server
    await server.close()


@pytest.fixture
def linkage_down(monkeypatch, tmp_path):
    """Nothing listens at the linkage URL."""
    monkeypatch.setenv("LINKAGE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("HOTLINE_SERVICE_TOKEN", SERVICE_TOKEN)
    monkeypatch.setenv("OUTBOX_PATH", str(tmp_path / "outbox.sqlite3"))
