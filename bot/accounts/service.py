"""Accounts: add staff, log them in (with a limit on failures), issue and revoke API tokens, and turn
a secret back into a principal."""

from __future__ import annotations

import asyncio
import logging
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import sessionmaker

from bot.accounts.lockout import KEEP, MAX_FAILURES, WINDOW, retry_after
from bot.accounts.models import ApiToken, LoginFailure, User, WebSession
from bot.accounts.passwords import MIN_PASSWORD, digest, hash_password, new_secret, verify_password
from bot.accounts.roles import Principal, Role, parse_role
from bot.citypack import CityPack
from bot.clock import Clock, system_clock
from bot.errors import InvalidInput, NotFound, TooManyAttempts, Unauthorized
from bot.privacy import mask_text

log = logging.getLogger(__name__)
SESSION_HOURS = 12  # one working shift; staff log in again the next day
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")
# Verifying against a real hash when the user does not exist keeps the timing of a wrong
# username and a wrong password alike.
_DUMMY_HASH = hash_password("not-a-real-password")


def _failure_key(username: str) -> str:
    """The name failed logins are counted under: the longest username there can be; longer names match no one."""
    return username[:64]


@dataclass(frozen=True)
class Login:
    principal: Principal
    session_secret: str  # goes into the cookie; only its digest is stored
    csrf_token: str


@dataclass(frozen=True)
class TokenSummary:
    """What `hotline token list` shows of a token: never the secret nor its digest."""

    id: int
    name: str
    role: str
    department: str | None
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenSummary:
        return cls(token.id, token.name, token.role, token.department_code, token.created_at, token.revoked_at)


