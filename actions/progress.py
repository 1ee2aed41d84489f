"""Answering "我的工单怎么样了": the resident's own tickets only, bound to the sender id."""

from __future__ import annotations

from typing import List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import appeal
from actions.config import ActionSettings
from actions.linkage_client import LinkageClient, LinkageUnavailable
from actions.outbox import Outbox
from bot.nlu.patterns import normalize_ticket_number

SHOWN = 3


class ActionCheckProgress(Action):
    def name(self) -> str:
        return "action_check_progress"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        settings = ActionSettings.from_env()
        client = LinkageClient.from_settings(settings)
        entity = next(tracker.get_latest_entity_values("ticket_number"), None)
        number = normalize_ticket_number(entity or tracker.latest_message.get("text") or "")
        waiting = Outbox(settings.outbox_path).pending(tracker.sender_id)
        try:
            if number:
                ticket = await client.get_ticket(number, tracker.sender_id)
                if ticket is None:
                    dispatcher.utter_message(
                        text=f"没有查到您名下的工单 {number}。请核对工单号；为保护个人信息，"
                        "这里只能查询您本人在此反映的工单，其他情况请拨打 12319 热线。"
                    )
                    return []
                dispatcher.utter_message(text=appeal.ticket_line(ticket))
                return [SlotSet("ticket_number", ticket["number"])]
            tickets = await client.list_tickets(tracker.sender_id)
        except LinkageUnavailable:
            dispatcher.utter_message(text="工单系统暂时无法查询，请稍后再试，或拨打 12319 热线查询。")
            return []
        if waiting:
            dispatcher.utter_message(
                text=f"您有 {len(waiting)} 件诉求已记录，正在等待系统生成工单号，生成后会第一时间通知您。"
            )
        if not tickets:
            if not waiting:
                dispatcher.utter_message(
                    text="暂未查到您在这里反映过的问题。如果是通过电话反映的，请提供工单号，或拨打 12319 热线查询。"
                )
            return []
        lines = [appeal.ticket_line(t) for t in tickets[:SHOWN]]
        more = (
            f"\n（共 {len(tickets)} 件，以上为最近 {SHOWN} 件，发送工单号可查询其他工单）"
            if len(tickets) > SHOWN
            else ""
        )
        dispatcher.utter_message(text="您反映的问题办理情况如下：\n\n" + "\n\n".join(lines) + more)
        return [SlotSet("ticket_number", tickets[0]["number"])]
