"""Chinese search over the knowledge base: jieba tokens, weighted overlap. Pure logic, no I/O.

The base holds hundreds of answers, not millions, so an in-memory index of token sets beats a
search server: it is rebuilt when an admin edits an answer and is searched in well under 1 ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Iterable, List, Sequence

from bot.nlu.text import normalize

# Words that say nothing about the matter; without them "我想问一下怎么办" matches everything.
STOPWORDS = frozenset(
    [
        "我",
        "你",
        "他",
        "她",
        "的",
        "了",
        "吗",
        "呢",
        "啊",
        "吧",
        "是",
        "在",
        "有",
        "和",
        "与",
        "就",
        "都",
        "也",
        "还",
        "要",
        "想",
        "问",
        "问问",
        "一下",
        "请问",
        "怎么",
        "怎么办",
        "怎样",
        "如何",
        "什么",
        "哪里",
        "需要",
        "可以",
        "能",
        "不",
        "没有",
        "这个",
        "那个",
        "我们",
        "你们",
        "您好",
        "你好",
        "谢谢",
        "请",
        "请问一下",
        "咨询",
        "一个",
        "现在",
        "已经",
    ]
)
TITLE_WEIGHT, KEYWORD_WEIGHT, ANSWER_WEIGHT = 3.0, 3.0, 1.0
MIN_SCORE = 3.0  # at least one title or keyword word, or three words of the answer


def tokens(text: str) -> FrozenSet[str]:
    """Search tokens: jieba's search mode (long words and their parts), without stopwords and punctuation."""
    import jieba

    words = (w.strip().lower() for w in jieba.cut_for_search(normalize(text)))
    return frozenset(w for w in words if w and w not in STOPWORDS and any(ch.isalnum() for ch in w))


@dataclass(frozen=True)
class Entry:
    id: int
    kind: str
    title: str
    category: str | None
    answer: str
    title_tokens: FrozenSet[str]
    keyword_tokens: FrozenSet[str]
    answer_tokens: FrozenSet[str]


@dataclass(frozen=True)
class Hit:
    id: int
    kind: str
    title: str
    category: str | None
    answer: str
    score: float


def entry(id: int, kind: str, title: str, keywords: str, category: str | None, answer: str) -> Entry:
    keyword_tokens = frozenset(k.lower() for k in keywords.replace("，", " ").replace(",", " ").split()) | tokens(
        keywords
    )
    return Entry(id, kind, title, category, answer, tokens(title), keyword_tokens, tokens(answer))


def search(index: Sequence[Entry], query: str, limit: int = 3, category: str | None = None) -> List[Hit]:
    """Best answers first; an answer of the caller's matter category gets a small bonus."""
    wanted = tokens(query[:2000])
    if not wanted:
        return []
    scored: List[Hit] = []
    for item in index:
        score = (
            TITLE_WEIGHT * len(wanted & item.title_tokens)
            + KEYWORD_WEIGHT * len(wanted & item.keyword_tokens)
            + ANSWER_WEIGHT * len(wanted & item.answer_tokens)
        )
        if score < MIN_SCORE:
            continue
        if category and item.category == category:
            score += 1.0
        scored.append(Hit(item.id, item.kind, item.title, item.category, item.answer, score))
    scored.sort(key=lambda hit: (-hit.score, hit.id))
    return scored[:limit]


KIND_LABELS = {"guide": "办事指南", "policy": "政策咨询"}


def kinds() -> Iterable[str]:
    return KIND_LABELS.keys()
