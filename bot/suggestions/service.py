"""The operator console's suggestions: the bot's reading of a call plus what the database knows.

One call of `suggest` parses the text once with the loaded Rasa model, looks for open tickets
of the same matter nearby and for knowledge-base answers, and fills the reply scripts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Dict, List

from sqlalchemy import select

from bot.citypack import CityPack
from bot.classify import Classifier
from bot.errors import InvalidInput
from bot.knowledge.policy import CONSOLE_MIN_CONFIDENCE
from bot.knowledge.search import KIND_LABELS
from bot.knowledge.service import KnowledgeBase
from bot.nlu.address import normalize_address
from bot.privacy import mask_phone
from bot.suggestions.replies import Replies, caller_greeting
from bot.taxonomy import OTHER
from bot.ticketing.duplicates import similarity
from bot.ticketing.lifecycle import OPEN
from bot.ticketing.models import Ticket
from bot.ticketing.service import TicketService
from bot.ticketing.states import Status

MAX_TEXT = 20_000  # what the API accepts
READ_CHARS = 2_000  # what is analysed: what a caller wants shows in the first sentences
SIMILAR_DAYS = 30  # how far back open tickets count as "the same matter nearby"


@dataclass(frozen=True)
class Suggester:
    classifier: Classifier
    pack: CityPack
    tickets: TicketService
    knowledge: KnowledgeBase
    replies: Replies

    async def suggest(self, text: str) -> Dict[str, Any]:
        started = time.perf_counter()
        text = text.strip()
        if not text:
            raise InvalidInput("请先输入来电人反映的内容", error_en="text is empty")
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"内容超过{MAX_TEXT}字，请只粘贴来电内容", error_en=f"text longer than {MAX_TEXT}")
        read = text[:READ_CHARS]
        record = self.classifier.record(read, await self.classifier.parse(read))
        categories = self._categories(record)
        entities = record["entities"]
        address = self._address(entities)
        code = record["category"]
        similar = await self.similar_tickets(read, [c["code"] for c in categories], address.get("community"))
        knowledge = [
            {
                "id": hit.id,
                "kind": hit.kind,
                "kind_name": KIND_LABELS[hit.kind],
                "title": hit.title,
                "answer": hit.answer,
                "office": hit.office,
                "confidence": hit.confidence,
            }
            for hit in self.knowledge.search(read, 3, code)
            if hit.confidence >= CONSOLE_MIN_CONFIDENCE
        ]
        appeal_type = record.get("appeal_type") or "complaint"
        return {
            "appeal_type": appeal_type,
            "appeal_type_confidence": record.get("appeal_type_confidence"),
            "categories": categories,
            "entities": {
                "address": [e["value"] for e in entities if e["entity"] == "address"],
                "phone": [e["value"] for e in entities if e["entity"] == "phone"],
                "time": [e["value"] for e in entities if e["entity"] == "time"],
                "plate": [e["value"] for e in entities if e["entity"] == "plate"],
                "ticket_number": [e["value"] for e in entities if e["entity"] == "ticket_number"],
                "spans": entities,
            },
            "address": address,
            "department": {"code": record["department_code"], "name": record["department"]},
            "in_scope": record["in_scope"],
            "similar_tickets": similar,
            "knowledge": knowledge,
            "replies": self._replies(read, appeal_type, code, record["department"], address, similar, knowledge),
            "truncated": len(text) > READ_CHARS,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
        }

    def _categories(self, record: Dict[str, Any]) -> List[Dict[str, Any]]:
        ranking = record.get("category_ranking") or [
            {"category": record["category"], "confidence": record["category_confidence"]}
        ]
        top = []
        for item in ranking[:3]:
            code = item.get("category") or item.get("name") or OTHER
            category = self.pack.taxonomy.get(code)
            top.append(
                {"code": category.code, "name": category.name, "confidence": round(float(item["confidence"]), 4)}
            )
        return top

    def _address(self, entities: List[Dict[str, Any]]) -> Dict[str, Any]:
        values = [e["value"] for e in entities if e["entity"] == "address"]
        if not values:
            return {"raw": None, "full": None, "community": None, "community_name": None, "in_area": None}
        places = [normalize_address(value, self.pack) for value in values]
        place = next((p for p in places if p.community_code), places[0])
        return {
            "raw": place.raw,
            "full": place.full,
            "community": place.community_code,
            "community_name": place.community_name,
            "in_area": place.in_area,
        }

    async def similar_tickets(self, text: str, categories: List[str], community: str | None) -> List[Dict[str, Any]]:
        """Open tickets of one of the likely matters in the same community (重复件 candidates), most alike first."""
        if community is None or not categories:
            return []
        since = self.tickets.clock() - timedelta(days=SIMILAR_DAYS)
        query = (
            select(
                Ticket.number, Ticket.category, Ticket.description, Ticket.address_full, Ticket.status, Ticket.due_at
            )
            .where(
                Ticket.community == community,
                Ticket.category.in_(categories),
                Ticket.status.in_([s.value for s in OPEN]),
                Ticket.accepted_at >= since,
            )
            .order_by(Ticket.id.desc())
            .limit(50)
        )
        async with self.tickets.sessions() as session:
            rows = (await session.execute(query)).all()
        scored = []
        for number, category, description, address, status, _due in rows:
            score = similarity(text, description) + (0.2 if category == categories[0] else 0.0)
            scored.append((score, number, category, description, address, status))
        scored.sort(key=lambda row: (-row[0], row[1]))
        return [
            {
                "number": number,
                "category": category,
                "category_name": self.pack.taxonomy.get(category).name,
                "status": status,
                "status_name": Status(status).label,
                "address_full": address,
                "description": mask_phone(description[:120]),
                "similarity": round(score, 3),
            }
            for score, number, category, description, address, status in scored[:5]
        ]

    def _replies(
        self,
        text: str,
        appeal_type: str,
        category: str,
        department: str,
        address: Dict[str, Any],
        similar: List[Dict[str, Any]],
        knowledge: List[Dict[str, Any]],
    ) -> List[str]:
        values = {
            "greeting": caller_greeting(text),
            "address": address["raw"] or "",
            "matter": self.pack.taxonomy.get(category).name.split("/")[0] if category != OTHER else "",
            "department": department,
            "days": str(self.pack.categories[category].working_days) if category in self.pack.categories else "3",
            "duplicate": similar[0]["number"] if similar else "",
            "answer": knowledge[0]["answer"] if knowledge else "",
        }
        if appeal_type == "inquiry" and not knowledge:
            scripts = self.replies.fill("inquiry", values)[1:]
        else:
            scripts = self.replies.fill(appeal_type, values)
        if similar and appeal_type in ("complaint", "report", "help"):
            scripts = self.replies.fill("duplicate", values, 1) + scripts[:2]
        return scripts
