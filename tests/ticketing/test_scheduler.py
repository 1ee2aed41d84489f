"""The deadline scheduler under a frozen clock: warning at 75 %, 督办 at 100 %, pause while rejected."""

import asyncio
from datetime import timedelta

from bot.ticketing.lifecycle import Action
from bot.ticketing.scheduler import DeadlineScheduler
from bot.ticketing.service import TransitionRequest
from bot.ticketing.states import Status
from tests.ticketing.test_service import complaint
from tests.ticketing.test_transitions import FIRE


async def test_an_unsigned_ticket_is_escalated_when_the_sign_limit_passes(service, clock):
    ticket, _ = await service.create(complaint())
    assert ticket.sign_due_at <= ticket.due_at
    clock.moment = ticket.sign_due_at + timedelta(minutes=1)
    counts = await DeadlineScheduler(service, 60).run_once()
    assert counts["sign_escalated"] == 1
    escalated = await service.get(ticket.number)
    assert escalated.status == Status.dispatched.value and escalated.escalations == 1
    assert "签收" in escalated.events[-1].note and escalated.events[-1].actor == "system"
    assert (await service.check_deadlines())["sign_escalated"] == 0  # once, not every round


async def test_warning_at_75_percent_then_escalation_when_overdue(service, clock):
    ticket, _ = await service.create(complaint())
    await service.transition(ticket.number, FIRE, TransitionRequest(Action.sign))
    start, due = ticket.accepted_at, ticket.due_at
    clock.moment = start + (due - start) * 0.7
    assert (await service.check_deadlines())["warned"] == 0
    clock.moment = start + (due - start) * 0.76
    assert (await service.check_deadlines())["warned"] == 1
    warned = await service.get(ticket.number)
    assert warned.events[-1].action == "warn" and not warned.events[-1].public
    clock.moment = due + timedelta(seconds=1)
    assert (await service.check_deadlines())["escalated"] == 1
    overdue = await service.get(ticket.number)
    assert overdue.escalations == 1 and overdue.events[-1].action == "escalate"
    assert not overdue.events[-1].public  # supervision is internal: residents are not pushed a 督办 notice
    assert "督办" in overdue.events[-1].note


async def test_a_rejected_ticket_is_not_escalated_while_it_waits(service, clock):
    ticket, _ = await service.create(complaint())
    await service.transition(ticket.number, FIRE, TransitionRequest(Action.reject, reason="不在辖区"))
    clock.moment = ticket.due_at + timedelta(days=3)
    counts = await service.check_deadlines()
    assert counts == {"sign_escalated": 0, "escalated": 0, "warned": 0}


async def test_the_service_runs_the_scheduler_by_itself(database_url, settings_for, clock):
    from dataclasses import replace

    from aiohttp.test_utils import TestClient, TestServer

    from bot.web.app import init_app
    from bot.web.keys import TICKETS
    from tests.conftest import reset_database

    await reset_database(database_url)
    app = init_app(replace(settings_for(database_url), scheduler_seconds=0.05), clock=clock)
    async with TestClient(TestServer(app)) as client:
        tickets = client.app[TICKETS]
        ticket, _ = await tickets.create(complaint())
        clock.moment = ticket.due_at + timedelta(minutes=5)
        for _ in range(100):
            if (await tickets.get(ticket.number)).escalations:
                break
            await asyncio.sleep(0.05)
        assert (await tickets.get(ticket.number)).escalations >= 1
