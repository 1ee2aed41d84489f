"""Handoff actions against a real linkage service: what the resident reads, what the clerk gets
(the transcript, the relayed messages), and what happens when the linkage service is down."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionDefaultFallback, ActionSuggestGuesses
from actions.handoff import (
    ActionHandBack,
    ActionRelayToOperator,
    ActionRequestHandoff,
    ActionSayOperatorReply,
    failed_last_turn,
    transcript,
)
from bot.accounts.roles import Principal, Role
from bot.handoff.service import HandoffService
from bot.ticketing.db import make_engine

SENDER = "tg:5512345678"
CLERK = Principal("op-wang", Role.operator)


def user(text: str, intent: str = "inform", at: float = 1795312800.0) -> Dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}, "timestamp": at}


def bot(text: str, buttons: List[Dict[str, str]] | None = None) -> Dict[str, Any]:
    return {"event": "bot", "text": text, "data": {"buttons": buttons or []}, "timestamp": 1795312801.0}


def slots(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def action(name: str) -> Dict[str, Any]:
    return {"event": "action", "name": name}


def tracker(
    events: List[Dict[str, Any]], slots: Dict[str, Any] | None = None, active_loop: str | None = None, **latest: Any
) -> Tracker:
    last_user = next(e for e in reversed(events) if e["event"] == "user")
    message = {"text": last_user["text"], "intent": last_user["parse_data"]["intent"], "entities": [], **latest}
    loop = {"name": active_loop} if active_loop else {}
    return Tracker(SENDER, slots or {}, message, events, False, None, loop, "action_listen")


@pytest.fixture
async def desk(linkage, database_url, clock):
    engine = make_engine(database_url)
    yield HandoffService(engine, clock)
    await engine.dispose()


SKIP = {"title": "跳过", "payload": "/deny"}
CONVERSATION = [
    user("我们小区门口天天有车乱停", "report_problem"),
    bot("这个情况是什么时候发生的？", [SKIP]),
    user("/deny", "deny"),
    user("", "EXTERNAL_ticket_update"),
    bot("您的工单已签收"),
    user("转人工", "ask_human"),
]


async def test_asking_for_a_person_hands_the_chat_with_its_transcript_to_the_clerks(desk):
    dispatcher = CollectingDispatcher()
    events = await ActionRequestHandoff().run(dispatcher, tracker(CONVERSATION), {})
    assert "已为您转接人工服务" in dispatcher.messages[0]["text"] and "12319" in dispatcher.messages[0]["text"]
    assert slots(events) == {"handoff_active": True}
    [(handoff, _)] = await desk.queue()
    assert handoff.sender_id == SENDER and handoff.state == "waiting" and handoff.reason == "asked"
    lines = [(m.author, m.text) for m in (await desk.get(handoff.id)).messages]
    assert lines == [
        ("resident", "我们小区门口天天有车乱停"),
        ("bot", "这个情况是什么时候发生的？"),
        ("resident", "〔点选：跳过〕"),  # the button's title, not its payload
        ("bot", "您的工单已签收"),
        ("resident", "转人工"),
    ]


async def test_in_the_middle_of_a_complaint_the_form_closes(desk):
    dispatcher = CollectingDispatcher()
    events = await ActionRequestHandoff().run(
        dispatcher, tracker(CONVERSATION, {"awaiting_confirmation": True}, active_loop="complaint_form"), {}
    )
    assert events[0] == ActiveLoop(None)
    assert slots(events) == {"requested_slot": None, "awaiting_confirmation": False, "handoff_active": True}


async def test_with_the_linkage_service_down_the_resident_is_told_and_the_bot_keeps_working(linkage_down):
    dispatcher = CollectingDispatcher()
    events = await ActionRequestHandoff().run(dispatcher, tracker(CONVERSATION, active_loop="complaint_form"), {})
    text = dispatcher.messages[0]["text"]
    assert "暂时无法接通" in text and "12319" in text and "接着把您反映的问题登记完" in text
    assert events == []  # no silence, the form goes on


async def test_messages_during_the_handoff_go_to_the_clerk_and_the_bot_says_nothing(desk):
    await ActionRequestHandoff().run(CollectingDispatcher(), tracker(CONVERSATION), {})
    dispatcher = CollectingDispatcher()
    events = await ActionRelayToOperator().run(
        dispatcher, tracker([*CONVERSATION, user("就在宝山北路56号门口")], {"handoff_active": True}), {}
    )
    assert dispatcher.messages == [] and events == []
    [(_, latest)] = await desk.queue()
    assert latest.author == "resident" and latest.text == "就在宝山北路56号门口"


async def test_after_the_clerk_closed_it_the_resident_is_told_the_assistant_is_back(desk):
    await ActionRequestHandoff().run(CollectingDispatcher(), tracker(CONVERSATION), {})
    [(handoff, _)] = await desk.queue()
    await desk.hand_back(handoff.id, CLERK)
    dispatcher = CollectingDispatcher()
    events = await ActionRelayToOperator().run(dispatcher, tracker([user("还在吗")], {"handoff_active": True}), {})
    assert "人工服务已经结束" in dispatcher.messages[0]["text"]
    assert slots(events) == {"handoff_active": False}


async def test_a_relayed_message_that_cannot_be_delivered_is_never_silently_lost(linkage_down):
    dispatcher = CollectingDispatcher()
    await ActionRelayToOperator().run(dispatcher, tracker([user("就在宝山北路56号")], {"handoff_active": True}), {})
    assert "没能转给工作人员" in dispatcher.messages[0]["text"] and "再发一次" in dispatcher.messages[0]["text"]


async def test_a_flooding_resident_is_asked_to_slow_down(desk):
    await ActionRequestHandoff().run(CollectingDispatcher(), tracker(CONVERSATION), {})
    dispatcher = CollectingDispatcher()
    for n in range(25):
        await ActionRelayToOperator().run(dispatcher, tracker([user(f"第{n}条")], {"handoff_active": True}), {})
    assert (
        dispatcher.messages
        and "频繁" in dispatcher.messages[0]["text"]
        and "没有转给工作人员" in (dispatcher.messages[0]["text"])
    )


async def test_the_clerks_words_are_said_verbatim_with_the_receipt():
    dispatcher = CollectingDispatcher()
    entities = [
        {"entity": "reply_id", "value": "17"},
        {"entity": "reply_text", "value": "您好，我是话务员小王 😊\n请稍等"},
    ]
    events = await ActionSayOperatorReply().run(
        dispatcher, tracker([user("", "EXTERNAL_operator_reply")], entities=entities), {}
    )
    assert dispatcher.messages[0]["text"] == "您好，我是话务员小王 😊\n请稍等"
    assert slots(events) == {"handoff_receipt": "17"}


async def test_the_hand_back_tells_the_resident_and_lets_the_bot_answer_again():
    dispatcher = CollectingDispatcher()
    entities = [{"entity": "reply_id", "value": "18"}]
    events = await ActionHandBack().run(
        dispatcher, tracker([user("", "EXTERNAL_handback")], {"handoff_active": True}, entities=entities), {}
    )
    assert "智能助手继续为您服务" in dispatcher.messages[0]["text"]
    assert slots(events) == {"handoff_active": False, "handoff_receipt": "18"}


def test_failures_count_only_when_they_are_consecutive():
    first = [user("啊啊啊", "nlu_fallback"), action("action_suggest_guesses"), bot("您是想：")]
    assert failed_last_turn(tracker([*first, user("嗯嗯那个", "nlu_fallback")]))
    understood = [*first, user("查一下我的工单", "ask_progress"), action("action_check_progress")]
    assert not failed_last_turn(tracker([*understood, user("嗯嗯那个", "nlu_fallback")]))
    core = [user("好的", "affirm"), action("action_default_fallback"), {"event": "rewind"}]
    assert failed_last_turn(tracker([*core, user("嗯？", "affirm")]))
    assert not failed_last_turn(tracker([user("嗯？", "affirm")]))


async def test_the_second_misunderstanding_in_a_row_goes_to_a_clerk(desk):
    first = [user("咋个整嘛", "nlu_fallback"), action("action_suggest_guesses"), bot("您是想：")]
    dispatcher = CollectingDispatcher()
    ranking = [{"name": "nlu_fallback"}, {"name": "ask_progress"}, {"name": "greet"}]
    events = await ActionSuggestGuesses().run(
        dispatcher, tracker([*first, user("就是那个事情嘛", "nlu_fallback")], intent_ranking=ranking), {}
    )
    assert dispatcher.messages[0]["text"].startswith("抱歉，我还是没能理解您的意思。已为您转接人工服务")
    assert slots(events)["handoff_active"] is True
    [(handoff, _)] = await desk.queue()
    assert handoff.reason == "bot_failed"


async def test_the_core_fallback_reverts_once_and_hands_over_the_second_time(desk):
    dispatcher = CollectingDispatcher()
    events = await ActionDefaultFallback().run(dispatcher, tracker([user("好的", "affirm")]), {})
    assert dispatcher.messages[0]["response"] == "utter_default" and events == [UserUtteranceReverted()]
    assert await desk.queue() == []
    again = [user("好的", "affirm"), action("action_default_fallback"), {"event": "rewind"}, user("好的呀", "affirm")]
    dispatcher = CollectingDispatcher()
    events = await ActionDefaultFallback().run(dispatcher, tracker(again), {})
    assert "已为您转接人工服务" in dispatcher.messages[0]["text"]
    assert len(await desk.queue()) == 1


def test_the_transcript_keeps_the_last_thirty_lines():
    events = [user(f"第{n}句") for n in range(40)]
    lines = transcript(tracker(events))
    assert len(lines) == 30 and lines[-1]["text"] == "第39句" and lines[0]["text"] == "第10句"


async def test_a_chat_nobody_took_comes_back_with_the_apology_the_desk_wrote():
    dispatcher = CollectingDispatcher()
    entities = [
        {"entity": "reply_id", "value": "19"},
        {"entity": "reply_text", "value": "非常抱歉，工作人员暂时都在忙"},
    ]
    await ActionHandBack().run(
        dispatcher, tracker([user("", "EXTERNAL_handback")], {"handoff_active": True}, entities=entities), {}
    )
    assert dispatcher.messages[0]["text"] == "非常抱歉，工作人员暂时都在忙"
