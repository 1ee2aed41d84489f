"""Accounts: Argon2 hashes, roles scoped to departments, tokens stored as digests, the CLI."""

import io
import sys

import pytest
from sqlalchemy import select

from bot.accounts.models import ApiToken, User
from bot.accounts.roles import Role
from bot.accounts.service import AccountService
from bot.cli import main
from bot.errors import InvalidInput, Unauthorized


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
