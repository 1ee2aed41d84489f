"""The city pack: departments, communities, routing rules and deadlines, loaded from YAML.

Everything a deployment changes lives in `bot/citypacks/<name>/`; the code never names a
department. Loading validates every reference and reports errors as `file:line: message`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from itertools import pairwise
from pathlib import Path
from typing import Any, Dict, List, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bot.sla.calendar import WorkCalendar
from bot.taxonomy import Taxonomy, load_taxonomy

DEFAULT_PACK = Path(__file__).with_name("citypacks") / "yunyan"
POLICE_STATION = "@police_station"
COMMUNITY = "@community"
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class CityPackError(ValueError):
    """A city pack file is missing, malformed or refers to something that does not exist."""


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    kind: str
    phone: str = ""
    contact: str = ""  # 联络人: who the hotline centre calls about a case


@dataclass(frozen=True)
class Grid:
    """A grid (网格) of a community: a few streets or estates and the grid worker (网格员)."""

    code: str
    name: str
    places: Tuple[str, ...]
    keeper: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Community:
    code: str
    name: str
    police_station: str
    places: Tuple[str, ...]
    kind: str = "community"
    grids: Tuple[Grid, ...] = ()

    @property
    def department_code(self) -> str:
        """Communities are handling units: their service centre (社区服务中心)."""
        return f"community.{self.code}"


@dataclass(frozen=True)
class RoutingRule:
    name: str
    department: str
    categories: Tuple[str, ...] = ()
    communities: Tuple[str, ...] = ()
    streets: Tuple[str, ...] = ()
    keywords: Tuple[str, ...] = ()
    hours: Tuple[time, time] | None = None


@dataclass(frozen=True)
class CategoryPolicy:
    department: str
    working_days: int


@dataclass(frozen=True)
class UrgentOverride:
    name: str
    categories: Tuple[str, ...]
    keywords: Tuple[str, ...]
    hours: float


@dataclass(frozen=True)
class CityPack:
    city: str
    district: str
    departments: Dict[str, Department]
    communities: Dict[str, Community]
    categories: Dict[str, CategoryPolicy]
    rules: Tuple[RoutingRule, ...]
    triage_department: str
    district_police: str
    confidence_threshold: float
    sign_within_hours: float
    overrides: Tuple[UrgentOverride, ...]
    calendar: WorkCalendar
    taxonomy: Taxonomy = field(default_factory=load_taxonomy)
    warn_ratio: float = 0.75  # share of the handling time after which the department is warned
    duplicate_window_hours: float = 72.0
    duplicate_similarity: float = 0.5

    def department(self, code: str) -> Department:
        return self.departments[code]


class _Reader:
    """Reads one YAML file and turns problems into `file:line` errors."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CityPackError(f"{path}: file is missing") from exc
        except YAMLError as exc:
            raise CityPackError(f"{path}: not valid YAML: {exc}") from exc

    def fail(self, node: Any, message: str, key: Any = None) -> CityPackError:
        line = None
        lc = getattr(node, "lc", None)
        if lc is not None:
            try:
                line = (lc.key(key)[0] if key is not None else lc.line) + 1
            except (KeyError, TypeError, IndexError):
                line = lc.line + 1
        where = f"{self.path}:{line}" if line else str(self.path)
        return CityPackError(f"{where}: {message}")

    def require(self, node: Any, key: str) -> Any:
        if not isinstance(node, dict) or key not in node:
            raise self.fail(node, f"missing key '{key}'")
        return node[key]

    def items(self, node: Any, key: str) -> List[Any]:
        value = self.require(node, key)
        if not isinstance(value, list):
            raise self.fail(node, f"'{key}' must be a list", key)
        return list(value)


