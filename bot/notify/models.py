"""The push outbox: one row per public ticket event to tell a resident, unique by event."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Text

from bot.ticketing.models import Base, UTCDateTime


class Notification(Base):
    __tablename__ = "notifications"
    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, ForeignKey("ticket_events.id", ondelete="CASCADE"), nullable=False, unique=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    ticket_number = Column(String(15), nullable=False)
    sender_id = Column(String(128), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False, index=True)
    claimed_until = Column(UTCDateTime)  # an instance is delivering it; others leave it alone
    sent_at = Column(UTCDateTime, index=True)
    given_up_at = Column(UTCDateTime)
    last_error = Column(String(500))


class WebChatMessage(Base):
    """A pushed bot message for a web-chat resident; the /chat page fetches it on its next poll."""

    __tablename__ = "web_chat_messages"
    id = Column(Integer, primary_key=True)
    sender_id = Column(String(128), nullable=False, index=True)
    payload = Column(Text, nullable=False)  # one Rasa bot message as JSON (text, buttons)
    created_at = Column(UTCDateTime, nullable=False)
    fetched_at = Column(UTCDateTime)
