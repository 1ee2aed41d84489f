"""Batch classification with a trained Rasa model: the contract of `hotline classify`."""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Dict

from bot.citypack import CityPack
from bot.clock import LOCAL_TZ
from bot.nlu.address import normalize_address, other_city
from bot.routing import route
from bot.taxonomy import OTHER

MODELS = Path(__file__).resolve().parent.parent / "models"


def newest_model(folder: Path = MODELS) -> Path | None:
    models = sorted(folder.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def quiet_rasa() -> None:
    """A batch tool's stdout carries only its results: Rasa's structlog (which prints to
    stdout at debug level unless configured) and TensorFlow go to stderr, errors only."""
    import structlog

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.basicConfig(stream=sys.stderr, level=logging.ERROR)
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
    )
    for name in ("rasa", "tensorflow", "absl", "jieba", "sanic"):
        logging.getLogger(name).setLevel(logging.ERROR)


class Classifier:
    """Loads one Rasa model once and reads messages with it."""

    def __init__(self, model: Path, pack: CityPack) -> None:
        quiet_rasa()
        from rasa.core.agent import Agent

        self.agent = Agent.load(str(model))
        self.pack = pack

    async def parse(self, text: str) -> Dict[str, Any]:
        return dict(await self.agent.parse_message(text))

    async def classify(self, text: str) -> Dict[str, Any]:
        return self.record(text, await self.parse(text))

    def record(self, text: str, parsed: Dict[str, Any]) -> Dict[str, Any]:
        """The output line of the contract: intent, appeal type, category, sector, department, entities."""
        intent = parsed.get("intent") or {}
        matter = parsed.get("matter") or {}
        code = matter.get("category") or OTHER
        category = self.pack.taxonomy.get(code)
        confidence = float(matter.get("confidence") or 0.0)
        entities = [
            {"entity": e["entity"], "value": e["value"], "start": e["start"], "end": e["end"]}
            for e in parsed.get("entities") or []
        ]
        places = [normalize_address(e["value"], self.pack) for e in entities if e["entity"] == "address"]
        community = next((place.community_code for place in places if place.community_code), None)
        second = matter.get("second_category")
        decision = route(self.pack, category.code, confidence, community, text, datetime.now(LOCAL_TZ))
        return {
            "text": text,
            "intent": intent.get("name"),
            "intent_confidence": round(float(intent.get("confidence") or 0.0), 4),
            "appeal_type": matter.get("appeal_type"),
            "appeal_type_confidence": matter.get("appeal_type_confidence"),
            "category": category.code,
            "category_name": category.name,
            "sector": category.sector,
            "category_confidence": round(confidence, 4),
            "category_ranking": matter.get("ranking", []),
            "department": self.pack.department(decision.department).name,
            "department_code": decision.department,
            # False when the message places the problem in another city: the district cannot act.
            "in_scope": other_city(text, self.pack) is None,
            "second_category": second,
            "second_category_name": self.pack.taxonomy.get(second).name if second else None,
            "entities": entities,
        }


def merge_input(record: Dict[str, Any], source: Dict[str, Any]) -> Dict[str, Any]:
    """Keys of the input line other than `text` pass through; the classification wins on clashes."""
    merged = {k: v for k, v in source.items() if k not in record}
    merged.update(record)
    return merged
