"""A resident's WeChat photo becomes evidence on their ticket: the channel fetches it by MediaId
through the media API stand-in, posts it to a real linkage service, and tells the resident in
Chinese where it went — passively within WeChat's 5 s, or by customer-service message when that
takes longer. With WeChat's media API or the linkage service failing, the resident is asked to
send it again later; a photo WeChat delivers twice is stored once."""

from __future__ import annotations

import base64
import logging
from typing import List

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop
from rasa.shared.core.trackers import DialogueStateTracker

from bot.web.keys import ACCOUNTS
from connectors.photos import MAX_PHOTO_BYTES
from tests.conftest import SERVICE_TOKEN
from tests.connectors.conftest import free_port
from tests.connectors.test_telegram_evidence import PHOTO, api, settings
from tests.connectors.test_wechat import OPENID, fixture, running
from tests.web.test_api import PAYLOAD

MEDIA_ID = "ImgMediaId0123"  # the MediaId in fixtures/wechat/image.xml
SENDER = f"wx:{OPENID}"
LATER = "抱歉，照片暂时没能保存，请稍后再发送一次。"
PENDING = "照片已收到，提交诉求后会一并转给承办部门。请再用文字说明一下问题情况和发生地点，方便我们登记。"


def our_logs(caplog: pytest.LogCaptureFixture) -> str:
    """What the channel, Rasa and the linkage service logged (not the stand-ins' access logs)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name != "aiohttp.access")


def attached(number: str) -> str:
    return f"照片已收到，已补充到工单 {number}，承办部门可以看到。"


async def open_ticket(server: TestServer) -> str:
    """The resident's complaint, as the bot files it for their WeChat conversation; its number."""
    ticket = await api(server, "POST", "/api/v1/tickets", json={**PAYLOAD, "sender_id": SENDER})
    return str(ticket["number"])


async def photos_seen_by_staff(server: TestServer, number: str) -> List[bytes]:
    """The photos on the ticket, downloaded the way a member of staff does."""
    admin_token = await server.app[ACCOUNTS].create_token("admin")
    staff = await api(server, "GET", f"/api/v1/tickets/{number}", token=admin_token)
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {admin_token}"}) as session:
        photos = []
        for attachment in staff["attachments"]:
            async with session.get(str(server.make_url(attachment["url"]))) as photo:
                photos.append(await photo.read())
        return photos


@pytest.mark.parametrize("aes", [False, True], ids=["plaintext", "safe-mode"])
async def test_a_photo_joins_the_open_ticket_and_the_resident_is_told_passively(agent, linkage_server, aes):
    number = await open_ticket(linkage_server)
    async with running(agent, aes=aes, linkage=settings(linkage_server)) as wx:
        wx.api.add_media(MEDIA_ID, PHOTO)
        delivery = await wx.server.deliver(fixture("image"))
        assert delivery.statuses == [200] and delivery.passive == attached(number)
        assert wx.api.media_requests == [MEDIA_ID] and wx.api.sent == {}
        assert agent.received == []  # a photo is not a message for the bot
    assert await photos_seen_by_staff(linkage_server, number) == [PHOTO]
    admin_token = await linkage_server.app[ACCOUNTS].create_token("admin")
    staff = await api(linkage_server, "GET", f"/api/v1/tickets/{number}", token=admin_token)
    assert staff["timeline"][-1]["note"] == "居民补充了照片"


async def test_a_photo_before_the_complaint_waits_for_the_next_ticket(agent, linkage_server):
    async with running(agent, linkage=settings(linkage_server)) as wx:
        wx.api.add_media(MEDIA_ID, PHOTO)
        assert (await wx.server.deliver(fixture("image"))).passive == PENDING
    number = await open_ticket(linkage_server)
    assert await photos_seen_by_staff(linkage_server, number) == [PHOTO]


async def test_while_a_complaint_is_being_filled_in_the_photo_waits_for_that_ticket(agent, linkage_server):
    """Even with an older open ticket: the form is active in the resident's conversation."""
    older = await open_ticket(linkage_server)
    agent.tracker_store = InMemoryTrackerStore(Domain.empty())
    await agent.tracker_store.save(DialogueStateTracker.from_events(SENDER, [ActiveLoop("complaint_form")]))
    async with running(agent, linkage=settings(linkage_server)) as wx:
        wx.api.add_media(MEDIA_ID, PHOTO)
        assert (await wx.server.deliver(fixture("image"))).passive == PENDING
    assert await photos_seen_by_staff(linkage_server, older) == []


async def test_a_photo_delivered_again_is_stored_once(agent, linkage_server):
    number = await open_ticket(linkage_server)
    async with running(agent, linkage=settings(linkage_server)) as wx:
        wx.api.add_media(MEDIA_ID, PHOTO)
        first = await wx.server.deliver(fixture("image"))
        again = await wx.server.deliver(fixture("image"))  # the same MsgId
        assert first.passive == attached(number)
        assert again.statuses == [200] and again.passive is None
        assert wx.api.media_requests == [MEDIA_ID]
    assert await photos_seen_by_staff(linkage_server, number) == [PHOTO]


async def test_when_wechat_gives_up_waiting_the_photo_is_stored_once_and_the_answer_follows(agent, linkage_server):
    """WeChat waits 1 s here and delivers again; the media API takes 1.5 s."""
    number = await open_ticket(linkage_server)
    async with running(agent, passive_seconds=2.0, linkage=settings(linkage_server), wait_seconds=1.0) as wx:
        wx.api.add_media(MEDIA_ID, PHOTO)
        wx.api.media_delay = 1.5
        delivery = await wx.server.deliver(fixture("image"))
        assert delivery.statuses == [0, 200] and delivery.passive is None  # the repeat is acknowledged empty
        assert await wx.api.wait_for(OPENID, 1) == [attached(number)]
        assert wx.api.media_requests == [MEDIA_ID]
    assert await photos_seen_by_staff(linkage_server, number) == [PHOTO]


