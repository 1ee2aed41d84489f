"""The dashboard's multi-select filters, parsed from a query string. Pure logic, no I/O.

Every filter takes several values (`?department=a&department=b` or `?department=a,b`); an
unknown code or an impossible date is a clear Chinese message, never an empty list or a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, List, Mapping, Sequence, Tuple

from bot.citypack import CityPack
from bot.clock import LOCAL_TZ
from bot.errors import InvalidInput
from bot.ticketing.lifecycle import OPEN
from bot.ticketing.models import Ticket
from bot.ticketing.states import Status

# Sort keys the list offers: label, column(s).
SORTS = {
    "due_at": ("办理时限", Ticket.due_at),
    "accepted_at": ("受理时间", Ticket.accepted_at),
    "department": ("承办单位", Ticket.department_code),
    "community": ("社区", Ticket.community),
    "category": ("事项类别", Ticket.category),
    "status": ("状态", Ticket.status),
    "escalations": ("督办次数", Ticket.escalations),
}
UNRESOLVED: Tuple[Status, ...] = tuple(s for s in Status if s in OPEN)
MAX_RANGE_DAYS = 366 * 3


@dataclass(frozen=True)
class ReportFilter:
    departments: Tuple[str, ...] = ()
    communities: Tuple[str, ...] = ()
    categories: Tuple[str, ...] = ()
    statuses: Tuple[Status, ...] = UNRESOLVED
    overdue: bool | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "due_at"
    descending: bool = False

    def without_statuses(self) -> ReportFilter:
        return replace(self, statuses=())

    def accepted_range(self) -> Tuple[datetime | None, datetime | None]:
        """The date range as UTC instants: local midnight of `from` to local midnight after `to`."""
        start = datetime.combine(self.date_from, time(), LOCAL_TZ) if self.date_from else None
        end = datetime.combine(self.date_to + timedelta(days=1), time(), LOCAL_TZ) if self.date_to else None
        return start, end


def _values(query: Mapping[str, Any], key: str) -> List[str]:
    getall = getattr(query, "getall", None)
    raw = getall(key, []) if getall else ([query[key]] if key in query else [])
    return [part.strip() for value in raw for part in str(value).split(",") if part.strip()]


def _codes(query: Mapping[str, Any], key: str, known: Sequence[str], label: str) -> Tuple[str, ...]:
    values = _values(query, key)
    for value in values:
        if value not in known:
            raise InvalidInput(f"未知的{label}：{value[:40]}", error_en=f"unknown {key} '{value[:40]}'")
    return tuple(dict.fromkeys(values))


def _date(text: str, label: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            f"{label}“{text[:20]}”不是有效日期，请按 2026-11-22 的格式填写", error_en=f"invalid date '{text[:20]}'"
        ) from exc


def parse_filter(query: Mapping[str, Any], pack: CityPack) -> ReportFilter:
    departments = _codes(query, "department", list(pack.departments), "承办单位")
    communities = _codes(query, "community", list(pack.communities), "社区")
    categories = _codes(query, "category", pack.taxonomy.codes(), "事项类别")
    status_values = _codes(query, "status", [s.value for s in Status] + ["all"], "状态")
    if "all" in status_values:
        statuses: Tuple[Status, ...] = ()
    else:
        statuses = tuple(Status(v) for v in status_values) or UNRESOLVED
    overdue_values = _values(query, "overdue")
    overdue_text = overdue_values[-1] if overdue_values else ""
    if overdue_text not in ("", "true", "false", "1", "0", "on"):
        raise InvalidInput("“是否超期”应为 是 或 否", error_en="overdue must be true or false")
    overdue = None if not overdue_text else overdue_text in ("true", "1", "on")
    date_from = _date(query["from"], "开始日期") if query.get("from") else None
    date_to = _date(query["to"], "结束日期") if query.get("to") else None
    if date_from and date_to:
        if date_from > date_to:
            raise InvalidInput("开始日期不能晚于结束日期", error_en="'from' is after 'to'")
        if (date_to - date_from).days > MAX_RANGE_DAYS:
            raise InvalidInput("日期范围不能超过三年", error_en="date range longer than three years")
    sort = str(query.get("sort") or "due_at")
    if sort not in SORTS:
        raise InvalidInput(f"不支持按“{sort[:20]}”排序", error_en=f"unknown sort '{sort[:20]}'")
    order = str(query.get("order") or "asc")
    if order not in ("asc", "desc"):
        raise InvalidInput("排序方向应为 asc 或 desc", error_en="order must be asc or desc")
    return ReportFilter(
        departments, communities, categories, statuses, overdue, date_from, date_to, sort, order == "desc"
    )


def query_string(filters: ReportFilter) -> List[Tuple[str, str]]:
    """The filter back as query pairs (for export links and pagination)."""
    pairs = [("department", d) for d in filters.departments]
    pairs += [("community", c) for c in filters.communities]
    pairs += [("category", c) for c in filters.categories]
    if filters.statuses != UNRESOLVED:
        pairs += [("status", s.value) for s in filters.statuses] or [("status", "all")]
    if filters.overdue is not None:
        pairs.append(("overdue", "true" if filters.overdue else "false"))
    if filters.date_from:
        pairs.append(("from", filters.date_from.isoformat()))
    if filters.date_to:
        pairs.append(("to", filters.date_to.isoformat()))
    if filters.sort != "due_at" or filters.descending:
        pairs += [("sort", filters.sort), ("order", "desc" if filters.descending else "asc")]
    return pairs
