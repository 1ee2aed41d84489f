"""The courier: takes the clerk's lines (and the hand-back) to the resident through Rasa
`trigger_intent` (`output_channel=latest`), like the progress notifier does.

A line counts as delivered only when the returned tracker carries the action's receipt
(`handoff_receipt` = the line's id). Lines of one conversation go out in order: a later one waits
while an earlier one is being retried, with backoff; after the last attempt the console shows the
line as not delivered, so the clerk phones the resident instead. A reply wakes the courier at once.
A chat nobody takes within HANDOFF_UNANSWERED_MINUTES goes back to the bot with an apology.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import timedelta
from typing import Any, AsyncIterator, List, Set

from aiohttp import web

from bot.handoff.service import HandoffService
from bot.notify import outbox
from bot.notify.models import WebChatMessage
from bot.notify.pusher import PushFailed, RasaTrigger
from bot.privacy import mask_text

log = logging.getLogger(__name__)
RECEIPT_SLOT = "handoff_receipt"
FIRST_RETRY_SECONDS = 3.0
LONGEST_WAIT_SECONDS = 5 * 60
GIVE_UP_AFTER_ATTEMPTS = 10  # about half an hour of trying
CLAIM_SECONDS = 60


def retry_wait(attempts: int) -> float:
    return outbox.retry_wait(attempts, FIRST_RETRY_SECONDS, LONGEST_WAIT_SECONDS)


class HandoffCourier:
    def __init__(
        self, handoffs: HandoffService, rasa: RasaTrigger, unanswered_after: timedelta = timedelta(minutes=30)
    ) -> None:
        self.handoffs = handoffs
        self.rasa = rasa
        self.unanswered_after = unanswered_after
        self.clock = handoffs.clock
        self.woken = asyncio.Event()

    def wake(self) -> None:
        """A clerk just wrote: deliver now rather than at the next round."""
        self.woken.set()

    async def deliver_due(self) -> int:
        """Send what is due, oldest first, one conversation's lines in order; returns how many arrived."""
        now = self.clock()
        held: Set[int] = set()
        arrived = 0
        for message, sender_id in await self.handoffs.pending():
            if message.handoff_id in held:
                continue
            held.add(message.handoff_id)
            due = message.next_attempt_at is None or message.next_attempt_at <= now
            if not due or not await self.handoffs.claim(message.id, CLAIM_SECONDS):
                continue
            entities = {"reply_id": str(message.id), "reply_text": message.text}
            try:
                answer = await self.rasa.trigger(
                    sender_id, str(message.intent), entities, (RECEIPT_SLOT, str(message.id))
                )
            except PushFailed as exc:
                attempts = message.attempts + 1
                log.warning("handoff line %s to %s not delivered yet: %s", message.id, mask_text(sender_id), exc)
                await self.handoffs.failed(message, str(exc), retry_wait(attempts), attempts >= GIVE_UP_AFTER_ATTEMPTS)
                continue
            await self.handoffs.delivered(message.id, self._web_inbox(sender_id, answer))
            held.discard(message.handoff_id)
            arrived += 1
        return arrived

    def _web_inbox(self, sender_id: str, answer: Any) -> List[WebChatMessage]:
        """The web chat cannot be pushed to: Rasa returns its messages, and the /chat page fetches them."""
        if not sender_id.startswith("web:"):
            return []
        now = self.clock()
        return [
            WebChatMessage(sender_id=sender_id, payload=json.dumps(m, ensure_ascii=False), created_at=now)
            for m in (answer or {}).get("messages") or []
            if isinstance(m, dict)
        ]

    async def run(self, interval: float) -> None:
        while True:
            try:
                await self.handoffs.release_unanswered(self.unanswered_after)
                await self.deliver_due()
            except Exception:
                log.exception("handoff delivery round failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.woken.wait(), timeout=interval)
            self.woken.clear()


def courier_context(interval: float = 1.0) -> Any:
    """aiohttp `cleanup_ctx`: runs the courier beside the linkage service when RASA_TOKEN is set."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        from bot.web.keys import COURIER, HANDOFFS, SETTINGS

        settings = app[SETTINGS]
        if not settings.rasa_token:
            log.warning("RASA_TOKEN is not set: clerks' replies are not delivered to residents")
            yield
            return
        unanswered = timedelta(minutes=settings.handoff_unanswered_minutes)
        courier = HandoffCourier(app[HANDOFFS], RasaTrigger(settings.rasa_url, settings.rasa_token), unanswered)
        app[COURIER] = courier
        task = asyncio.create_task(courier.run(interval))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context
