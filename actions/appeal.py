"""Pure helpers for reading an appeal from a tracker and wording it back. No I/O."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Dict, List, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from bot.privacy import mask_phone
from bot.taxonomy import APPEAL_TYPES, load_taxonomy

APPEAL_SLOTS = (
    "category", "category_confidence", "appeal_type", "appeal_id", "description", "address",
    "address_full", "community_name", "occurred_at", "contact_phone", "plate", "inquiry_article",
)  # fmt: skip
SKIPPED_TIME = "未说明"
SKIPPED_PHONE = "未留"
_FILLER = re.compile(
    r"(你好|您好|请问|麻烦|我要|我想|想要|帮我|给我|一下|投诉|反映|反应|举报|求助|咨询|建议|个|一个|问题|事情|情况|"
    r"的|了|吗|呢|啊|吧|呀|嗯|哦|在吗|有人吗|12345|12319|[\s\W_])"
)
MIN_DESCRIPTION_CHARS = 4


def is_substantive(text: str) -> bool:
    """Does the message say what happened, beyond "我要投诉" / "我想反映个问题"?"""
    return len(_FILLER.sub("", text or "")) >= MIN_DESCRIPTION_CHARS


def has_chinese(text: str) -> bool:
    """Residents write Chinese; a message without a single Chinese character cannot be filed as is."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text or "")


ONLY_CHINESE = "抱歉，目前只能受理中文留言（Sorry, we can only take messages in Chinese）。请用中文描述您遇到的问题。"


def latest_user_text(tracker: Tracker) -> str:
    """The resident's own words: a button payload ("/report_problem{…}") is not a description,
    so it falls back to the message before it."""
    texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    for text in reversed(texts):
        if text and not text.startswith("/"):
            return text
    return ""


def matter(tracker: Tracker) -> Dict[str, Any]:
    return dict(tracker.latest_message.get("matter") or {})


def idempotency_key(sender_id: str, appeal_id: str) -> str:
    """One key per appeal of one conversation: a retried submission finds the first ticket."""
    return hashlib.sha256(f"{sender_id}\x00{appeal_id}".encode()).hexdigest()


def category_name(code: str | None) -> str:
    return load_taxonomy().get(code or "other").name


def summary(slots: Dict[str, Any]) -> str:
    place = slots.get("address_full") or slots.get("address") or ""
    if slots.get("community_name"):
        place += f"（{slots['community_name']}）"
    phone = slots.get("contact_phone")
    lines = [
        "请您核对以下信息：",
        f"【诉求类型】{APPEAL_TYPES.get(slots.get('appeal_type') or 'complaint', '投诉')}",
        f"【问题类别】{category_name(slots.get('category'))}",
        f"【问题描述】{_shorten(slots.get('description') or '', 300)}",
        f"【发生地点】{place}",
        f"【发生时间】{slots.get('occurred_at') or SKIPPED_TIME}",
        f"【联系电话】{mask_phone(phone) if phone and phone != SKIPPED_PHONE else SKIPPED_PHONE}",
    ]
    if slots.get("plate"):
        lines.insert(4, f"【车牌号码】{slots['plate']}")
    lines.append("信息无误请点“确认提交”；需要修改请直接告诉我，例如“地址不对，是北京路18号”。")
    return "\n".join(lines)


def ticket_line(ticket: Dict[str, Any]) -> str:
    """One ticket as a resident reads it in a progress answer."""
    note = ticket.get("last_public_note") or ""
    return (
        f"工单 {ticket['number']}（{ticket['category_name']}）\n"
        f"当前状态：{ticket['status_name']}；承办单位：{ticket['department']['name']}；"
        f"办理时限：{ticket['due_at_text']}前" + (f"\n最新进展：{note}" if note else "")
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "……"


def second_matter_offer(code: str) -> Tuple[str, List[Dict[str, str]]]:
    """After a ticket: the other matter the same message mentioned, offered as its own appeal."""
    payload = "/report_problem" + json.dumps({"category": code}, ensure_ascii=False)
    text = f"您在留言中还提到了“{category_name(code)}”方面的问题，需要另外为它登记一张工单吗？"
    return text, [{"title": "需要，另行登记", "payload": payload}, {"title": "不用了，谢谢", "payload": "/thank"}]


def confirm_buttons() -> List[Dict[str, str]]:
    return [
        {"title": "确认提交", "payload": "/affirm"},
        {"title": "修改", "payload": "/deny"},
        {"title": "取消", "payload": "/cancel"},
    ]


def cleared() -> List[EventType]:
    """The appeal is filed, cancelled or settled: forget it, so the next one starts afresh."""
    return [SlotSet(name, None) for name in APPEAL_SLOTS] + [
        SlotSet("awaiting_confirmation", False),
        SlotSet("inquiry_pending", False),
    ]
