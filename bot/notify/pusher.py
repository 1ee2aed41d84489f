"""The notifier: finds public ticket events residents have not been told about, and tells them
through Rasa — it renders nothing itself; the action `action_tell_ticket_update` does.

It does not care how an event came about (workbench, API, a script): every public event of a
ticket opened on a pushed channel (`tg`, `wx`, `web`) after the ticket's acceptance gets one
`notifications` row (unique by event, so several instances never queue it twice). Delivery is
`POST /conversations/{sender}/trigger_intent?output_channel=latest`; it counts as delivered only
when the returned tracker carries the action's receipt (`pushed_event_id`), so a failed action,
a Rasa outage or a channel outage (Rasa answers 500) leads to a retry with exponential backoff.
A ticket's events go out in order: a later one waits while an earlier one is being retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, AsyncIterator, Dict, List, Optional, Set, Tuple
from urllib.parse import quote

import aiohttp
from aiohttp import web
from sqlalchemy import and_, exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import sessionmaker

from bot.clock import Clock, system_clock
from bot.notify import outbox
from bot.notify.models import Notification, WebChatMessage
from bot.ticketing.models import Ticket, TicketEvent

log = logging.getLogger(__name__)
PUSHED_CHANNELS = ("tg", "wx", "web")
UPDATE_INTENT = "EXTERNAL_ticket_update"
RECEIPT_SLOT = "pushed_event_id"
FIRST_RETRY_SECONDS = 10.0
LONGEST_WAIT_SECONDS = 15 * 60
GIVE_UP_AFTER_ATTEMPTS = 12  # about two hours of trying
CLAIM_SECONDS = 60


class PushFailed(Exception):
    """Rasa did not confirm that the resident was told (down, 5xx, or no receipt)."""


@dataclass(frozen=True)
class RasaTrigger:
    """`trigger_intent` on Rasa's HTTP API, with the API token."""

    rasa_url: str
    token: str
    timeout: float = 30.0

    async def trigger(self, sender_id: str, intent: str, entities: Dict[str, str], receipt: Tuple[str, str]) -> Any:
        """Trigger `intent` on the resident's conversation; delivered only when slot `receipt[0]` reads `receipt[1]`."""
        url = f"{self.rasa_url.rstrip('/')}/conversations/{quote(sender_id, safe='')}/trigger_intent"
        body = {"name": intent, "entities": entities}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session:
                async with session.post(
                    url, params={"output_channel": "latest", "token": self.token}, json=body
                ) as answer:
                    if answer.status != 200:
                        raise PushFailed(f"Rasa answered {answer.status}")
                    data = await answer.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise PushFailed(f"Rasa not reachable: {exc!r}") from exc
        slots = ((data or {}).get("tracker") or {}).get("slots") or {}
        if str(slots.get(receipt[0])) != receipt[1]:
            raise PushFailed(f"the action for {intent} gave no receipt")
        return dict(data)

    async def tell(self, sender_id: str, ticket_number: str, event_id: int) -> Dict[str, Any]:
        entities = {"ticket_number": ticket_number, "event_id": str(event_id)}
        data: Dict[str, Any] = await self.trigger(sender_id, UPDATE_INTENT, entities, (RECEIPT_SLOT, str(event_id)))
        return data


