"""Taking a complaint: note what the first message said, fill the form, confirm, submit."""

from __future__ import annotations

import logging
import uuid
from typing import Any, Dict, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import appeal, inquiry
from actions.config import ActionSettings, city_pack
from actions.linkage_client import LinkageClient, LinkageRejected, LinkageUnavailable
from actions.outbox import Outbox
from bot.nlu.address import find_addresses, gazetteer, looks_like_place, normalize_address
from bot.nlu.patterns import normalize_phone

log = logging.getLogger(__name__)

_VAGUE_PLACES = {
    "这里",
    "这儿",
    "那里",
    "那儿",
    "楼下",
    "我家",
    "我们小区",
    "小区",
    "家门口",
    "门口",
    "附近",
    "不知道",
    "不清楚",
}


def _classified(tracker: Tracker, keep_category: str | None = None) -> List[EventType]:
    """Category and appeal type from the matter classifier's reading of the latest message."""
    result = appeal.matter(tracker)
    if not result:
        return []
    events: List[EventType] = [SlotSet("appeal_type", result.get("appeal_type") or "complaint")]
    if not keep_category:
        events += [
            SlotSet("category", result.get("category") or "other"),
            SlotSet("category_confidence", float(result.get("confidence") or 0.0)),
        ]
    return events


class ActionTakeAppeal(Action):
    """Starts an appeal from the message that reported it, so the form asks only what is missing.
    A message that reports two matters keeps the second for an offer after the first is filed."""

    def name(self) -> str:
        return "action_take_appeal"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events: List[EventType] = [SlotSet("appeal_id", uuid.uuid4().hex), SlotSet("awaiting_confirmation", False)]
        chosen = tracker.get_slot("category") if tracker.latest_message.get("text", "").startswith("/") else None
        text = appeal.latest_user_text(tracker)
        second = appeal.matter(tracker).get("second_category")
        if chosen:  # picked from buttons (fallback guesses, or the second matter offered after a ticket)
            events += [SlotSet("category_confidence", 1.0)]
            if chosen == tracker.get_slot("second_category") and tracker.get_slot("second_description"):
                text = tracker.get_slot("second_description")
            second = None
        events += _classified(tracker, keep_category=chosen)
        events += [SlotSet("second_category", second), SlotSet("second_description", text if second else None)]
        if not appeal.has_chinese(text):
            dispatcher.utter_message(text=appeal.ONLY_CHINESE)
        elif appeal.is_substantive(text):
            events.append(SlotSet("description", text.strip()))
            if not chosen:
                events += await _inquiry(dispatcher, tracker, text.strip())
        return events


