"""The handoff desk (人工转接): residents' conversations waiting for a clerk, taken, answered and
handed back to the bot. Every state change is one conditional UPDATE, so two clerks racing for
the same conversation get one winner and a 409 for the other, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import and_, func, literal, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import selectinload, sessionmaker

from bot.accounts.roles import Principal, Role
from bot.clock import Clock, system_clock
from bot.errors import HotlineError, InvalidInput, NotFound
from bot.handoff.models import Handoff, HandoffMessage
from bot.notify import outbox
from bot.privacy import mask_text
from bot.ticketing.models import UTCDateTime

log = logging.getLogger(__name__)

REASONS = {"asked": "居民要求转人工", "bot_failed": "机器人连续两次没能听懂"}
STATES = {"waiting": "等待接入", "active": "人工服务中", "closed": "已交还机器人"}
AUTHORS = ("resident", "bot", "operator", "system")
REPLY_INTENT = "EXTERNAL_operator_reply"
HANDBACK_INTENT = "EXTERNAL_handback"
MAX_TRANSCRIPT_LINES = 30  # what the bot hands over: enough for the clerk to read the matter at a glance
MAX_LINE_CHARS = 5000  # the web chat's limit; Telegram and WeChat send less
MAX_REPLY_CHARS = 2000  # a chat answer, not a letter; WeChat and Telegram both take it in one or two parts
RESIDENT_MESSAGES_PER_MINUTE = 20
MAX_MESSAGES_SHOWN = 500
# What the resident reads when the chat goes back to the bot (action_hand_back says it verbatim).
HANDED_BACK = (
    "工作人员已结束本次人工服务，感谢您的耐心。智能助手继续为您服务：您可以直接描述遇到的问题，或发送工单号查询进度。"
)
UNANSWERED = (
    "非常抱歉，工作人员暂时都在忙，没能及时接入您的会话。您可以直接拨打 12319 热线（24 小时有人接听），"
    "也可以继续在这里告诉我您遇到的问题，智能助手会为您登记并转交相关部门办理。"
)


class HandoffClosed(HotlineError):
    status = 409
    message = "该人工会话已结束（已交还机器人），不能再回复"
    message_en = "the handoff is closed"


class HandoffTaken(HotlineError):
    status = 409
    message = "该会话已由其他话务员接入"
    message_en = "another operator has taken this handoff"


class TooManyMessages(HotlineError):
    status = 429
    message = "消息发送过于频繁，请稍等片刻再发"
    message_en = "too many messages"


@dataclass(frozen=True)
class Line:
    """One line of the conversation the bot hands over."""

    author: str
    text: str
    at: datetime | None = None


def channel_of(sender_id: str) -> str:
    return sender_id.split(":", 1)[0][:8]


def check_sender(sender_id: str) -> str:
    if not sender_id or len(sender_id) > 128 or ":" not in sender_id:
        raise InvalidInput("sender_id 应为“渠道:会话”形式，例如 tg:123", error_en="sender_id must be <channel>:<id>")
    return sender_id


def check_reply(text: Any) -> str:
    """A clerk's words: not empty, not a letter. Kept verbatim otherwise (the resident reads them as typed)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("回复内容不能为空", error_en="reply text is empty")
    if len(text) > MAX_REPLY_CHARS:
        raise InvalidInput(
            f"回复不能超过 {MAX_REPLY_CHARS} 字（现在 {len(text)} 字），请分几条发送", error_en="reply text too long"
        )
    return text.strip()


