"""Ticket events as a department would cause them. The transitions API arrives with issue 4;
until then tests write the event and the status change straight through the models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.ticketing.models import Ticket, TicketEvent
from bot.ticketing.service import TicketService


async def record_event(
    service: TicketService, number: str, action: str, to_status: str, note: str, at: datetime, public: bool = True
) -> int:
    async with service.sessions.begin() as session:
        ticket = (await session.execute(select(Ticket).where(Ticket.number == number))).unique().scalar_one()
        event = TicketEvent(
            ticket_id=ticket.id,
            at=at,
            actor="dept-staff",
            action=action,
            from_status=ticket.status,
            to_status=to_status,
            department_code=ticket.department_code,
            note=note,
            public=public,
        )
        session.add(event)
        ticket.status = to_status
        ticket.updated_at = at
        await session.flush()
        return int(event.id)
