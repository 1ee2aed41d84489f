"""Inquiries answered from the knowledge base (咨询): against a real linkage service with the city
pack's seed articles. An answer that settles the matter opens no ticket; one that does not, or a
complaint of the same matter right after it, becomes a ticket that notes the answer given."""

import re

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.complaint import ActionSubmitTicket, ActionTakeAppeal
from actions.inquiry import ASK_SETTLED, ActionCloseInquiry, ActionEscalateInquiry
from bot.accounts.roles import Principal, Role
from bot.web.keys import TICKETS
from tests.actions.conftest import make_tracker

PERMIT = "我是外地来贵阳打工的，想办个居住证，要带哪些材料"
INQUIRY = {"category": "civil_affairs", "confidence": 0.8, "appeal_type": "inquiry", "ranking": []}
OPERATOR = Principal("op01", Role.operator, None)


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def take(text, matter, slots=None, intent="report_problem"):
    dispatcher = CollectingDispatcher()
    events = await ActionTakeAppeal().run(dispatcher, make_tracker(text, intent, slots=slots, matter=matter), {})
    return dispatcher, slots_of(events)


async def test_an_inquiry_is_answered_in_a_clerks_words_and_the_bot_asks_if_that_settled_it(linkage):
    dispatcher, slots = await take(PERMIT, INQUIRY)
    [answer] = dispatcher.messages
    assert answer["text"].startswith("您好，关于“居住证怎么办理”")
    assert "居住满半年" in answer["text"] and "办理地点：居住地所在社区服务中心或派出所户籍窗口" in answer["text"]
    assert answer["text"].endswith(ASK_SETTLED)
    assert [(b["title"], b["payload"]) for b in answer["buttons"]] == [("已解决", "/affirm"), ("仍需人工办理", "/deny")]
    assert slots["inquiry_pending"] is True and slots["inquiry_article"] == "居住证怎么办理"
    assert slots["description"] == PERMIT and slots["appeal_type"] == "inquiry"  # kept in case it goes on


@pytest.mark.parametrize(
    ("text", "appeal_type"),
    [
        ("社保局窗口态度恶劣，问两句就不耐烦，还让我回去等通知", "complaint"),
        ("公积金提取申请交上去一个多月了，钱还没到账", "complaint"),
        ("举报一家公司不给员工交社保", "report"),
    ],
)
async def test_a_complaint_about_a_topic_of_the_knowledge_base_is_still_taken_as_a_complaint(
    linkage, text, appeal_type
):
    dispatcher, slots = await take(text, {**INQUIRY, "appeal_type": appeal_type})
    assert dispatcher.messages == [] and not slots.get("inquiry_pending")
    assert slots["description"] == text


async def test_a_request_for_help_asked_as_a_question_is_answered_but_one_told_as_a_story_is_taken(linkage):
    injury = {"category": "wage_arrears", "confidence": 0.7, "appeal_type": "help", "ranking": []}
    asked, slots = await take("在工地上干活砸伤了脚，工伤认定要怎么申请", injury)
    assert "工伤认定怎么申请" in asked.messages[0]["text"] and slots["inquiry_pending"] is True
    told, slots = await take("在工地上干活砸伤了脚，老板不给报工伤", injury)
    assert told.messages == [] and slots["inquiry_pending"] is False


async def test_an_inquiry_the_knowledge_base_cannot_answer_goes_on_as_an_appeal(linkage):
    dispatcher, slots = await take("请问办理出国护照需要什么材料", {**INQUIRY, "category": "other"})
    assert dispatcher.messages == [] and slots["inquiry_pending"] is False


async def test_with_the_knowledge_base_unreachable_the_inquiry_is_not_lost(linkage_down):
    dispatcher, slots = await take(PERMIT, INQUIRY)
    assert dispatcher.messages == [] and slots["inquiry_pending"] is False
    assert slots["description"] == PERMIT  # the form goes on and a ticket will be opened


