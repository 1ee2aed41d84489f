"""The handoff desk on a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set):
one open handoff per resident, one winner when two clerks race, replies only while it is theirs,
and the courier that takes the clerk's words to the resident through Rasa, in order, retried."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.accounts.roles import Principal, Role
from bot.errors import InvalidInput
from bot.handoff.courier import GIVE_UP_AFTER_ATTEMPTS, RECEIPT_SLOT, HandoffCourier
from bot.handoff.service import (
    HANDED_BACK,
    MAX_REPLY_CHARS,
    RESIDENT_MESSAGES_PER_MINUTE,
    UNANSWERED,
    HandoffClosed,
    HandoffService,
    HandoffTaken,
    Line,
    TooManyMessages,
)
from bot.notify.models import WebChatMessage
from bot.notify.pusher import RasaTrigger
from tests.standins.rasa_trigger import RASA_TOKEN, rasa_trigger_standin

WANG = Principal("op-wang", Role.operator)
LI = Principal("op-li", Role.operator)
SENDER = "tg:5512345678"


@pytest.fixture
def desk(service) -> HandoffService:
    return HandoffService(service.engine, service.clock)


async def _open(desk: HandoffService, sender_id: str = SENDER):
    lines = [Line("resident", "转人工"), Line("bot", "已为您转接人工服务。")]
    return await desk.open(sender_id, "asked", lines)


async def test_asking_twice_keeps_one_open_handoff_with_its_transcript(desk):
    first, created = await _open(desk)
    again, created_again = await _open(desk)
    assert created and not created_again and again.id == first.id
    found = await desk.get(first.id)
    assert [(m.author, m.text) for m in found.messages] == [("resident", "转人工"), ("bot", "已为您转接人工服务。")]
    assert found.state == "waiting" and found.channel == "tg" and found.reason == "asked"


async def test_after_a_hand_back_the_resident_may_ask_again_and_gets_a_new_handoff(desk):
    first, _ = await _open(desk)
    await desk.hand_back(first.id, WANG)
    second, created = await _open(desk)
    assert created and second.id != first.id


async def test_two_handoffs_opened_at_once_for_one_resident_are_one(desk):
    results = await asyncio.gather(*[_open(desk) for _ in range(5)])
    assert len({handoff.id for handoff, _ in results}) == 1
    assert sum(created for _, created in results) == 1


async def test_two_clerks_take_the_same_conversation_and_one_wins(desk):
    handoff, _ = await _open(desk)
    outcomes = await asyncio.gather(desk.take(handoff.id, WANG), desk.take(handoff.id, LI), return_exceptions=True)
    winners = [o for o in outcomes if not isinstance(o, Exception)]
    losers = [o for o in outcomes if isinstance(o, HandoffTaken)]
    assert len(winners) == 1 and len(losers) == 1
    assert "已由话务员" in losers[0].message and losers[0].status == 409
    taken = await desk.get(handoff.id)
    assert taken.state == "active" and taken.operator == winners[0].operator
    assert (await desk.take(handoff.id, Principal(taken.operator, Role.operator))).state == "active"  # again: fine


async def test_a_reply_takes_a_waiting_conversation_and_others_cannot_answer_it(desk):
    handoff, _ = await _open(desk)
    message = await desk.reply(handoff.id, WANG, "  您好，我是话务员小王，请问具体在哪个小区？ ")
    assert message.text == "您好，我是话务员小王，请问具体在哪个小区？" and message.intent == "EXTERNAL_operator_reply"
    assert (await desk.get(handoff.id)).operator == "op-wang"
    with pytest.raises(HandoffTaken):
        await desk.reply(handoff.id, LI, "我来回答")


@pytest.mark.parametrize("text", ["", "   ", None, 12, "好" * (MAX_REPLY_CHARS + 1)])
async def test_an_empty_or_overlong_reply_is_refused_with_a_reason(desk, text):
    handoff, _ = await _open(desk)
    with pytest.raises(InvalidInput) as refused:
        await desk.reply(handoff.id, WANG, text)
    assert "回复" in refused.value.message
    assert [m.author for m in (await desk.get(handoff.id)).messages] == ["resident", "bot"]


async def test_a_closed_conversation_takes_no_reply_and_no_second_hand_back(desk):
    handoff, _ = await _open(desk)
    await desk.take(handoff.id, WANG)
    closed = await desk.hand_back(handoff.id, WANG)
    assert closed.state == "closed" and closed.closed_by == "op-wang"
    assert closed.messages[-1].intent == "EXTERNAL_handback"
    with pytest.raises(HandoffClosed) as refused:
        await desk.reply(handoff.id, WANG, "还在吗")
    assert refused.value.status == 409 and "已结束" in refused.value.message
    with pytest.raises(HandoffClosed):
        await desk.hand_back(handoff.id, WANG)
    assert await desk.relay(SENDER, "喂？") is None  # the resident's next message goes to the bot again


async def test_only_the_clerk_who_took_it_hands_it_back_unless_an_admin_does(desk):
    handoff, _ = await _open(desk)
    await desk.take(handoff.id, WANG)
    with pytest.raises(HandoffTaken):
        await desk.hand_back(handoff.id, LI)
    assert (await desk.hand_back(handoff.id, Principal("admin", Role.admin))).state == "closed"


async def test_the_queue_lists_waiting_conversations_first_with_their_latest_line(desk, clock):
    early, _ = await _open(desk, "tg:1")
    clock.moment += timedelta(minutes=1)
    late, _ = await _open(desk, "wx:o-2")
    clock.moment += timedelta(minutes=1)
    taken, _ = await _open(desk, "web:abc")
    await desk.take(taken.id, WANG)
    closed, _ = await _open(desk, "tg:4")
    await desk.hand_back(closed.id, WANG)
    await desk.relay("wx:o-2", "我家楼下的路灯坏了")
    rows = await desk.queue()
    assert [h.id for h, _ in rows] == [early.id, late.id, taken.id]
    assert rows[1][1].text == "我家楼下的路灯坏了" and rows[1][1].author == "resident"


async def test_a_resident_flooding_the_clerk_is_slowed_down_and_told(desk, clock):
    await _open(desk)
    clock.moment += timedelta(minutes=2)  # the handed-over transcript is not this minute's flood
    for n in range(RESIDENT_MESSAGES_PER_MINUTE):
        assert await desk.relay(SENDER, f"第{n}条") is not None
    with pytest.raises(TooManyMessages) as slowed:
        await desk.relay(SENDER, "再发一条")
    assert slowed.value.status == 429 and "频繁" in slowed.value.message
    clock.moment += timedelta(minutes=1, seconds=1)
    assert await desk.relay(SENDER, "一分钟后可以再发") is not None


@pytest.mark.parametrize("text", ["", "  ", "长" * 5001])
async def test_an_empty_or_overlong_resident_message_is_refused(desk, text):
    await _open(desk)
    with pytest.raises(InvalidInput):
        await desk.relay(SENDER, text)


@pytest.mark.parametrize("sender", ["", "no-channel", "tg:" + "1" * 200])
async def test_a_malformed_sender_id_is_refused(desk, sender):
    with pytest.raises(InvalidInput):
        await desk.open(sender, "asked")


# -- delivery ------------------------------------------------------------------------------


@pytest.fixture
async def rasa():
    async with rasa_trigger_standin(RECEIPT_SLOT, "reply_id") as standin:
        yield standin


def courier(desk, rasa) -> HandoffCourier:
    return HandoffCourier(desk, RasaTrigger(rasa.url, RASA_TOKEN))


async def test_replies_and_the_hand_back_reach_the_resident_once_and_in_order(desk, rasa):
    handoff, _ = await _open(desk)
    first = await desk.reply(handoff.id, WANG, "您好，请问具体位置？")
    second = await desk.reply(handoff.id, WANG, "好的，已记录。")
    await desk.hand_back(handoff.id, WANG)
    assert await courier(desk, rasa).deliver_due() == 3
    assert await courier(desk, rasa).deliver_due() == 0
    assert [(c["sender"], c["name"], c["entities"].get("reply_text")) for c in rasa.calls] == [
        (SENDER, "EXTERNAL_operator_reply", "您好，请问具体位置？"),
        (SENDER, "EXTERNAL_operator_reply", "好的，已记录。"),
        (SENDER, "EXTERNAL_handback", HANDED_BACK),
    ]
    assert rasa.calls[0]["entities"]["reply_id"] == str(first.id) and rasa.calls[1]["entities"]["reply_id"] == str(
        second.id
    )
    assert all(m.sent_at is not None for m in (await desk.get(handoff.id)).messages if m.intent)


async def test_while_rasa_is_down_a_reply_waits_holds_the_next_and_is_retried(desk, rasa, clock):
    handoff, _ = await _open(desk)
    await desk.reply(handoff.id, WANG, "第一句")
    await desk.reply(handoff.id, WANG, "第二句")
    rasa.mode = "down"
    assert await courier(desk, rasa).deliver_due() == 0
    lines = (await desk.get(handoff.id)).messages
    assert lines[2].attempts == 1 and "500" in lines[2].last_error and lines[3].attempts == 0  # the second waits
    rasa.mode = "ok"
    assert await courier(desk, rasa).deliver_due() == 0  # not due yet (backoff)
    clock.moment += timedelta(seconds=5)
    assert await courier(desk, rasa).deliver_due() == 2
    assert [c["entities"]["reply_text"] for c in rasa.calls] == ["第一句", "第二句"]


async def test_a_reply_that_never_arrives_is_marked_as_not_delivered(desk, rasa, clock):
    handoff, _ = await _open(desk)
    await desk.reply(handoff.id, WANG, "请问还在吗？")
    rasa.mode = "no_receipt"  # Rasa answered but the action did not run
    for _ in range(GIVE_UP_AFTER_ATTEMPTS):
        await courier(desk, rasa).deliver_due()
        clock.moment += timedelta(hours=1)
    [line] = [m for m in (await desk.get(handoff.id)).messages if m.intent]
    assert line.given_up_at is not None and line.sent_at is None and "receipt" in line.last_error


async def test_a_web_chat_resident_finds_the_reply_in_their_inbox(desk, rasa):
    handoff, _ = await _open(desk, "web:session-1")
    await desk.reply(handoff.id, WANG, "您好，我是话务员。")
    assert await courier(desk, rasa).deliver_due() == 1
    async with desk.sessions() as session:
        inbox = list((await session.execute(select(WebChatMessage))).scalars())
    assert [(m.sender_id, '"您好，我是话务员。"' in m.payload) for m in inbox] == [("web:session-1", True)]


async def test_a_chat_nobody_takes_goes_back_to_the_bot_with_an_apology(desk, rasa, clock):
    forgotten, _ = await _open(desk, "tg:1")
    clock.moment += timedelta(minutes=20)
    taken, _ = await _open(desk, "tg:2")
    await desk.take(taken.id, WANG)
    fresh, _ = await _open(desk, "tg:3")
    clock.moment += timedelta(minutes=15)
    assert await desk.release_unanswered(timedelta(minutes=30)) == 1
    assert (await desk.get(forgotten.id)).state == "closed" and (await desk.get(forgotten.id)).closed_by == "system"
    assert (await desk.get(taken.id)).state == "active" and (await desk.get(fresh.id)).state == "waiting"
    assert await desk.release_unanswered(timedelta(minutes=30)) == 0
    await courier(desk, rasa).deliver_due()
    assert [(c["sender"], c["name"], c["entities"]["reply_text"]) for c in rasa.calls] == [
        ("tg:1", "EXTERNAL_handback", UNANSWERED)
    ]
    assert "12319" in UNANSWERED
