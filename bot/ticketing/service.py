"""Opening and reading tickets. Creation is idempotent and numbers are unique under load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, List, Optional, Tuple

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import sessionmaker

from bot.citypack import CityPack
from bot.clock import Clock, format_local, local, system_clock
from bot.errors import InvalidInput, TicketNotFound
from bot.nlu.address import normalize_address
from bot.nlu.patterns import format_ticket_number, normalize_phone, normalize_ticket_number
from bot.routing import deadline, route
from bot.taxonomy import APPEAL_TYPES, OTHER
from bot.ticketing.models import DailySequence, Department, Ticket, TicketEvent
from bot.ticketing.states import Status

MAX_DESCRIPTION = 5000
SYSTEM = "system"


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
        return self


def _recorder(session: AsyncSession, ticket: Ticket, at: datetime) -> Callable[..., None]:
    """Adds timeline events of one ticket, all at one moment, by the system."""

    def record(
        action: str,
        from_status: Optional[Status],
        to_status: Status,
        note: str,
        department_code: Optional[str] = None,
        public: bool = True,
    ) -> None:
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                at=at,
                actor=SYSTEM,
                action=action,
                from_status=from_status.value if from_status else None,
                to_status=to_status.value,
                department_code=department_code,
                note=note,
                public=public,
            )
        )

    return record


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
        decision = route(self.pack, category, new.category_confidence, place.community_code, description, local(now))
        due = deadline(self.pack, category, description, local(now))
        unit = self.pack.department(decision.department)
        try:
            async with self.sessions.begin() as session:
                number = await self._next_number(session, local(now).date())
                ticket = Ticket(
                    number=number,
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
                    occurred_at=(new.occurred_at or None) and new.occurred_at[:128],
                    contact_phone=normalize_phone(new.contact_phone) if new.contact_phone else None,
                    status=Status.accepted.value,
                    department_code=unit.code,
                    accepted_at=now,
                    sign_due_at=now + timedelta(hours=self.pack.sign_within_hours),
                    due_at=due,
                    updated_at=now,
                )
                session.add(ticket)
                await session.flush()
                record = _recorder(session, ticket, now)
                record("accept", None, Status.accepted, "您的诉求已受理")
                if decision.triage:
                    record("triage", Status.accepted, Status.accepted, decision.reason, unit.code, public=False)
                else:
                    ticket.status = Status.dispatched.value
                    note = f"已派至{unit.name}办理，办理时限至{format_local(due)}（{decision.reason}）"
                    record("dispatch", Status.accepted, Status.dispatched, note, unit.code)
        except IntegrityError:
            # Two requests with one idempotency key raced; the other one won.
            if new.idempotency_key:
                existing = await self._by_key(new.idempotency_key)
                if existing is not None:
                    return existing, False
            raise
        return await self.get(ticket.number), True

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

    async def get(self, number: str, sender_id: str | None = None) -> Ticket:
        """A ticket by number; with `sender_id`, only if it is that resident's own."""
        canonical = normalize_ticket_number(number)
        if canonical is None:
            raise TicketNotFound("工单编号格式不对，应为 8 位日期加 6 位序号，例如 20261122-000123")
        async with self.sessions() as session:
            result = await session.execute(select(Ticket).where(Ticket.number == canonical))
            ticket = result.unique().scalar_one_or_none()
        if ticket is None or (sender_id is not None and ticket.sender_id != sender_id):
            raise TicketNotFound()
        return ticket

    async def list_for_sender(self, sender_id: str, limit: int = 10) -> List[Ticket]:
        async with self.sessions() as session:
            result = await session.execute(
                select(Ticket).where(Ticket.sender_id == sender_id).order_by(Ticket.id.desc()).limit(limit)
            )
            return list(result.unique().scalars())
