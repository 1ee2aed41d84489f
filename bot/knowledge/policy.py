"""When the bot answers a resident's appeal from the knowledge base by itself (咨询自动答复). Pure logic.

The two mistakes cost differently. An inquiry that gets no answer becomes a ticket, as it did before
the knowledge base existed: a clerk answers it a day later. A complaint answered with an article
("社保局窗口态度恶劣" → how to pay pensions) reads as the hotline brushing the resident off. So the
bot answers what the matter classifier reads as an inquiry (咨询), and a request for help (求助)
only when it is phrased as a question ("工伤认定单位不给办怎么办"): residents who ask how to get
something done often read as 求助, and the two overlap. Complaints, reports, suggestions and praise
are never answered, whatever article they happen to match. On top of that one article must explain
most of the question. `hotline bench-knowledge` measures both mistakes (README has the figures).
"""

from __future__ import annotations

import re

ANSWERED_TYPES = frozenset({"inquiry"})
ANSWERED_IF_ASKED = frozenset({"help"})
# Chosen on tests/data/knowledge/tuning.jsonl and the NLU held-out set (see README): below 0.4 the
# best article often answers a neighbouring question; above it too many right answers are held back.
MIN_CONFIDENCE = 0.4
MIN_SCORE = 4.0  # about two rare words in common: one shared word is no evidence
# The operator console lists articles from a lower bar: a person reads them before saying anything.
# Below it they are noise next to a complaint (a street-vendor call matched the hotline's own FAQ at 0.18).
CONSOLE_MIN_CONFIDENCE = 0.3

_QUESTION = re.compile(
    r"[？?]|[吗呢么不没]$|怎么|怎样|如何|哪里|哪儿|哪个|哪些|哪家|什么|多少|多久|能不能|可不可以|是不是|有没有|"
    r"要不要|会不会|能否|是否|咋|啥|找谁|去哪|几点|几月|流程"
)
# Questions that are complaints ("凭什么不给办？", "有没有人管？").
_RHETORIC = re.compile(
    r"凭什么|有没有人管|谁来管|没人管|管不管|还有没有王法|怎么回事|像什么话|为什么不|为啥不|什么态度|算什么"
)


def is_question(text: str) -> bool:
    """Does the message ask something (how, where, whether), rather than only tell or protest?"""
    said = (text or "").strip().rstrip("。！!，, ")
    return bool(_QUESTION.search(said)) and not _RHETORIC.search(said)


def may_answer(appeal_type: str | None, text: str = "") -> bool:
    """Is this appeal ever answered from the knowledge base? (Saves the search otherwise.)"""
    return appeal_type in ANSWERED_TYPES or (appeal_type in ANSWERED_IF_ASKED and is_question(text))


def bot_answers(
    appeal_type: str | None, text: str, score: float, confidence: float, min_confidence: float = MIN_CONFIDENCE
) -> bool:
    """Does the bot answer this appeal with this article instead of opening a ticket at once?"""
    return may_answer(appeal_type, text) and score >= MIN_SCORE and confidence >= min_confidence
