import asyncio
import re

import pytest

from bot.errors import InvalidInput, TicketNotFound
from bot.ticketing.service import NewTicket
from bot.ticketing.states import Status

NUMBER = re.compile(r"^\d{8}-\d{6}$")


def complaint(**overrides):
    values = {
        "sender_id": "web:resident-1",
        "description": "我们小区门口天天有车乱停，把消防通道都堵死了",
        "address": "宝山北路56号",
        "category": "fire_lane_blocked",
        "category_confidence": 0.93,
        "contact_phone": "139 8501 2345",
        "idempotency_key": "key-0000000001",
    }
    values.update(overrides)
    return NewTicket(**values)


async def test_a_complaint_becomes_a_dispatched_ticket_with_deadline(service):
    ticket, created = await service.create(complaint())
    assert created and NUMBER.match(ticket.number) and ticket.number.startswith("20261122-")
    assert ticket.status == Status.dispatched.value
    assert ticket.department.name == "区消防救援大队"
    assert ticket.community == "baoshan"
    assert ticket.contact_phone == "13985012345"
    assert ticket.due_at > ticket.accepted_at
    assert [e.action for e in ticket.events] == ["accept", "dispatch"]


async def test_the_same_idempotency_key_never_makes_a_second_ticket(service):
    first, _ = await service.create(complaint())
    again, created = await service.create(complaint())
    assert not created and again.number == first.number
    assert len(await service.list_for_sender("web:resident-1")) == 1


async def test_concurrent_creation_gives_unique_consecutive_numbers(service):
    results = await asyncio.gather(
        *(service.create(complaint(idempotency_key=f"key-concurrent-{i:03d}")) for i in range(25))
    )
    numbers = sorted(ticket.number for ticket, _ in results)
    assert len(set(numbers)) == 25
    assert [int(n[-6:]) for n in numbers] == list(range(1, 26))


async def test_concurrent_retries_of_one_complaint_make_one_ticket(service):
    results = await asyncio.gather(*(service.create(complaint(idempotency_key="key-retried-42")) for _ in range(8)))
    assert len({ticket.number for ticket, _ in results}) == 1
    assert sum(created for _, created in results) == 1


async def test_a_resident_cannot_read_someone_elses_ticket(service):
    ticket, _ = await service.create(complaint())
    assert (await service.get(ticket.number, "web:resident-1")).number == ticket.number
    with pytest.raises(TicketNotFound):
        await service.get(ticket.number, "tg:someone-else")
    with pytest.raises(TicketNotFound):
        await service.get(ticket.number.replace("-", ""), "tg:someone-else")


async def test_unsure_category_waits_in_the_triage_queue(service):
    ticket, _ = await service.create(complaint(category="other", idempotency_key="key-other-000001"))
    assert ticket.status == Status.accepted.value
    assert ticket.department.code == "hotline_centre"


@pytest.mark.parametrize(
    "bad",
    [{"description": "  "}, {"address": ""}, {"contact_phone": "1398501234a"}, {"appeal_type": "shouting"}],
)
async def test_incomplete_complaints_are_refused_in_chinese(service, bad):
    with pytest.raises(InvalidInput) as error:
        await service.create(complaint(**bad))
    assert re.search(r"[\u4e00-\u9fff]", error.value.message)


async def test_unknown_ticket_number(service):
    with pytest.raises(TicketNotFound):
        await service.get("20261122-999999")
