"""WeChat channel against the real Rasa Sanic app, WeChat's side played by the simulator
(signs, encrypts, waits 5 s and delivers again) and the platform API by a stand-in."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Dict

import aiohttp
import pytest

from connectors.seen import DatabaseSeen, MemorySeen, SeenStore
from connectors.wechat import WeChatInput, WeChatSettings
from connectors.wechat_crypto import sign
from tests.connectors.conftest import LONG_ANSWER, ScriptedAgent, fresh_database_seen, serve_rasa, start_standin
from tests.standins.wechat_api import FakeWeChatAPI, WeChatServer

TOKEN, APP_ID, APP_SECRET = "wx-token-12319", "wx1234567890abcdef", "app-secret-for-the-stand-in"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
FIXTURES = Path(__file__).parent / "fixtures" / "wechat"
OPENID = "oVx3Q5Zk8ZbRr1a2b3c4d5e6f7g8"


def fixture(name: str) -> str:
    return (FIXTURES / f"{name}.xml").read_text(encoding="utf-8")


class WeChat:
    def __init__(self, api: FakeWeChatAPI, wechat: WeChatServer, channel: WeChatInput, agent: ScriptedAgent) -> None:
        self.api, self.server, self.channel, self.agent = api, wechat, channel, agent

    async def post_raw(self, params: dict, body: bytes) -> tuple[int, str]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
            async with session.post(self.server.webhook, params=params, data=body) as answer:
                return answer.status, await answer.text()


@asynccontextmanager
async def running(
    agent: ScriptedAgent,
    seen: SeenStore | None = None,
    aes: bool = False,
    passive_seconds: float = 4.0,
    linkage: Dict[str, str] | None = None,
    **kw: Any,
) -> AsyncIterator[WeChat]:
    """The WeChat API stand-in and Rasa with the channel; `linkage` (URL, token) for photos, `kw` for WeChat's side."""
    api = FakeWeChatAPI(APP_ID, APP_SECRET)
    standin = await start_standin(api.app)
    settings = WeChatSettings(
        token=TOKEN,
        app_id=APP_ID,
        app_secret=APP_SECRET,
        aes_key=AES_KEY if aes else "",
        api_base_url=str(standin.make_url("")).rstrip("/"),
        passive_seconds=passive_seconds,
        **(linkage or {}),
    )
    channel = WeChatInput(settings, seen=seen or MemorySeen())
    try:
        async with serve_rasa(channel, agent) as url:
            server = WeChatServer(f"{url}/webhooks/wechat/webhook", TOKEN, APP_ID, AES_KEY if aes else "", **kw)
            yield WeChat(api, server, channel, agent)
    finally:
        await standin.close()


@pytest.mark.parametrize("aes", [False, True], ids=["plaintext", "safe-mode"])
async def test_a_text_message_is_answered_passively_in_chinese(agent, aes):
    async with running(agent, aes=aes) as wx:
        delivery = await wx.server.deliver(fixture("text"))
        assert delivery.statuses == [200]
        assert delivery.passive == "收到：楼下烧烤摊每天晚上吵到十二点，油烟也很大"
        [message] = agent.received
        assert message.sender_id == f"wx:{OPENID}" and message.input_channel == "wechat"
        assert wx.api.sent == {}


async def test_the_server_check_echoes_only_a_signed_echostr(agent):
    async with running(agent) as wx:
        url = wx.server.webhook
        good = {
            "signature": sign(TOKEN, "1409659813", "42"),
            "timestamp": "1409659813",
            "nonce": "42",
            "echostr": "7788",
        }
        async with aiohttp.ClientSession() as session:
            async with session.get(url, params=good) as answer:
                assert (answer.status, await answer.text()) == (200, "7788")
            async with session.get(url, params={**good, "nonce": "43"}) as answer:
                assert answer.status == 403 and "7788" not in await answer.text()


async def _signed(timestamp: str | None = None) -> dict:
    timestamp = timestamp or str(int(time.time()))
    return {"signature": sign(TOKEN, timestamp, "99"), "timestamp": timestamp, "nonce": "99"}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"signature": "0" * 40, "timestamp": "1795312800", "nonce": "1"},
        "stale",
    ],
    ids=["unsigned", "forged-signature", "signed-an-hour-ago"],
)
async def test_unsigned_forged_or_stale_requests_are_refused(agent, params):
    async with running(agent) as wx:
        if params == "stale":
            params = await _signed(str(int(time.time()) - 3600))
        status, body = await wx.post_raw(params, fixture("text").encode())
        assert status == 403 and "收到" not in body
        assert agent.received == []