def load_city_pack(folder: Path = DEFAULT_PACK) -> CityPack:
    folder = Path(folder)
    taxonomy = load_taxonomy()
    departments = _load_departments(_Reader(folder / "departments.yml"))
    city, district, communities = _load_communities(_Reader(folder / "communities.yml"), departments)
    handling_units = dict(departments)
    for community in communities.values():
        handling_units[community.department_code] = Department(
            community.department_code, f"{community.name}服务中心", "community"
        )
    categories = _load_categories(_Reader(folder / "categories.yml"), taxonomy, handling_units)
    routing = _Reader(folder / "routing.yml")
    rules = _load_rules(routing, taxonomy, handling_units, communities)
    triage = str(routing.require(routing.data, "triage_department"))
    if triage not in departments:
        raise routing.fail(routing.data, f"unknown department '{triage}'", "triage_department")
    district_police = str(routing.require(routing.data, "district_police"))
    if district_police not in departments:
        raise routing.fail(routing.data, f"unknown department '{district_police}'", "district_police")
    sla = _Reader(folder / "sla.yml")
    overrides = _load_overrides(sla, taxonomy)
    calendar = _load_calendar(_Reader(folder / "calendar.yml"), _load_office_hours(sla))
    duplicates = routing.require(routing.data, "duplicates")
    return CityPack(
        city=city,
        district=district,
        departments=handling_units,
        communities=communities,
        categories=categories,
        rules=rules,
        triage_department=triage,
        district_police=district_police,
        confidence_threshold=float(routing.require(routing.data, "confidence_threshold")),
        sign_within_hours=_number(sla, sla.data, "sign_within_hours"),
        overrides=overrides,
        calendar=calendar,
        taxonomy=taxonomy,
        warn_ratio=_number(sla, sla.data, "warn_ratio", upper=1.0),
        duplicate_window_hours=_number(routing, duplicates, "window_hours"),
        duplicate_similarity=_number(routing, duplicates, "similarity", upper=1.0),
    )