async def _inquiry(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> List[EventType]:
    """An inquiry the knowledge base answers waits for the resident's verdict instead of the form.
    A new appeal of the same matter right after such an answer is its follow-up ("派出所说不归他们管"):
    the earlier question stays in the description and the ticket notes the answer already given."""
    matter = appeal.matter(tracker)
    answered = tracker.get_slot("inquiry_article") if tracker.get_slot("inquiry_pending") else None
    article = await inquiry.answer_from_knowledge(dispatcher, text, matter, exclude_title=answered)
    if article is not None:
        return [SlotSet("inquiry_pending", True), SlotSet("inquiry_article", article["title"])]
    if answered and matter.get("category") == tracker.get_slot("category"):
        earlier = tracker.get_slot("description") or ""
        described = f"{earlier}\n居民补充：{text}" if earlier and earlier != text else text
        return [SlotSet("inquiry_pending", False), SlotSet("description", described)]
    return [SlotSet("inquiry_pending", False), SlotSet("inquiry_article", None)]


class ValidateComplaintForm(FormValidationAction):
    def name(self) -> str:
        return "validate_complaint_form"

    async def validate_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text = str(value or "").strip()
        if not appeal.has_chinese(text):
            dispatcher.utter_message(text=appeal.ONLY_CHINESE)
            return {"description": None}
        if not appeal.is_substantive(text):
            dispatcher.utter_message(text="请再具体描述一下：发生了什么情况？例如“小区门口的烧烤摊每天晚上占道经营”。")
            return {"description": None}
        slots: Dict[str, Any] = {"description": text}
        if tracker.get_slot("category_confidence") != 1.0 and tracker.latest_message.get("text") == value:
            for event in _classified(tracker):
                slots[event["name"]] = event["value"]
        return slots

    async def validate_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text = str(value or "").strip().strip("，。,.!！")
        pack = city_pack()
        if not text or text in _VAGUE_PLACES or (len(text) < 4 and not find_addresses(text, gazetteer(pack))):
            dispatcher.utter_message(
                text="地址再具体一点会更快办理：请写到路名门牌号、小区名称或楼栋，例如“宝山北路56号”。"
            )
            return {"address": None}
        if len(text) > 200:
            dispatcher.utter_message(text="地址太长了，请只写问题发生的具体地点，例如“中华北路23号”。")
            return {"address": None}
        if not looks_like_place(text, gazetteer(pack)):
            dispatcher.utter_message(
                text="这好像不是一个地点。请用中文告诉我问题发生在哪里，例如“宝山北路56号门口”“金鸭小区3栋楼下”。"
            )
            return {"address": None}
        place = normalize_address(text, pack)
        if not place.in_area:
            dispatcher.utter_message(
                text=f"您说的地点（{text}）不在{pack.city}{pack.district}的受理范围内，"
                "请拨打当地 12345 热线反映。如果地点其实在本区，请告诉我具体地址。"
            )
            return {"address": None}
        return {"address": place.raw, "address_full": place.full, "community_name": place.community_name}

    async def validate_occurred_at(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text = str(value or "").strip()
        if not text:
            return {"occurred_at": None}
        return {"occurred_at": text[:100]}

    async def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text = str(value or "").strip()
        if text == appeal.SKIPPED_PHONE or text in {"不留", "不用", "不用了", "跳过", "不方便"}:
            return {"contact_phone": appeal.SKIPPED_PHONE}
        phone = normalize_phone(text)
        if phone is None:
            dispatcher.utter_message(
                text="这个号码好像不对：手机号是 11 位数字，座机请带区号（如 0851-86812345）。"
                "请重新输入，或回复“不留”。"
            )
            return {"contact_phone": None}
        return {"contact_phone": phone}


class ActionShowSummary(Action):
    """Shows what will be submitted and asks for confirmation (also after a correction)."""

    def name(self) -> str:
        return "action_show_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        slots = {name: tracker.get_slot(name) for name in appeal.APPEAL_SLOTS}
        events: List[EventType] = []
        # A correction ("地址不对，是北京路18号") arrives through the slot mapping: normalise it again.
        if slots["address"]:
            place = normalize_address(slots["address"], city_pack())
            if not place.in_area:
                dispatcher.utter_message(
                    text=f"您说的地点（{place.raw}）不在本区受理范围内，"
                    "请告诉我本区内的具体地址，或拨打当地 12345 热线。"
                )
            else:
                slots["address_full"], slots["community_name"] = place.full, place.community_name
                events += [SlotSet("address_full", place.full), SlotSet("community_name", place.community_name)]
        phone = slots.get("contact_phone")
        if phone and phone != appeal.SKIPPED_PHONE and normalize_phone(phone) is None:
            dispatcher.utter_message(text="联系电话格式不对，已改为“未留”。如需留电话，请直接发送号码。")
            slots["contact_phone"] = appeal.SKIPPED_PHONE
            events.append(SlotSet("contact_phone", appeal.SKIPPED_PHONE))
        dispatcher.utter_message(text=appeal.summary(slots), buttons=appeal.confirm_buttons())
        return events + [SlotSet("awaiting_confirmation", True)]


class ActionSubmitTicket(Action):
    """Opens the ticket; if the linkage service is down, keeps the complaint in the outbox."""

    def name(self) -> str:
        return "action_submit_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        settings = ActionSettings.from_env()
        appeal_id = tracker.get_slot("appeal_id") or uuid.uuid4().hex
        phone = tracker.get_slot("contact_phone")
        payload = {
            "idempotency_key": appeal.idempotency_key(tracker.sender_id, appeal_id),
            "sender_id": tracker.sender_id,
            "description": tracker.get_slot("description") or "",
            "address": tracker.get_slot("address") or "",
            "category": tracker.get_slot("category") or "other",
            "category_confidence": tracker.get_slot("category_confidence") or 0.0,
            "appeal_type": tracker.get_slot("appeal_type") or "complaint",
            "occurred_at": tracker.get_slot("occurred_at"),
            "contact_phone": phone if phone and phone != appeal.SKIPPED_PHONE else None,
        }
        if tracker.get_slot("plate"):
            payload["description"] += f"（车牌：{tracker.get_slot('plate')}）"
        if tracker.get_slot("inquiry_article"):
            payload["note"] = inquiry.handoff_note(tracker.get_slot("inquiry_article"))
        try:
            ticket = await LinkageClient.from_settings(settings).create_ticket(payload)
        except LinkageUnavailable as exc:
            log.warning("linkage service unavailable, complaint kept in the outbox: %s", exc)
            Outbox(settings.outbox_path).add(payload)
            dispatcher.utter_message(
                text="您的诉求已完整记录。工单系统正在维护，恢复后会自动为您生成工单号并通知您，"
                "您也可以稍后发送“查询进度”查看。给您带来不便，敬请谅解。"
            )
            return appeal.cleared() + _offer_second_matter(dispatcher, tracker)
        except LinkageRejected as exc:
            dispatcher.utter_message(text=f"提交没有成功：{exc}。请修改后再确认提交。")
            return []
        dispatcher.utter_message(
            text=(
                f"已为您生成工单：{ticket['number']}\n"
                f"承办单位：{ticket['department']['name']}\n"
                f"办理时限：{ticket['due_at_text']}前\n"
                "办理有进展会及时告诉您。您也可以随时发送“查询进度”或工单号了解办理情况。"
            )
        )
        return (
            appeal.cleared() + [SlotSet("ticket_number", ticket["number"])] + _offer_second_matter(dispatcher, tracker)
        )


def _offer_second_matter(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """The second matter of the message stays offered (its slots kept) until the resident answers."""
    code = tracker.get_slot("second_category")
    if code:
        text, buttons = appeal.second_matter_offer(code)
        dispatcher.utter_message(text=text, buttons=buttons)
    return []


class ActionCancelComplaint(Action):
    def name(self) -> str:
        return "action_cancel_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_cancelled")
        return appeal.cleared() + [SlotSet("requested_slot", None)]


class ActionAnnounceTicket(Action):
    """A complaint kept in the outbox became a ticket: tell the resident its number."""

    def name(self) -> str:
        return "action_announce_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        number = next(tracker.get_latest_entity_values("ticket_number"), None)
        if not number:
            return []
        dispatcher.utter_message(
            text=f"您之前反映的问题已生成工单：{number}。办理有进展会及时告诉您，也可以发送工单号查询进度。"
        )
        return [SlotSet("ticket_number", number)]
