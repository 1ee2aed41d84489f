"""Chinese search over the knowledge base: jieba words and character pairs, weighted by rarity. Pure logic.

The base holds hundreds of answers, not millions, so an in-memory index beats a search server: it
is rebuilt when an admin edits an answer and is searched in well under a millisecond per article.

A word counts by how rare it is among the articles (IDF): "公积金" points at two answers, "补贴" at
many of them. Words of the title and keywords count fully, words found only in the answer text a
little. Character pairs of the title and keywords catch what jieba cuts differently in a question
("老年证" against "老年人优待证"). Each hit also gets a `confidence`: the share of what the question
says in the knowledge base's own vocabulary that this article explains. The bot answers a resident
on its own only above a threshold measured in `hotline bench-knowledge`; staff see every hit.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Sequence, Union

from bot.nlu.text import normalize
from bot.settings import ROOT

USER_DICTIONARY = ROOT / "nlu_data" / "jieba" / "userdict.txt"

# Words that say nothing about the matter; without them "我想问一下怎么办" matches everything.
# The second half are the words of asking for a service ("要办什么手续"), shared by every article.
_STOPWORDS = """
    我 你 他 她 它 的 了 吗 呢 啊 吧 呀 嘛 哦 是 在 有 和 与 就 都 也 还 要 想 问 问问 一下 请问 请问一下
    怎么 怎么办 怎样 如何 什么 哪里 哪儿 需要 可以 能 不 没有 这个 那个 我们 你们 您 您好 你好 谢谢 请
    咨询 一个 现在 已经 个 些 么 咋 咋个 啥 啥子 能不能 可不可以 是不是 有没有 会不会 要不要 一般 大概
    办 办理 怎么办理 申请 手续 材料 哪些 哪个 部门 找 去 多久 多少 时候 什么时候 几点 几号 哪天 多长时间
    政策 规定 流程 需 带
    准备 东西 情况 问题 知道 听说 应该 比较 这边 那边 谁 给 让 把 被 对 从 到 上 下 里 中
"""
STOPWORDS = frozenset(_STOPWORDS.split())
_PERSONS = frozenset("我你他她它您咱")
TITLE_WEIGHT = 1.0  # a word of the title or keywords
ANSWER_WEIGHT = 0.3  # a word found only in the answer text
PAIR_WEIGHT = 0.5  # a character pair of the title or keywords
MIN_SCORE = 2.0  # below this an article shares no more than a common word or two with the question
# A word of the question that no article knows ("地铁", "书法班") says the question is about something
# the base does not cover: it counts against every article's confidence with this share of the
# weight of a word found in one article. Place names (the project dictionary) and numbers do not.
UNKNOWN_SHARE = 0.5
_NOT_HAN = re.compile(r"[^\u4e00-\u9fff0-9a-z]+")


@lru_cache(maxsize=1)
def _jieba() -> object:
    """jieba with the project's dictionary (place names, hotline terms), loaded once on first use."""
    import jieba

    if USER_DICTIONARY.exists():
        jieba.load_userdict(str(USER_DICTIONARY))
    return jieba


@lru_cache(maxsize=1)
def _dictionary_words() -> FrozenSet[str]:
    """The project dictionary's words: places and hotline terms are context, not the subject asked about."""
    if not USER_DICTIONARY.exists():
        return frozenset()
    lines = USER_DICTIONARY.read_text(encoding="utf-8").splitlines()
    return frozenset(line.split()[0].lower() for line in lines if line.strip())


def tokens(text: str) -> FrozenSet[str]:
    """Search tokens: jieba's search mode (long words and their parts), without stopwords and punctuation."""
    jieba = _jieba()
    words = (w.strip().lower() for w in jieba.cut_for_search(normalize(text)))  # type: ignore[attr-defined]
    return frozenset(w for w in words if w and w not in STOPWORDS and any(ch.isalnum() for ch in w))


def pairs(text: str) -> FrozenSet[str]:
    """Adjacent character pairs of the runs of words between stopwords and punctuation."""
    jieba = _jieba()
    words = jieba.lcut(normalize(text).lower())  # type: ignore[attr-defined]
    runs = "".join(" " if w in STOPWORDS else _NOT_HAN.sub(" ", w) for w in words).split()
    return frozenset(run[i : i + 2] for run in runs for i in range(len(run) - 1))


