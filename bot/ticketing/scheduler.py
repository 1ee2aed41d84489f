"""The deadline scheduler inside the linkage service: warns at 75 % and escalates (督办) at 100 %.

It runs as a background task of the web app (one per process). Running two processes is safe:
each step is a versioned update, so a ticket is escalated once even if both look at it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Dict

from bot.ticketing.service import TicketService

log = logging.getLogger(__name__)


class DeadlineScheduler:
    def __init__(self, tickets: TicketService, every_seconds: float) -> None:
        self.tickets = tickets
        self.every_seconds = every_seconds
        self.rounds = 0
        self._stopping = asyncio.Event()

    async def run_once(self) -> Dict[str, int]:
        counts = await self.tickets.check_deadlines()
        self.rounds += 1
        if any(counts.values()):
            log.info("deadlines checked: %s", counts)
        return counts

    async def run_forever(self) -> None:
        """Check, then sleep; `stop()` ends the loop between rounds, never in the middle of a write."""
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception:  # a database hiccup must not stop supervision for good
                log.exception("deadline check failed; retrying next round")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.every_seconds)

    def stop(self) -> None:
        self._stopping.set()
