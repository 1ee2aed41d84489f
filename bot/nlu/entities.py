"""Entity extraction for the hotline: address, time, phone, ticket number, licence plate.

Phone, ticket number and plate have fixed shapes (see `patterns`). The rules find times with
jionlp's time recogniser and addresses with patterns plus the city pack's gazetteer; a span tagger
trained on fully marked examples (`span_tagger`) reads the rules' opinion and decides where
addresses and times really begin and end. Either way, times end as LABELLING.md says.
"""

from __future__ import annotations

import logging
import re
import time as clock
from functools import cached_property
from typing import Any, Dict, List, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, METADATA, METADATA_EXAMPLE, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.citypack import DEFAULT_PACK, load_city_pack
from bot.nlu import patterns, span_tagger
from bot.nlu.address import NUMBER, find_addresses, gazetteer, place_mentions
from bot.nlu.span_tagger import Span, SpanTagger
from bot.nlu.stored import StoredModels
from bot.nlu.text import jionlp, normalize

log = logging.getLogger(__name__)
_ROAD_END = "路街巷道弄"
_TIME_TAIL = re.compile(r"多钟?|左右|前后|以后|以前|之后|之前|以来|许|期间|时段|的时候|时候|高峰期?")
# Our annotation convention (nlu_data/LABELLING.md): in "昨晚十点开始敲" the time is "昨晚十点";
# "从去年开始" ("从…起", "从…以来") is one expression and keeps its "开始"; "从" opens a since-when and
# belongs to it ("从早上六点就响"). `_as_convention_says` applies it to every time, whoever found it.
# "起" closes a since-when ("从四月份起"), but not in "起来", "起床", "起码", "起身", "起步".
_SINCE_CLOSE = re.compile(r"起(?![来床码身步])")
_SINCE_END = re.compile(rf"开始|{_SINCE_CLOSE.pattern}|以来")
# "现在" before a time only says the habit still holds: "现在每天晚上八点以后" → "每天晚上八点以后";
# "一点" alone is "a little" far more often than one o'clock ("现在一点办法都没有").
_NOW = "现在"
_HOW_OFTEN = {"天天", "每天", "每日", "经常", "总是"}
_DURATION_TAIL = re.compile(r"(?:左右|以内|之内|以上|多)$")
_A_LITTLE = "一点"
# jionlp sometimes takes a neighbour along: ",从今年9月" on ASCII punctuation, "次从下午四点" after "那次".
_TIME_EDGE = " \t\n,.;:!?，。；：！？、…~～\"'“”‘’()（）次"
# jionlp leaves out how often and since when: "天天|晚上", "这|半个月", "每到|周末".
_TIME_HEAD = re.compile(r"(?:每天|天天|每晚|每周|每到|一到|每逢|每|这|近|最近|从|自从|自)$")
# How long something lasted or how long one waited ("三天", "两个多小时") is not when it happened.
# A year ("2024年") and a month ("7月", "三月") are dates; "7个月", "三年", "5天" are durations.
_DURATION = re.compile(
    r"(?!(?:19|20)\d{2}年)大?[\d一二两三四五六七八九十百千半几]+多?(?:个多?月|个?多?(?:年|天|周|星期|礼拜|小时|钟头|分钟|分|秒))多?钟?"
    r"|现在|目前|当时|每年"
)
# Relative times jionlp does not read.
_MORE_TIMES = re.compile(
    r"(?:这|前|近|最近|过去)(?:几|两|一|三|半)?(?:天|周|个?星期|个?礼拜|个月|年)"
    r"|[上下]个?月|[上下](?:个)?(?:周|星期|礼拜)[一二三四五六日天末]?|\d{1,2}月份|(?:上下学|上下班|早晚)?高峰期?|平时|周末|节假日"
    r"|(?:19|20)\d{2}年(?:\d{1,2}月(?:\d{1,2}[日号])?)?|(?<![\d个])\d{1,2}月(?:[初中底]|\d{1,2}[日号])?(?![\d份])"
    r"|最近|前段时间|这段时间|近段时间|这学期|上学期|过年"
    r"|开学(?:以后|后)?|放学(?:以后|后)?"
)
_RANGE_JOIN = re.compile(r"(?:到|至|-|～|~|和|、|或|及)?")
# "今年六十七岁" is an age, "17号车位" a parking space, "一号线" a metro line: not when it happened.
_AGE = re.compile(r"[\d一二两三四五六七八九十]+岁")
_NUMBERED_THING = re.compile(r"车位|线|楼|栋|单元|房|室|车")
# jionlp reads the "18号" of "北京路18号" as a date: a number glued to a road name is a house number,
# also in words ("科学路二十二号"), and also when jionlp joins it to the time after it ("127号，从上周三起").
_HOUSE_NUMBER = re.compile(rf"{NUMBER}号?")
_HOUSE_NUMBER_HEAD = re.compile(rf"{NUMBER}号[\s,，、]*")
MAX_TIME_TEXT = 600  # jionlp's time recogniser slows down on long letters; times come early
# "某小区", "某工地", "某路口": the name was left out, so what follows 某 is a kind of place, not a place
# (LABELLING.md): "[枣山路]某小区". With its building it is where the worker goes: "[宝山社区某小区4栋2单元]".
_WITHHELD_NAME = re.compile(r"某(?!.*(?:栋|幢|单元|号楼|\d号))")


