"""`hotline seed-demo` gives a new hotline centre logins and cases in several states; twice adds nothing."""

from __future__ import annotations

from bot.accounts.service import AccountService
from bot.demo import ACCOUNTS, CASES, seed_demo
from bot.ticketing.states import Status


async def test_demo_accounts_log_in_and_cases_sit_in_several_states(service, pack, clock):
    created, numbers = await seed_demo(service.engine, pack, clock)
    assert [username for username, _, _ in created] == [username for username, _, _ in ACCOUNTS]
    accounts = AccountService(service.engine, pack, clock)
    username, _, password = created[1]
    assert (await accounts.login(username, password)) is not None

    tickets = [await service.get(number) for number in numbers]
    states = {Status(t.status) for t in tickets}
    assert {Status.dispatched, Status.signed, Status.resolved, Status.rejected} <= states
    assert len(set(numbers)) == len(CASES)

    again, same = await seed_demo(service.engine, pack, clock)
    assert again == [] and same == numbers


async def test_demo_cases_never_break_a_database_with_real_cases_at_the_same_places(service, pack, clock):
    from bot.ticketing.service import NewTicket

    real, _ = await service.create(
        NewTicket(
            sender_id="web:a-real-resident",
            description=CASES[0].text,
            address=CASES[0].address,
            category=CASES[0].category,
            category_confidence=0.9,
        )
    )
    _, numbers = await seed_demo(service.engine, pack, clock)
    merged = await service.get(numbers[0])
    assert Status(merged.status) is Status.merged and merged.merged_into == real.number
    assert Status((await service.get(real.number)).status) is Status.dispatched  # the real case is untouched
