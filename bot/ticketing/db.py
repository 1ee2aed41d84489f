"""Engine and schema. SQLite under var/ by default; PostgreSQL through DATABASE_URL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, event, inspect
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def schema() -> MetaData:
    """Every table of the linkage service, for migrations and for resetting a test database.
    Tables of other capabilities live in their own packages and register on import."""
    import bot.accounts.models
    import bot.handoff.models
    import bot.knowledge.models
    import bot.notify.models  # noqa: F401
    from bot.ticketing.models import Base

    return Base.metadata


MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
BASELINE = "0001"  # the schema databases had before migrations existed

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}


def async_url(url: str) -> str:
    """`postgresql://…` or `sqlite:///…` (as Rasa and psql take them) → the async driver's URL."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if parsed.drivername in _ASYNC_DRIVERS.values():
        return url
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported database '{backend}' in DATABASE_URL")
    return str(parsed.set(drivername=_ASYNC_DRIVERS[backend]))


def make_engine(url: str) -> AsyncEngine:
    full = async_url(url)
    parsed = make_url(full)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(full, future=True, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_async_engine(full, future=True, pool_pre_ping=True)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    config = alembic_config(connection)
    tables = inspect(connection)
    if tables.has_table("tickets") and not tables.has_table("alembic_version"):
        # A database made by the first slice with create_all: it is exactly the baseline.
        command.stamp(config, BASELINE)
    command.upgrade(config, "head")


async def create_schema(engine: AsyncEngine) -> None:
    """Bring the schema to the newest migration (alembic), on SQLite and PostgreSQL alike."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)
