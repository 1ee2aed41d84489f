"""Progress reaches the web chat too: Rasa hands the REST channel's messages back to the
notifier, they wait for this browser, and the page's poll fetches them once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.notify.pusher import Notifier, RasaTrigger
from bot.ticketing.service import NewTicket
from bot.web.app import init_app
from bot.web.keys import TICKETS
from tests.conftest import reset_database
from tests.notify.events import record_event


@pytest.fixture
async def rasa():
    senders = []

    async def rest(request: web.Request) -> web.Response:
        body = await request.json()
        senders.append(body["sender"])
        return web.json_response([{"text": "您好"}])

    async def trigger(request: web.Request) -> web.Response:
        body = await request.json()
        event_id = body["entities"]["event_id"]
        message = {
            "recipient_id": request.match_info["sender"],
            "text": f"您的工单 {body['entities']['ticket_number']} 已办结。",
        }
        return web.json_response({"tracker": {"slots": {"pushed_event_id": event_id}}, "messages": [message]})

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", rest)
    app.router.add_post("/conversations/{sender}/trigger_intent", trigger)
    server = TestServer(app)
    await server.start_server()
    yield str(server.make_url("")).rstrip("/"), senders
    await server.close()


async def test_a_pushed_update_is_fetched_once_by_that_browser_only(database_url, settings_for, clock, rasa):
    url, senders = rasa
    await reset_database(database_url)
    app = init_app(settings_for(database_url, rasa_url=url), clock=clock)
    async with (
        TestClient(TestServer(app)) as browser,
        TestClient(TestServer(init_app(settings_for(database_url, rasa_url=url), clock=clock))) as stranger,
    ):
        await browser.post("/chat/api/messages", json={"message": "你好"})
        service = browser.server.app[TICKETS]
        ticket, _ = await service.create(
            NewTicket(sender_id=senders[0], description="路灯坏了", address="宝山北路56号")
        )
        clock.moment += timedelta(days=1)
        await record_event(service, ticket.number, "resolve", "resolved", "已更换路灯", clock.moment)
        assert await Notifier(service.engine, RasaTrigger(url, "token"), clock).run_once() == 1

        assert (await (await stranger.get("/chat/api/updates")).json())["messages"] == []
        first = await (await browser.get("/chat/api/updates")).json()
        assert first["messages"][0]["text"] == f"您的工单 {ticket.number} 已办结。"
        assert (await (await browser.get("/chat/api/updates")).json())["messages"] == []
