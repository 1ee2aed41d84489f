"""Shared fixtures: a real database (SQLite always, PostgreSQL when TEST_DATABASE_URL is set),
a frozen clock, the demo city pack and a running linkage service."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import AsyncIterator, Callable, Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from bot.citypack import DEFAULT_PACK, CityPack, load_city_pack
from bot.settings import Settings
from bot.ticketing.db import create_schema, make_engine, schema
from bot.ticketing.service import TicketService
from bot.web.app import init_app

SERVICE_TOKEN = "test-service-token-0123456789"


class FrozenClock:
    """A clock the test moves by hand (Sunday 22 Nov 2026, 10:00 Beijing time by default)."""

    def __init__(self, moment: datetime = datetime(2026, 11, 22, 2, 0, tzinfo=timezone.utc)) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def _database_params() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get("TEST_DATABASE_URL"):
        params.append(pytest.param("postgresql", id="postgresql"))
    else:
        print("TEST_DATABASE_URL is not set: PostgreSQL variants of the database tests are skipped")
    return params


async def reset_database(url: str) -> None:
    """Drop every table, so each test starts from an empty database (PostgreSQL is shared)."""
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(schema().drop_all)
        await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()


@pytest.fixture(scope="session")
def pack() -> CityPack:
    return load_city_pack()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(params=_database_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    return os.environ["TEST_DATABASE_URL"]


@pytest.fixture
async def service(database_url: str, pack: CityPack, clock: FrozenClock) -> AsyncIterator[TicketService]:
    await reset_database(database_url)
    engine = make_engine(database_url)
    await create_schema(engine)
    tickets = TicketService(engine, pack, clock)
    await tickets.sync_departments()
    yield tickets
    await engine.dispose()


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., Settings]:
    def make(database_url: str, rasa_url: str = "http://127.0.0.1:9") -> Settings:
        return Settings(
            database_url=database_url,
            service_token=SERVICE_TOKEN,
            rasa_url=rasa_url,
            city_pack=DEFAULT_PACK,
            session_secret="test-session-secret",
            attachments_dir=tmp_path / "attachments",
        )

    return make


@pytest.fixture
async def client(
    database_url: str, settings_for: Callable[..., Settings], clock: FrozenClock
) -> AsyncIterator[TestClient]:
    await reset_database(database_url)
    app = init_app(settings_for(database_url), clock=clock)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.fixture
def auth() -> dict:
    return {"Authorization": f"Bearer {SERVICE_TOKEN}"}


@pytest.fixture(autouse=True)
def _no_env_leaks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never read the developer's .env or real services by accident."""
    for name in ("DATABASE_URL", "REDIS_URL", "LINKAGE_URL", "OUTBOX_PATH"):
        monkeypatch.delenv(name, raising=False)
    yield
