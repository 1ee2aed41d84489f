"""Tables of staff accounts, API tokens and page sessions. Secrets are stored only as hashes."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String

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
