"""Address and time spans by a character CRF that reads the rules' opinion as a feature. No I/O.

The rules of `address` and `entities` find most places and times but cut them where residents'
wording leaves their patterns: an estate's building and unit ("金苑小区3栋2单元"), a shop after its
road ("黔灵东路星光KTV门口"), a station exit, a river bank; and they take road-like words that are
no place ("路面", "路线"). A linear-chain CRF over characters learns from examples marked by the
span conventions (`nlu_data/LABELLING.md`) where a span really begins and ends; the rules' tags,
the gazetteer and the place and position vocabularies are its features, so it keeps what the rules
know and corrects their boundaries. sklearn-crfsuite comes with Rasa (its CRFEntityExtractor).
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Sequence, Tuple

from bot.nlu.text import jieba_words

Span = Tuple[str, int, int]  # (entity, start, end)
ENTITIES = ("address", "time")

# Words that end a place name, and words that say where at a place; both as whole-word marks.
_PLACE_END = re.compile(
    r"大道|大街|路|街|巷|弄|小区|花园|苑|府|家园|新村|村|寨|镇|宿舍|大厦|大楼|广场|市场|菜场|公园|社区|街道|"
    r"医院|学校|中学|小学|幼儿园|商场|超市|站|酒店|宾馆|饭店|银行|中心|馆|院|所|处|室|厅|窗口|门诊|工地|项目|"
    r"桥|河|湖|山|楼|阁|塔|寺|城|园|场|店|区|栋|幢|单元|座|期|号|层"
)
_WHERE_AT = re.compile(
    r"门口|旁边|对面|斜对面|后面|前面|背后|边上|下面|上面|里面|外面|楼下|楼上|附近|一带|路口|交叉口|出口|入口|"
    r"巷子口|[东南西北][侧面边]|之间|周边|隔壁"
)
_PUNCT = set(" \t\n,.;:!?，。；：！？、…~～\"'“”‘’()（）【】[]《》<>")


def _kind(char: str) -> str:
    if char.isdigit():
        return "d"
    if "\u4e00" <= char <= "\u9fff":
        return "c"
    if char.isascii() and char.isalpha():
        return "l"
    if char in _PUNCT:
        return "p"
    return "o"


def _marks(text: str, pattern: re.Pattern[str]) -> Tuple[List[bool], List[bool]]:
    """Per character: does a word of `pattern` begin here, does one end here."""
    begins, ends = [False] * len(text), [False] * len(text)
    for found in pattern.finditer(text):
        begins[found.start()] = True
        ends[found.end() - 1] = True
    return begins, ends


def _tags(length: int, spans: Iterable[Tuple[int, int]], suffix: str = "") -> List[str]:
    """BIO tags per character: "B" + suffix where a span begins, "I" + suffix inside, "O" elsewhere."""
    tags = ["O"] * length
    for start, end in spans:
        if 0 <= start < end <= length:
            tags[start] = "B" + suffix
            for i in range(start + 1, end):
                tags[i] = "I" + suffix
    return tags


def _word_marks(text: str) -> Tuple[List[str], List[str]]:
    """Per character: the jieba word it is in (long words as one mark) and its place in it (B/M/E/S)."""
    words, places = [""] * len(text), ["S"] * len(text)
    i = 0
    for word in jieba_words(text):
        for j in range(len(word)):
            if i + j < len(text):
                words[i + j] = word if len(word) <= 6 else "<long>"
                places[i + j] = "S" if len(word) == 1 else "B" if j == 0 else "E" if j == len(word) - 1 else "M"
        i += len(word)
    return words, places


def features(
    text: str, rule_spans: Sequence[Span], gazetteer_spans: Sequence[Tuple[int, int]]
) -> List[Dict[str, str | bool]]:
    """One feature dict per character of the (normalised) text."""
    n = len(text)
    words, word_places = _word_marks(text)
    lower = text.lower()
    rules = {entity: _tags(n, [(s, e) for kind, s, e in rule_spans if kind == entity]) for entity in ENTITIES}
    places = _tags(n, gazetteer_spans)
    place_begins, place_ends = _marks(text, _PLACE_END)
    where_begins, where_ends = _marks(text, _WHERE_AT)

    def char(i: int) -> str:
        return lower[i] if 0 <= i < n else ("<s>" if i < 0 else "</s>")

    rows: List[Dict[str, str | bool]] = []
    for i in range(n):
        row: Dict[str, str | bool] = {
            "c": char(i),
            "c-1": char(i - 1),
            "c+1": char(i + 1),
            "c-2": char(i - 2),
            "c+2": char(i + 2),
            "c-1c": char(i - 1) + char(i),
            "cc+1": char(i) + char(i + 1),
            "c-2c-1": char(i - 2) + char(i - 1),
            "c+1c+2": char(i + 1) + char(i + 2),
            "c-1cc+1": char(i - 1) + char(i) + char(i + 1),
            "k": _kind(text[i]),
            "k-1": _kind(text[i - 1]) if i > 0 else "<s>",
            "k+1": _kind(text[i + 1]) if i + 1 < n else "</s>",
            "address": rules["address"][i],
            "address-1": rules["address"][i - 1] if i > 0 else "<s>",
            "address+1": rules["address"][i + 1] if i + 1 < n else "</s>",
            "time": rules["time"][i],
            "time-1": rules["time"][i - 1] if i > 0 else "<s>",
            "time+1": rules["time"][i + 1] if i + 1 < n else "</s>",
            "gazetteer": places[i],
            "place_end": place_ends[i],
            "place_end-1": place_ends[i - 1] if i > 0 else False,
            "where_begins": where_begins[i],
            "where_ends": where_ends[i],
            "where_ends-1": where_ends[i - 1] if i > 0 else False,
            "place_begins+1": place_begins[i + 1] if i + 1 < n else False,
            "w": words[i],
            "wp": word_places[i],
        }
        rows.append(row)
    return rows


def labels(length: int, spans: Sequence[Span]) -> List[str]:
    """BIO labels per character, e.g. B-address I-address O B-time …"""
    out = ["O"] * length
    for entity in ENTITIES:
        tags = _tags(length, [(start, end) for kind, start, end in spans if kind == entity], f"-{entity}")
        out = [tag if tag != "O" else label for label, tag in zip(out, tags, strict=True)]
    return out


def spans_of(tags: Sequence[str], text: str) -> List[Span]:
    """Spans of a BIO sequence; an I without a B opens a span; edges lose spaces and punctuation."""
    spans: List[Span] = []
    entity, start = None, 0

    def close(end: int) -> None:
        if entity is None:
            return
        s, e = start, end
        while s < e and text[s] in _PUNCT:
            s += 1
        while e > s and text[e - 1] in _PUNCT:
            e -= 1
        if e > s:
            spans.append((entity, s, e))

    for i, tag in enumerate(tags):
        kind = tag[2:] if len(tag) > 2 else None
        if tag.startswith("B-") or (tag.startswith("I-") and kind != entity):
            close(i)
            entity, start = kind, i
        elif tag == "O":
            close(i)
            entity = None
    close(len(tags))
    return spans


class SpanTagger:
    """A linear-chain CRF (L-BFGS, elastic-net) over `features`; fit on texts with their gold spans."""

    def __init__(self, c1: float = 0.05, c2: float = 0.05, max_iterations: int = 100) -> None:
        self.c1, self.c2, self.max_iterations = c1, c2, max_iterations
        self._crf = None

    def fit(self, rows: Sequence[List[Dict[str, str | bool]]], gold: Sequence[List[str]]) -> SpanTagger:
        import sklearn_crfsuite

        crf = sklearn_crfsuite.CRF(
            algorithm="lbfgs", c1=self.c1, c2=self.c2, max_iterations=self.max_iterations, all_possible_transitions=True
        )
        crf.fit(list(rows), list(gold))
        self._crf = crf
        return self

    @property
    def trained(self) -> bool:
        return self._crf is not None

    def tag(self, rows: List[Dict[str, str | bool]]) -> List[str]:
        if self._crf is None or not rows:
            return ["O"] * len(rows)
        return list(self._crf.predict_single(rows))
