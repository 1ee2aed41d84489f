"""What a resident reads when their ticket moves, and the rating (回访) after 办结 — against a
real linkage service; events are written as a department's action would leave them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.ticket_updates import ActionRateTicket, ActionTellTicketUpdate
from bot.ticketing.db import make_engine
from bot.ticketing.service import NewTicket, TicketService
from tests.actions.conftest import make_tracker
from tests.notify.events import record_event

SENDER = "tg:5512345678"


@pytest.fixture
async def tickets(linkage, database_url, pack, clock):
    engine = make_engine(database_url)
    yield TicketService(engine, pack, clock)
    await engine.dispose()


async def _ticket(tickets, sender_id=SENDER) -> str:
    ticket, _ = await tickets.create(
        NewTicket(
            sender_id=sender_id,
            description="小区门口有车堵了消防通道",
            address="宝山北路56号",
            category="fire_lane_blocked",
            category_confidence=0.9,
        )
    )
    return ticket.number


async def _tell(number, event_id, sender_id=SENDER):
    dispatcher = CollectingDispatcher()
    entities = [{"entity": "ticket_number", "value": number}, {"entity": "event_id", "value": str(event_id)}]
    tracker = make_tracker("", "EXTERNAL_ticket_update", entities=entities, sender_id=sender_id)
    events = await ActionTellTicketUpdate().run(dispatcher, tracker, {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events}


@pytest.mark.parametrize(
    ("action", "status", "note", "expected"),
    [
        ("sign", "signed", "安排人员今天下午到场", ["区消防救援大队已签收", "安排人员今天下午到场"]),
        ("note", "in_progress", "已联系车主挪车", ["有新进展", "已联系车主挪车"]),
        ("merge", "merged", "并入 20261122-000002 办理", ["合并办理"]),
        ("reject", "rejected", "内部：非我单位职责", ["重新派单"]),
    ],
)
async def test_each_public_event_reads_as_a_courteous_chinese_update(tickets, clock, action, status, note, expected):
    number = await _ticket(tickets)
    clock.moment += timedelta(hours=1)
    event_id = await record_event(tickets, number, action, status, note, clock.moment)
    messages, slots = await _tell(number, event_id)
    [message] = messages
    assert number in message["text"] and all(e in message["text"] for e in expected)
    assert not message["buttons"] and slots["pushed_event_id"] == str(event_id)
    if action == "reject":
        assert "内部" not in message["text"]  # the department's reasoning stays internal


async def test_resolved_asks_for_a_rating_with_five_buttons(tickets, clock):
    number = await _ticket(tickets)
    clock.moment += timedelta(days=1)
    event_id = await record_event(tickets, number, "resolve", "resolved", "已清理占道车辆并设置隔离桩", clock.moment)
    [message], slots = await _tell(number, event_id)
    assert "已办结" in message["text"] and "已清理占道车辆" in message["text"] and "评价" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == [f'/rate{{"rating": {n}}}' for n in range(1, 6)]
    assert slots["rating_ticket"] == number


async def test_an_update_of_someone_elses_ticket_says_nothing(tickets, clock):
    number = await _ticket(tickets, sender_id="wx:someone-else")
    clock.moment += timedelta(hours=1)
    event_id = await record_event(tickets, number, "sign", "signed", "已签收", clock.moment)
    messages, slots = await _tell(number, event_id)
    assert messages == [] and slots["pushed_event_id"] == str(event_id)


async def test_without_the_linkage_service_there_is_no_receipt_so_the_push_is_retried(linkage_down):
    from actions.linkage_client import LinkageUnavailable

    with pytest.raises(LinkageUnavailable):
        await _tell("20261122-000001", 7)


async def test_a_rating_without_a_question_or_out_of_range(linkage_down):
    dispatcher = CollectingDispatcher()
    await ActionRateTicket().run(
        dispatcher, make_tracker("", "rate", entities=[{"entity": "rating", "value": "5"}]), {}
    )
    assert "没有需要您评价的工单" in dispatcher.messages[0]["text"]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "", "rate", slots={"rating_ticket": "20261122-000001"}, entities=[{"entity": "rating", "value": "9"}]
    )
    await ActionRateTicket().run(dispatcher, tracker, {})
    assert len(dispatcher.messages[0]["buttons"]) == 5


async def test_a_rating_while_the_linkage_service_is_down_is_asked_again_later(linkage_down):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "", "rate", slots={"rating_ticket": "20261122-000001"}, entities=[{"entity": "rating", "value": "4"}]
    )
    assert await ActionRateTicket().run(dispatcher, tracker, {}) == []
    assert "稍后再点一次" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(("rating", "expected"), [(1, "重办"), (2, "重办"), (3, "感谢您的评价"), (5, "感谢您的评价")])
async def test_a_rating_goes_to_the_transitions_api_and_a_low_one_reopens(tickets, clock, rating, expected):
    number = await _ticket(tickets)
    clock.moment += timedelta(days=1)
    await record_event(tickets, number, "resolve", "resolved", "已清理占道车辆", clock.moment)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "",
        "rate",
        slots={"rating_ticket": number},
        entities=[{"entity": "rating", "value": str(rating)}],
        sender_id=SENDER,
    )
    await ActionRateTicket().run(dispatcher, tracker, {})
    assert expected in dispatcher.messages[0]["text"]
    ticket = await tickets.get(number)
    assert ticket.status == ("reopened" if rating <= 2 else "closed")