def extract_times(text: str) -> List[Tuple[int, int, str]]:
    """Time expressions `(start, end, text)` ("每天晚上十点以后", "上周三", "11月20日")."""
    try:
        found = jionlp().ner.extract_time(text[:MAX_TIME_TEXT], time_base=clock.time(), with_parsing=False)
    except Exception:  # jionlp raises on some odd inputs; a missed time is not fatal
        return []
    raw = [tuple(item["offset"]) for item in found]
    raw += [m.span() for m in _MORE_TIMES.finditer(text) if not any(m.start() < e and m.end() > s for s, e in raw)]
    spans: List[Tuple[int, int, str]] = []
    for start, end in sorted(raw):
        tail = _TIME_TAIL.match(text, end)  # jionlp stops before "多" / "左右" / "以后"
        end = tail.end() if tail else end
        head = _TIME_HEAD.search(text, max(0, start - 3), start)
        start = head.start() if head else start
        if start > 0 and text[start] == "近" and text[start - 1] == "最":  # "最近两个月", not "近两个月"
            start -= 1
        while start < end and text[start] in _TIME_EDGE:
            start += 1
        while end > start and text[end - 1] in _TIME_EDGE[:-1]:
            end -= 1
        since = _SINCE_END.match(text, end) if end > start and text[start] == "从" else None
        if since:
            end = since.end()
        if text.startswith(_NOW, start) and end - start > len(_NOW):
            start += len(_NOW)
        span = _as_convention_says(text, start, end) if end > start else None
        if span is None or text[span[0] : span[1]] == _A_LITTLE:
            continue
        start, end = span
        if _AGE.match(text, end) or (text[end - 1] == "号" and _NUMBERED_THING.match(text, end)):
            continue
        join = _RANGE_JOIN.match(text, spans[-1][1]) if spans else None
        if spans and (start < spans[-1][1] or (join and join.end() == start)):
            start = min(start, spans.pop()[0])  # "下午四点半到五点半", "周六周日": one time
        spans.append((start, end, text[start:end]))
    return spans


def _as_convention_says(plain: str, start: int, end: int) -> Tuple[int, int] | None:
    """A time span as LABELLING.md marks it, whoever found it: a bare "开始" is left out unless the time
    says since when ("从去年开始"); how often alone ("天天", "每天") says no time and is no time."""
    value = plain[start:end]
    if value.endswith("开始") and not value.startswith(("从", "自")) and len(value) > 2:
        end -= 2
    if value.startswith(("从", "自")) and _SINCE_CLOSE.match(plain, end):
        end += 1  # "[从上周三起]": the "起" closes the since-when, whoever cut it off
    value = plain[start:end]
    if value in _HOW_OFTEN or _DURATION.fullmatch(_DURATION_TAIL.sub("", value)):
        return None  # how often alone, or how long ("三天", "两个月左右"; "这三天" is a time)
    return start, end


def rule_spans(plain: str, places: Tuple[str, ...]) -> List[Span]:
    """Times and addresses of the normalised text by the rules alone: `(entity, start, end)`."""
    times: List[Tuple[int, int]] = []
    for start, end, value in extract_times(plain):
        if value.strip().isdigit():
            continue
        if start > 0 and plain[start - 1] in _ROAD_END:
            if _HOUSE_NUMBER.fullmatch(value):
                continue
            house_number = _HOUSE_NUMBER_HEAD.match(value)
            start += house_number.end() if house_number else 0
        if end > start:
            times.append((start, end))
    # Times are blanked before addresses are looked for, so "晚上十点多中华北路" starts at 中华北路.
    masked = list(plain)
    for start, end in times:
        masked[start:end] = "，" * (end - start)
    addresses = [(start, end) for start, end, _value in find_addresses("".join(masked), places)]
    return [("time", start, end) for start, end in times] + [("address", start, end) for start, end in addresses]