async def test_settled_closes_the_inquiry_and_opens_no_ticket(linkage):
    _, slots = await take(PERMIT, INQUIRY)
    dispatcher = CollectingDispatcher()
    events = await ActionCloseInquiry().run(dispatcher, make_tracker("已解决", "affirm", slots=slots), {})
    assert "很高兴能帮到您" in dispatcher.messages[0]["text"]
    closed = slots_of(events)
    assert closed["inquiry_pending"] is False and closed["description"] is None and closed["inquiry_article"] is None
    assert await linkage.app[TICKETS].list_for_sender("web:resident-1") == []


async def test_still_needed_becomes_a_ticket_of_type_inquiry_that_notes_the_answer(linkage):
    _, slots = await take(PERMIT, INQUIRY)
    dispatcher = CollectingDispatcher()
    events = await ActionEscalateInquiry().run(dispatcher, make_tracker("/deny", "deny", slots=slots), {})
    assert "登记成工单" in dispatcher.messages[0]["text"]
    slots.update(slots_of(events))
    assert slots["inquiry_pending"] is False and slots["occurred_at"] == "未说明"  # a question has no time

    filled = {**slots, "address": "中华北路23号", "contact_phone": "13985012345", "awaiting_confirmation": True}
    dispatcher = CollectingDispatcher()
    await ActionSubmitTicket().run(dispatcher, make_tracker("确认提交", "affirm", slots=filled), {})
    number = re.search(r"\d{8}-\d{6}", dispatcher.messages[0]["text"]).group()
    ticket = await linkage.app[TICKETS].get(number, viewer=OPERATOR)
    assert ticket.appeal_type == "inquiry" and ticket.description == PERMIT
    notes = [e for e in ticket.events if e.action == "note"]
    assert [(e.note, e.public) for e in notes] == [
        ("机器人已按知识库《居住证怎么办理》答复居民，居民表示仍需人工办理。", False)
    ]


async def test_a_complaint_of_the_same_matter_after_the_answer_keeps_the_question_and_the_answer(linkage):
    _, slots = await take(PERMIT, INQUIRY)
    follow_up = "我按你说的去了派出所，他们说要先去社区开证明，社区又说不归他们管"
    dispatcher, again = await take(follow_up, {**INQUIRY, "appeal_type": "complaint"}, slots=slots)
    assert dispatcher.messages == []
    assert again["inquiry_pending"] is False and "inquiry_article" not in again  # still noted on the ticket
    assert again["description"] == f"{PERMIT}\n居民补充：{follow_up}"


async def test_an_unrelated_complaint_after_an_answer_is_its_own_appeal(linkage):
    _, slots = await take(PERMIT, INQUIRY)
    other = {"category": "garbage_sanitation", "confidence": 0.9, "appeal_type": "complaint", "ranking": []}
    _, again = await take("楼下垃圾三天没人清了，臭得很", other, slots=slots)
    assert again["description"] == "楼下垃圾三天没人清了，臭得很" and again["inquiry_article"] is None


async def test_a_new_question_after_an_answer_gets_its_own_answer(linkage):
    _, slots = await take(PERMIT, INQUIRY)
    housing = {"category": "housing", "confidence": 0.8, "appeal_type": "inquiry", "ranking": []}
    dispatcher, again = await take("那租房的话公积金能取出来付房租吗", housing, slots=slots)
    assert "公积金怎么提取" in dispatcher.messages[0]["text"]
    assert again["inquiry_pending"] is True and again["inquiry_article"] == "公积金怎么提取、要什么材料"


@pytest.mark.parametrize("text", ["How do I apply for a residence permit?", "🙂🙂🙂"])
async def test_an_inquiry_without_chinese_gets_the_chinese_reply_and_no_search(linkage, text):
    dispatcher, slots = await take(text, INQUIRY)
    assert len(dispatcher.messages) == 1 and "中文" in dispatcher.messages[0]["text"]
    assert "inquiry_pending" not in slots
