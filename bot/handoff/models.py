"""Handoffs (人工转接) and their transcript. A clerk's message is also its own delivery outbox row:
it is pushed to the resident through Rasa, retried in order, and a failure stays visible."""

from __future__ import annotations

from typing import List

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
from sqlalchemy import text as sql
from sqlalchemy.orm import relationship

from bot.ticketing.models import Base, UTCDateTime

OPEN_SQL = "state <> 'closed'"
PENDING_SQL = "intent IS NOT NULL AND sent_at IS NULL AND given_up_at IS NULL"


class Handoff(Base):
    """One resident's conversation while a clerk has it: waiting → active (taken) → closed (handed back)."""

    __tablename__ = "handoffs"
    id = Column(Integer, primary_key=True)
    sender_id = Column(String(128), nullable=False)
    channel = Column(String(8), nullable=False)  # tg | wx | web | …, the prefix of sender_id
    reason = Column(String(16), nullable=False)  # asked | bot_failed
    state = Column(String(16), nullable=False)  # waiting | active | closed
    operator = Column(String(64))  # who took it
    created_at = Column(UTCDateTime, nullable=False)
    taken_at = Column(UTCDateTime)
    closed_at = Column(UTCDateTime)
    closed_by = Column(String(64))
    last_resident_at = Column(UTCDateTime, nullable=False)
    ticket_number = Column(String(15))  # a ticket the clerk opened from the conversation
    messages: List[HandoffMessage] = relationship(
        "HandoffMessage", order_by="HandoffMessage.id", lazy="raise", cascade="all, delete-orphan"
    )

    __table_args__ = (
        # At most one open handoff per resident: a retried request finds the open one.
        Index(
            "uq_handoffs_open_sender",
            "sender_id",
            unique=True,
            postgresql_where=sql(OPEN_SQL),
            sqlite_where=sql(OPEN_SQL),
        ),
        Index("ix_handoffs_state_created_at", "state", "created_at"),
    )


class HandoffMessage(Base):
    """One line of the conversation. Rows with an `intent` are pushed to the resident (clerk's words, hand-back)."""

    __tablename__ = "handoff_messages"
    id = Column(Integer, primary_key=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False)
    author = Column(String(16), nullable=False)  # resident | bot | operator | system
    operator = Column(String(64))
    text = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    intent = Column(String(48))  # EXTERNAL_operator_reply | EXTERNAL_handback; None: nothing to deliver
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime)
    claimed_until = Column(UTCDateTime)  # an instance is delivering it; others leave it alone
    sent_at = Column(UTCDateTime)
    given_up_at = Column(UTCDateTime)
    last_error = Column(String(500))

    __table_args__ = (
        Index("ix_handoff_messages_handoff_id_id", "handoff_id", "id"),
        Index(
            "ix_handoff_messages_pending",
            "id",
            postgresql_where=sql(PENDING_SQL),
            sqlite_where=sql(PENDING_SQL),
        ),
    )