class HandoffService:
    def __init__(self, engine: AsyncEngine, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock
        self.sessions = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    # -- the resident's side (through the action server) -------------------------------------

    async def open(self, sender_id: str, reason: str, transcript: Sequence[Line] = ()) -> Tuple[Handoff, bool]:
        """Put the conversation in the clerks' queue; a resident with an open handoff keeps that one."""
        check_sender(sender_id)
        if reason not in REASONS:
            raise InvalidInput(f"未知的转人工原因：{reason}", error_en="reason must be asked or bot_failed")
        now = self.clock()
        try:
            async with self.sessions.begin() as session:
                existing = await self._open_for(session, sender_id)
                if existing is not None:
                    return existing, False
                handoff = Handoff(
                    sender_id=sender_id,
                    channel=channel_of(sender_id),
                    reason=reason,
                    state="waiting",
                    created_at=now,
                    last_resident_at=now,
                )
                session.add(handoff)
                await session.flush()
                for line in list(transcript)[-MAX_TRANSCRIPT_LINES:]:
                    at = min(line.at, now) if line.at is not None else now
                    session.add(self._line(handoff.id, line.author, line.text, at))
        except IntegrityError:  # another instance opened it a moment ago
            async with self.sessions() as session:
                raced = await self._open_for(session, sender_id)
            if raced is None:
                raise
            return raced, False
        log.info("handoff %s opened for %s (%s)", handoff.id, mask_text(sender_id), reason)
        return handoff, True

    async def relay(self, sender_id: str, text: str) -> HandoffMessage | None:
        """A resident's message for the clerk; None when the resident has no open handoff."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("消息内容为空", error_en="text is empty")
        if len(text) > MAX_LINE_CHARS:
            raise InvalidInput(f"消息超过 {MAX_LINE_CHARS} 字，请分几次发送", error_en="text too long")
        now = self.clock()
        async with self.sessions.begin() as session:
            handoff = await self._open_for(session, check_sender(sender_id))
            if handoff is None:
                return None
            recent = await session.scalar(
                select(func.count(HandoffMessage.id)).where(
                    HandoffMessage.handoff_id == handoff.id,
                    HandoffMessage.author == "resident",
                    HandoffMessage.created_at > now - timedelta(minutes=1),
                )
            )
            if (recent or 0) >= RESIDENT_MESSAGES_PER_MINUTE:
                raise TooManyMessages()
            message = self._line(handoff.id, "resident", text, now)
            session.add(message)
            await session.execute(update(Handoff).where(Handoff.id == handoff.id).values(last_resident_at=now))
        return message

    # -- the clerk's side (operator console) ---------------------------------------------------

    async def queue(self) -> List[Tuple[Handoff, HandoffMessage | None]]:
        """Open conversations, waiting ones first (longest wait first), each with its latest line."""
        async with self.sessions() as session:
            handoffs = list(
                (
                    await session.execute(
                        select(Handoff)
                        .where(Handoff.state != "closed")
                        .order_by((Handoff.state == "active").asc(), Handoff.created_at, Handoff.id)
                        .limit(200)
                    )
                ).scalars()
            )
            latest: Dict[int, HandoffMessage] = {}
            if handoffs:
                newest = (
                    select(func.max(HandoffMessage.id))
                    .where(HandoffMessage.handoff_id.in_([h.id for h in handoffs]))
                    .group_by(HandoffMessage.handoff_id)
                )
                for message in (
                    await session.execute(select(HandoffMessage).where(HandoffMessage.id.in_(newest)))
                ).scalars():
                    latest[message.handoff_id] = message
        return [(h, latest.get(h.id)) for h in handoffs]

    async def get(self, handoff_id: int) -> Handoff:
        async with self.sessions() as session:
            handoff = await session.get(Handoff, handoff_id, options=[selectinload(Handoff.messages)])
        if handoff is None:
            raise NotFound("未找到该人工会话", error_en="handoff not found")
        return handoff

    async def take(self, handoff_id: int, who: Principal) -> Handoff:
        """接入: the first clerk wins; taking one's own conversation again is harmless."""
        now = self.clock()
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(Handoff)
                .where(Handoff.id == handoff_id, Handoff.state == "waiting")
                .values(state="active", operator=who.name, taken_at=now)
            )
            if result.rowcount != 1:
                await self._refuse(session, handoff_id, who)
        return await self.get(handoff_id)

    async def reply(self, handoff_id: int, who: Principal, text: Any) -> HandoffMessage:
        """The clerk's words for the resident; queued for delivery in order. A waiting one is taken first."""
        words = check_reply(text)
        now = self.clock()
        async with self.sessions.begin() as session:
            # The UPDATE both takes a waiting conversation and holds the row until the line is written,
            # so a hand-back by someone else cannot slip in between.
            result = await session.execute(
                update(Handoff)
                .where(
                    Handoff.id == handoff_id,
                    or_(Handoff.state == "waiting", and_(Handoff.state == "active", Handoff.operator == who.name)),
                )
                .values(
                    state="active",
                    operator=who.name,
                    taken_at=func.coalesce(Handoff.taken_at, literal(now, UTCDateTime())),
                )
            )
            if result.rowcount != 1:
                await self._refuse(session, handoff_id, who)
            message = self._line(handoff_id, "operator", words, now, who.name, REPLY_INTENT)
            session.add(message)
        return message

    async def hand_back(self, handoff_id: int, who: Principal) -> Handoff:
        """交还机器人: closes the conversation and tells the resident (through the bot) the assistant is back."""
        now = self.clock()
        mine = or_(Handoff.state == "waiting", Handoff.operator == who.name)
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(Handoff)
                .where(
                    Handoff.id == handoff_id, Handoff.state != "closed", mine if who.role is not Role.admin else true()
                )
                .values(state="closed", closed_at=now, closed_by=who.name)
            )
            if result.rowcount != 1:
                await self._refuse(session, handoff_id, who)
            session.add(self._line(handoff_id, "system", HANDED_BACK, now, who.name, HANDBACK_INTENT))
        return await self.get(handoff_id)

    async def release_unanswered(self, waited: timedelta) -> int:
        """Chats nobody took within `waited` go back to the bot, with an apology: a resident never waits in silence."""
        now = self.clock()
        released = 0
        async with self.sessions.begin() as session:
            stale = (
                await session.execute(
                    select(Handoff.id).where(Handoff.state == "waiting", Handoff.created_at < now - waited).limit(100)
                )
            ).scalars()
            for handoff_id in list(stale):
                result = await session.execute(
                    update(Handoff)
                    .where(Handoff.id == handoff_id, Handoff.state == "waiting")
                    .values(state="closed", closed_at=now, closed_by="system")
                )
                if result.rowcount == 1:
                    session.add(self._line(handoff_id, "system", UNANSWERED, now, "system", HANDBACK_INTENT))
                    released += 1
        if released:
            log.warning("%s handoffs were not taken in time and went back to the bot", released)
        return released

    async def note_ticket(self, handoff_id: int, who: Principal, number: str, told: str) -> None:
        """A ticket the clerk opened from the conversation: remembered, and the resident is told its number."""
        now = self.clock()
        async with self.sessions.begin() as session:
            await session.execute(update(Handoff).where(Handoff.id == handoff_id).values(ticket_number=number))
            session.add(self._line(handoff_id, "operator", told, now, who.name, REPLY_INTENT))

    # -- delivery bookkeeping (bot/handoff/courier.py) -------------------------------------------

    async def pending(self, limit: int = 200) -> List[Tuple[HandoffMessage, str]]:
        """Lines waiting to reach residents, oldest first, with the resident's sender id."""
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(HandoffMessage, Handoff.sender_id)
                    .join(Handoff, Handoff.id == HandoffMessage.handoff_id)
                    .where(
                        HandoffMessage.intent.is_not(None),
                        HandoffMessage.sent_at.is_(None),
                        HandoffMessage.given_up_at.is_(None),
                    )
                    .order_by(HandoffMessage.id)
                    .limit(limit)
                )
            ).all()
        return [(message, sender_id) for message, sender_id in rows]

    async def claim(self, message_id: int, seconds: float) -> bool:
        async with self.sessions.begin() as session:
            return await outbox.claim(session, HandoffMessage, message_id, self.clock(), seconds)

    async def delivered(self, message_id: int, extra: Sequence[Any] = ()) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                update(HandoffMessage)
                .where(HandoffMessage.id == message_id)
                .values(sent_at=self.clock(), claimed_until=None, last_error=None)
            )
            for row in extra:  # e.g. the web chat's inbox rows, written in the same transaction
                session.add(row)

    async def failed(self, message: HandoffMessage, error: str, wait: float, give_up: bool) -> None:
        now = self.clock()
        values: Dict[str, Any] = {
            "claimed_until": None,
            "attempts": message.attempts + 1,
            "last_error": error[:500],
            "next_attempt_at": now + timedelta(seconds=wait),
        }
        if give_up:
            values["given_up_at"] = now
        async with self.sessions.begin() as session:
            await session.execute(update(HandoffMessage).where(HandoffMessage.id == message.id).values(**values))

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    async def _open_for(session: AsyncSession, sender_id: str) -> Handoff | None:
        found: Optional[Handoff] = await session.scalar(
            select(Handoff).where(Handoff.sender_id == sender_id, Handoff.state != "closed")
        )
        return found

    @staticmethod
    async def _refuse(session: AsyncSession, handoff_id: int, who: Principal) -> None:
        """Explain why a conditional UPDATE touched nothing; taking one's own conversation is fine."""
        handoff = await session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFound("未找到该人工会话", error_en="handoff not found")
        if handoff.state == "closed":
            raise HandoffClosed()
        if handoff.state == "active" and handoff.operator == who.name:
            return
        raise HandoffTaken(f"该会话已由话务员 {handoff.operator} 接入", error_en="another operator has taken it")

    def _line(
        self,
        handoff_id: int,
        author: str,
        text: str,
        at: datetime,
        operator: str | None = None,
        intent: str | None = None,
    ) -> HandoffMessage:
        return HandoffMessage(
            handoff_id=handoff_id,
            author=author if author in AUTHORS else "system",
            operator=operator,
            text=text[:MAX_LINE_CHARS],
            created_at=at.astimezone(timezone.utc),
            intent=intent,
            attempts=0,
            next_attempt_at=at if intent else None,
        )