async def test_in_safe_mode_a_forged_msg_signature_or_a_plaintext_message_is_refused(agent):
    async with running(agent, aes=True) as wx:
        query, body = wx.server.signed_query(fixture("text"))
        status, _ = await wx.post_raw({**query, "msg_signature": "0" * 40}, body.encode())
        assert status == 403
        status, _ = await wx.post_raw(await _signed(), fixture("text").encode())  # plaintext: not from WeChat
        assert status == 403
        query, body = wx.server.signed_query(fixture("text"))
        status, _ = await wx.post_raw(query, body.replace("<Encrypt><![CDATA[", "<Encrypt><![CDATA[AAAA").encode())
        assert status == 403  # the ciphertext no longer matches msg_signature
        assert agent.received == []


@pytest.mark.parametrize("name", ["xxe", "billion_laughs"])
async def test_xml_with_entities_is_refused_and_the_server_stays_up(agent, name):
    async with running(agent) as wx:
        status, body = await wx.post_raw(await _signed(), fixture(name).encode())
        assert status == 400 and "root:" not in body and "lol" not in body
        assert (await wx.server.deliver(fixture("text"))).passive is not None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"<xml><Content>" + b"x" * (2 * 1024 * 1024) + b"</Content></xml>", 413),
        (b"<xml><unclosed></xml>", 400),
        (b"{}", 400),
        (b"<xml></xml>", 400),
    ],
    ids=["2MB", "broken-xml", "not-xml", "no-sender"],
)
async def test_bad_bodies_get_a_4xx(agent, body, status):
    async with running(agent) as wx:
        assert (await wx.post_raw(await _signed(), body))[0] == status
        assert agent.received == []


async def test_a_redelivered_msgid_is_taken_once(agent):
    async with running(agent) as wx:
        first = await wx.server.deliver(fixture("text"))
        again = await wx.server.deliver(fixture("text"))
        assert first.passive and again.passive is None and again.statuses == [200]
        assert len(agent.received) == 1


async def test_two_instances_sharing_the_database_take_a_message_once(agent, database_url):
    first_store, second_store = await fresh_database_seen(database_url), await DatabaseSeen.open(database_url)
    async with running(agent, first_store) as one, running(agent, second_store) as two:
        deliveries = await asyncio.gather(one.server.deliver(fixture("text")), two.server.deliver(fixture("text")))
        assert sorted(d.passive is not None for d in deliveries) == [False, True]
        assert len(agent.received) == 1


@pytest.mark.parametrize(  # images become ticket evidence: tests/connectors/test_wechat_evidence.py
    ("name", "to_bot", "reply"),
    [
        ("voice", "小区门口的路灯坏了一个星期了", "收到：小区门口的路灯坏了一个星期了"),
        ("voice_unrecognized", None, "没能听清您的语音"),
        ("location", '/inform{"address": "贵州省贵阳市云岩区宝山北路56号"}', "收到"),
        ("video", None, "目前只能处理文字、语音、位置和图片消息"),
        ("subscribe", "/greet", "12319 便民服务热线"),
    ],
)
async def test_message_types(agent, name, to_bot, reply):
    async with running(agent) as wx:
        delivery = await wx.server.deliver(fixture(name))
        assert delivery.statuses == [200] and reply in (delivery.passive or "")
        assert agent.texts() == ([to_bot] if to_bot else [])


async def test_unsubscribe_is_acknowledged_silently(agent):
    async with running(agent) as wx:
        delivery = await wx.server.deliver(fixture("unsubscribe"))
        assert delivery.statuses == [200] and delivery.passive is None and agent.received == []


async def test_typed_intent_shortcuts_are_taken_as_plain_text(agent):
    async with running(agent) as wx:
        await wx.server.say(OPENID, '/inform{"address": "别人家"}')
        assert agent.texts() == ['／inform{"address": "别人家"}']


async def test_buttons_are_numbered_and_a_number_reply_is_the_button(agent):
    async with running(agent) as wx:
        delivery = await wx.server.say(OPENID, "请让我评价")
        assert "回复 1：1分" in delivery.passive and "回复 5：5分" in delivery.passive
        await wx.server.say(OPENID, "5")
        assert agent.texts()[-1] == '/rate{"rating": 5}'
        await wx.server.say(OPENID, "5")  # the offer was used: now it is just text
        assert agent.texts()[-1] == "5"


