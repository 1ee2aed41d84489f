"""Accounts: Argon2 hashes, roles scoped to departments, the login-failure limit, tokens stored as
digests and revoked, the CLI."""

import asyncio
import io
import sys
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.accounts.models import ApiToken, LoginFailure, User
from bot.accounts.passwords import digest
from bot.accounts.roles import Role
from bot.accounts.service import AccountService
from bot.cli import main
from bot.errors import InvalidInput, NotFound, TooManyAttempts, Unauthorized

RIGHT = "right-pass-1"


@pytest.fixture
async def accounts(service, pack, clock):
    return AccountService(service.engine, pack, clock)


async def test_passwords_are_argon2_hashes_and_logins_check_them(accounts):
    user = await accounts.add_user("fire01", "department", "s3cret-pass", "fire_rescue")
    assert user.password_hash.startswith("$argon2id$") and "s3cret-pass" not in user.password_hash
    login = await accounts.login("fire01", "s3cret-pass")
    assert login.principal.role is Role.department and login.principal.department == "fire_rescue"
    assert (await accounts.session(login.session_secret)).csrf_token == login.csrf_token
    for username, password in [("fire01", "wrong-pass"), ("nobody", "s3cret-pass")]:
        with pytest.raises(Unauthorized):
            await accounts.login(username, password)
    await accounts.logout(login.session_secret)
    assert await accounts.session(login.session_secret) is None


@pytest.mark.parametrize(
    ("username", "role", "department", "password"),
    [
        ("staff01", "department", None, "long-enough"),  # department staff need a department
        ("staff01", "department", "atlantis", "long-enough"),
        ("staff01", "operator", "fire_rescue", "long-enough"),  # only department staff belong to one
        ("staff01", "emperor", None, "long-enough"),
        ("staff01", "operator", None, "short"),
        ("a b", "operator", None, "long-enough"),
    ],
)
async def test_bad_accounts_are_refused(accounts, username, role, department, password):
    with pytest.raises(InvalidInput):
        await accounts.add_user(username, role, password, department)


async def test_tokens_are_stored_as_digests(accounts, service):
    token = await accounts.create_token("department", "sanitation")
    principal = await accounts.principal_for_token(token)
    assert principal.role is Role.department and principal.department == "sanitation"
    async with service.sessions() as session:
        stored = (await session.execute(select(ApiToken.token_hash))).scalars().all()
    assert token not in stored and len(stored[0]) == 64
    assert await accounts.principal_for_token(token + "x") is None


async def fail(accounts, username, times):
    for _ in range(times):
        with pytest.raises(Unauthorized, match="用户名或密码不正确"):
            await accounts.login(username, "wrong-pass-1")


async def test_five_failures_lock_the_name_for_15_minutes_even_with_the_right_password(accounts, clock):
    await accounts.add_user("ops01", "operator", RIGHT)
    await accounts.add_user("ops02", "operator", RIGHT)
    await fail(accounts, "ops01", 5)
    with pytest.raises(TooManyAttempts, match="登录失败次数过多，请 15 分钟后再试") as refused:
        await accounts.login("ops01", RIGHT)
    assert refused.value.status == 429 and refused.value.retry_after == 15 * 60
    assert (await accounts.login("ops02", RIGHT)).principal.name == "ops02"  # only that name is locked
    clock.moment += timedelta(minutes=14, seconds=59)
    with pytest.raises(TooManyAttempts, match="请 1 分钟后再试"):
        await accounts.login("ops01", RIGHT)
    clock.moment += timedelta(seconds=1)
    assert (await accounts.login("ops01", RIGHT)).principal.name == "ops01"


async def test_the_lock_runs_from_the_last_failure_and_refused_tries_do_not_extend_it(accounts, clock):
    await accounts.add_user("ops01", "operator", RIGHT)
    for _ in range(5):
        await fail(accounts, "ops01", 1)
        clock.moment += timedelta(minutes=1)
    last_failure = clock.moment - timedelta(minutes=1)
    clock.moment = last_failure + timedelta(minutes=10)
    with pytest.raises(TooManyAttempts, match="请 5 分钟后再试"):
        await accounts.login("ops01", RIGHT)
    clock.moment = last_failure + timedelta(minutes=14)
    with pytest.raises(TooManyAttempts, match="请 1 分钟后再试"):
        await accounts.login("ops01", RIGHT)
    clock.moment = last_failure + timedelta(minutes=15)
    assert await accounts.login("ops01", RIGHT)


