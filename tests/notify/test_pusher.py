"""The notifier on a real database, against a Rasa stand-in (tests/standins/rasa_trigger.py)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from bot.notify.pusher import RECEIPT_SLOT, Notifier, RasaTrigger
from bot.ticketing.service import NewTicket
from tests.notify.events import record_event
from tests.standins.rasa_trigger import RASA_TOKEN, rasa_trigger_standin


@pytest.fixture
async def rasa():
    async with rasa_trigger_standin(RECEIPT_SLOT, "event_id") as standin:
        yield standin


def notifier(service, rasa, clock) -> Notifier:
    return Notifier(service.engine, RasaTrigger(rasa.url, RASA_TOKEN), clock)


async def _ticket(service, sender_id: str = "tg:5512345678") -> str:
    ticket, _ = await service.create(
        NewTicket(
            sender_id=sender_id,
            description="小区门口有车堵了消防通道",
            address="宝山北路56号",
            category="fire_lane_blocked",
            category_confidence=0.9,
        )
    )
    return ticket.number


async def test_a_public_event_is_pushed_once_to_the_residents_conversation(service, rasa, clock):
    number = await _ticket(service)
    clock.moment += timedelta(hours=2)
    event_id = await record_event(service, number, "sign", "signed", "已签收，安排人员今天下午到场", clock.moment)
    pusher = notifier(service, rasa, clock)
    assert await pusher.run_once() == 1
    assert await pusher.run_once() == 0
    assert rasa.calls == [
        {
            "sender": "tg:5512345678",
            "output": "latest",
            "name": "EXTERNAL_ticket_update",
            "entities": {"ticket_number": number, "event_id": str(event_id)},
        }
    ]


async def test_acceptance_internal_notes_and_tickets_from_the_phone_are_not_pushed(service, rasa, clock):
    web_number = await _ticket(service, "web:abc")
    phone_number = await _ticket(service, "rest-phone-operator")
    clock.moment += timedelta(hours=1)
    await record_event(service, web_number, "note", "signed", "内部：联系不上物业", clock.moment, public=False)
    await record_event(service, phone_number, "sign", "signed", "已签收", clock.moment)
    assert await notifier(service, rasa, clock).run_once() == 0
    assert rasa.calls == []


async def test_a_new_tickets_own_acceptance_and_dispatch_are_not_pushed_on_a_running_clock(service, rasa, clock):
    """The resident hears of acceptance and dispatch in the conversation that opened the ticket; a push
    right after would repeat it. A real clock moves between the two events — a frozen one hid that."""

    def ticking() -> Any:
        clock.moment += timedelta(milliseconds=1)
        return clock.moment

    service.clock = ticking
    await _ticket(service)
    assert await notifier(service, rasa, clock).run_once() == 0
    assert rasa.calls == []


async def test_while_rasa_or_the_channel_is_down_updates_wait_and_go_out_in_order(service, rasa, clock):
    number = await _ticket(service, "wx:oVx3Q5Zk8ZbRr1a2b3c4d5e6f7g8")
    clock.moment += timedelta(hours=1)
    first = await record_event(service, number, "sign", "signed", "已签收", clock.moment)
    clock.moment += timedelta(hours=1)
    second = await record_event(service, number, "resolve", "resolved", "已清理占道车辆并设置隔离桩", clock.moment)
    pusher = notifier(service, rasa, clock)

    rasa.mode = "down"
    assert await pusher.run_once() == 0
    rasa.mode = "ok"
    assert await pusher.run_once() == 0  # backing off: not due yet
    clock.moment += timedelta(seconds=11)
    assert await pusher.run_once() == 2
    assert [c["entities"]["event_id"] for c in rasa.calls] == [str(first), str(second)]


async def test_without_the_actions_receipt_the_update_is_tried_again(service, rasa, clock):
    number = await _ticket(service)
    clock.moment += timedelta(hours=1)
    await record_event(service, number, "note", "in_progress", "已联系交警，明天上午拖移", clock.moment)
    pusher = notifier(service, rasa, clock)
    rasa.mode = "no_receipt"
    assert await pusher.run_once() == 0
    rasa.mode = "ok"
    clock.moment += timedelta(minutes=1)
    assert await pusher.run_once() == 1
    assert len(rasa.calls) == 2


async def test_two_linkage_instances_push_each_event_once(service, rasa, clock):
    numbers = [await _ticket(service, f"tg:{n}") for n in range(5)]
    clock.moment += timedelta(hours=1)
    for number in numbers:
        await record_event(service, number, "resolve", "resolved", "已办结", clock.moment)
    one, two = notifier(service, rasa, clock), notifier(service, rasa, clock)
    told = await asyncio.gather(one.run_once(), two.run_once(), one.run_once())
    assert sum(told) == 5 and len(rasa.calls) == 5