class AccountService:
    def __init__(self, engine: AsyncEngine, pack: CityPack, clock: Clock = system_clock) -> None:
        self.pack = pack
        self.clock = clock
        self.sessions = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    def _scope(self, role: Role, department: str | None) -> str | None:
        """Department staff need a known department; other roles must not name one."""
        if role is Role.department:
            if not department:
                raise InvalidInput("承办单位人员须指定 --department", error_en="department staff need --department")
            if department not in self.pack.departments:
                raise InvalidInput(f"未知的单位代码：{department}", error_en=f"unknown department '{department}'")
            return department
        if department:
            raise InvalidInput("只有承办单位人员属于某个单位", error_en="only department staff belong to a department")
        return None

    def _principal(self, name: str, role: str, department: str | None) -> Principal:
        return Principal(name, Role(role), department, self.pack.triage_department)

    async def add_user(self, username: str, role: str, password: str, department: str | None = None) -> User:
        parsed = parse_role(role)
        if parsed is Role.service:
            raise InvalidInput("系统服务用令牌访问，不设登录账号", error_en="service accounts use tokens, not logins")
        if not _USERNAME.match(username):
            raise InvalidInput("用户名应为 3–64 位字母、数字或 _.-", error_en="invalid username")
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(f"密码至少 {MIN_PASSWORD} 位", error_en=f"password needs {MIN_PASSWORD}+ characters")
        user = User(
            username=username,
            role=parsed.value,
            department_code=self._scope(parsed, department),
            password_hash=await asyncio.to_thread(hash_password, password),
            active=True,
            created_at=self.clock(),
        )
        try:
            async with self.sessions.begin() as session:
                session.add(user)
        except IntegrityError as exc:
            raise InvalidInput(f"用户名 {username} 已存在", error_en="username taken") from exc
        return user

    async def create_token(self, role: str, department: str | None = None, name: str = "") -> str:
        """A new bearer token; the caller shows it once, we keep only its digest."""
        parsed = parse_role(role)
        secret = new_secret("hl_")
        async with self.sessions.begin() as session:
            session.add(
                ApiToken(
                    token_hash=digest(secret),
                    name=(name or f"{parsed.value}-token")[:64],
                    role=parsed.value,
                    department_code=self._scope(parsed, department),
                    created_at=self.clock(),
                )
            )
        return secret

    async def list_tokens(self) -> List[TokenSummary]:
        async with self.sessions() as session:
            tokens = (await session.execute(select(ApiToken).order_by(ApiToken.id))).scalars().all()
        return [TokenSummary.of(token) for token in tokens]

    async def revoke_token(self, token_id: int) -> TokenSummary:
        """Stops a token from working; revoking it again keeps the first revocation time."""
        async with self.sessions.begin() as session:
            token = await session.get(ApiToken, token_id)
            if token is None:
                raise NotFound(f"没有编号为 {token_id} 的令牌", error_en=f"no token with id {token_id}")
            if token.revoked_at is None:
                token.revoked_at = self.clock()
        return TokenSummary.of(token)

    async def unlock(self, username: str) -> int:
        """Forgets a username's failed logins (解除锁定), so a colleague locked out by someone
        else's guesses can log in at once; returns how many failures were forgotten."""
        async with self.sessions.begin() as session:
            result = await session.execute(delete(LoginFailure).where(LoginFailure.username == _failure_key(username)))
        return int(result.rowcount or 0)

    async def principal_for_token(self, secret: str) -> Principal | None:
        async with self.sessions() as session:
            token = (
                await session.execute(
                    select(ApiToken).where(ApiToken.token_hash == digest(secret), ApiToken.revoked_at.is_(None))
                )
            ).scalar_one_or_none()
        return self._principal(token.name, token.role, token.department_code) if token else None

    async def _claim_attempt(self, username: str) -> None:
        """Records this attempt as a failure *before* the password is checked, then counts the others.

        Each attempt sees every attempt committed before its own, so of many guesses sent at once,
        to one server or several sharing the database, at most `MAX_FAILURES` reach the password
        check (perhaps fewer: arriving together, each may count the others and be refused).
        A refused attempt takes its row back, so the lock runs from the last real failure.
        """
        now = self.clock()
        attempt = LoginFailure(username=username, failed_at=now)
        async with self.sessions.begin() as session:
            # SKIP LOCKED (PostgreSQL): two servers pruning at once skip each other's rows, never deadlock.
            stale = select(LoginFailure.id).where(LoginFailure.failed_at < now - KEEP).with_for_update(skip_locked=True)
            await session.execute(
                delete(LoginFailure).where(LoginFailure.id.in_(stale)).execution_options(synchronize_session=False)
            )
            session.add(attempt)
        async with self.sessions() as session:
            others = (
                await session.execute(
                    select(LoginFailure.failed_at)
                    .where(LoginFailure.username == username, LoginFailure.id != attempt.id)
                    .order_by(LoginFailure.failed_at.desc())
                    .limit(MAX_FAILURES)
                )
            ).scalars()
            wait = retry_after(list(others), now)
        if wait is None:
            return
        async with self.sessions.begin() as session:
            await session.execute(delete(LoginFailure).where(LoginFailure.id == attempt.id))
        log.warning("login refused for username %r: %d failed logins in %s", mask_text(username), MAX_FAILURES, WINDOW)
        minutes = math.ceil(wait / timedelta(minutes=1))
        raise TooManyAttempts(
            f"登录失败次数过多，请 {minutes} 分钟后再试",
            error_en=f"too many failed logins; try again in {minutes} min",
            retry_after=math.ceil(wait.total_seconds()),
        )

    async def login(self, username: str, password: str) -> Login:
        """A new page session, or Unauthorized; TooManyAttempts after repeated failures for the name."""
        key = _failure_key(username)
        await self._claim_attempt(key)
        async with self.sessions() as session:
            user = (
                await session.execute(select(User).where(User.username == username, User.active.is_(True)))
            ).scalar_one_or_none()
        stored = user.password_hash if user is not None else _DUMMY_HASH
        ok = await asyncio.to_thread(verify_password, stored, password)
        if user is None or not ok:
            raise Unauthorized("用户名或密码不正确", error_en="wrong username or password")
        secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = self.clock()
        async with self.sessions.begin() as session:
            await session.execute(delete(LoginFailure).where(LoginFailure.username == key))
            await session.execute(delete(WebSession).where(WebSession.expires_at < now))
            session.add(
                WebSession(
                    session_hash=digest(secret),
                    user_id=user.id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + timedelta(hours=SESSION_HOURS),
                )
            )
        return Login(self._principal(user.username, user.role, user.department_code), secret, csrf)

    async def session(self, secret: str) -> Login | None:
        """The login behind a session cookie, or None when unknown or expired."""
        async with self.sessions() as session:
            row = (
                await session.execute(
                    select(WebSession, User)
                    .join(User, User.id == WebSession.user_id)
                    .where(
                        WebSession.session_hash == digest(secret),
                        WebSession.expires_at > self.clock(),
                        User.active.is_(True),
                    )
                )
            ).first()
        if row is None:
            return None
        web_session, user = row
        return Login(self._principal(user.username, user.role, user.department_code), secret, web_session.csrf_token)

    async def logout(self, secret: str) -> None:
        async with self.sessions.begin() as session:
            await session.execute(delete(WebSession).where(WebSession.session_hash == digest(secret)))
