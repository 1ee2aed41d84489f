"""How tickets are shown: to the resident who owns them, to services, to the public (Open311)."""

from __future__ import annotations

from typing import Any, Dict, List

from bot.citypack import CityPack
from bot.clock import format_local
from bot.privacy import mask_phone, mask_text
from bot.ticketing.models import Ticket, TicketEvent
from bot.ticketing.states import Status


def _iso(moment: Any) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def public_events(ticket: Ticket) -> List[TicketEvent]:
    return [event for event in ticket.events if event.public]


def last_public_note(ticket: Ticket) -> str:
    events = public_events(ticket)
    return events[-1].note if events else ""


def ticket_json(ticket: Ticket, pack: CityPack) -> Dict[str, Any]:
    """The workflow API view: everything the case needs, personal data masked."""
    status = Status(ticket.status)
    category = pack.taxonomy.get(ticket.category)
    return {
        "number": ticket.number,
        "status": status.value,
        "status_name": status.label,
        "appeal_type": ticket.appeal_type,
        "category": category.code,
        "category_name": category.name,
        "sector": category.sector,
        "category_confidence": round(ticket.category_confidence, 4),
        "description": mask_text(ticket.description),
        "address": ticket.address,
        "address_full": ticket.address_full,
        "community": ticket.community,
        "community_name": pack.communities[ticket.community].name if ticket.community in pack.communities else None,
        "occurred_at": ticket.occurred_at,
        "contact_phone": mask_phone(ticket.contact_phone),
        "channel": ticket.channel,
        "department": {"code": ticket.department.code, "name": ticket.department.name},
        "accepted_at": _iso(ticket.accepted_at),
        "sign_due_at": _iso(ticket.sign_due_at),
        "due_at": _iso(ticket.due_at),
        "due_at_text": format_local(ticket.due_at),
        "updated_at": _iso(ticket.updated_at),
        "last_public_note": last_public_note(ticket),
        "timeline": [
            {
                "id": event.id,
                "at": _iso(event.at),
                "action": event.action,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "note": event.note,
                "public": event.public,
            }
            for event in ticket.events
        ],
    }


def open311_request(ticket: Ticket, pack: CityPack) -> Dict[str, Any]:
    """GeoReport v2 `request`: no personal data (no phone, no sender, masked description)."""
    status = Status(ticket.status)
    category = pack.taxonomy.get(ticket.category)
    note = last_public_note(ticket)
    return {
        "service_request_id": ticket.number,
        "status": "open" if status.is_open else "closed",
        "status_notes": f"{status.label}：{note}" if note else status.label,
        "service_name": category.name,
        "service_code": category.code,
        "description": mask_text(ticket.description),
        "agency_responsible": ticket.department.name,
        "service_notice": "",
        "requested_datetime": _iso(ticket.accepted_at),
        "updated_datetime": _iso(ticket.updated_at),
        "expected_datetime": _iso(ticket.due_at),
        "address": ticket.address_full,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }
