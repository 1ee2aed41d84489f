"""A stand-in for Rasa's `POST /conversations/{sender}/trigger_intent`, as the notifier and the
hand-off courier use it: it answers the way Rasa does when the triggered action ran (the receipt
slot carries the entity the action confirms), or fails like Rasa when it or the channel is down.
End to end with the real Rasa: tests/test_fullstack.py and tests/test_fullstack_handoff.py."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, List

from aiohttp import web
from aiohttp.test_utils import TestServer

RASA_TOKEN = "rasa-token-for-tests"


class RasaTriggerStandin:
    """Records every accepted trigger; `mode` is ok | down (Rasa answers 500) | no_receipt (the action did not run)."""

    def __init__(self, receipt_slot: str, receipt_entity: str) -> None:
        self.receipt_slot = receipt_slot
        self.receipt_entity = receipt_entity
        self.calls: List[Dict[str, Any]] = []
        self.mode = "ok"
        self.url = ""

    async def trigger(self, request: web.Request) -> web.Response:
        if request.query.get("token") != RASA_TOKEN:
            return web.json_response({"status": "failure"}, status=401)
        if self.mode == "down":
            return web.json_response({"status": "failure", "message": "channel down"}, status=500)
        body = await request.json()
        self.calls.append(
            {"sender": request.match_info["sender"], "output": request.query.get("output_channel"), **body}
        )
        entities = body["entities"]
        slots = {self.receipt_slot: entities[self.receipt_entity]} if self.mode == "ok" else {}
        messages = (
            [{"recipient_id": request.match_info["sender"], "text": entities["reply_text"]}]
            if "reply_text" in entities
            else []
        )
        return web.json_response({"tracker": {"slots": slots}, "messages": messages})


@asynccontextmanager
async def rasa_trigger_standin(receipt_slot: str, receipt_entity: str) -> AsyncIterator[RasaTriggerStandin]:
    """The stand-in, listening on a free local port until the block ends."""
    standin = RasaTriggerStandin(receipt_slot, receipt_entity)
    app = web.Application()
    app.router.add_post("/conversations/{sender}/trigger_intent", standin.trigger)
    server = TestServer(app)
    await server.start_server()
    standin.url = str(server.make_url("")).rstrip("/")
    try:
        yield standin
    finally:
        await server.close()
