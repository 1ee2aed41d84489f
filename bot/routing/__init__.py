"""Routing (联动派单): which handling unit gets a ticket, and by when. Pure logic, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Tuple

from bot.citypack import COMMUNITY, POLICE_STATION, CityPack, RoutingRule
from bot.sla.calendar import due_at
from bot.taxonomy import OTHER


@dataclass(frozen=True)
class Decision:
    department: str
    reason: str  # shown on the ticket timeline: why this unit got it
    triage: bool = False


def _in_hours(hours: Tuple[time, time] | None, moment: datetime) -> bool:
    if hours is None:
        return True
    start, end = hours
    now = moment.time()
    return start <= now < end if start <= end else now >= start or now < end


def _matches(
    rule: RoutingRule, category: str, community: str | None, street: str | None, text: str, at: datetime
) -> bool:
    return (
        (not rule.categories or category in rule.categories)
        and (not rule.communities or community in rule.communities)
        and (not rule.streets or street in rule.streets)
        and (not rule.keywords or any(word in text for word in rule.keywords))
        and _in_hours(rule.hours, at)
    )


def _resolve(pack: CityPack, department: str, community: str | None) -> str | None:
    """Turn `@police_station` / `@community` into a unit; None when the community is unknown."""
    if department == POLICE_STATION:
        return pack.communities[community].police_station if community else None
    if department == COMMUNITY:
        return pack.communities[community].department_code if community else None
    return department


def route(
    pack: CityPack,
    category: str,
    confidence: float,
    community: str | None,
    description: str,
    at: datetime,
    street: str | None = None,
) -> Decision:
    """First matching rule (category × community/street × keywords × time of day) wins;
    otherwise the category's default; unsure → manual triage."""
    if category == OTHER or category not in pack.categories or confidence < pack.confidence_threshold:
        return Decision(pack.triage_department, "类别待确认，转热线中心人工分派", triage=True)
    for rule in pack.rules:
        if _matches(rule, category, community, street, description, at):
            unit = _resolve(pack, rule.department, community)
            if unit:
                return Decision(unit, f"派单规则：{rule.name}")
    default = pack.categories[category].department
    unit = _resolve(pack, default, community)
    if unit:
        return Decision(unit, "按事项类别默认派单")
    # "@police_station" without a known community: the district police takes it.
    fallback = pack.district_police if default == POLICE_STATION else pack.triage_department
    return Decision(fallback, "地址未对应到社区，按区级单位派单", triage=fallback == pack.triage_department)


def deadline(pack: CityPack, category: str, description: str, accepted_at: datetime) -> datetime:
    """The handling deadline (办理时限): urgent overrides in hours, else working days."""
    for override in pack.overrides:
        if (not override.categories or category in override.categories) and any(
            word in description for word in override.keywords
        ):
            return due_at(pack.calendar, accepted_at, 0, hours=override.hours)
    policy = pack.categories.get(category) or pack.categories[OTHER]
    return due_at(pack.calendar, accepted_at, policy.working_days)
