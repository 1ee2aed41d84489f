"""Walking tickets through the lifecycle on a real database, as staff would."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.accounts.roles import Principal, Role
from bot.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed, TicketNotFound
from bot.ticketing.lifecycle import Action
from bot.ticketing.models import TicketEvent
from bot.ticketing.service import TransitionRequest
from bot.ticketing.states import Status
from tests.ticketing.test_service import complaint

FIRE = Principal("fire-staff", Role.department, "fire_rescue", "hotline_centre")
POLICE = Principal("police-staff", Role.department, "police_baoshan", "hotline_centre")
OPERATOR = Principal("operator-1", Role.operator, None, "hotline_centre")
SERVICE = Principal("action-server", Role.service, None, "hotline_centre")


def step(action, **kwargs):
    return TransitionRequest(action=Action(action), **kwargs)


async def test_a_ticket_walks_from_dispatch_to_closed(service):
    ticket, _ = await service.create(complaint())
    for action, kwargs, status in [
        ("sign", {}, Status.signed),
        ("start", {}, Status.in_progress),
        ("note", {"note": "已联系物业清理通道", "public": True}, Status.in_progress),
        ("resolve", {"note": "车辆已挪走，通道已畅通"}, Status.resolved),
    ]:
        ticket = await service.transition(ticket.number, FIRE, step(action, **kwargs))
        assert ticket.status == status.value
    ticket = await service.transition(ticket.number, SERVICE, step("rate", rating=5, sender_id="web:resident-1"))
    assert ticket.status == Status.closed.value and ticket.rating == 5
    moves = [(e.action, e.from_status, e.to_status) for e in ticket.events]
    assert moves[-3:] == [
        ("resolve", "in_progress", "resolved"),
        ("rate", "resolved", "return_visit"),
        ("close", "return_visit", "closed"),
    ]
    assert {e.actor for e in ticket.events} >= {"system", "fire-staff", "action-server"}
    assert ticket.version > 1


async def test_a_low_rating_reopens_with_a_new_deadline(service, clock):
    ticket, _ = await service.create(complaint())
    for action, kwargs in [("sign", {}), ("resolve", {"note": "已处理"})]:
        ticket = await service.transition(ticket.number, FIRE, step(action, **kwargs))
    clock.moment += timedelta(days=2)
    ticket = await service.transition(ticket.number, SERVICE, step("rate", rating=1, sender_id="web:resident-1"))
    assert ticket.status == Status.reopened.value
    assert ticket.due_at > clock.moment
    assert "重办" in ticket.events[-1].note and ticket.events[-1].public


async def test_a_rejection_waits_for_redispatch_with_the_clock_paused(service, clock):
    ticket, _ = await service.create(complaint())
    first_due = ticket.due_at
    rejected = await service.transition(ticket.number, FIRE, step("reject", reason="不属于本单位职责，应由社区处理"))
    assert rejected.status == Status.rejected.value and rejected.department_code == "hotline_centre"
    assert "不属于本单位职责" in rejected.events[-1].note
    with pytest.raises(TicketNotFound):  # it left the fire brigade's queue
        await service.get(ticket.number, viewer=FIRE)
    clock.moment += timedelta(hours=5)
    again = await service.transition(ticket.number, OPERATOR, step("dispatch", department="community.baoshan"))
    assert again.status == Status.dispatched.value and again.department_code == "community.baoshan"
    assert again.due_at == first_due + timedelta(hours=5)  # the 5 hours of waiting do not count
    assert "改派" in again.events[-1].note


async def test_reject_needs_a_reason_and_leaves_nothing_half_done(service):
    ticket, _ = await service.create(complaint())
    with pytest.raises(InvalidInput, match="理由"):
        await service.transition(ticket.number, FIRE, step("reject"))
    unchanged = await service.get(ticket.number)
    assert unchanged.status == Status.dispatched.value and len(unchanged.events) == len(ticket.events)
    assert unchanged.version == ticket.version


async def test_forbidden_transitions_are_409_and_roles_are_checked(service):
    ticket, _ = await service.create(complaint())
    with pytest.raises(InvalidTransition):
        await service.transition(ticket.number, FIRE, step("resolve", note="已处理"))
    with pytest.raises(NotAllowed):
        await service.transition(ticket.number, FIRE, step("dispatch", department="sanitation"))
    with pytest.raises(TicketNotFound):  # another department's ticket is not even visible
        await service.transition(ticket.number, POLICE, step("sign"))
    with pytest.raises(TicketNotFound):  # the action server acts only for the ticket's own resident
        await service.transition(ticket.number, SERVICE, step("cancel", sender_id="tg:stranger"))


async def test_the_resident_cancels_through_the_action_server(service):
    ticket, _ = await service.create(complaint())
    cancelled = await service.transition(ticket.number, SERVICE, step("cancel", sender_id="web:resident-1"))
    assert cancelled.status == Status.cancelled.value
    with pytest.raises(InvalidTransition):
        await service.transition(ticket.number, FIRE, step("sign"))


async def test_merge_into_an_open_ticket(service):
    first, _ = await service.create(complaint())
    second, _ = await service.create(
        complaint(
            idempotency_key="key-0000000002",
            description="三桥南路的路灯坏了",
            address="三桥南路",
            category="road_facility",
        )
    )
    merged = await service.transition(second.number, OPERATOR, step("merge", into=first.number))
    assert merged.status == Status.merged.value and merged.merged_into == first.number
    with pytest.raises(InvalidInput):
        await service.transition(first.number, OPERATOR, step("merge", into=first.number))


async def test_two_staff_acting_at_once_cannot_both_win(service, monkeypatch):
    ticket, _ = await service.create(complaint())
    # Hold both requests after they have read the ticket, so they really overlap.
    arrived, both_read = [], asyncio.Event()
    original_apply = service._apply

    async def apply_after_both_read(*args, **kwargs):
        arrived.append(1)
        if len(arrived) == 2:
            both_read.set()
        await asyncio.wait_for(both_read.wait(), timeout=5)
        return await original_apply(*args, **kwargs)

    monkeypatch.setattr(service, "_apply", apply_after_both_read)
    results = await asyncio.gather(
        service.transition(ticket.number, FIRE, step("sign")),
        service.transition(ticket.number, FIRE, step("reject", reason="地址不在辖区")),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], Conflict) and "他人" in losers[0].message
    final = await service.get(ticket.number)
    assert final.status == winners[0].status
    changes = [e for e in final.events if e.action in ("sign", "reject")]
    assert len(changes) == 1  # the loser left no event behind


async def test_fifty_concurrent_creations_get_fifty_distinct_numbers(service):
    results = await asyncio.gather(
        *(
            service.create(complaint(idempotency_key=f"key-fifty-{i:03d}", description=f"第{i}处问题：路面塌陷{i}"))
            for i in range(50)
        )
    )
    assert len({ticket.number for ticket, _ in results}) == 50


async def test_a_repeat_complaint_joins_the_open_case(service):
    first, _ = await service.create(complaint())
    repeat, created = await service.create(
        complaint(
            sender_id="tg:neighbour",
            idempotency_key="key-repeat-00001",
            description="小区门口天天有车乱停，消防通道都被堵死了",
        )
    )
    assert created and repeat.status == Status.merged.value and repeat.merged_into == first.number
    assert first.number in repeat.events[-1].note and repeat.events[-1].public
    # The neighbour follows the existing case with their own session.
    assert (await service.get(first.number, sender_id="tg:neighbour")).number == first.number
    async with service.sessions() as session:
        notes = (await session.execute(select(TicketEvent.note).where(TicketEvent.ticket_id == first.id))).scalars()
        assert any(repeat.number in note for note in notes)


async def test_a_different_problem_at_the_same_place_is_not_a_duplicate(service):
    await service.create(complaint())
    other, _ = await service.create(
        complaint(sender_id="tg:neighbour", idempotency_key="key-other-00001", description="楼下烧烤店油烟很大")
    )
    assert other.status == Status.dispatched.value
