"""A resident's Telegram photo becomes evidence on their ticket: PTB fetches the file through the
Bot API stand-in (getFile, then the download), the channel posts it to a real linkage service,
and the resident is told in Chinese where it went — or, with the service down, to try later."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Dict

import aiohttp
from aiohttp.test_utils import TestServer

from bot.web.keys import ACCOUNTS
from tests.conftest import SERVICE_TOKEN
from tests.connectors.conftest import free_port
from tests.connectors.test_telegram import CHAT, fixture, running
from tests.web.test_api import PAYLOAD

LARGE = "AgACAgUAAxkBAAIBlarge"  # the largest PhotoSize in the fixtures
SMALL = "AgACAgUAAxkBAAIBsmall"
ONLY = "AgACAgUAAxkBAAIBonly"  # the one size of the photo without a caption
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40  # JPEG magic bytes, ~10 KB
SENDER = f"tg:{CHAT}"


async def api(server: TestServer, method: str, path: str, token: str = SERVICE_TOKEN, **kwargs: Any) -> Any:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        async with session.request(method, str(server.make_url(path)), **kwargs) as answer:
            assert answer.status < 300, await answer.text()
            return await answer.json()


def settings(server: TestServer) -> Dict[str, str]:
    return {"linkage_url": str(server.make_url("")).rstrip("/"), "service_token": SERVICE_TOKEN}


async def test_a_photo_joins_the_open_ticket_and_the_resident_is_told(agent, linkage_server):
    ticket = await api(linkage_server, "POST", "/api/v1/tickets", json={**PAYLOAD, "sender_id": SENDER})
    async with running(agent, **settings(linkage_server)) as telegram:
        telegram.api.add_file(ONLY, PHOTO)
        assert (await telegram.post(fixture("photo_no_caption"))).status == 200
        [sent] = await telegram.api.wait_for(CHAT, 1)
        assert sent["text"] == f"照片已收到，已补充到工单 {ticket['number']}，承办部门可以看到。"
        fetched = [c for c in telegram.api.calls if c["method"] in ("getFile", "download")]
        assert fetched == [
            {"method": "getFile", "file_id": ONLY},
            {"method": "download", "path": f"photos/{ONLY}.jpg"},
        ]
        assert telegram.agent.received == []  # no caption: nothing for the bot
    admin_token = await linkage_server.app[ACCOUNTS].create_token("admin")
    staff = await api(linkage_server, "GET", f"/api/v1/tickets/{ticket['number']}", token=admin_token)
    [attachment] = staff["attachments"]
    assert attachment["size"] == len(PHOTO) and staff["timeline"][-1]["note"] == "居民补充了照片"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {admin_token}"}) as session:
        async with session.get(str(linkage_server.make_url(attachment["url"]))) as photo:
            assert await photo.read() == PHOTO


async def test_a_photo_before_the_complaint_waits_and_the_caption_reaches_the_bot(agent, linkage_server):
    async with running(agent, **settings(linkage_server)) as telegram:
        telegram.api.add_file(LARGE, PHOTO)
        telegram.api.add_file(SMALL, b"\xff\xd8\xff small")
        await telegram.post(fixture("photo"))
        receipt, answer = await telegram.api.wait_for(CHAT, 2)
        assert [c["file_id"] for c in telegram.api.calls if c["method"] == "getFile"] == [LARGE]
        assert receipt["text"] == "照片已收到，提交诉求后会一并转给承办部门。"
        assert answer["text"] == "收到：垃圾堆在路边好几天没人清运了"
    ticket = await api(linkage_server, "POST", "/api/v1/tickets", json={**PAYLOAD, "sender_id": SENDER})
    admin_token = await linkage_server.app[ACCOUNTS].create_token("admin")
    staff = await api(linkage_server, "GET", f"/api/v1/tickets/{ticket['number']}", token=admin_token)
    assert [a["size"] for a in staff["attachments"]] == [len(PHOTO)]


async def test_with_the_linkage_service_down_the_resident_is_asked_to_try_later(agent):
    down = {"linkage_url": f"http://127.0.0.1:{free_port()}", "service_token": SERVICE_TOKEN}
    async with running(agent, **down) as telegram:
        telegram.api.add_file(ONLY, PHOTO)
        assert (await telegram.post(fixture("photo_no_caption"))).status == 200
        [sent] = await telegram.api.wait_for(CHAT, 1)
        assert sent["text"] == "抱歉，照片暂时没能保存，请稍后再发送一次。"
        # The channel is still up and serving.
        text = json.loads((Path(__file__).parent / "fixtures" / "telegram" / "text.json").read_text(encoding="utf-8"))
        assert (await telegram.post(text)).status == 200
        await telegram.api.wait_for(CHAT, 2)


async def test_a_photo_the_bot_api_cannot_deliver_gets_a_polite_answer(agent, linkage_server):
    async with running(agent, **settings(linkage_server)) as telegram:  # no file registered: getFile fails
        await telegram.post(fixture("photo_no_caption"))
        [sent] = await telegram.api.wait_for(CHAT, 1)
        assert sent["text"] == "抱歉，照片暂时没能保存，请稍后再发送一次。"
    await asyncio.sleep(0)