def extract_entities(
    text: str,
    places: Tuple[str, ...],
    tagger: SpanTagger | None = None,
    learned: Tuple[str, ...] = span_tagger.ENTITIES,
) -> List[Dict[str, Any]]:
    """All hotline entities in `text` as Rasa entity dicts, earliest first, no overlaps. With a
    trained `tagger`, the `learned` entities are its spans (the rules are its features)."""
    plain = normalize(text)
    found: List[Dict[str, Any]] = []
    taken: List[Tuple[int, int]] = []

    def add(entity: str, value: str, start: int, end: int) -> None:
        if any(start < e and end > s for s, e in taken):
            return
        taken.append((start, end))
        found.append({"entity": entity, "value": value, "start": start, "end": end, "confidence_entity": 1.0})

    for match in patterns.extract(plain):
        add(match.entity, match.value, match.start, match.end)
    spans = rule_spans(plain, places)
    if tagger is not None and tagger.trained:
        rows = span_tagger.features(plain, spans, place_mentions(plain, places))
        tagged = [span for span in span_tagger.spans_of(tagger.tag(rows), plain) if span[0] in learned]
        spans = [span for span in spans if span[0] not in learned] + [span for span in tagged if span[2] - span[1] >= 2]
    for entity, start, end in sorted(spans, key=lambda span: span[1]):
        withheld = _WITHHELD_NAME.search(plain, start + 1, end) if entity == "address" else None
        end = withheld.start() if withheld and withheld.start() - start >= 2 else end
        if entity == "time":
            span = _as_convention_says(plain, start, end)
            if span is None:
                continue
            start, end = span
        add(entity, text[start:end], start, end)
    return sorted(found, key=lambda entity: entity["start"])


def _complete_spans(message: Message) -> bool:
    """Training examples whose every address and time is marked by the span conventions."""
    metadata = message.get(METADATA) or {}
    return any((metadata.get(level) or {}).get("spans") == "complete" for level in (METADATA_INTENT, METADATA_EXAMPLE))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class HotlineEntityExtractor(StoredModels, EntityExtractorMixin):
    """Phone, ticket number and plate by their patterns; addresses and times by the span tagger
    where one was trained (on examples whose block says `spans: complete`), else by the rules."""

    model_file = "span_tagger.joblib"

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "city_pack": None,  # folder of the city pack whose gazetteer is used
            "learned": list(span_tagger.ENTITIES),  # entities the tagger decides; the rules do the others
            "c1": 0.05,  # L1 and L2 regularisation of the CRF
            "c2": 0.05,
            # 100, not 150, since the unguided examples doubled the marked text: as good on the development
            # sets (150: 0.913 / 0.912 address, 100: 0.913 / 0.918, 60: 0.900 / 0.916) and 40 s faster to train.
            "max_iterations": 100,
        }

    @cached_property
    def _places(self) -> Tuple[str, ...]:
        return gazetteer(load_city_pack(self._config.get("city_pack") or DEFAULT_PACK))

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if _complete_spans(m)]
        if not examples:
            log.warning("HotlineEntityExtractor: no examples marked 'spans: complete'; the rules find places and times")
            return self._resource
        rows, gold = [], []
        for message in examples:
            plain = normalize(message.get(TEXT) or "")
            places = place_mentions(plain, self._places)
            rows.append(span_tagger.features(plain, rule_spans(plain, self._places), places))
            marked = [(e["entity"], e["start"], e["end"]) for e in message.get(ENTITIES) or []]
            gold.append(span_tagger.labels(len(plain), marked))
        config = self._config
        tagger = SpanTagger(config["c1"], config["c2"], config["max_iterations"]).fit(rows, gold)
        return self._persist({"tagger": tagger})

    def process(self, messages: List[Message]) -> List[Message]:
        tagger = self._models.get("tagger")
        learned = tuple(self._config["learned"])
        for message in messages:
            text: str | None = message.get(TEXT)
            if not text:
                continue
            found = extract_entities(text, self._places, tagger, learned)
            entities = self.add_extractor_name(found)
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages
