"""Duplicate complaints (重复件): how alike two descriptions are. Pure logic, no I/O.

Residents describe one blocked fire lane in different words, so an exact match is useless;
the Dice overlap of character bigrams (punctuation and digits dropped) is robust for short
Chinese text and needs no model.
"""

from __future__ import annotations

import re
from typing import FrozenSet

_NOISE = re.compile(r"[\W\d_]+", re.UNICODE)


def bigrams(text: str) -> FrozenSet[str]:
    cleaned = _NOISE.sub("", text.lower())
    if len(cleaned) < 2:
        return frozenset({cleaned}) if cleaned else frozenset()
    return frozenset(cleaned[i : i + 2] for i in range(len(cleaned) - 1))


def similarity(first: str, second: str) -> float:
    """0 (nothing shared) to 1 (same wording)."""
    a, b = bigrams(first), bigrams(second)
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))
