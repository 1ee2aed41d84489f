"""Hotspots (热点): a spike of one matter in one place. Pure logic, no I/O.

Five noise tickets from one estate within a week say more than any single ticket: the cause
is likely one building site or one bar, and one visit can settle them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple

import yaml


@dataclass(frozen=True)
class HotspotPolicy:
    window_days: int = 7
    min_tickets: int = 5
    groups: Mapping[str, Tuple[str, Tuple[str, ...]]] = field(default_factory=dict)  # code → (name, categories)

    def matter_of(self, category: str) -> str:
        for code, (_name, categories) in self.groups.items():
            if category in categories:
                return code
        return category


@dataclass(frozen=True)
class Report:
    """One reported matter as the hotspot finder sees it."""

    number: str
    category: str
    community: str | None
    accepted_at: datetime


@dataclass(frozen=True)
class Hotspot:
    matter: str  # a category code or a group code (e.g. noise)
    community: str
    numbers: Tuple[str, ...]  # newest first
    first_at: datetime
    last_at: datetime

    @property
    def count(self) -> int:
        return len(self.numbers)


def find_hotspots(reports: Iterable[Report], policy: HotspotPolicy, now: datetime) -> List[Hotspot]:
    """Matters reported at least `min_tickets` times in one community within the window, biggest first."""
    since = now - timedelta(days=policy.window_days)
    buckets: Dict[Tuple[str, str], List[Report]] = {}
    for report in reports:
        if report.community is None or not since <= report.accepted_at <= now:
            continue
        buckets.setdefault((policy.matter_of(report.category), report.community), []).append(report)
    spots = []
    for (matter, community), items in buckets.items():
        if len(items) < policy.min_tickets:
            continue
        items.sort(key=lambda r: (r.accepted_at, r.number), reverse=True)
        spots.append(
            Hotspot(matter, community, tuple(r.number for r in items), items[-1].accepted_at, items[0].accepted_at)
        )
    spots.sort(key=lambda s: (-s.count, s.community, s.matter))
    return spots


def load_policy(path: Path, categories: Sequence[str]) -> HotspotPolicy:
    """The `hotspots` section of reporting.yml; an unknown category is an error naming the file."""
    data = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("hotspots") or {}
    groups: Dict[str, Tuple[str, Tuple[str, ...]]] = {}
    for code, group in (data.get("groups") or {}).items():
        members = tuple(group.get("categories") or ())
        unknown = [c for c in members if c not in categories]
        if unknown:
            raise ValueError(f"{path}: hotspot group '{code}' names unknown categories {unknown}")
        groups[str(code)] = (str(group.get("name") or code), members)
    window, least = int(data.get("window_days", 7)), int(data.get("min_tickets", 5))
    if window < 1 or least < 2:
        raise ValueError(f"{path}: hotspots need window_days ≥ 1 and min_tickets ≥ 2")
    return HotspotPolicy(window, least, groups)