class Notifier:
    def __init__(self, engine: AsyncEngine, rasa: RasaTrigger, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.rasa = rasa
        self.clock = clock
        self.sessions = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    async def collect(self) -> int:
        """Queue every public event not queued yet; returns how many were added."""
        told = exists().where(Notification.event_id == TicketEvent.id)
        query = (
            select(TicketEvent.id, Ticket.id, Ticket.number, Ticket.sender_id)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(
                TicketEvent.public.is_(True),
                Ticket.channel.in_(PUSHED_CHANNELS),
                TicketEvent.at > Ticket.accepted_at,  # acceptance and first dispatch are told in the conversation
                ~told,
            )
            .order_by(TicketEvent.id)
            .limit(500)
        )
        now = self.clock()
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        async with self.sessions.begin() as session:
            rows = (await session.execute(query)).all()
            for event_id, ticket_id, number, sender_id in rows:
                await session.execute(
                    insert(Notification)
                    .values(
                        event_id=event_id,
                        ticket_id=ticket_id,
                        ticket_number=number,
                        sender_id=sender_id,
                        created_at=now,
                        attempts=0,
                        next_attempt_at=now,
                    )
                    .on_conflict_do_nothing(index_elements=["event_id"])
                )
        return len(rows)

    async def _claim(self, notification_id: int) -> bool:
        async with self.sessions.begin() as session:
            return await outbox.claim(session, Notification, notification_id, self.clock(), CLAIM_SECONDS)

    async def _finish(
        self, notification: Notification, error: Optional[str], web_messages: Optional[List[Any]] = None
    ) -> None:
        """Record the outcome; a web-chat resident's messages wait in their inbox for the page to fetch."""
        now = self.clock()
        values: Dict[str, Any] = {"claimed_until": None}
        if error is None:
            values["sent_at"] = now
        else:
            attempts = notification.attempts + 1
            wait = outbox.retry_wait(attempts, FIRST_RETRY_SECONDS, LONGEST_WAIT_SECONDS)
            values.update(attempts=attempts, last_error=error[:500], next_attempt_at=now + timedelta(seconds=wait))
            if attempts >= GIVE_UP_AFTER_ATTEMPTS:
                values["given_up_at"] = now
        async with self.sessions.begin() as session:
            await session.execute(update(Notification).where(Notification.id == notification.id).values(**values))
            for message in web_messages or []:
                session.add(
                    WebChatMessage(
                        sender_id=notification.sender_id,
                        payload=json.dumps(message, ensure_ascii=False),
                        created_at=now,
                    )
                )

    async def deliver_due(self) -> int:
        """Send what is due, oldest event first; returns how many residents were told."""
        now = self.clock()
        async with self.sessions() as session:
            waiting: List[Notification] = list(
                (
                    await session.execute(
                        select(Notification)
                        .where(and_(Notification.sent_at.is_(None), Notification.given_up_at.is_(None)))
                        .order_by(Notification.event_id)
                        .limit(500)
                    )
                ).scalars()
            )
        held: Set[int] = set()  # tickets with an earlier event still waiting: keep their order
        told = 0
        for notification in waiting:
            if notification.ticket_id in held:
                continue
            held.add(notification.ticket_id)
            if notification.next_attempt_at > now or not await self._claim(notification.id):
                continue
            try:
                answer = await self.rasa.tell(notification.sender_id, notification.ticket_number, notification.event_id)
            except PushFailed as exc:
                log.warning(
                    "update %s of ticket %s not delivered yet: %s",
                    notification.event_id,
                    notification.ticket_number,
                    exc,
                )
                await self._finish(notification, str(exc))
                continue
            # The web chat (REST channel) cannot be pushed to: Rasa returns its messages instead.
            web = notification.sender_id.startswith("web:")
            await self._finish(notification, None, list(answer.get("messages") or []) if web else None)
            held.discard(notification.ticket_id)
            told += 1
        return told

    async def run_once(self) -> int:
        await self.collect()
        return await self.deliver_due()

    async def run(self, interval: float) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("notifier round failed")
            await asyncio.sleep(interval)


def notifier_context(interval: float = 3.0) -> Any:
    """aiohttp `cleanup_ctx`: runs the notifier beside the linkage service when RASA_TOKEN is set."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        from bot.web.keys import SETTINGS, TICKETS

        settings = app[SETTINGS]
        if not settings.rasa_token:
            log.warning("RASA_TOKEN is not set: progress is not pushed to residents")
            yield
            return
        notifier = Notifier(
            app[TICKETS].engine, RasaTrigger(settings.rasa_url, settings.rasa_token), app[TICKETS].clock
        )
        task = asyncio.create_task(notifier.run(interval))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context
