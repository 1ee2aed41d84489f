"""Telling a resident what happened to their ticket (pushed by the linkage service's notifier),
and taking the 1–5 rating (回访) after 办结. A rating of 1–2 reopens the case (重办)."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.config import ActionSettings
from actions.linkage_client import LinkageClient, LinkageRejected, LinkageUnavailable

log = logging.getLogger(__name__)

RATING_TITLES = {1: "1 很不满意", 2: "2 不满意", 3: "3 基本满意", 4: "4 满意", 5: "5 非常满意"}
LOW_RATING = 2  # 1–2 reopens the case


def rating_buttons() -> List[Dict[str, str]]:
    return [{"title": title, "payload": f'/rate{{"rating": {n}}}'} for n, title in RATING_TITLES.items()]


def _event(ticket: Dict[str, Any], event_id: Optional[str]) -> Optional[Dict[str, Any]]:
    public = [e for e in ticket.get("timeline", []) if e.get("public")]
    if event_id is not None:
        return next((e for e in public if str(e.get("id")) == str(event_id)), None)
    return public[-1] if public else None


def update_text(ticket: Dict[str, Any], event: Dict[str, Any]) -> str:
    """One public event as the resident reads it: what happened, and the department's note."""
    number, department = ticket["number"], ticket["department"]["name"]
    note = (event.get("note") or "").strip()
    said = f"\n办理说明：{note}" if note else ""
    headline = {
        "dispatch": f"您反映的问题（工单 {number}）已派至{department}办理，办理时限至{ticket['due_at_text']}。",
        "sign": f"{department}已签收您的工单 {number}，正在安排处理。",
        "start": f"{department}已开始办理您的工单 {number}。",
        "note": f"您的工单 {number} 有新进展。",
        "resolve": f"您的工单 {number} 已办结。",
        "reject": f"您的工单 {number} 经核实不属于原承办单位职责，热线中心正在为您重新派单，请您耐心等待。",
        "escalate": f"您的工单 {number} 已列入督办，我们会督促承办单位加快办理。",
        "merge": f"您的工单 {number} 与其他居民反映的同一问题已合并办理，办理结果会一并告诉您。",
        "cancel": f"您的工单 {number} 已撤单。",
        "reopen": f"您的工单 {number} 已重新办理（重办），我们会督促承办单位尽快处理。",
    }.get(str(event.get("action")), f"您的工单 {number} 状态更新为：{ticket['status_name']}。")
    if event.get("action") == "reject":
        said = ""  # the department's internal reasoning is not the resident's business
    return headline + said


class ActionTellTicketUpdate(Action):
    """Runs on `EXTERNAL_ticket_update` {ticket_number, event_id}; sets `pushed_event_id` as the receipt."""

    def name(self) -> str:
        return "action_tell_ticket_update"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        number = next(tracker.get_latest_entity_values("ticket_number"), None)
        event_id = next(tracker.get_latest_entity_values("event_id"), None)
        if not number:
            return []
        client = LinkageClient.from_settings(ActionSettings.from_env())
        # LinkageUnavailable propagates: without the receipt slot the notifier tries again later.
        ticket = await client.get_ticket(str(number), tracker.sender_id)
        receipt = [SlotSet("pushed_event_id", str(event_id) if event_id is not None else None)]
        event = _event(ticket, event_id) if ticket else None
        if ticket is None or event is None:
            log.warning("ticket update %s/%s is not this resident's or has no public event", number, event_id)
            return receipt
        text = update_text(ticket, event)
        if event.get("to_status") == "resolved":
            dispatcher.utter_message(
                text=text + "\n请您对办理结果进行评价（回访），1 分最低、5 分最高：", buttons=rating_buttons()
            )
            return [*receipt, SlotSet("rating_ticket", ticket["number"]), SlotSet("ticket_number", ticket["number"])]
        dispatcher.utter_message(text=text)
        return [*receipt, SlotSet("ticket_number", ticket["number"])]


class ActionRateTicket(Action):
    """The resident's 1–5 rating of the ticket the bot asked about (回访)."""

    def name(self) -> str:
        return "action_rate_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        number = tracker.get_slot("rating_ticket")
        value = next(tracker.get_latest_entity_values("rating"), None)
        try:
            rating = int(str(value))
        except ValueError:
            rating = 0
        if not number:
            dispatcher.utter_message(text="目前没有需要您评价的工单。办结的工单会请您评价，感谢您的关注。")
            return []
        if rating not in RATING_TITLES:
            dispatcher.utter_message(text="请用 1 到 5 分评价办理结果：", buttons=rating_buttons())
            return []
        client = LinkageClient.from_settings(ActionSettings.from_env())
        try:
            ticket = await client.rate_ticket(number, rating, tracker.sender_id)
        except LinkageUnavailable:
            dispatcher.utter_message(text="评价暂时没能提交，请稍后再点一次，或拨打 12319 热线告诉我们。")
            return []
        except LinkageRejected as exc:
            dispatcher.utter_message(text=f"评价没有提交成功：{exc}")
            return [SlotSet("rating_ticket", None)]
        if ticket is None:
            dispatcher.utter_message(text=f"没有找到需要评价的工单 {number}，如有疑问请拨打 12319 热线。")
            return [SlotSet("rating_ticket", None)]
        if rating <= LOW_RATING:
            dispatcher.utter_message(
                text=f"很抱歉办理结果没有让您满意。工单 {number} 已转为重办，我们会督促承办单位重新处理，"
                "有进展会第一时间告诉您。"
            )
        else:
            dispatcher.utter_message(text=f"感谢您的评价（{rating} 分）！工单 {number} 已办结归档。祝您生活愉快！")
        return [SlotSet("rating_ticket", None)]