async def test_typing_a_button_title_is_the_button(agent):
    """WeChat shows no buttons: residents type "5分" as often as "5"."""
    async with running(agent) as wx:
        await wx.server.say(OPENID, "请让我评价")
        await wx.server.say(OPENID, " 4分！")
        assert agent.texts()[-1] == '/rate{"rating": 4}'
        await wx.server.say(OPENID, "请让我评价")
        await wx.server.say(OPENID, "我觉得4分吧")  # not a title: the bot reads it as text
        assert agent.texts()[-1] == "我觉得4分吧"


async def test_a_long_answer_goes_passively_in_part_and_the_rest_by_customer_service(agent):
    async with running(agent) as wx:
        delivery = await wx.server.say(OPENID, "办事指南")
        assert len(delivery.passive.encode()) <= 2048
        await wx.api.wait_for(OPENID, 1)
        for _ in range(50):  # the customer-service messages follow one after another
            if "\n".join([delivery.passive, *wx.api.sent[OPENID]]) == LONG_ANSWER:
                break
            await asyncio.sleep(0.1)
        assert "\n".join([delivery.passive, *wx.api.sent[OPENID]]) == LONG_ANSWER
        assert all(len(m.encode()) <= 2048 for m in wx.api.sent[OPENID]) and len(wx.api.tokens) == 1


async def test_a_slow_answer_is_acknowledged_empty_within_5s_and_sent_by_customer_service(agent):
    agent.delay = 4.5  # the real timing: WeChat gives up at 5 s, we answer at 4 s
    async with running(agent) as wx:
        delivery = await wx.server.say(OPENID, "慢慢说：井盖丢了")
        assert delivery.statuses == [200] and delivery.attempts == 1  # no redelivery by WeChat
        assert delivery.passive is None and 3.9 < delivery.seconds < 5.0
        assert await wx.api.wait_for(OPENID, 1) == ["收到：慢慢说：井盖丢了"]


async def test_a_stale_access_token_is_refreshed_once(agent):
    agent.delay = 1.0
    async with running(agent, passive_seconds=0.2) as wx:
        await wx.server.say(OPENID, "慢：第一件事")
        await wx.api.wait_for(OPENID, 1)
        wx.api.expire_token()
        await wx.server.say(OPENID, "慢：第二件事")
        assert await wx.api.wait_for(OPENID, 2) == ["收到：慢：第一件事", "收到：慢：第二件事"]
        assert len(wx.api.tokens) == 2


async def test_outside_the_48_hour_window_the_answer_is_dropped_without_harm(agent, caplog):
    agent.delay = 0.5
    async with running(agent, passive_seconds=0.1) as wx:
        wx.api.outside_window.add(OPENID)
        await wx.server.say(OPENID, "慢：还在吗")
        await asyncio.sleep(1.0)
        assert "45015" in caplog.text
        wx.api.outside_window.clear()
        assert (await wx.server.say(OPENID, "你好")).passive == "收到：你好"


def test_settings_come_from_the_environment():
    assert WeChatSettings.from_env({}) is None
    with pytest.raises(SystemExit):
        WeChatSettings.from_env({"WECHAT_TOKEN": TOKEN})
    settings = WeChatSettings.from_env(
        {
            "WECHAT_TOKEN": TOKEN,
            "WECHAT_APP_ID": APP_ID,
            "WECHAT_APP_SECRET": APP_SECRET,
            "WECHAT_API_BASE_URL": "http://127.0.0.1:8081/",
            "LINKAGE_URL": "http://127.0.0.1:8000/",
            "HOTLINE_SERVICE_TOKEN": "service-token-0123456789",
        }
    )
    assert settings is not None and settings.api_base_url == "http://127.0.0.1:8081" and settings.aes_key == ""
    # Residents' photos go to the linkage service as evidence, with the service token.
    assert (settings.linkage_url, settings.service_token) == ("http://127.0.0.1:8000", "service-token-0123456789")


async def test_when_wechat_gave_up_waiting_the_answer_goes_by_customer_service_not_lost(agent):
    agent.delay = 1.5  # slower than WeChat's patience here (1 s), quicker than our passive budget (2 s)
    async with running(agent, passive_seconds=2.0, wait_seconds=1.0) as wx:
        delivery = await wx.server.say(OPENID, "慢：路灯不亮")
        assert delivery.statuses == [0, 200] and delivery.passive is None  # the repeat is acknowledged empty
        assert await wx.api.wait_for(OPENID, 1) == ["收到：慢：路灯不亮"]
        assert len(agent.received) == 1
