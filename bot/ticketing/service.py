"""Opening and reading tickets. Creation is idempotent and numbers are unique under load."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Dict, List, Tuple

from sqlalchemy import and_, func, not_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot.accounts.roles import SYSTEM, Principal, Role
from bot.citypack import CityPack
from bot.clock import Clock, format_local, local, system_clock
from bot.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed, NotFound, TicketNotFound
from bot.nlu.address import normalize_address
from bot.nlu.patterns import format_ticket_number, normalize_phone, normalize_ticket_number
from bot.routing import deadline, route
from bot.taxonomy import APPEAL_TYPES, OTHER
from bot.ticketing.duplicates import similarity
from bot.ticketing.evidence import StoredFile
from bot.ticketing.lifecycle import OPEN, RUNNING, Action, after_rating, check
from bot.ticketing.models import RUNNING_SQL, Attachment, DailySequence, Department, Ticket, TicketEvent
from bot.ticketing.states import Status

log = logging.getLogger(__name__)
MAX_DESCRIPTION = 5000
EVIDENCE_WINDOW = timedelta(hours=24)  # a photo joins an open ticket touched this recently


@dataclass(frozen=True)
class NewTicket:
    sender_id: str
    description: str
    address: str
    category: str = OTHER
    category_confidence: float = 0.0
    appeal_type: str = "complaint"
    occurred_at: str | None = None
    contact_phone: str | None = None
    idempotency_key: str | None = None
    # For the staff only, on the timeline from the start: e.g. the knowledge-base answer the bot
    # already gave the resident, who still wanted the matter handled (咨询转工单).
    note: str | None = None

    @property
    def channel(self) -> str:
        """`tg:123` → `tg`; the channel the resident used, for pushing progress back."""
        return self.sender_id.split(":", 1)[0] if ":" in self.sender_id else "rest"

    def validate(self) -> NewTicket:
        if not self.sender_id or len(self.sender_id) > 128:
            raise InvalidInput("缺少来电人或会话标识")
        if not self.description.strip():
            raise InvalidInput("请填写诉求内容")
        if not self.address.strip():
            raise InvalidInput("请填写问题发生的地址")
        if self.appeal_type not in APPEAL_TYPES:
            raise InvalidInput(f"未知的诉求类型：{self.appeal_type}")
        if self.contact_phone and normalize_phone(self.contact_phone) is None:
            raise InvalidInput("联系电话格式不正确")
        if self.idempotency_key is not None and not 8 <= len(self.idempotency_key) <= 128:
            raise InvalidInput("幂等键长度应为 8–128 个字符")
        if self.note is not None and len(self.note) > MAX_NOTE:
            raise InvalidInput(f"内部说明不超过{MAX_NOTE}字")
        return self


@dataclass(frozen=True)
class TransitionRequest:
    """One step asked for through the API or the workbench (fields as in the API body)."""

    action: Action
    note: str = ""
    public: bool = False
    department: str | None = None  # dispatch
    reason: str = ""  # reject
    into: str | None = None  # merge
    rating: int | None = None  # rate
    sender_id: str | None = None  # cancel / rate by the resident through the service token


@dataclass(frozen=True)
class TicketFilter:
    statuses: Tuple[Status, ...] = ()
    department: str | None = None
    community: str | None = None
    category: str | None = None
    overdue: bool | None = None
    sender_id: str | None = None
    limit: int = 50
    offset: int = 0


MAX_NOTE = 2000


class TicketService:
    def __init__(self, engine: AsyncEngine, pack: CityPack, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.pack = pack
        self.clock = clock
        self.sessions = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    async def sync_departments(self) -> None:
        """Make the departments table match the city pack (the pack is the source of truth)."""
        async with self.sessions.begin() as session:
            for unit in self.pack.departments.values():
                await session.merge(Department(code=unit.code, name=unit.name, kind=unit.kind, phone=unit.phone))

    # -- the state machine's one writer -------------------------------------------------------

    def _record(
        self,
        session: AsyncSession,
        ticket: Ticket,
        actor: Principal,
        action: str,
        to_status: Status,
        note: str,
        public: bool,
        from_status: Status | None = None,
        department_code: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Append a timeline event (also the audit trail: who, when, what, from → to).
        Events of one operation pass its moment as `at`, so they read as one step on the timeline."""
        session.add(
            TicketEvent(
                ticket=ticket,  # not ticket_id: a new ticket has no id before the flush
                at=at or self.clock(),
                actor=actor.name,
                actor_role=actor.role.value,
                action=action,
                from_status=from_status.value if from_status else None,
                to_status=to_status.value,
                department_code=department_code or ticket.department_code,
                note=note,
                public=public,
            )
        )

    def _move(
        self,
        session: AsyncSession,
        ticket: Ticket,
        actor: Principal,
        action: str,
        to_status: Status,
        note: str,
        public: bool = True,
        department_code: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """The only place that sets `Ticket.status`; every change leaves an event behind."""
        current = Status(ticket.status) if ticket.status else None
        ticket.status = to_status.value
        ticket.updated_at = at or self.clock()
        self._record(session, ticket, actor, action, to_status, note, public, current, department_code, at)

    # -- opening tickets ----------------------------------------------------------------------

    def _sign_due(self, start: datetime, handling_due: datetime) -> datetime:
        """Sign-for limit in office hours, but never later than the handling deadline itself."""
        return min(self.pack.calendar.add_working_hours(local(start), self.pack.sign_within_hours), handling_due)

    def _warn_at(self, start: datetime, due: datetime) -> datetime:
        return start + (due - start) * self.pack.warn_ratio

    async def create(self, new: NewTicket) -> Tuple[Ticket, bool]:
        """Open a ticket, route and dispatch it. Returns (ticket, created); a repeated key → the first one."""
        new.validate()
        if new.idempotency_key:
            existing = await self._by_key(new.idempotency_key)
            if existing is not None:
                return existing, False
        now = self.clock()
        description = new.description.strip()[:MAX_DESCRIPTION]
        category = new.category if new.category in self.pack.taxonomy else OTHER
        place = normalize_address(new.address, self.pack)
        street = street_of(place.raw, self.pack, place.community_code)
        decision = route(
            self.pack, category, new.category_confidence, place.community_code, description, local(now), street
        )
        due = deadline(self.pack, category, description, local(now))
        unit = self.pack.department(decision.department)
        try:
            async with self.sessions.begin() as session:
                ticket = Ticket(
                    idempotency_key=new.idempotency_key,
                    channel=new.channel,
                    sender_id=new.sender_id,
                    appeal_type=new.appeal_type,
                    category=category,
                    category_confidence=float(new.category_confidence),
                    description=description,
                    address=place.raw[:256],
                    address_full=place.full[:300],
                    community=place.community_code,
                    street=street,
                    grid=grid_of(place.raw, self.pack, place.community_code),
                    occurred_at=(new.occurred_at or None) and new.occurred_at[:128],
                    contact_phone=normalize_phone(new.contact_phone) if new.contact_phone else None,
                    department_code=unit.code,
                    accepted_at=now,
                    sign_due_at=self._sign_due(now, due),
                    due_at=due,
                    warn_at=self._warn_at(now, due),
                    escalations=0,
                    updated_at=now,
                )
                original = await self._duplicate_of(session, ticket) if not decision.triage else None
                # The day's sequence row stays locked until commit, so the number is taken last.
                ticket.number = await self._next_number(session, local(now).date())
                # Acceptance and the first dispatch are one moment: the resident hears of both in the
                # conversation, and the progress push (bot/notify) tells only what happens after it.
                self._move(session, ticket, SYSTEM, "accept", Status.accepted, "您的诉求已受理", at=now)
                if new.note and new.note.strip():
                    self._record(session, ticket, SYSTEM, "note", Status.accepted, new.note.strip(), False, at=now)
                session.add(ticket)
                if original is not None:
                    self._link_duplicate(session, ticket, original, now)
                elif decision.triage:
                    self._record(session, ticket, SYSTEM, "triage", Status.accepted, decision.reason, False, at=now)
                else:
                    ticket.dispatched_at = now
                    note = f"已派至{unit.name}办理，办理时限至{format_local(due)}（{decision.reason}）"
                    self._move(session, ticket, SYSTEM, Action.dispatch.value, Status.dispatched, note, at=now)
                await self._attach_pending(session, ticket)
        except IntegrityError:
            # Two requests with one idempotency key raced; the other one won.
            if new.idempotency_key:
                existing = await self._by_key(new.idempotency_key)
                if existing is not None:
                    return existing, False
            raise
        return await self.get(ticket.number), True

    async def _attach_pending(self, session: AsyncSession, ticket: Ticket) -> None:
        """Photos the resident sent while filling in the complaint join the ticket, in the same transaction."""
        await session.flush()  # the new ticket gets its id
        pending = await session.execute(
            update(Attachment)
            .where(Attachment.sender_id == ticket.sender_id, Attachment.ticket_id.is_(None))
            .values(ticket_id=ticket.id)
        )
        if pending.rowcount:
            status = Status(ticket.status)
            note = f"居民随诉求提交了 {pending.rowcount} 张照片"
            self._record(session, ticket, SYSTEM, "evidence", status, note, False, status)

    async def add_evidence(self, sender_id: str, photo: StoredFile, complaint_in_progress: bool) -> Ticket | None:
        """补充材料: a recent open ticket of the sender gets the photo (and a public event);
        otherwise, or while a complaint is being filled in, it waits for their next ticket. Returns the ticket."""
        if not sender_id or len(sender_id) > 128:
            raise InvalidInput("缺少居民会话标识", error_en="'sender_id' is required")
        now = self.clock()
        async with self.sessions.begin() as session:
            ticket = None
            if not complaint_in_progress:
                query = (
                    select(Ticket)
                    .where(
                        Ticket.sender_id == sender_id,
                        Ticket.status.in_([s.value for s in OPEN]),
                        Ticket.updated_at >= now - EVIDENCE_WINDOW,
                    )
                    .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
                    .limit(1)
                )
                ticket = (await session.execute(query)).unique().scalar_one_or_none()
            session.add(
                Attachment(
                    ticket_id=ticket.id if ticket is not None else None,
                    sender_id=sender_id,
                    media_type=photo.media_type,
                    size=photo.size,
                    sha256=photo.sha256,
                    stored_path=photo.stored_path,
                    created_at=now,
                )
            )
            if ticket is not None:
                ticket.updated_at = now  # bumps the version: the department's next step sees it
                status = Status(ticket.status)
                resident = Principal("居民", Role.service)  # the sender id is not shown to staff
                self._record(session, ticket, resident, "evidence", status, "居民补充了照片", True, status)
        return ticket

    async def attachment(self, number: str, attachment_id: int, viewer: Principal) -> Attachment:
        """One attachment of a ticket the viewer may see; anything else is not found."""
        ticket = await self.get(number, viewer=viewer)
        found = next((a for a in ticket.attachments if a.id == attachment_id), None)
        if found is None:
            raise NotFound("未找到该附件", error_en="attachment not found")
        return found

    async def _duplicate_of(self, session: AsyncSession, ticket: Ticket) -> Ticket | None:
        """An open ticket of the same category at the same place, recent and alike in wording."""
        if ticket.community is None:
            return None
        since = ticket.accepted_at - timedelta(hours=self.pack.duplicate_window_hours)
        # Only the columns the comparison needs: the full rows (with timelines) are not loaded.
        query = (
            select(Ticket.id, Ticket.description)
            .where(
                Ticket.category == ticket.category,
                Ticket.community == ticket.community,
                Ticket.street.is_(None) if ticket.street is None else Ticket.street == ticket.street,
                Ticket.status.in_([s.value for s in OPEN]),
                Ticket.accepted_at >= since,
            )
            .order_by(Ticket.id.desc())
            .limit(20)
        )
        candidates = (await session.execute(query)).all()
        scored = [(similarity(ticket.description, description), ticket_id) for ticket_id, description in candidates]
        best = max(scored, default=None)
        if best is None or best[0] < self.pack.duplicate_similarity:
            return None
        return (await session.execute(select(Ticket).where(Ticket.id == best[1]))).unique().scalar_one()

    def _link_duplicate(self, session: AsyncSession, ticket: Ticket, original: Ticket, at: datetime) -> None:
        """重复件: the new ticket joins the open one; the resident follows the existing case."""
        ticket.merged_into = original.number
        ticket.department_code = original.department_code
        ticket.due_at, ticket.sign_due_at, ticket.warn_at = original.due_at, original.sign_due_at, original.warn_at
        note = (
            f"您反映的问题已有市民反映，正在办理中（工单 {original.number}），"
            f"已并入该工单一并办理，可凭编号 {original.number} 查询进展"
        )
        self._move(session, ticket, SYSTEM, Action.merge.value, Status.merged, note, at=at)
        self._record(
            session,
            original,
            SYSTEM,
            "duplicate",
            Status(original.status),
            f"又有市民反映同一问题（重复件 {ticket.number}），已并入本工单",
            public=False,
            at=at,
        )

    async def _next_number(self, session: AsyncSession, day: date) -> str:
        """The day's next sequence number, in the caller's transaction (no gaps on rollback)."""
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        await session.execute(insert(DailySequence).values(day=day, last=0).on_conflict_do_nothing())
        # The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) until commit,
        # so the SELECT after it reads our own increment. SQLAlchemy 1.4 has no RETURNING on SQLite.
        await session.execute(update(DailySequence).where(DailySequence.day == day).values(last=DailySequence.last + 1))
        last = (await session.execute(select(DailySequence.last).where(DailySequence.day == day))).scalar_one()
        return format_ticket_number(day.strftime("%Y%m%d"), int(last))

    async def _by_key(self, key: str) -> Ticket | None:
        async with self.sessions() as session:
            result = await session.execute(select(Ticket).where(Ticket.idempotency_key == key))
            return result.unique().scalar_one_or_none()

    # -- reading ------------------------------------------------------------------------------

    async def get(self, number: str, sender_id: str | None = None, viewer: Principal | None = None) -> Ticket:
        """A ticket by number; with `sender_id`, only the resident's own (or the case theirs was merged into)."""
        canonical = normalize_ticket_number(number)
        if canonical is None:
            raise TicketNotFound(
                "工单编号格式不对，应为 8 位日期加 6 位序号，例如 20261122-000123",
                error_en="a ticket number looks like 20261122-000123",
            )
        async with self.sessions() as session:
            result = await session.execute(select(Ticket).where(Ticket.number == canonical))
            ticket = result.unique().scalar_one_or_none()
            if ticket is not None and sender_id is not None and ticket.sender_id != sender_id:
                followed = await session.execute(
                    select(Ticket.id).where(Ticket.merged_into == canonical, Ticket.sender_id == sender_id).limit(1)
                )
                if followed.first() is None:
                    ticket = None
        if ticket is None or (viewer is not None and not viewer.may_see(ticket.department_code)):
            raise TicketNotFound()
        return ticket

    async def list_for_sender(self, sender_id: str, limit: int = 10) -> List[Ticket]:
        tickets, _ = await self.search(TicketFilter(sender_id=sender_id, limit=limit))
        return tickets

    def _overdue(self) -> Any:
        # The states as literal SQL, not bound parameters, so PostgreSQL can match the partial
        # index ix_tickets_running_due_at even with a generic (prepared) plan.
        return and_(text(RUNNING_SQL), Ticket.due_at < self.clock())

    async def search(self, filters: TicketFilter, viewer: Principal | None = None) -> Tuple[List[Ticket], int]:
        """Tickets matching the filters, soonest deadline first (newest first for one resident); and the total."""
        conditions: List[Any] = []
        department = filters.department
        if viewer is not None and not viewer.sees_all_departments:
            if department and department != viewer.department:
                return [], 0
            department = viewer.department
        if filters.statuses:
            conditions.append(Ticket.status.in_([s.value for s in filters.statuses]))
        if department:
            conditions.append(Ticket.department_code == department)
        if filters.community:
            conditions.append(Ticket.community == filters.community)
        if filters.category:
            conditions.append(Ticket.category == filters.category)
        if filters.sender_id:
            conditions.append(Ticket.sender_id == filters.sender_id)
        if filters.overdue is True:
            conditions.append(self._overdue())
        elif filters.overdue is False:
            conditions.append(not_(self._overdue()))
        order = [Ticket.id.desc()] if filters.sender_id else [Ticket.due_at, Ticket.id]
        async with self.sessions() as session:
            total = (await session.execute(select(func.count()).select_from(Ticket).where(*conditions))).scalar_one()
            rows = await session.execute(
                select(Ticket).where(*conditions).order_by(*order).limit(filters.limit).offset(filters.offset)
            )
            return list(rows.unique().scalars()), int(total)

    async def between(
        self, start: datetime, end: datetime, category: str | None, statuses: List[Status] | None, limit: int
    ) -> List[Ticket]:
        """Tickets accepted in [start, end], newest first (Open311 `requests.json`)."""
        conditions: List[Any] = [Ticket.accepted_at >= start, Ticket.accepted_at <= end]
        if category:
            conditions.append(Ticket.category == category)
        if statuses is not None:
            conditions.append(Ticket.status.in_([s.value for s in statuses]))
        async with self.sessions() as session:
            rows = await session.execute(select(Ticket).where(*conditions).order_by(Ticket.id.desc()).limit(limit))
            return list(rows.unique().scalars())

    # -- changing state -----------------------------------------------------------------------

    async def transition(self, number: str, actor: Principal, request: TransitionRequest) -> Ticket:
        """Apply one step of the lifecycle, all or nothing. Two staff at once: the second gets 409."""
        if not actor.may(request.action):
            raise NotAllowed(
                f"您的账号（{actor.role.label}）不能执行“{request.action.label}”",
                error_en=f"role '{actor.role.value}' may not {request.action.value}",
            )
        ticket = await self.get(number, viewer=actor)
        # The action server acts for one resident only: the ticket must be theirs.
        if actor.role is Role.service and (not request.sender_id or request.sender_id != ticket.sender_id):
            raise TicketNotFound()
        try:
            async with self.sessions.begin() as session:
                ticket = (await session.execute(select(Ticket).where(Ticket.id == ticket.id))).unique().scalar_one()
                await self._apply(session, ticket, actor, request)
        except StaleDataError as exc:
            raise Conflict() from exc
        except OperationalError as exc:  # SQLite: the other writer still holds the lock after 30 s
            raise Conflict() from exc
        return await self.get(ticket.number)

    async def _apply(self, session: AsyncSession, ticket: Ticket, actor: Principal, request: TransitionRequest) -> None:
        action = request.action
        current = Status(ticket.status)
        target = check(action, current)
        now = self.clock()
        unit = self.pack.department(ticket.department_code)
        note = _clean(request.note, "note")
        if action is Action.dispatch:
            code = request.department or ""
            if code not in self.pack.departments:
                raise InvalidInput(f"未知的承办单位：{code}", error_en=f"unknown department '{code}'")
            if code == self.pack.triage_department:
                raise InvalidInput("请派给具体的承办单位", error_en="dispatch to a handling unit, not the centre")
            if ticket.paused_at is not None:  # the clock stood still while the ticket waited for 改派
                pause = now - ticket.paused_at
                ticket.due_at, ticket.warn_at = ticket.due_at + pause, (ticket.warn_at or ticket.due_at) + pause
                ticket.paused_at = None
            ticket.department_code = code
            ticket.dispatched_at = now
            ticket.sign_due_at = self._sign_due(now, ticket.due_at)
            ticket.sign_escalated_at = None
            unit = self.pack.department(code)
            verb = "改派" if current is not Status.accepted else "派"
            text = f"已{verb}至{unit.name}办理，办理时限至{format_local(ticket.due_at)}"
            self._move(session, ticket, actor, action.value, target, _join(text, note), True, code)
        elif action is Action.sign:
            self._move(session, ticket, actor, action.value, target, _join(f"{unit.name}已签收，将尽快办理", note))
        elif action is Action.start:
            self._move(session, ticket, actor, action.value, target, _join(f"{unit.name}正在办理", note))
        elif action is Action.note:
            if not note:
                raise InvalidInput("请填写进展说明", error_en="a note is required")
            ticket.updated_at = now  # bumps the version: a note races like any other change
            self._record(session, ticket, actor, action.value, current, note, request.public, current)
        elif action is Action.resolve:
            if not note:
                raise InvalidInput("请填写办理结果", error_en="a result is required to resolve")
            ticket.result = note
            self._move(session, ticket, actor, action.value, target, f"{unit.name}已办结：{note}")
        elif action is Action.reject:
            reason = _clean(request.reason, "reason") or note
            if not reason:
                raise InvalidInput(
                    "退单须写明理由（如：不属于本单位职责、地址不在辖区）", error_en="a reason is required to reject"
                )
            ticket.paused_at = now
            ticket.department_code = self.pack.triage_department
            text = f"{unit.name}退回：{reason}。热线中心将尽快为您改派"
            self._move(session, ticket, actor, action.value, target, text, True, unit.code)
        elif action is Action.escalate:
            text = note or "已督办，请承办单位加快办理"
            self._escalate(session, ticket, actor, text, "manual", request.public)
        elif action is Action.merge:
            await self._merge(session, ticket, actor, request.into, note)
        elif action is Action.cancel:
            self._move(session, ticket, actor, action.value, target, _join("诉求已撤回，工单已撤销", note))
        elif action is Action.reopen:
            self._reopen(session, ticket, actor, _join("工单已重办，将重新办理", note))
        elif action is Action.rate:
            self._rate(session, ticket, actor, request.rating, note)

    def _escalate(
        self, session: AsyncSession, ticket: Ticket, actor: Principal, note: str, kind: str, public: bool = False
    ) -> None:
        """督办: the ticket keeps its state; supervision is internal unless the supervisor makes it public."""
        now = self.clock()
        ticket.escalations = (ticket.escalations or 0) + 1
        if kind == "sign":
            ticket.sign_escalated_at = now
        else:
            ticket.escalated_at = now
        ticket.updated_at = now
        status = Status(ticket.status)
        self._record(session, ticket, actor, Action.escalate.value, status, note, public, status)

    async def _merge(
        self, session: AsyncSession, ticket: Ticket, actor: Principal, into: str | None, note: str
    ) -> None:
        target_number = normalize_ticket_number(into or "")
        if target_number is None or target_number == ticket.number:
            raise InvalidInput("请填写要并入的另一张工单编号", error_en="'into' must be another ticket number")
        original = (
            (await session.execute(select(Ticket).where(Ticket.number == target_number))).unique().scalar_one_or_none()
        )
        if original is None:
            raise TicketNotFound(f"未找到要并入的工单 {target_number}", error_en="target ticket not found")
        if Status(original.status) not in OPEN:
            raise InvalidTransition("只能并入仍在办理中的工单", error_en="the target ticket is not open")
        ticket.merged_into = original.number
        text = f"与工单 {original.number} 为同一问题，已并案办理，请关注该工单的进展"
        self._move(session, ticket, actor, Action.merge.value, Status.merged, _join(text, note))
        status = Status(original.status)
        self._record(session, original, actor, "duplicate", status, f"并入重复件 {ticket.number}", False, status)

    def _reopen(self, session: AsyncSession, ticket: Ticket, actor: Principal, note: str) -> None:
        """重办: a new handling period for the same department, with fresh deadlines."""
        now = self.clock()
        due = deadline(self.pack, ticket.category, ticket.description, local(now))
        ticket.due_at, ticket.warn_at = due, self._warn_at(now, due)
        ticket.dispatched_at, ticket.sign_due_at = now, self._sign_due(now, due)
        ticket.warned_at = ticket.escalated_at = ticket.sign_escalated_at = None
        self._move(session, ticket, actor, Action.reopen.value, Status.reopened, note)

    def _rate(self, session: AsyncSession, ticket: Ticket, actor: Principal, rating: int | None, note: str) -> None:
        if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
            raise InvalidInput("评价应为 1–5 分", error_en="rating must be an integer 1-5")
        ticket.rating = rating
        if Status(ticket.status) is not Status.return_visit:
            text = _join(f"回访评价：{rating} 分", note)
            self._move(session, ticket, actor, Action.rate.value, Status.return_visit, text)
        _, target = after_rating(rating)
        if target is Status.closed:
            self._move(session, ticket, actor, "close", Status.closed, "感谢您的评价，工单已归档")
        else:
            self._reopen(session, ticket, actor, "您对办理结果不满意，已为您重办，承办单位将重新办理")

    # -- deadlines (the scheduler calls this) -------------------------------------------------

    async def check_deadlines(self) -> Dict[str, int]:
        """Warn at the warning share of the handling time; escalate (督办) at 100 % of either limit."""
        now = self.clock()
        running = [s.value for s in RUNNING]
        waiting = [Status.dispatched.value, Status.reopened.value]
        queries = {
            "sign_escalated": and_(
                Ticket.status.in_(waiting), Ticket.sign_due_at <= now, Ticket.sign_escalated_at.is_(None)
            ),
            "escalated": and_(Ticket.status.in_(running), Ticket.due_at <= now, Ticket.escalated_at.is_(None)),
            "warned": and_(
                Ticket.status.in_(running), Ticket.warn_at <= now, Ticket.due_at > now, Ticket.warned_at.is_(None)
            ),
        }
        counts: Dict[str, int] = {}
        for kind, condition in queries.items():
            async with self.sessions() as session:
                ids = (await session.execute(select(Ticket.id).where(condition).limit(1000))).scalars().all()
            counts[kind] = 0
            for ticket_id in ids:
                try:
                    async with self.sessions.begin() as session:
                        ticket = (
                            (await session.execute(select(Ticket).where(Ticket.id == ticket_id, condition)))
                            .unique()
                            .scalar_one_or_none()
                        )
                        if ticket is None:  # changed since we looked
                            continue
                        self._deadline_step(session, ticket, kind)
                    counts[kind] += 1
                except (StaleDataError, OperationalError):
                    log.info("ticket %s changed while checking deadlines; next round", ticket_id)
        return counts

    def _deadline_step(self, session: AsyncSession, ticket: Ticket, kind: str) -> None:
        unit = self.pack.department(ticket.department_code)
        if kind == "sign_escalated":
            note = f"{unit.name}超过签收时限仍未签收，系统已自动督办"
            self._escalate(session, ticket, SYSTEM, note, "sign")
        elif kind == "escalated":
            note = f"已超过办理时限（{format_local(ticket.due_at)}），系统已自动督办，请{unit.name}尽快办结"
            self._escalate(session, ticket, SYSTEM, note, "due")
        else:
            ticket.warned_at = ticket.updated_at = self.clock()
            status = Status(ticket.status)
            note = f"预警：办理时限将至（{format_local(ticket.due_at)}），请{unit.name}抓紧办理"
            self._record(session, ticket, SYSTEM, "warn", status, note, False, status)


def _clean(value: object, field_name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"字段 {field_name} 应为文本", error_en=f"'{field_name}' must be text")
    text = value.strip()
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"说明不能超过 {MAX_NOTE} 字", error_en=f"'{field_name}' is longer than {MAX_NOTE}")
    return text


def _join(text: str, note: str) -> str:
    return f"{text}。{note}" if note else text


def street_of(address: str, pack: CityPack, community: str | None) -> str | None:
    """The street or estate of the community named in the address (longest match), for duplicates."""
    if community is None or community not in pack.communities:
        return None
    names = [p for p in pack.communities[community].places if p in address]
    return max(names, key=len)[:64] if names else None


def grid_of(address: str, pack: CityPack, community: str | None) -> str | None:
    """The grid (网格) whose streets the address names, when the city pack divides the community."""
    if community is None or community not in pack.communities:
        return None
    for grid in pack.communities[community].grids:
        if any(place in address for place in grid.places):
            return grid.code
    return None