def _number(reader: _Reader, node: Any, key: str, upper: float | None = None) -> float:
    value = reader.require(node, key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise reader.fail(node, f"'{key}' must be a positive number", key)
    if upper is not None and value > upper:
        raise reader.fail(node, f"'{key}' must be at most {upper}", key)
    return float(value)


def _load_office_hours(reader: _Reader) -> Tuple[Tuple[time, time], ...]:
    windows = []
    for text in reader.items(reader.data, "office_hours"):
        hours = _parse_hours(reader, {"hours": text})
        if hours is None or hours[0] >= hours[1]:
            raise reader.fail(reader.data, f"office hours '{text}' must be a window within one day", "office_hours")
        windows.append(hours)
    if not windows or any(a[1] > b[0] for a, b in pairwise(windows)):
        raise reader.fail(reader.data, "office_hours must be non-empty, in order and not overlapping", "office_hours")
    return tuple(windows)


def _load_departments(reader: _Reader) -> Dict[str, Department]:
    result: Dict[str, Department] = {}
    for row in reader.items(reader.data, "departments"):
        code = str(reader.require(row, "code"))
        if code in result:
            raise reader.fail(row, f"department '{code}' is declared twice")
        result[code] = Department(
            code=code,
            name=str(reader.require(row, "name")),
            kind=str(row.get("kind", "bureau")),
            phone=str(row.get("phone", "")),
            contact=str(row.get("contact", "")),
        )
    return result


def _load_communities(reader: _Reader, departments: Dict[str, Department]) -> Tuple[str, str, Dict[str, Community]]:
    result: Dict[str, Community] = {}
    for row in reader.items(reader.data, "communities"):
        code = str(reader.require(row, "code"))
        station = str(reader.require(row, "police_station"))
        if station not in departments:
            raise reader.fail(row, f"unknown police station '{station}'", "police_station")
        if code in result:
            raise reader.fail(row, f"community '{code}' is declared twice")
        places = tuple(str(p) for p in reader.items(row, "places"))
        result[code] = Community(
            code=code,
            name=str(reader.require(row, "name")),
            police_station=station,
            places=places,
            kind=str(row.get("kind", "community")),
            grids=_load_grids(reader, row, places),
        )
    city = str(reader.require(reader.data, "city"))
    district = str(reader.require(reader.data, "district"))
    return city, district, result


def _load_grids(reader: _Reader, community: Any, places: Tuple[str, ...]) -> Tuple[Grid, ...]:
    grids: List[Grid] = []
    for row in community.get("grids", []) or []:
        code = str(reader.require(row, "code"))
        if any(g.code == code for g in grids):
            raise reader.fail(row, f"grid '{code}' is declared twice")
        grid_places = tuple(str(p) for p in reader.items(row, "places"))
        for place in grid_places:
            if place not in places:
                raise reader.fail(row, f"grid '{code}' names '{place}', which is not among the community's places")
        grids.append(
            Grid(
                code=code,
                name=str(reader.require(row, "name")),
                places=grid_places,
                keeper=str(row.get("keeper", "")),
                phone=str(row.get("phone", "")),
            )
        )
    return tuple(grids)


def _check_department(reader: _Reader, node: Any, key: str, units: Dict[str, Department]) -> str:
    code = str(reader.require(node, key))
    if code not in units and code not in (POLICE_STATION, COMMUNITY):
        raise reader.fail(node, f"unknown department '{code}'", key)
    return code


def _check_categories(reader: _Reader, node: Any, taxonomy: Taxonomy) -> Tuple[str, ...]:
    codes = tuple(str(c) for c in node.get("categories", []) or [])
    for code in codes:
        if code not in taxonomy:
            raise reader.fail(node, f"unknown category '{code}'", "categories")
    return codes


def _load_categories(reader: _Reader, taxonomy: Taxonomy, units: Dict[str, Department]) -> Dict[str, CategoryPolicy]:
    table = reader.require(reader.data, "categories")
    result: Dict[str, CategoryPolicy] = {}
    for code, row in table.items():
        if code not in taxonomy:
            raise reader.fail(table, f"unknown category '{code}'", code)
        days = row.get("working_days")
        if not isinstance(days, int) or days < 1:
            raise reader.fail(table, f"'{code}' needs working_days as a whole number ≥ 1", code)
        result[str(code)] = CategoryPolicy(_check_department(reader, row, "department", units), days)
    missing = [code for code in taxonomy.codes() if code not in result]
    if missing:
        raise reader.fail(table, f"categories without a policy: {', '.join(missing)}")
    return result


def _parse_hours(reader: _Reader, node: Any) -> Tuple[time, time] | None:
    text = node.get("hours")
    if text is None:
        return None
    match = _HOURS.match(str(text))
    if not match:
        raise reader.fail(node, f"hours must look like '22:00-06:00', not '{text}'", "hours")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        return time(h1 % 24, m1), time(h2 % 24, m2)
    except ValueError as exc:
        raise reader.fail(node, f"hours '{text}': {exc}", "hours") from exc


def _load_rules(
    reader: _Reader,
    taxonomy: Taxonomy,
    units: Dict[str, Department],
    communities: Dict[str, Community],
) -> Tuple[RoutingRule, ...]:
    rules = []
    for row in reader.items(reader.data, "rules"):
        community_codes = tuple(str(c) for c in row.get("communities", []) or [])
        for code in community_codes:
            if code not in communities:
                raise reader.fail(row, f"unknown community '{code}'", "communities")
        streets = tuple(str(s) for s in row.get("streets", []) or [])
        known_places = {place for community in communities.values() for place in community.places}
        for street in streets:
            if street not in known_places:
                raise reader.fail(row, f"unknown street '{street}' (not among any community's places)", "streets")
        rules.append(
            RoutingRule(
                name=str(reader.require(row, "name")),
                department=_check_department(reader, row, "department", units),
                categories=_check_categories(reader, row, taxonomy),
                communities=community_codes,
                streets=streets,
                keywords=tuple(str(k) for k in row.get("keywords", []) or []),
                hours=_parse_hours(reader, row),
            )
        )
    return tuple(rules)


def _load_overrides(reader: _Reader, taxonomy: Taxonomy) -> Tuple[UrgentOverride, ...]:
    result = []
    for row in reader.items(reader.data, "overrides"):
        hours = reader.require(row, "hours")
        if not isinstance(hours, (int, float)) or hours <= 0:
            raise reader.fail(row, "hours must be a positive number", "hours")
        result.append(
            UrgentOverride(
                name=str(reader.require(row, "name")),
                categories=_check_categories(reader, row, taxonomy),
                keywords=tuple(str(k) for k in reader.items(row, "keywords")),
                hours=float(hours),
            )
        )
    return tuple(result)


def _load_calendar(reader: _Reader, office_hours: Tuple[Tuple[time, time], ...]) -> WorkCalendar:
    def dates(key: str) -> frozenset:
        values = reader.data.get(key, []) or []
        for value in values:
            if not isinstance(value, date):
                raise reader.fail(reader.data, f"'{value}' in {key} is not a date (YYYY-MM-DD)", key)
        return frozenset(values)

    return WorkCalendar(holidays=dates("holidays"), workdays=dates("workdays"), office_hours=office_hours)
