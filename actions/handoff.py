"""Chat handoff (人工转接) in the conversation: hand the chat to a clerk with its transcript, relay
what the resident says while the clerk has it (the bot itself stays silent, bot/handoff/policy.py),
say the clerk's words verbatim, and take the chat back when the clerk is done."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.config import ActionSettings
from actions.linkage_client import LinkageClient, LinkageRejected, LinkageUnavailable
from bot.handoff.service import HANDED_BACK
from bot.privacy import mask_text

log = logging.getLogger(__name__)

ACTIVE_SLOT = "handoff_active"
RECEIPT_SLOT = "handoff_receipt"
TRANSCRIPT_LINES = 30
LINE_CHARS = 2000
FALLBACK_ACTIONS = ("action_suggest_guesses", "action_default_fallback")

HANDED_OVER = (
    "已为您转接人工服务。热线中心工作人员会在这里直接回复您，通常几分钟内，请留意消息。"
    "您可以继续留言补充情况，工作人员都能看到；着急的话也可以拨打 12319 热线（24 小时有人接听）。"
)
NOT_UNDERSTOOD = "抱歉，我还是没能理解您的意思。"
CANNOT_REACH = (
    "人工服务暂时无法接通，请您谅解。您可以直接拨打 12319 热线（24 小时有人接听），"
    "或继续在这里告诉我您遇到的问题，我会为您登记并转交相关部门办理。"
)
BACK_TO_FORM = "我们先接着把您反映的问题登记完。"
RELAY_FAILED = "抱歉，系统繁忙，这条消息没能转给工作人员，请稍后再发一次，或直接拨打 12319 热线。"
HANDOFF_OVER = "本次人工服务已经结束，智能助手继续为您服务。请把您的问题再说一次，我来为您处理。"


def _readable(text: str, buttons: Dict[str, str]) -> str:
    """A pressed button arrives as its payload (`/deny`); the clerk reads its title (跳过)."""
    if text.startswith("/"):
        return f"〔点选：{buttons.get(text, text)}〕"
    return text


def _buttons(event: Dict[str, Any]) -> Dict[str, str]:
    data = event.get("data") or {}
    return {str(b.get("payload")): str(b.get("title")) for b in data.get("buttons") or [] if isinstance(b, dict)}


def transcript(tracker: Tracker, limit: int = TRANSCRIPT_LINES) -> List[Dict[str, Any]]:
    """The conversation so far as the clerk reads it: the resident's and the bot's lines, newest last."""
    lines: List[Dict[str, Any]] = []
    buttons: Dict[str, str] = {}
    for event in tracker.events:
        kind = event.get("event")
        if kind == "bot" and event.get("text"):
            lines.append({"author": "bot", "text": str(event["text"])[:LINE_CHARS], "at": event.get("timestamp")})
            buttons = _buttons(event)
        elif kind == "user" and event.get("text"):
            intent = str(((event.get("parse_data") or {}).get("intent") or {}).get("name") or "")
            if intent.startswith("EXTERNAL_"):
                continue  # pushed by the system, not said by the resident
            text = _readable(str(event["text"]), buttons)
            lines.append({"author": "resident", "text": text[:LINE_CHARS], "at": event.get("timestamp")})
    return lines[-limit:]


def failed_last_turn(tracker: Tracker) -> bool:
    """Did the bot also fail to understand the resident's previous message? (Two in a row go to a clerk.)"""
    events = tracker.events
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(users) < 2:
        return False
    between = events[users[-2] : users[-1]]
    return any(e.get("event") == "action" and e.get("name") in FALLBACK_ACTIONS for e in between)


def _last_buttons(tracker: Tracker) -> Dict[str, str]:
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return _buttons(event)
    return {}


async def request_handoff(
    dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, preface: str = ""
) -> List[EventType]:
    """Open (or find) the resident's handoff; on success close any form and go silent."""
    client = LinkageClient.from_settings(ActionSettings.from_env())
    try:
        handoff = await client.open_handoff(tracker.sender_id, reason, transcript(tracker))
    except (LinkageUnavailable, LinkageRejected) as exc:
        log.warning("handoff for %s could not be opened: %s", mask_text(tracker.sender_id), exc)
        in_form = bool((tracker.active_loop or {}).get("name"))
        dispatcher.utter_message(text=preface + CANNOT_REACH + (BACK_TO_FORM if in_form else ""))
        return []
    dispatcher.utter_message(text=preface + HANDED_OVER)
    events: List[EventType] = []
    if (tracker.active_loop or {}).get("name"):
        events += [ActiveLoop(None), SlotSet("requested_slot", None)]
    if tracker.get_slot("awaiting_confirmation"):
        events.append(SlotSet("awaiting_confirmation", False))
    log.info("handoff %s for %s (%s)", handoff.get("id"), mask_text(tracker.sender_id), reason)
    return [*events, SlotSet(ACTIVE_SLOT, True)]


class ActionRequestHandoff(Action):
    """The resident asked for a person (转人工)."""

    def name(self) -> str:
        return "action_request_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        return await request_handoff(dispatcher, tracker, "asked")


class ActionRelayToOperator(Action):
    """During a handoff: the resident's message goes to the clerk; the bot says nothing unless it went wrong."""

    def name(self) -> str:
        return "action_relay_to_operator"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = _readable(str(tracker.latest_message.get("text") or ""), _last_buttons(tracker)).strip()
        if not text:
            return []
        client = LinkageClient.from_settings(ActionSettings.from_env())
        try:
            relayed = await client.relay_to_handoff(tracker.sender_id, text)
        except LinkageRejected as exc:  # too many messages, or too long: the resident is told why
            dispatcher.utter_message(text=f"{exc}（这条没有转给工作人员）")
            return []
        except LinkageUnavailable as exc:
            log.warning("message of %s not relayed: %s", mask_text(tracker.sender_id), exc)
            dispatcher.utter_message(text=RELAY_FAILED)
            return []
        if relayed is None:  # the clerk handed back and the hand-back has not arrived yet
            dispatcher.utter_message(text=HANDOFF_OVER)
            return [SlotSet(ACTIVE_SLOT, False)]
        return []


class ActionSayOperatorReply(Action):
    """Runs on `EXTERNAL_operator_reply` {reply_id, reply_text}: the clerk's words, verbatim."""

    def name(self) -> str:
        return "action_say_operator_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        reply_id = next(tracker.get_latest_entity_values("reply_id"), None)
        text = next(tracker.get_latest_entity_values("reply_text"), None)
        if reply_id is None or not text:
            return []
        dispatcher.utter_message(text=str(text))
        return [SlotSet(RECEIPT_SLOT, str(reply_id))]


class ActionHandBack(Action):
    """Runs on `EXTERNAL_handback` {reply_id, reply_text}: the clerk is done (or nobody came), the bot answers again."""

    def name(self) -> str:
        return "action_hand_back"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        reply_id = next(tracker.get_latest_entity_values("reply_id"), None)
        text = next(tracker.get_latest_entity_values("reply_text"), None)
        if tracker.get_slot(ACTIVE_SLOT):
            dispatcher.utter_message(text=str(text or HANDED_BACK))
        receipt = [SlotSet(RECEIPT_SLOT, str(reply_id))] if reply_id is not None else []
        return [SlotSet(ACTIVE_SLOT, False), *receipt]
