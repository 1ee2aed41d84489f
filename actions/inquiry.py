"""Inquiries (咨询) answered from the knowledge base: answer, ask whether it settled the matter,
close without a ticket when it did, take it as an appeal when it did not."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import appeal
from actions.config import ActionSettings
from actions.linkage_client import LinkageClient, LinkageRejected, LinkageUnavailable
from bot.knowledge.policy import bot_answers, may_answer

log = logging.getLogger(__name__)

SETTLED = "已解决"
STILL_NEEDED = "仍需人工办理"
ASK_SETTLED = "以上答复是否解决了您的问题？"


def answer_text(article: Dict[str, Any]) -> str:
    """The article in a clerk's words: what was asked, the answer, where to go."""
    lines = [f"您好，关于“{article['title']}”，为您答复如下：", str(article["answer"]).strip()]
    if article.get("office"):
        lines.append(f"办理地点：{article['office']}")
    kind = article.get("kind_name") or "答复"
    lines += [f"（以上为本热线知识库的{kind}，具体以承办部门最新规定为准。）", ASK_SETTLED]
    return "\n".join(lines)


def settled_buttons() -> List[Dict[str, str]]:
    return [{"title": SETTLED, "payload": "/affirm"}, {"title": STILL_NEEDED, "payload": "/deny"}]


def handoff_note(title: str) -> str:
    """What the staff read on the ticket's timeline: the resident already had this answer."""
    return f"机器人已按知识库《{title}》答复居民，居民表示仍需人工办理。"


async def answer_from_knowledge(
    dispatcher: CollectingDispatcher, text: str, matter: Dict[str, Any], exclude_title: str | None = None
) -> Dict[str, Any] | None:
    """Answers the resident when the knowledge base holds a confident answer for this appeal;
    returns the article, or None (no answer, a complaint, or the service is unreachable)."""
    appeal_type = matter.get("appeal_type")
    if not may_answer(appeal_type, text):
        return None  # a complaint that mentions a topic of the knowledge base is still a complaint
    settings = ActionSettings.from_env()
    try:
        articles = await LinkageClient(settings.linkage_url, settings.service_token, timeout=3.0).search_knowledge(
            text, matter.get("category")
        )
    except (LinkageUnavailable, LinkageRejected) as exc:
        log.warning("knowledge base unavailable, the inquiry is taken as an appeal: %s", exc)
        return None
    if not articles:
        return None
    best = articles[0]
    if best.get("title") == exclude_title:
        return None
    if not bot_answers(appeal_type, text, float(best.get("score") or 0), float(best.get("confidence") or 0)):
        return None
    dispatcher.utter_message(text=answer_text(best), buttons=settled_buttons())
    return dict(best)


class ActionCloseInquiry(Action):
    """已解决: thank the resident; nothing becomes a ticket."""

    def name(self) -> str:
        return "action_close_inquiry"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(
            text="很高兴能帮到您！如果办理中遇到其他问题，随时告诉我；需要反映问题也可以直接在这里留言。"
        )
        return appeal.cleared()


class ActionEscalateInquiry(Action):
    """仍需人工办理: the inquiry becomes an appeal; the form asks only what is missing."""

    def name(self) -> str:
        return "action_escalate_inquiry"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(text="好的，我为您登记成工单，转相关部门的工作人员办理答复。还需要您补充几项信息。")
        events: List[EventType] = [SlotSet("inquiry_pending", False), SlotSet("appeal_type", "inquiry")]
        if not tracker.get_slot("occurred_at"):
            events.append(SlotSet("occurred_at", appeal.SKIPPED_TIME))  # a question has no time of occurrence
        return events
