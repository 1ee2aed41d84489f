"""When the bot answers by itself: inquiries with a confident article only; complaints never."""

import pytest

from bot.knowledge.policy import MIN_CONFIDENCE, MIN_SCORE, bot_answers, is_question, may_answer

ASKED = "居住证怎么办理"
TOLD = "社保局窗口态度恶劣，问两句就不耐烦"


@pytest.mark.parametrize(
    ("appeal_type", "text", "score", "confidence", "answered"),
    [
        ("inquiry", ASKED, 12.0, 0.9, True),
        ("inquiry", ASKED, MIN_SCORE, MIN_CONFIDENCE, True),  # the thresholds themselves pass
        ("inquiry", ASKED, 12.0, MIN_CONFIDENCE - 0.01, False),  # most of the question is about something else
        ("inquiry", ASKED, MIN_SCORE - 0.1, 1.0, False),  # one word in common is no evidence
        ("help", "工伤认定单位不给办怎么办", 12.0, 0.9, True),  # asking how to get it done
        ("help", "我腿摔断了单位不给办工伤", 12.0, 0.9, False),  # telling, not asking: a ticket
        ("help", "单位凭什么不给办工伤？", 12.0, 0.9, False),  # a protest phrased as a question
        ("complaint", TOLD, 20.0, 1.0, False),  # a complaint stays a complaint whatever it matches
        ("complaint", "为什么社保局窗口只开一个？", 20.0, 1.0, False),
        ("report", "举报有人冒领低保，怎么没人查？", 20.0, 1.0, False),
        ("suggestion", ASKED, 20.0, 1.0, False),
        ("praise", ASKED, 20.0, 1.0, False),
        (None, ASKED, 20.0, 1.0, False),  # no reading of the message (no model): the usual appeal
    ],
)
def test_only_confident_inquiries_and_questions_for_help_are_answered(appeal_type, text, score, confidence, answered):
    assert bot_answers(appeal_type, text, score, confidence) is answered


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("低保去哪里申请", True),
        ("办残疾证要带什么", True),
        ("公积金能取吗", True),
        ("能不能补办社保卡？", True),
        ("楼下垃圾三天没人清了", False),
        ("有没有人管管这个工地！", False),
        ("这是什么态度？", False),
        ("", False),
    ],
)
def test_questions_are_told_from_statements_and_protests(text, asked):
    assert is_question(text) is asked


def test_the_search_is_skipped_for_anything_that_is_never_answered():
    assert may_answer("inquiry") and may_answer("help", ASKED)
    assert not may_answer("help", "我腿摔断了") and not may_answer("complaint", ASKED) and not may_answer(None)
