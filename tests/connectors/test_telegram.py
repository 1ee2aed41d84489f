"""Telegram channel against the real Rasa Sanic app and a local Bot API stand-in: what a resident
sees in their chat, and how forged, repeated, oversized and odd updates are turned away."""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Dict

import aiohttp
import pytest

from connectors.seen import DatabaseSeen, MemorySeen, SeenStore
from connectors.telegram import SECRET_HEADER, TelegramInput, TelegramSettings
from tests.connectors.conftest import LONG_ANSWER, ScriptedAgent, fresh_database_seen, serve_rasa, start_standin
from tests.standins.telegram_api import FakeBotAPI, callback_update, text_update

TOKEN = "123456:TEST-token_for-the-stand-in"
SECRET = "tg-secret-0123456789"
FIXTURES = Path(__file__).parent / "fixtures" / "telegram"
CHAT = 5512345678


def fixture(name: str) -> Dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


class Telegram:
    """The pieces of one test: the Bot API stand-in, Rasa with the channel, the scripted bot."""

    def __init__(self, api: FakeBotAPI, rasa_url: str, channel: TelegramInput, agent: ScriptedAgent) -> None:
        self.api, self.rasa_url, self.channel, self.agent = api, rasa_url, channel, agent
        self.webhook = f"{rasa_url}/webhooks/telegram/webhook"

    async def post(self, body: Any, secret: str | None = SECRET, raw: bytes | None = None) -> aiohttp.ClientResponse:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
            async with session.post(self.webhook, data=data, headers=headers) as answer:
                await answer.read()
                return answer


@asynccontextmanager
async def running(agent: ScriptedAgent, seen: SeenStore | None = None, **settings: Any) -> AsyncIterator[Telegram]:
    """The Bot API stand-in and Rasa with the Telegram channel, both on real ports."""
    api = FakeBotAPI(TOKEN)
    standin = await start_standin(api.app)
    channel = TelegramInput(
        TelegramSettings(
            token=TOKEN, secret_token=SECRET, api_base_url=str(standin.make_url("")).rstrip("/"), **settings
        ),
        seen=seen or MemorySeen(),
    )
    try:
        async with serve_rasa(channel, agent) as url:
            await asyncio.wait_for(channel.ready.wait(), 10)
            yield Telegram(api, url, channel, agent)
    finally:
        await standin.close()


async def test_a_text_message_reaches_the_bot_and_the_answer_reaches_the_chat(agent):
    async with running(agent) as telegram:
        answer = await telegram.post(fixture("text"))
        assert answer.status == 200
        [sent] = await telegram.api.wait_for(CHAT, 1)
        assert sent["text"] == "收到：我们小区门口天天有车乱停，把消防通道都堵死了"
        [message] = telegram.agent.received
        assert message.sender_id == f"tg:{CHAT}" and message.input_channel == "telegram"


async def test_the_webhook_is_registered_with_the_secret_at_start(agent):
    async with running(agent, webhook_url="https://hotline.example.cn/webhooks/telegram/webhook") as tg:
        assert tg.api.webhook["url"] == "https://hotline.example.cn/webhooks/telegram/webhook"
        assert tg.api.webhook["secret_token"] == SECRET


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x", SECRET.upper()])
async def test_without_the_right_secret_token_the_update_is_refused(agent, secret):
    async with running(agent) as telegram:
        answer = await telegram.post(fixture("text"), secret=secret)
        assert answer.status == 403
        await asyncio.sleep(0.2)
        assert telegram.agent.received == [] and telegram.api.sent == {}


async def test_a_repeated_update_id_is_answered_once(agent):
    async with running(agent) as telegram:
        for _ in range(3):
            assert (await telegram.post(fixture("text"))).status == 200
        await telegram.api.wait_for(CHAT, 1)
        await asyncio.sleep(0.3)
        assert len(telegram.agent.received) == 1 and len(telegram.api.sent[CHAT]) == 1


async def test_two_instances_sharing_the_database_take_an_update_once(agent, database_url):
    first_store, second_store = await fresh_database_seen(database_url), await DatabaseSeen.open(database_url)
    async with running(agent, first_store) as first, running(agent, second_store) as second:
        update = fixture("text")
        answers = await asyncio.gather(first.post(update), second.post(update))
        assert [a.status for a in answers] == [200, 200]
        await asyncio.sleep(0.5)
        assert len(agent.received) == 1


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"{not json", 400),
        (b"[1, 2, 3]", 400),
        (b'{"message": {"text": "no update id"}}', 400),
        (b'{"update_id": 1, "message": {"text": "no chat"}}', 400),
        (b"x" * (2 * 1024 * 1024), 413),
    ],
    ids=["broken-json", "not-an-object", "no-update-id", "malformed-message", "2MB"],
)
async def test_bad_bodies_get_a_4xx_and_the_server_stays_up(agent, raw, status):
    async with running(agent) as telegram:
        assert (await telegram.post(None, raw=raw)).status == status
        assert (await telegram.post(fixture("text"))).status == 200
        assert len(await telegram.api.wait_for(CHAT, 1)) == 1


