"""Queries behind the dashboard, the reports API, the exports and the digest."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, AsyncIterator, Dict, List, Sequence, Tuple

from sqlalchemy import and_, func, not_, select, text
from sqlalchemy.sql import Select

from bot.clock import local
from bot.reporting.filters import SORTS, ReportFilter
from bot.reporting.hotspots import Hotspot, HotspotPolicy, Report, find_hotspots
from bot.ticketing.models import RUNNING_SQL, Ticket, TicketEvent
from bot.ticketing.service import TicketService
from bot.ticketing.states import Status

FINISHED = (Status.resolved, Status.return_visit, Status.closed)


@dataclass(frozen=True)
class DepartmentStats:
    code: str
    total: int
    finished: int
    on_time: int
    overdue_open: int
    avg_sign_hours: float | None
    avg_resolve_hours: float | None
    avg_rating: float | None
    rated: int

    @property
    def compliance(self) -> float | None:
        """按期办结率: finished on time / finished."""
        return self.on_time / self.finished if self.finished else None


class Reports:
    def __init__(self, tickets: TicketService, policy: HotspotPolicy) -> None:
        self.tickets = tickets
        self.policy = policy

    def now(self) -> datetime:
        return self.tickets.clock()

    def conditions(self, filters: ReportFilter) -> List[Any]:
        now = self.now()
        where: List[Any] = []
        if filters.departments:
            where.append(Ticket.department_code.in_(filters.departments))
        if filters.communities:
            where.append(Ticket.community.in_(filters.communities))
        if filters.categories:
            where.append(Ticket.category.in_(filters.categories))
        if filters.statuses:
            where.append(Ticket.status.in_([s.value for s in filters.statuses]))
        overdue = and_(text(RUNNING_SQL), Ticket.due_at < now)
        if filters.overdue is True:
            where.append(overdue)
        elif filters.overdue is False:
            where.append(not_(overdue))
        start, end = filters.accepted_range()
        if start is not None:
            where.append(Ticket.accepted_at >= start)
        if end is not None:
            where.append(Ticket.accepted_at < end)
        return where

    def _ordered(self, query: Select, filters: ReportFilter) -> Select:
        column = SORTS[filters.sort][1]
        primary = column.desc() if filters.descending else column.asc()
        return query.order_by(primary, Ticket.due_at, Ticket.id)

    async def page(self, filters: ReportFilter, limit: int, offset: int = 0) -> Tuple[List[Ticket], int]:
        where = self.conditions(filters)
        async with self.tickets.sessions() as session:
            total = (await session.execute(select(func.count()).select_from(Ticket).where(*where))).scalar_one()
            query = self._ordered(select(Ticket).where(*where), filters).limit(limit).offset(offset)
            return list((await session.execute(query)).unique().scalars()), int(total)

    async def rows(self, filters: ReportFilter, columns: Sequence[Any], chunk: int = 2000) -> AsyncIterator[List[Any]]:
        """The filtered list in chunks, streamed from the database (exports of 100,000 rows)."""
        query = self._ordered(select(*columns).where(*self.conditions(filters)), filters)
        async with self.tickets.engine.connect() as connection:
            result = await connection.stream(query.execution_options(yield_per=chunk))
            async for partition in result.partitions(chunk):
                yield list(partition)

    async def counts_by_state(self, filters: ReportFilter) -> Dict[str, int]:
        """How many tickets are in each state (under every filter except the state filter)."""
        where = self.conditions(filters.without_statuses())
        async with self.tickets.sessions() as session:
            rows = (
                await session.execute(select(Ticket.status, func.count()).where(*where).group_by(Ticket.status))
            ).all()
        return {status: int(count) for status, count in rows}

    async def overdue_count(self, filters: ReportFilter) -> int:
        where = self.conditions(filters.without_statuses()) + [and_(text(RUNNING_SQL), Ticket.due_at < self.now())]
        async with self.tickets.sessions() as session:
            return int((await session.execute(select(func.count()).select_from(Ticket).where(*where))).scalar_one())

    async def heat(self, filters: ReportFilter) -> Dict[Tuple[str, str], int]:
        """community × category counts of the filtered list."""
        where = self.conditions(filters)
        query = select(Ticket.community, Ticket.category, func.count()).where(*where, Ticket.community.isnot(None))
        async with self.tickets.sessions() as session:
            rows = (await session.execute(query.group_by(Ticket.community, Ticket.category))).all()
        return {(community, category): int(count) for community, category, count in rows}

    async def department_stats(self, filters: ReportFilter) -> List[DepartmentStats]:
        """Per department: 按期办结率, overdue open cases, average time to sign and to resolve, satisfaction."""
        now = self.now()
        signed = (
            select(TicketEvent.ticket_id, func.min(TicketEvent.at).label("at"))
            .where(TicketEvent.action == "sign")
            .group_by(TicketEvent.ticket_id)
            .subquery()
        )
        resolved = (
            select(TicketEvent.ticket_id, func.max(TicketEvent.at).label("at"))
            .where(TicketEvent.action == "resolve")
            .group_by(TicketEvent.ticket_id)
            .subquery()
        )
        query = (
            select(
                Ticket.department_code,
                Ticket.status,
                Ticket.accepted_at,
                Ticket.dispatched_at,
                Ticket.due_at,
                Ticket.rating,
                signed.c.at,
                resolved.c.at,
            )
            .outerjoin(signed, signed.c.ticket_id == Ticket.id)
            .outerjoin(resolved, resolved.c.ticket_id == Ticket.id)
            .where(*self.conditions(filters.without_statuses()))
        )
        sums: Dict[str, Dict[str, Any]] = defaultdict(lambda: defaultdict(float))
        finished_states = {s.value for s in FINISHED}
        running = {"accepted", "dispatched", "signed", "in_progress", "reopened"}
        async with self.tickets.engine.connect() as connection:
            result = await connection.stream(query.execution_options(yield_per=5000))
            async for row in result:
                code, status, accepted, dispatched, due, rating, sign_at, resolve_at = row
                s = sums[code]
                s["total"] += 1
                if status in finished_states and resolve_at is not None:
                    s["finished"] += 1
                    s["on_time"] += 1 if _utc(resolve_at) <= _utc(due) else 0
                    s["resolve_sum"] += (_utc(resolve_at) - _utc(accepted)).total_seconds()
                    s["resolve_n"] += 1
                if status in running and _utc(due) < now:
                    s["overdue_open"] += 1
                if sign_at is not None and dispatched is not None:
                    s["sign_sum"] += max(0.0, (_utc(sign_at) - _utc(dispatched)).total_seconds())
                    s["sign_n"] += 1
                if rating is not None:
                    s["rating_sum"] += rating
                    s["rated"] += 1
        return [
            DepartmentStats(
                code,
                int(s["total"]),
                int(s["finished"]),
                int(s["on_time"]),
                int(s["overdue_open"]),
                s["sign_sum"] / s["sign_n"] / 3600 if s["sign_n"] else None,
                s["resolve_sum"] / s["resolve_n"] / 3600 if s["resolve_n"] else None,
                s["rating_sum"] / s["rated"] if s["rated"] else None,
                int(s["rated"]),
            )
            for code, s in sorted(sums.items(), key=lambda item: -item[1]["total"])
        ]

    async def daily_volume(self, filters: ReportFilter, days: int) -> Tuple[List[date], Dict[str, List[int]]]:
        """Tickets accepted per local day and category (the chart), over the range or the last `days` days."""
        today = local(self.now()).date()
        first = filters.date_from or (filters.date_to or today) - timedelta(days=days - 1)
        last = filters.date_to or today
        if (last - first).days > 366:
            first = last - timedelta(days=366)
        window = ReportFilter(
            filters.departments,
            filters.communities,
            filters.categories,
            filters.statuses,
            filters.overdue,
            first,
            last,
        )
        counts: Counter[Tuple[date, str]] = Counter()
        async for chunk in self.rows(window, [Ticket.accepted_at, Ticket.category], chunk=5000):
            for accepted, category in chunk:
                counts[(local(_utc(accepted)).date(), category)] += 1
        span = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        series: Dict[str, List[int]] = {}
        for category in sorted({c for _d, c in counts}):
            series[category] = [counts[(day, category)] for day in span]
        return span, series

    async def hotspots(self, filters: ReportFilter | None = None) -> List[Hotspot]:
        """Spikes in the last `window_days` (cancelled tickets do not count; merged duplicates do)."""
        now = self.now()
        since = now - timedelta(days=self.policy.window_days)
        where: List[Any] = [Ticket.accepted_at >= since, Ticket.status != Status.cancelled.value]
        if filters is not None:
            if filters.communities:
                where.append(Ticket.community.in_(filters.communities))
            if filters.departments:
                where.append(Ticket.department_code.in_(filters.departments))
        query = select(Ticket.number, Ticket.category, Ticket.community, Ticket.accepted_at).where(*where)
        async with self.tickets.sessions() as session:
            rows = (await session.execute(query)).all()
        reports = [Report(number, category, community, _utc(at)) for number, category, community, at in rows]
        return find_hotspots(reports, self.policy, now)

    def matter_name(self, matter: str) -> str:
        if matter in self.policy.groups:
            return self.policy.groups[matter][0]
        return self.tickets.pack.taxonomy.get(matter).name

    async def accepted_between(self, start: datetime, end: datetime) -> int:
        query = select(func.count()).select_from(Ticket).where(Ticket.accepted_at >= start, Ticket.accepted_at < end)
        async with self.tickets.sessions() as session:
            return int((await session.execute(query)).scalar_one())

    async def tickets_with_event(self, action: str, start: datetime, end: datetime) -> int:
        """How many tickets had this step (e.g. `resolve`) in [start, end)."""
        query = select(func.count(func.distinct(TicketEvent.ticket_id))).where(
            TicketEvent.action == action, TicketEvent.at >= start, TicketEvent.at < end
        )
        async with self.tickets.sessions() as session:
            return int((await session.execute(query)).scalar_one())


def _utc(moment: datetime) -> datetime:
    """Rows read through Core (not the ORM type) come back naive on SQLite: they are UTC."""
    from datetime import timezone

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
