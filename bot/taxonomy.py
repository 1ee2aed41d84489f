"""The matter taxonomy (事项分类): codes, Chinese names and sectors — a stable contract."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import yaml

TAXONOMY_FILE = Path(__file__).with_name("taxonomy.yml")
OTHER = "other"

APPEAL_TYPES: Dict[str, str] = {
    "complaint": "投诉",
    "report": "举报",
    "help": "求助",
    "inquiry": "咨询",
    "suggestion": "建议",
    "praise": "表扬",
}


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    sector: str
    typical: str


@dataclass(frozen=True)
class Taxonomy:
    categories: Dict[str, Category]

    def __contains__(self, code: object) -> bool:
        return code in self.categories

    def get(self, code: str) -> Category:
        """The category of a code; unknown codes fall back to `other` (manual triage)."""
        return self.categories.get(code) or self.categories[OTHER]

    def codes(self) -> List[str]:
        return list(self.categories)

    def sectors(self) -> Dict[str, str]:
        """Category code → sector (一级分类), compared as a string by reports and evaluations."""
        return {code: category.sector for code, category in self.categories.items()}


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    raw = yaml.safe_load(TAXONOMY_FILE.read_text(encoding="utf-8"))
    categories = {row["code"]: Category(**row) for row in raw["categories"]}
    return Taxonomy(categories)
