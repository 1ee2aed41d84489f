"""Tables of the linkage service. Timestamps are stored in UTC."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar, Dict, List

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import declarative_base, relationship

Base: Any = declarative_base()
# The running states of lifecycle.RUNNING, as SQL for the partial index (a test keeps them equal).
RUNNING_STATES = ("accepted", "dispatched", "signed", "in_progress", "reopened")
RUNNING_SQL = "status IN ({})".format(", ".join(f"'{state}'" for state in RUNNING_STATES))


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware one")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=timezone.utc) if value is not None else None


class Department(Base):
    """A handling unit (承办单位): bureau, police station, utility, community, hotline centre."""

    __tablename__ = "departments"
    code = Column(String(64), primary_key=True)
    name = Column(String(128), nullable=False)
    kind = Column(String(32), nullable=False)
    phone = Column(String(32), nullable=False, default="")


class DailySequence(Base):
    """The last ticket number handed out on a day; incremented in one atomic UPDATE."""

    __tablename__ = "daily_sequences"
    day = Column(Date, primary_key=True)
    last = Column(Integer, nullable=False, default=0)


class Ticket(Base):
    """One resident's case. `status` is set only by `TicketService._move` (the state machine)."""

    __tablename__ = "tickets"
    id = Column(Integer, primary_key=True)
    number = Column(String(15), nullable=False, unique=True)
    idempotency_key = Column(String(128), unique=True)
    channel = Column(String(16), nullable=False)
    sender_id = Column(String(128), nullable=False, index=True)
    appeal_type = Column(String(16), nullable=False)
    category = Column(String(32), nullable=False, index=True)
    category_confidence = Column(Float, nullable=False)
    description = Column(Text, nullable=False)
    address = Column(String(256), nullable=False)
    address_full = Column(String(300), nullable=False)
    community = Column(String(64), index=True)
    street = Column(String(64))
    grid = Column(String(64))
    occurred_at = Column(String(128))
    contact_phone = Column(String(32))
    status = Column(String(16), nullable=False)
    department_code = Column(String(64), ForeignKey("departments.code"), nullable=False, index=True)
    accepted_at = Column(UTCDateTime, nullable=False)
    dispatched_at = Column(UTCDateTime)
    sign_due_at = Column(UTCDateTime, nullable=False)
    due_at = Column(UTCDateTime, nullable=False)
    warn_at = Column(UTCDateTime)  # 75 % of the handling time: the scheduler warns the department
    warned_at = Column(UTCDateTime)
    sign_escalated_at = Column(UTCDateTime)
    escalated_at = Column(UTCDateTime)
    escalations = Column(Integer, nullable=False, default=0)
    paused_at = Column(UTCDateTime)  # set while a rejected ticket waits for 改派: the clock stops
    merged_into = Column(String(15))
    result = Column(Text)
    rating = Column(Integer)
    updated_at = Column(UTCDateTime, nullable=False)
    version = Column(Integer, nullable=False, default=1)

    department = relationship(Department, lazy="joined")
    events: List[TicketEvent] = relationship(
        "TicketEvent", order_by="TicketEvent.id", back_populates="ticket", lazy="selectin"
    )
    attachments: List[Attachment] = relationship("Attachment", order_by="Attachment.id", lazy="selectin")

    # Optimistic concurrency: every UPDATE says `WHERE version = <read>`, so of two staff acting
    # at once, the second gets StaleDataError and a 409 instead of silently overwriting.
    __mapper_args__: ClassVar[Dict[str, Any]] = {"version_id_col": version}
    __table_args__ = (
        # Queues and the overdue report filter by state and sort by deadline.
        Index("ix_tickets_status_due_at", "status", "due_at"),
        # `overdue=true` at scale: only running cases, already in deadline order (a partial index).
        Index(
            "ix_tickets_running_due_at",
            "due_at",
            "id",
            postgresql_where=text(RUNNING_SQL),
            sqlite_where=text(RUNNING_SQL),
        ),
        Index("ix_tickets_department_status_due_at", "department_code", "status", "due_at"),
        Index("ix_tickets_accepted_at", "accepted_at"),
    )


class TicketEvent(Base):
    """One step of a ticket's timeline: who, when, from → to, note, public or internal."""

    __tablename__ = "ticket_events"
    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(UTCDateTime, nullable=False)
    actor = Column(String(128), nullable=False)
    actor_role = Column(String(16), nullable=False, default="system")
    action = Column(String(32), nullable=False)
    from_status = Column(String(16))
    to_status = Column(String(16), nullable=False)
    department_code = Column(String(64), ForeignKey("departments.code"))
    note = Column(Text, nullable=False, default="")
    public = Column(Boolean, nullable=False, default=True)

    ticket = relationship(Ticket, back_populates="events")


class Attachment(Base):
    """Evidence a resident sent (a photo). The file lives on disk under the attachments folder;
    `ticket_id` is empty while it waits for the resident's next ticket (`sender_id` says whose)."""

    __tablename__ = "attachments"
    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    sender_id = Column(String(128), nullable=False)
    media_type = Column(String(32), nullable=False)
    size = Column(Integer, nullable=False)
    sha256 = Column(String(64), nullable=False)
    stored_path = Column(String(256), nullable=False)  # relative to the attachments folder
    caption = Column(String(1024))
    created_at = Column(UTCDateTime, nullable=False)

    # Pending evidence is looked up by sender when their next ticket opens.
    __table_args__ = (Index("ix_attachments_sender_id_ticket_id", "sender_id", "ticket_id"),)
