import re
from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.complaint import (
    ActionShowSummary,
    ActionSubmitTicket,
    ActionTakeAppeal,
    ValidateComplaintForm,
)
from actions.config import ActionSettings
from actions.linkage_client import LinkageClient
from actions.outbox import Outbox, deliver_pending
from tests.actions.conftest import make_tracker

REPORT = "我们小区门口天天有车乱停，把消防通道都堵死了"
MATTER = {"category": "fire_lane_blocked", "confidence": 0.91, "appeal_type": "complaint", "ranking": []}
FILLED = {
    "appeal_id": "appeal-1",
    "category": "fire_lane_blocked",
    "category_confidence": 0.91,
    "appeal_type": "complaint",
    "description": REPORT,
    "address": "宝山北路56号",
    "occurred_at": "每天晚上",
    "contact_phone": "13985012345",
    "awaiting_confirmation": True,
}


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_first_message_fills_category_and_description():
    events = await ActionTakeAppeal().run(
        CollectingDispatcher(), make_tracker(REPORT, "report_problem", matter=MATTER), {}
    )
    slots = slots_of(events)
    assert slots["category"] == "fire_lane_blocked" and slots["description"] == REPORT
    assert slots["appeal_id"]


async def test_a_bare_i_want_to_complain_leaves_the_description_to_ask():
    events = await ActionTakeAppeal().run(
        CollectingDispatcher(), make_tracker("我要投诉", "report_problem", matter=MATTER), {}
    )
    assert "description" not in slots_of(events)


async def test_a_category_chosen_from_the_fallback_buttons_is_kept_and_the_words_come_from_before():
    tracker = make_tracker(
        '/report_problem{"category": "street_vendor"}',
        "report_problem",
        slots={"category": "street_vendor"},
        earlier_texts=["那个卖东西的把路都占完了"],
    )
    slots = slots_of(await ActionTakeAppeal().run(CollectingDispatcher(), tracker, {}))
    assert slots["category_confidence"] == 1.0 and "category" not in slots
    assert slots["description"] == "那个卖东西的把路都占完了"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("13985012345", "13985012345"), ("0851-86812345", "0851-86812345"), ("不留", "未留"), ("1398501234a", None)],
)
async def test_phone_validation(typed, stored):
    dispatcher = CollectingDispatcher()
    result = await ValidateComplaintForm().validate_contact_phone(typed, dispatcher, make_tracker(typed), {})
    assert result == {"contact_phone": stored}
    if stored is None:
        assert "11 位" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    ("typed", "accepted", "words"),
    [
        ("宝山北路56号", True, None),
        ("楼下", False, "具体"),
        ("上海市浦东新区张江路5号", False, "12345"),
        ("地" * 300, False, "太长"),
        ("電話是138abc12345", False, "不是一个地点"),
    ],
)
async def test_address_validation(typed, accepted, words):
    dispatcher = CollectingDispatcher()
    result = await ValidateComplaintForm().validate_address(typed, dispatcher, make_tracker(typed), {})
    assert (result["address"] is not None) is accepted
    if accepted:
        assert result["community_name"] == "宝山社区" and result["address_full"].startswith("贵阳市云岩区")
    else:
        assert words in dispatcher.messages[0]["text"]


async def test_summary_masks_the_phone_and_offers_confirmation():
    dispatcher = CollectingDispatcher()
    await ActionShowSummary().run(dispatcher, make_tracker("", slots=FILLED), {})
    [message] = dispatcher.messages
    assert "消防通道堵塞" in message["text"] and "宝山北路56号" in message["text"]
    assert "139****2345" in message["text"] and "13985012345" not in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny", "/cancel"]


async def test_a_correction_replaces_the_address_in_the_summary():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("地址不对，是北京路18号", slots={**FILLED, "address": "北京路18号"})
    events = await ActionShowSummary().run(dispatcher, tracker, {})
    assert "北京路18号" in dispatcher.messages[0]["text"] and "宝山北路" not in dispatcher.messages[0]["text"]
    assert slots_of(events)["community_name"] == "北京路社区"