async def test_a_slow_photo_is_acknowledged_empty_in_time_and_answered_by_customer_service(agent, linkage_server):
    number = await open_ticket(linkage_server)
    async with running(agent, passive_seconds=0.2, linkage=settings(linkage_server)) as wx:
        wx.api.add_media(MEDIA_ID, PHOTO)
        wx.api.media_delay = 0.6
        delivery = await wx.server.deliver(fixture("image"))
        assert delivery.statuses == [200] and delivery.attempts == 1 and delivery.passive is None
        assert delivery.seconds < 1.0
        assert await wx.api.wait_for(OPENID, 1) == [attached(number)]
    assert await photos_seen_by_staff(linkage_server, number) == [PHOTO]


async def test_with_the_linkage_service_down_the_resident_is_asked_to_try_later(agent, caplog):
    caplog.set_level(logging.INFO)
    down = {"linkage_url": f"http://127.0.0.1:{free_port()}", "service_token": SERVICE_TOKEN}
    async with running(agent, linkage=down) as wx:
        wx.api.add_media(MEDIA_ID, PHOTO)
        delivery = await wx.server.deliver(fixture("image"))
        assert delivery.statuses == [200] and delivery.passive == LATER
        assert (await wx.server.say(OPENID, "你好")).passive == "收到：你好"  # the channel still serves
    logged = our_logs(caplog)
    assert "not stored" in logged and "wx:oVx3Q5…" in logged  # the openid masked
    assert OPENID not in logged and base64.b64encode(PHOTO).decode()[:40] not in logged


@pytest.mark.parametrize(
    "trouble",
    ["expired-media-id", "system-error", "not-reachable"],
)
async def test_when_wechat_cannot_give_the_photo_the_resident_is_asked_to_try_later(
    agent, linkage_server, caplog, trouble
):
    caplog.set_level(logging.INFO)
    number = await open_ticket(linkage_server)
    async with running(agent, linkage=settings(linkage_server)) as wx:
        if trouble == "system-error":
            wx.api.add_media(MEDIA_ID, PHOTO)
            wx.api.failing = True  # WeChat answers {"errcode": -1} instead of the file
        elif trouble == "not-reachable":
            wx.api.add_media(MEDIA_ID, PHOTO)
            wx.channel.client.base_url = f"http://127.0.0.1:{free_port()}"
        delivery = await wx.server.deliver(fixture("image"))  # expired-media-id: WeChat answers 40007
        assert delivery.statuses == [200] and delivery.passive == LATER
    assert await photos_seen_by_staff(linkage_server, number) == []
    logged = our_logs(caplog)
    assert "not downloaded" in logged and OPENID not in logged
    assert "ACCESS_TOKEN" not in logged  # no request URL (it holds the access token) in the logs


async def test_a_stale_access_token_is_renewed_and_the_photo_still_arrives(agent, linkage_server):
    number = await open_ticket(linkage_server)
    async with running(agent, linkage=settings(linkage_server)) as wx:
        wx.api.add_media(MEDIA_ID, PHOTO)
        assert (await wx.server.deliver(fixture("image"))).passive == attached(number)
        wx.api.expire_token()
        second = PHOTO + b"-second"
        wx.api.add_media("ImgMediaId0456", second)
        image = wx.server.xml(OPENID, "image", PicUrl="http://mmbiz.qpic.cn/example/1", MediaId="ImgMediaId0456")
        assert (await wx.server.deliver(image)).passive == attached(number)
        assert len(wx.api.tokens) == 2
    assert await photos_seen_by_staff(linkage_server, number) == [PHOTO, second]


@pytest.mark.parametrize("streamed", [False, True], ids=["announced-length", "streamed-without-length"])
async def test_a_photo_over_5_mb_is_refused_politely(agent, linkage_server, streamed):
    number = await open_ticket(linkage_server)
    async with running(agent, linkage=settings(linkage_server)) as wx:
        wx.api.add_media(MEDIA_ID, PHOTO[:16] + bytes(MAX_PHOTO_BYTES))
        wx.api.media_streamed = streamed
        delivery = await wx.server.deliver(fixture("image"))
        assert delivery.statuses == [200] and delivery.passive == "照片太大了，请发送 5 MB 以内的照片。"
    assert await photos_seen_by_staff(linkage_server, number) == []


async def test_a_file_that_is_not_a_photo_is_refused_with_the_reason(agent, linkage_server):
    number = await open_ticket(linkage_server)
    async with running(agent, linkage=settings(linkage_server)) as wx:
        wx.api.add_media(MEDIA_ID, b"GIF89a\x01\x00\x01\x00" + bytes(64))  # a sticker, not a photo
        delivery = await wx.server.deliver(fixture("image"))
        assert delivery.statuses == [200] and delivery.passive == "只能接收 JPEG、PNG 或 WebP 格式的照片"
    assert await photos_seen_by_staff(linkage_server, number) == []


async def test_an_image_message_without_a_media_id_is_answered_not_failed(agent):
    async with running(agent) as wx:
        delivery = await wx.server.deliver(wx.server.xml(OPENID, "image", PicUrl="http://mmbiz.qpic.cn/example/2"))
        assert delivery.statuses == [200] and delivery.passive == LATER
        assert wx.api.media_requests == [] and agent.received == []