async def test_a_successful_login_clears_the_count(accounts):
    await accounts.add_user("ops01", "operator", RIGHT)
    await fail(accounts, "ops01", 4)
    assert await accounts.login("ops01", RIGHT)
    await fail(accounts, "ops01", 4)  # eight failures in all, but never five since the success
    assert await accounts.login("ops01", RIGHT)


async def test_unknown_usernames_are_counted_and_locked_the_same_way(accounts):
    await fail(accounts, "nobody", 5)
    with pytest.raises(TooManyAttempts, match="登录失败次数过多，请 15 分钟后再试"):
        await accounts.login("nobody", RIGHT)


async def test_an_administrator_unlocks_a_locked_colleague_at_once(accounts):
    await accounts.add_user("ops01", "operator", RIGHT)
    await fail(accounts, "ops01", 5)
    with pytest.raises(TooManyAttempts):
        await accounts.login("ops01", RIGHT)
    assert await accounts.unlock("ops01") == 5
    assert (await accounts.login("ops01", RIGHT)).principal.name == "ops01"
    assert await accounts.unlock("ops01") == 0  # nothing left to forget


async def test_the_count_is_in_the_database_shared_by_every_server(accounts, service, pack, clock):
    await accounts.add_user("ops01", "operator", RIGHT)
    await fail(accounts, "ops01", 3)
    restarted = AccountService(service.engine, pack, clock)  # another instance, or this one after a restart
    await fail(restarted, "ops01", 2)
    for instance in (accounts, restarted):
        with pytest.raises(TooManyAttempts):
            await instance.login("ops01", RIGHT)


async def test_guesses_sent_at_once_reach_the_password_check_at_most_five_times(accounts):
    await accounts.add_user("ops01", "operator", RIGHT)
    results = await asyncio.gather(
        *(accounts.login("ops01", f"guess-{i:02d}") for i in range(20)), return_exceptions=True
    )
    kinds = Counter(type(result).__name__ for result in results)
    # Fewer than five may be checked (all arriving together, each can see the others and be refused), never more.
    assert kinds["Unauthorized"] <= 5 and kinds["Unauthorized"] + kinds["TooManyAttempts"] == 20, kinds


async def test_old_failures_are_pruned(accounts, service, clock):
    await fail(accounts, "nobody", 3)
    clock.moment += timedelta(minutes=31)
    await fail(accounts, "someone", 1)
    async with service.sessions() as session:
        left = (await session.execute(select(LoginFailure.username))).scalars().all()
    assert left == ["someone"]


async def test_revoked_tokens_stop_working_and_revoking_twice_is_harmless(accounts, clock):
    token = await accounts.create_token("operator", name="crm")
    [listed] = await accounts.list_tokens()
    assert (listed.name, listed.role, listed.department, listed.revoked_at) == ("crm", "operator", None, None)
    first = await accounts.revoke_token(listed.id)
    assert first.revoked_at == clock.moment and await accounts.principal_for_token(token) is None
    clock.moment += timedelta(hours=1)
    assert (await accounts.revoke_token(listed.id)).revoked_at == first.revoked_at
    assert [t.revoked_at for t in await accounts.list_tokens()] == [first.revoked_at]
    with pytest.raises(NotFound, match="没有编号为 999 的令牌"):
        await accounts.revoke_token(999)


