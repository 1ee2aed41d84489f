"""The span tagger learns where residents' addresses begin and end from examples marked by the
span conventions, keeps what it learned in the model, and leaves phones and plates to the patterns."""

from __future__ import annotations

from pathlib import Path

from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import span_tagger
from bot.nlu.entities import HotlineEntityExtractor

ESTATES = ["金苑", "兰苑", "梅苑", "华府", "福星", "阳光", "锦华", "翠微"]
ESTATES += ["书香", "和平", "康乐", "惠民", "幸福", "丽景", "枫丹"]
ROADS = ["友谊路", "北京路", "威清路", "市西路", "沙冲路", "青云路"]
COMPLAINTS = ["楼上天天半夜拖椅子", "垃圾堆了一个礼拜没人收", "单元门口的路灯坏了", "楼下烧烤摊占道"]


def _training_yaml(spans: str) -> str:
    lines = [
        'version: "3.1"',
        "nlu:",
        "- intent: report_problem",
        "  metadata:",
        "    category: living_noise",
        "    appeal_type: complaint",
    ]
    lines += [f"    spans: {spans}"] if spans else []
    lines.append("  examples: |")
    for i, estate in enumerate(ESTATES):
        road, complaint = ROADS[i % len(ROADS)], COMPLAINTS[i % len(COMPLAINTS)]
        building, unit = i % 9 + 1, i % 3 + 1
        lines.append(f"    - 我住[{road}{estate}小区{building}栋{unit}单元](address) {complaint}")
        lines.append(f"    - [{road}{estate}小区{building}栋](address){complaint}，麻烦管一下")
    return "\n".join(lines) + "\n"


def _trained(tmp_path: Path, spans: str) -> HotlineEntityExtractor:
    (tmp_path / "storage").mkdir()
    storage = LocalModelStorage(tmp_path / "storage")
    resource = Resource("entities")
    config = HotlineEntityExtractor.get_default_config()
    extractor = HotlineEntityExtractor.create(config, storage, resource, None)  # type: ignore[arg-type]
    extractor.train(RasaYAMLReader().reads(_training_yaml(spans)))
    return HotlineEntityExtractor.load(config, storage, resource, None)  # type: ignore[arg-type]


def _entities(extractor: HotlineEntityExtractor, text: str) -> list[tuple[str, str]]:
    message = Message({TEXT: text})
    extractor.process([message])
    return [(e["entity"], e["value"]) for e in message.get(ENTITIES)]


def test_the_tagger_learns_whole_estate_addresses_and_keeps_them_in_the_model(tmp_path: Path) -> None:
    text = "我住延安路桂苑小区5栋2单元 楼道灯坏了，电话13985012345"  # the rules stop at "桂苑"
    extractor = _trained(tmp_path, "complete")
    assert _entities(extractor, text) == [("address", "延安路桂苑小区5栋2单元"), ("phone", "13985012345")]


def test_without_completely_marked_examples_the_rules_find_addresses(tmp_path: Path) -> None:
    """Old examples mark only some places; learning from them would teach that the rest are none."""
    extractor = _trained(tmp_path, "")
    found = _entities(extractor, "我住延安路桂花小区5栋2单元 楼道灯坏了")
    assert [entity for entity, _ in found] == ["address"]  # the rules' span, however they cut it


def test_bio_labels_and_spans_agree_and_spans_lose_edge_punctuation() -> None:
    text = "中华北路58号门口，每天晚上"
    spans = [("address", 0, 9), ("time", 10, 14)]
    assert span_tagger.spans_of(span_tagger.labels(len(text), spans), text) == spans
    tags = ["B-address", "I-address", "I-address", "O"]
    assert span_tagger.spans_of(tags, "宝山，x") == [("address", 0, 2)]