def unknown_words(text: str, known: Dict[str, float]) -> List[str]:
    """Content words of the text that none of the articles contains (nor any part of them)."""
    jieba = _jieba()
    places = _dictionary_words()
    found = []
    for word in jieba.lcut(normalize(text).lower()):  # type: ignore[attr-defined]
        if len(word) < 2 or word in STOPWORDS or word in places or not word.isalnum() or word.isascii():
            continue
        if word[0] in _PERSONS:  # jieba glues a pronoun to the next character ("我住", "他家")
            continue
        if word in known or any(part in known for part in tokens(word)):
            continue
        found.append(word)
    return found


@dataclass(frozen=True)
class Entry:
    id: int
    kind: str
    title: str
    category: str | None
    answer: str
    office: str
    strong_tokens: FrozenSet[str]  # title and keywords
    answer_tokens: FrozenSet[str]
    strong_pairs: FrozenSet[str]


@dataclass(frozen=True)
class Hit:
    id: int
    kind: str
    title: str
    category: str | None
    answer: str
    score: float
    confidence: float  # 0–1: how much of the question this article explains
    office: str = ""


def _keywords(keywords: str) -> FrozenSet[str]:
    words = keywords.replace("，", " ").replace(",", " ").replace("、", " ").split()
    return frozenset(k.lower() for k in words if k.lower() not in STOPWORDS) | tokens(keywords)


def entry(id: int, kind: str, title: str, keywords: str, category: str | None, answer: str, office: str = "") -> Entry:
    return Entry(
        id,
        kind,
        title,
        category,
        answer,
        office,
        strong_tokens=tokens(title) | _keywords(keywords),
        answer_tokens=tokens(answer),
        strong_pairs=pairs(f"{title} {keywords}"),
    )


@dataclass(frozen=True)
class Index:
    """The articles and how rare each of their words is among them."""

    entries: Sequence[Entry]
    word_weights: Dict[str, float] = field(default_factory=dict)
    pair_weights: Dict[str, float] = field(default_factory=dict)
    unknown_weight: float = 0.0  # the weight a word found in no article would have


def build(entries: Iterable[Entry]) -> Index:
    items = list(entries)
    count = len(items)
    words: Counter[str] = Counter()
    char_pairs: Counter[str] = Counter()
    for item in items:
        words.update(item.strong_tokens | item.answer_tokens)
        char_pairs.update(item.strong_pairs)

    def idf(df: int) -> float:
        return math.log((count + 1) / (df + 0.5))

    return Index(
        items,
        {w: idf(n) for w, n in words.items()},
        {p: PAIR_WEIGHT * idf(n) for p, n in char_pairs.items()},
        idf(0),
    )


def search(index: Union[Index, Sequence[Entry]], query: str, limit: int = 3, category: str | None = None) -> List[Hit]:
    """Best answers first; an answer of the caller's matter category gets a small bonus."""
    if not isinstance(index, Index):
        index = build(index)
    text = query[:2000]
    words = [w for w in tokens(text) if w in index.word_weights]
    char_pairs = [p for p in pairs(text) if p in index.pair_weights]
    said = sum(index.word_weights[w] for w in words) + sum(index.pair_weights[p] for p in char_pairs)
    if not said:
        return []
    unknown = len(unknown_words(text, index.word_weights))
    said += UNKNOWN_SHARE * index.unknown_weight * unknown
    scored: List[Hit] = []
    for item in index.entries:
        score = sum(index.pair_weights[p] for p in char_pairs if p in item.strong_pairs)
        for word in words:
            if word in item.strong_tokens:
                score += TITLE_WEIGHT * index.word_weights[word]
            elif word in item.answer_tokens:
                score += ANSWER_WEIGHT * index.word_weights[word]
        if score < MIN_SCORE:
            continue
        confidence = min(1.0, score / said)
        if category and item.category == category:
            score += 0.5
        scored.append(
            Hit(
                item.id,
                item.kind,
                item.title,
                item.category,
                item.answer,
                round(score, 3),
                round(confidence, 3),
                item.office,
            )
        )
    scored.sort(key=lambda hit: (-hit.score, hit.id))
    return scored[:limit]


KIND_LABELS = {"guide": "办事指南", "policy": "政策咨询"}


def kinds() -> Iterable[str]:
    return KIND_LABELS.keys()
