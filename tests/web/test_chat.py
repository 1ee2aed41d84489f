"""The /chat relay: each browser gets its own signed session and cannot pose as another."""

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.web.app import init_app


@pytest.fixture
async def fake_rasa():
    """A stand-in for Rasa's REST channel that records who spoke."""
    seen = []

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append(body)
        if body["message"].startswith("（人工服务中）"):
            return web.json_response([])  # a clerk has the chat: the bot says nothing
        return web.json_response([{"recipient_id": body["sender"], "text": f"收到：{body['message']}"}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    server = TestServer(app)
    await server.start_server()
    yield server, seen
    await server.close()


@pytest.fixture
async def chat(fake_rasa, settings_for, tmp_path):
    server, _ = fake_rasa
    settings = settings_for(f"sqlite:///{tmp_path / 'chat.sqlite3'}", rasa_url=str(server.make_url("")).rstrip("/"))
    async with TestClient(TestServer(init_app(settings))) as client:
        yield client


async def test_page_is_served_in_chinese(chat):
    response = await chat.get("/chat")
    assert response.status == 200 and "民有所呼" in await response.text()


async def test_messages_reach_rasa_under_one_web_session(chat, fake_rasa):
    _, seen = fake_rasa
    first = await chat.post("/chat/api/messages", json={"message": "你好"})
    second = await chat.post("/chat/api/messages", json={"message": "小区门口有车乱停"})
    assert (await second.json())["messages"][0]["text"] == "收到：小区门口有车乱停"
    assert first.status == second.status == 200
    assert seen[0]["sender"] == seen[1]["sender"] and seen[0]["sender"].startswith("web:")


async def test_a_forged_cookie_gets_a_new_session(chat, fake_rasa):
    _, seen = fake_rasa
    chat.session.cookie_jar.update_cookies({"hotline_chat": "tg:12345.forged"})
    await chat.post("/chat/api/messages", json={"message": "查一下我的工单"})
    assert seen[-1]["sender"].startswith("web:") and "tg:12345" not in seen[-1]["sender"]


@pytest.mark.parametrize(
    ("message", "status", "words"),
    [("", 200, "请输入"), ("   ", 200, "请输入"), ("吵" * 6000, 413, "精简")],
)
async def test_empty_and_overlong_messages_get_a_polite_answer(chat, fake_rasa, message, status, words):
    _, seen = fake_rasa
    response = await chat.post("/chat/api/messages", json={"message": message})
    assert response.status == status and words in (await response.json())["messages"][0]["text"]
    assert seen == []


async def test_rasa_down_gets_a_polite_answer(settings_for, tmp_path):
    settings = settings_for(f"sqlite:///{tmp_path / 'c.sqlite3'}", rasa_url="http://127.0.0.1:9")
    async with TestClient(TestServer(init_app(settings))) as client:
        response = await client.post("/chat/api/messages", json={"message": "你好"})
        assert response.status == 200 and "12319" in (await response.json())["messages"][0]["text"]


async def test_form_posts_from_other_sites_are_refused(chat):
    response = await chat.post("/chat/api/messages", data={"message": "你好"})
    assert response.status == 415


async def test_while_a_clerk_has_the_chat_the_page_shows_no_bot_answer(chat, fake_rasa):
    _, seen = fake_rasa
    response = await chat.post("/chat/api/messages", json={"message": "（人工服务中）就在宝山北路56号"})
    assert response.status == 200 and (await response.json())["messages"] == []
    assert seen[-1]["message"] == "（人工服务中）就在宝山北路56号"  # it still reached Rasa, and so the clerk