async def test_confirmation_opens_one_ticket_even_when_retried(linkage):
    tracker = make_tracker("确认提交", "affirm", slots=FILLED)
    first, second = CollectingDispatcher(), CollectingDispatcher()
    await ActionSubmitTicket().run(first, tracker, {})
    await ActionSubmitTicket().run(second, tracker, {})
    number = re.search(r"\d{8}-\d{6}", first.messages[0]["text"]).group()
    assert number in second.messages[0]["text"]
    assert "区消防救援大队" in first.messages[0]["text"] and "办理时限" in first.messages[0]["text"]
    tickets = await LinkageClient.from_settings(ActionSettings.from_env()).list_tickets("web:resident-1")
    assert [t["number"] for t in tickets] == [number]


async def test_linkage_down_keeps_the_complaint_and_delivers_it_later(
    linkage_down, database_url, settings_for, clock, monkeypatch, tmp_path
):
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitTicket().run(dispatcher, make_tracker("确认", "affirm", slots=FILLED), {})
    assert "已完整记录" in dispatcher.messages[0]["text"]
    assert slots_of(events)["awaiting_confirmation"] is False
    outbox = Outbox(Path(ActionSettings.from_env().outbox_path))
    assert len(outbox.pending("web:resident-1")) == 1

    # The complaint survives a restart of the action server: a new Outbox reads the same file.
    from aiohttp.test_utils import TestServer

    from bot.web.app import init_app
    from tests.conftest import reset_database

    await reset_database(database_url)
    server = TestServer(init_app(settings_for(database_url), clock=clock))
    await server.start_server()
    try:
        client = LinkageClient(str(server.make_url("")).rstrip("/"), ActionSettings.from_env().service_token)
        told = []

        async def notify(sender_id, ticket):
            told.append((sender_id, ticket["number"]))

        restarted = Outbox(Path(ActionSettings.from_env().outbox_path))
        assert await deliver_pending(restarted, client, notify) == 1
        assert await deliver_pending(restarted, client, notify) == 0  # nothing twice
        tickets = await client.list_tickets("web:resident-1")
        assert len(tickets) == 1 and told == [("web:resident-1", tickets[0]["number"])]
        assert restarted.pending() == []
    finally:
        await server.close()


LETTER = "我家楼下烧烤摊天天占道经营，人行道都走不通。另外，小区门口的垃圾桶好几天没人清运，臭得很。"
TWO_MATTERS = {**MATTER, "category": "street_vendor", "second_category": "garbage_sanitation"}


async def test_a_message_with_two_matters_files_the_main_one_and_offers_the_second(linkage):
    slots = slots_of(
        await ActionTakeAppeal().run(
            CollectingDispatcher(), make_tracker(LETTER, "report_problem", matter=TWO_MATTERS), {}
        )
    )
    assert slots["category"] == "street_vendor" and slots["second_category"] == "garbage_sanitation"

    dispatcher = CollectingDispatcher()
    filled = {**FILLED, "category": "street_vendor", "description": LETTER, **slots, "awaiting_confirmation": True}
    await ActionSubmitTicket().run(dispatcher, make_tracker("确认提交", "affirm", slots=filled), {})
    offer = dispatcher.messages[-1]
    assert "垃圾清运" in offer["text"] and "另外" in offer["text"]
    accept = offer["buttons"][0]["payload"]
    assert accept.startswith("/report_problem") and "garbage_sanitation" in accept

    # The resident takes the offer: a new appeal about garbage, described by the same letter.
    tracker = make_tracker(
        accept, "report_problem", slots={**slots, "category": "garbage_sanitation"}, earlier_texts=["13985012345"]
    )
    again = slots_of(await ActionTakeAppeal().run(CollectingDispatcher(), tracker, {}))
    assert again["category_confidence"] == 1.0 and again["description"] == LETTER
    assert again["second_category"] is None


@pytest.mark.parametrize("text", ["Hello, the street light outside my house is broken", "😀😀😀"])
async def test_a_message_without_chinese_is_answered_in_chinese_and_not_filed_as_the_description(text):
    dispatcher = CollectingDispatcher()
    slots = slots_of(await ActionTakeAppeal().run(dispatcher, make_tracker(text, "report_problem", matter=MATTER), {}))
    assert "description" not in slots
    assert "中文" in dispatcher.messages[0]["text"]
