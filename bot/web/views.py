"""How tickets are shown: to the resident who owns them, to services, to the public (Open311)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List

from bot.accounts.roles import Principal, Role
from bot.citypack import CityPack
from bot.clock import format_local
from bot.privacy import mask_phone, mask_text
from bot.ticketing.lifecycle import RUNNING, allowed_actions
from bot.ticketing.models import Attachment, Ticket, TicketEvent
from bot.ticketing.states import Status


def _iso(moment: Any) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def public_events(ticket: Ticket) -> List[TicketEvent]:
    return [event for event in ticket.events if event.public]


def last_public_note(ticket: Ticket) -> str:
    events = public_events(ticket)
    return events[-1].note if events else ""


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    return Status(ticket.status) in RUNNING and ticket.due_at < now


def ticket_json(
    ticket: Ticket,
    pack: CityPack,
    viewer: Principal | None = None,
    now: datetime | None = None,
    timeline: bool = True,
) -> Dict[str, Any]:
    """The workflow API view. Phones in clear only for roles that call residents back;
    services (acting for the resident) and unknown viewers see public events only."""
    status = Status(ticket.status)
    category = pack.taxonomy.get(ticket.category)
    staff = viewer is not None and viewer.role is not Role.service
    clear = viewer is not None and viewer.sees_contacts
    events = ticket.events if staff else public_events(ticket)
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
        "contact_phone": ticket.contact_phone if clear else mask_phone(ticket.contact_phone),
        "street": ticket.street,
        "grid": ticket.grid,
        "channel": ticket.channel,
        "department": {"code": ticket.department.code, "name": ticket.department.name},
        "accepted_at": _iso(ticket.accepted_at),
        "sign_due_at": _iso(ticket.sign_due_at),
        "due_at": _iso(ticket.due_at),
        "due_at_text": format_local(ticket.due_at),
        "updated_at": _iso(ticket.updated_at),
        "last_public_note": mask_text(last_public_note(ticket)),
        "overdue": is_overdue(ticket, now) if now is not None else None,
        "escalations": ticket.escalations or 0,
        "merged_into": ticket.merged_into,
        "result": ticket.result,
        "rating": ticket.rating,
        "version": ticket.version,
        "allowed_actions": [a.value for a in allowed_actions(status) if viewer is not None and viewer.may(a)],
        **({"timeline": [event_json(event, staff, clear) for event in events]} if timeline else {}),
        **({"attachments": [attachment_json(ticket, a) for a in ticket.attachments]} if staff else {}),
    }


def attachment_url(ticket: Ticket, attachment: Attachment) -> str:
    return f"/api/v1/tickets/{ticket.number}/attachments/{attachment.id}"


def attachment_json(ticket: Ticket, attachment: Attachment) -> Dict[str, Any]:
    """Staff only: residents' photos never appear in public or service views."""
    return {
        "id": attachment.id,
        "media_type": attachment.media_type,
        "size": attachment.size,
        "url": attachment_url(ticket, attachment),
        "created_at": _iso(attachment.created_at),
    }


def event_json(event: TicketEvent, staff: bool, clear: bool) -> Dict[str, Any]:
    return {
        "id": event.id,
        "at": _iso(event.at),
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "note": event.note if clear else mask_text(event.note),
        "public": event.public,
        **(
            {"actor": event.actor, "actor_role": event.actor_role, "department": event.department_code} if staff else {}
        ),
    }


def open311_request(ticket: Ticket, pack: CityPack) -> Dict[str, Any]:
    """GeoReport v2 `request`: no personal data (no phone, no sender, masked description)."""
    status = Status(ticket.status)
    category = pack.taxonomy.get(ticket.category)
    note = mask_text(last_public_note(ticket))
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