async def test_location_becomes_the_address_with_coordinates(agent):
    async with running(agent) as telegram:
        await telegram.post(fixture("location"))
        await telegram.api.wait_for(CHAT, 1)
        [message] = telegram.agent.received
        assert message.text == '/inform{"address": "定位：北纬26.57834，东经106.71348"}'
        assert message.metadata["location"] == {"latitude": 26.578343, "longitude": 106.713478}


async def test_a_venue_gives_its_name_and_street_address(agent):
    async with running(agent) as telegram:
        await telegram.post(fixture("venue"))
        await telegram.api.wait_for(CHAT, 1)
        assert telegram.agent.texts() == ['/inform{"address": "金鸭小区（宝山北路56号）"}']


async def test_a_shared_contact_becomes_the_phone(agent):
    async with running(agent) as telegram:
        await telegram.post(fixture("contact"))
        await telegram.api.wait_for(CHAT, 1)
        assert telegram.agent.texts() == ['/inform{"phone": "13985012345"}']


async def test_a_photo_with_caption_goes_to_the_bot_with_the_file_id(agent):
    async with running(agent) as telegram:
        await telegram.post(fixture("photo"))
        await telegram.api.wait_for(CHAT, 2)  # the photo's receipt (see test_telegram_evidence.py), the bot's answer
        [message] = telegram.agent.received
        assert message.text == "垃圾堆在路边好几天没人清运了"
        assert message.metadata["photo_file_id"] == "AgACAgUAAxkBAAIBlarge"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("sticker", "目前只能处理文字、位置、联系人和照片")],
)
async def test_a_sticker_gets_a_polite_chinese_reply(agent, name, expected):
    async with running(agent) as telegram:
        assert (await telegram.post(fixture(name))).status == 200
        [sent] = await telegram.api.wait_for(CHAT, 1)
        assert expected in sent["text"]
        assert telegram.agent.received == []


async def test_group_chats_are_not_served(agent):
    async with running(agent) as telegram:
        assert (await telegram.post(fixture("group_text"))).status == 200
        await asyncio.sleep(0.3)
        assert telegram.agent.received == [] and telegram.api.sent == {}


@pytest.mark.parametrize(
    ("command", "to_bot"),
    [("/start", "/greet"), ("/mytickets", "/ask_progress")],
)
async def test_commands_start_and_mytickets_reach_the_bot(agent, command, to_bot):
    async with running(agent) as telegram:
        await telegram.post(text_update(1, CHAT, command))
        await telegram.api.wait_for(CHAT, 1)
        assert telegram.agent.texts() == [to_bot]


async def test_help_is_answered_by_the_channel(agent):
    async with running(agent) as telegram:
        await telegram.post(text_update(1, CHAT, "/help"))
        [sent] = await telegram.api.wait_for(CHAT, 1)
        assert "/mytickets" in sent["text"] and "12319" in sent["text"]


@pytest.mark.parametrize("typed", ["/affirm", '/inform{"address": "别人家"}', "/unknown"])
async def test_typed_intent_shortcuts_and_unknown_commands_do_not_reach_the_bot(agent, typed):
    async with running(agent) as telegram:
        await telegram.post(text_update(1, CHAT, typed))
        [sent] = await telegram.api.wait_for(CHAT, 1)
        assert "/help" in sent["text"]
        assert telegram.agent.received == []


async def test_buttons_become_an_inline_keyboard_and_a_press_comes_back_as_the_payload(agent):
    async with running(agent) as telegram:
        await telegram.post(text_update(1, CHAT, "请让我评价"))
        [sent] = await telegram.api.wait_for(CHAT, 1)
        [row] = sent["reply_markup"]["inline_keyboard"]
        assert [b["text"] for b in row] == ["1分", "2分", "3分", "4分", "5分"]
        assert row[4]["callback_data"] == '/rate{"rating": 5}'

        await telegram.post(fixture("callback"))
        await telegram.api.wait_for(CHAT, 2)
        assert telegram.agent.texts()[-1] == '/rate{"rating": 5}'
        methods = [c["method"] for c in telegram.api.calls]
        assert "answerCallbackQuery" in methods and "editMessageReplyMarkup" in methods  # pressed once


