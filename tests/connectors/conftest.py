"""Channel tests drive the real Rasa Sanic app (`rasa.core.run.configure_app`) on a real port,
with the platform APIs served by local stand-ins. The dialogue is a scripted agent, so these
tests are about the channel, not the model (the full-stack tests use the trained model)."""

from __future__ import annotations

import asyncio
import os
import socket
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable, Dict, List

import pytest
from aiohttp.test_utils import TestServer
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Sanic
from sqlalchemy import delete

from bot.web.app import init_app
from connectors.seen import DatabaseSeen, MemorySeen, RedisSeen, SeenStore, seen_messages
from tests.conftest import reset_database

Sanic.test_mode = True  # several apps per test session

LONG_ANSWER = "\n".join(f"第{i}条：请按照社区的通知准备好相关材料，工作日到便民服务中心窗口办理。" for i in range(200))


class ScriptedAgent:
    """Stands in for Rasa's agent: records what the channel handed over and answers like the bot."""

    def __init__(self) -> None:
        self.received: List[UserMessage] = []
        self.delay = 0.0

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        text = message.text or ""
        if text.startswith("慢"):
            await asyncio.sleep(self.delay)
        if text == "/greet":
            answer: Dict[str, Any] = {"text": "您好，这里是 12319 便民服务热线在线助手。"}
        elif "评价" in text:
            answer = {
                "text": "请您对办理结果评价：",
                "buttons": [{"title": f"{n}分", "payload": f'/rate{{"rating": {n}}}'} for n in range(1, 6)],
            }
        elif "办事指南" in text:
            answer = {"text": LONG_ANSWER}
        elif "长按钮" in text:
            answer = {
                "text": "请选择",
                "buttons": [{"title": "提交", "payload": "/inform" + '{"address": "' + "北" * 40 + '"}'}],
            }
        else:
            answer = {"text": f"收到：{text}"}
        await message.output_channel.send_response(message.sender_id, answer)

    def texts(self) -> List[str]:
        return [m.text or "" for m in self.received]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serve_rasa(channel: InputChannel, agent: ScriptedAgent) -> AsyncIterator[str]:
    """Rasa's own app factory with this one channel, on a real port; yields the base URL.

    Entered inside the test itself: a Sanic server started in a pytest-asyncio fixture does not
    answer requests made from the test body."""
    from rasa.core.run import configure_app

    port = free_port()
    app = configure_app(input_channels=[channel], enable_api=False, port=port, use_uvloop=False)
    app.ctx.agent = agent
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.start_serving()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()


@pytest.fixture
def agent() -> ScriptedAgent:
    return ScriptedAgent()


async def fresh_database_seen(database_url: str) -> DatabaseSeen:
    """A database once-only store with nothing remembered (PostgreSQL is shared between runs)."""
    store = await DatabaseSeen.open(database_url)
    async with store.engine.begin() as connection:
        await connection.execute(delete(seen_messages))
    return store


@pytest.fixture(params=["memory", "database", "redis"])
async def seen_store(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[SeenStore]:
    """Every backend of the once-only store; Redis only when TEST_REDIS_URL is set."""
    store: SeenStore
    if request.param == "memory":
        store = MemorySeen()
    elif request.param == "database":
        store = await fresh_database_seen(database_url)
    else:
        url = os.environ.get("TEST_REDIS_URL")
        if not url:
            pytest.skip("TEST_REDIS_URL is not set")
        store = RedisSeen(url, prefix=f"hotline-test:{os.getpid()}:{id(request)}:")
    yield store
    await store.close()


async def start_standin(app_factory: Callable[[], Any]) -> TestServer:
    server = TestServer(app_factory(), host="127.0.0.1")
    await server.start_server()
    return server


@pytest.fixture
async def linkage_server(database_url: str, settings_for: Any, clock: Any) -> AsyncIterator[TestServer]:
    """A real linkage service on an empty database, for the channels' photo evidence."""
    await reset_database(database_url)
    server = TestServer(init_app(settings_for(database_url), clock=clock), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()