def test_the_cli_adds_users_and_prints_a_token_as_its_last_word(database_url, monkeypatch, capsys):
    import asyncio

    from tests.conftest import reset_database

    asyncio.run(reset_database(database_url))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-password\n"))
    assert main(["users", "add", "--username", "ops01", "--role", "operator", "--password-stdin"]) == 0
    assert main(["token", "create", "--role", "department", "--department", "fire_rescue"]) == 0
    token = capsys.readouterr().out.split()[-1]
    assert token.startswith("hl_") and len(token) > 30
    assert main(["token", "create", "--role", "department", "--department", "atlantis"]) == 1
    assert "未知的单位代码" in capsys.readouterr().err

    async def check():
        from bot.citypack import load_city_pack
        from bot.ticketing.db import make_engine

        engine = make_engine(database_url)
        accounts = AccountService(engine, load_city_pack())
        principal = await accounts.principal_for_token(token)
        async with accounts.sessions() as session:
            user = (await session.execute(select(User).where(User.username == "ops01"))).scalar_one()
        await engine.dispose()
        return principal, user

    principal, user = asyncio.run(check())
    assert principal.department == "fire_rescue" and user.role == "operator"


def test_the_cli_lists_tokens_without_their_secrets_and_revokes_them(database_url, monkeypatch, capsys):
    from tests.conftest import reset_database

    asyncio.run(reset_database(database_url))
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["token", "list"]) == 0
    assert "还没有令牌" in capsys.readouterr().out
    assert main(["token", "create", "--role", "operator", "--name", "crm"]) == 0
    assert main(["token", "create", "--role", "department", "--department", "fire_rescue"]) == 0
    tokens = [line.split()[-1] for line in capsys.readouterr().out.splitlines()]
    assert main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    rows = [line.split("\t") for line in listing.splitlines()[1:]]
    assert [(row[1], row[2], row[3], row[5]) for row in rows] == [
        ("crm", "operator", "-", "有效"),
        ("department-token", "department", "fire_rescue", "有效"),
    ]
    for token in tokens:
        assert token not in listing and digest(token) not in listing and "hl_" not in listing
    crm = rows[0][0]
    assert main(["token", "revoke", crm]) == 0
    assert "已于" in capsys.readouterr().out
    assert main(["token", "revoke", crm]) == 0  # again: harmless
    assert main(["token", "revoke", "999"]) == 1
    assert "没有编号为 999 的令牌" in capsys.readouterr().err
    assert main(["token", "list"]) == 0
    states = [line.split("\t")[5] for line in capsys.readouterr().out.splitlines()[1:]]
    assert states[0].startswith("已吊销") and states[1] == "有效"

    async def principals():
        from bot.citypack import load_city_pack
        from bot.ticketing.db import make_engine

        engine = make_engine(database_url)
        accounts = AccountService(engine, load_city_pack())
        found = [await accounts.principal_for_token(token) for token in tokens]
        await engine.dispose()
        return found

    revoked, kept = asyncio.run(principals())
    assert revoked is None and kept.department == "fire_rescue"


def test_the_cli_unlocks_a_username(database_url, monkeypatch, capsys):
    from tests.conftest import reset_database

    asyncio.run(reset_database(database_url))
    monkeypatch.setenv("DATABASE_URL", database_url)

    monkeypatch.setattr(sys, "stdin", io.StringIO(RIGHT + "\n"))
    assert main(["users", "add", "--username", "ops01", "--role", "operator", "--password-stdin"]) == 0

    async def with_accounts(work):
        from bot.citypack import load_city_pack
        from bot.ticketing.db import make_engine

        engine = make_engine(database_url)
        try:
            return await work(AccountService(engine, load_city_pack()))
        finally:
            await engine.dispose()

    async def lock_out(accounts):
        await fail(accounts, "ops01", 5)
        with pytest.raises(TooManyAttempts):
            await accounts.login("ops01", RIGHT)

    async def log_in(accounts):
        return (await accounts.login("ops01", RIGHT)).principal.name

    asyncio.run(with_accounts(lock_out))
    assert main(["users", "unlock", "ops01"]) == 0
    assert "已解除 ops01 的登录锁定（清除 5 次失败记录）" in capsys.readouterr().out
    assert asyncio.run(with_accounts(log_in)) == "ops01"
    assert main(["users", "unlock", "ops01"]) == 0
    assert "没有登录失败记录" in capsys.readouterr().out