async def test_a_payload_longer_than_64_bytes_travels_by_key(agent):
    async with running(agent) as telegram:
        await telegram.post(text_update(1, CHAT, "长按钮"))
        [sent] = await telegram.api.wait_for(CHAT, 1)
        data = sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        assert len(data.encode()) <= 64
        await telegram.post(callback_update(2, CHAT, data))
        await telegram.api.wait_for(CHAT, 2)
        assert telegram.agent.texts()[-1].startswith('/inform{"address": "北北北')


async def test_an_unknown_button_key_is_answered_politely(agent):
    async with running(agent) as telegram:
        await telegram.post(callback_update(2, CHAT, "#0123456789abcdef0123"))
        [sent] = await telegram.api.wait_for(CHAT, 1)
        assert "按钮已失效" in sent["text"] and telegram.agent.received == []


async def test_long_answers_are_split_at_telegrams_limit(agent):
    async with running(agent) as telegram:
        await telegram.post(text_update(1, CHAT, "办事指南"))
        await asyncio.sleep(0.5)
        parts = telegram.api.texts(CHAT)
        assert len(parts) >= 2 and all(len(p) <= 4096 for p in parts)
        assert "\n".join(parts) == LONG_ANSWER  # nothing lost, cut at line breaks
        assert parts[0].startswith("第0条") and parts[-1].endswith("窗口办理。")


async def test_markup_in_the_answer_is_escaped_not_interpreted(agent):
    async with running(agent) as telegram:
        await telegram.post(text_update(1, CHAT, "<b>加粗</b> & <a href='x'>链接</a>"))
        [sent] = await telegram.api.wait_for(CHAT, 1)
        assert sent["parse_mode"] == "HTML"
        assert sent["text"] == "收到：&lt;b&gt;加粗&lt;/b&gt; &amp; &lt;a href='x'&gt;链接&lt;/a&gt;"


async def test_one_chats_messages_are_answered_in_order(agent):
    async with running(agent) as telegram:
        telegram.agent.delay = 0.3
        await telegram.post(text_update(1, CHAT, "慢一点的第一句"))
        await telegram.post(text_update(2, CHAT, "第二句"))
        sent = await telegram.api.wait_for(CHAT, 2)
        assert [s["text"] for s in sent] == ["收到：慢一点的第一句", "收到：第二句"]


async def test_polling_mode_fetches_updates_without_a_webhook(agent):
    async with running(agent, polling=True) as tg:
        tg.api.queue_update(text_update(tg.api.next_update_id(), CHAT, "楼下烧烤摊太吵了"))
        [sent] = await tg.api.wait_for(CHAT, 1)
        assert sent["text"] == "收到：楼下烧烤摊太吵了"
        assert "deleteWebhook" in [c["method"] for c in tg.api.calls]


async def test_rasa_stays_up_while_the_bot_api_is_down_and_telegram_is_told_to_retry(agent):
    api = FakeBotAPI(TOKEN)
    api.failing = True
    standin = await start_standin(api.app)
    settings = TelegramSettings(token=TOKEN, secret_token=SECRET, api_base_url=str(standin.make_url("")).rstrip("/"))
    channel = TelegramInput(settings, seen=MemorySeen())
    async with serve_rasa(channel, agent) as url:
        tg = Telegram(api, url, channel, agent)
        assert (await tg.post(fixture("text"))).status == 503  # Telegram delivers it again later
        api.failing = False
        await asyncio.wait_for(channel.ready.wait(), 10)
        assert (await tg.post(fixture("text"))).status == 200
        await api.wait_for(CHAT, 1)
    await standin.close()


def test_settings_come_from_the_environment():
    assert TelegramSettings.from_env({}) is None
    with pytest.raises(SystemExit):
        TelegramSettings.from_env({"TELEGRAM_TOKEN": TOKEN})  # a webhook without a secret
    settings = TelegramSettings.from_env(
        {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/"}
    )
    assert settings is not None and settings.api_base_url == "http://127.0.0.1:8081"
    polling = TelegramSettings.from_env({"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_MODE": "polling"})
    assert polling is not None and polling.polling


async def test_the_bot_token_does_not_appear_in_the_logs(agent, caplog):
    import logging

    caplog.set_level(logging.INFO)
    async with running(agent) as telegram:
        await telegram.post(fixture("text"))
        await telegram.api.wait_for(CHAT, 1)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name != "aiohttp.access")  # not the stand-in's
    assert TOKEN not in ours
