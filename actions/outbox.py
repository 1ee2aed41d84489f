"""Durable outbox: a complaint the linkage service could not take is kept here and delivered later.

It is a small SQLite file next to the action server, so it survives restarts and does not
depend on the service that is down. Delivery reuses the complaint's idempotency key, so a
retry after a lost answer never makes a second ticket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List

from actions.linkage_client import LinkageClient, LinkageRejected, LinkageUnavailable

log = logging.getLogger(__name__)
Notify = Callable[[str, Dict[str, Any]], Awaitable[None]]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    idempotency_key TEXT PRIMARY KEY,
    sender_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    ticket_number TEXT,
    delivered_at REAL
)
"""


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def add(self, payload: Dict[str, Any]) -> None:
        """Keep a complaint; adding the same idempotency key twice keeps one."""
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT OR IGNORE INTO outbox (idempotency_key, sender_id, payload, created_at) VALUES (?, ?, ?, ?)",
                (
                    payload["idempotency_key"],
                    payload["sender_id"],
                    json.dumps(payload, ensure_ascii=False),
                    time.time(),
                ),
            )

    def pending(self, sender_id: str | None = None) -> List[Dict[str, Any]]:
        query = "SELECT payload FROM outbox WHERE delivered_at IS NULL"
        args: tuple = ()
        if sender_id is not None:
            query += " AND sender_id = ?"
            args = (sender_id,)
        with closing(self._connect()) as db:
            return [json.loads(row[0]) for row in db.execute(query + " ORDER BY created_at", args)]

    def mark_delivered(self, key: str, ticket_number: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute(
                "UPDATE outbox SET delivered_at = ?, ticket_number = ? WHERE idempotency_key = ?",
                (time.time(), ticket_number, key),
            )

    def mark_failed(self, key: str, error: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE idempotency_key = ?",
                (error[:500], key),
            )


async def deliver_pending(outbox: Outbox, client: LinkageClient, notify: Notify | None = None) -> int:
    """Try every waiting complaint once; returns how many became tickets."""
    delivered = 0
    for payload in outbox.pending():
        key = payload["idempotency_key"]
        try:
            ticket = await client.create_ticket(payload)
        except LinkageUnavailable as exc:
            outbox.mark_failed(key, str(exc))
            return delivered  # still down: the rest waits for the next round
        except LinkageRejected as exc:  # cannot succeed by retrying; keep it for staff to see
            log.error("outbox entry %s rejected by the linkage service: %s", key, exc)
            outbox.mark_failed(key, f"rejected: {exc}")
            continue
        outbox.mark_delivered(key, ticket["number"])
        delivered += 1
        if notify is not None:
            try:
                await notify(payload["sender_id"], ticket)
            except Exception:  # the ticket exists; the resident can still ask for it
                log.warning("could not tell %s about ticket %s", payload["sender_id"], ticket["number"])
    return delivered


async def run_worker(outbox: Outbox, client: LinkageClient, notify: Notify | None, interval: float) -> None:
    """Deliver waiting complaints every `interval` seconds until cancelled."""
    while True:
        try:
            await deliver_pending(outbox, client, notify)
        except Exception:
            log.exception("outbox delivery round failed")
        await asyncio.sleep(interval)
