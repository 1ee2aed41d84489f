"""Tables of staff accounts, API tokens, page sessions and failed logins. Secrets are stored only as hashes."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String

from bot.ticketing.models import Base, UTCDateTime


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    role = Column(String(16), nullable=False)
    department_code = Column(String(64), ForeignKey("departments.code"))
    password_hash = Column(String(256), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime, nullable=False)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    name = Column(String(64), nullable=False)
    role = Column(String(16), nullable=False)
    department_code = Column(String(64), ForeignKey("departments.code"))
    created_at = Column(UTCDateTime, nullable=False)
    revoked_at = Column(UTCDateTime)


class WebSession(Base):
    """A logged-in browser: the cookie holds the secret, the table its digest and the CSRF token."""

    __tablename__ = "web_sessions"
    id = Column(Integer, primary_key=True)
    session_hash = Column(String(64), nullable=False, unique=True)
    user_id = Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)


class LoginFailure(Base):
    """One failed (or still being checked) login, kept in the database so the limit holds across
    restarts and server instances. Keyed by the name typed, not a user id: unknown names count too."""

    __tablename__ = "login_failures"
    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False)
    failed_at = Column(UTCDateTime, nullable=False)

    __table_args__ = (
        Index("ix_login_failures_username_failed_at", "username", "failed_at"),
        Index("ix_login_failures_failed_at", "failed_at"),  # pruning old rows
    )
