"""Alembic migrations build exactly the schema the models describe, and adopt pre-migration databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.knowledge.models import KnowledgeArticle
from bot.ticketing.db import create_schema, make_engine
from bot.ticketing.models import Base
from tests.conftest import reset_database


def _ours(obj, name, type_, reflected, compare_to):
    """The shared test database also holds Rasa's tracker tables; compare only ours."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in Base.metadata.tables


def _differences(connection):
    context = MigrationContext.configure(connection, opts={"include_object": _ours})
    return compare_metadata(context, Base.metadata)


async def test_head_matches_the_models(database_url):
    await reset_database(database_url)
    engine = make_engine(database_url)
    await create_schema(engine)
    async with engine.connect() as connection:
        assert await connection.run_sync(_differences) == []
        version = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    assert version == "0008"
    assert KnowledgeArticle.__tablename__ in Base.metadata.tables  # 0004 is compared too
    await engine.dispose()


async def test_a_database_from_before_migrations_is_upgraded_in_place(database_url):
    from alembic import command

    from bot.ticketing.db import alembic_config

    await reset_database(database_url)
    engine = make_engine(database_url)

    def baseline_without_alembic(connection):
        config = alembic_config(connection)
        command.upgrade(config, "0001")
        connection.execute(text("DROP TABLE alembic_version"))

    async with engine.begin() as connection:
        await connection.run_sync(baseline_without_alembic)
    await create_schema(engine)
    async with engine.connect() as connection:
        columns = await connection.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("tickets")})
    assert {"version", "paused_at", "merged_into"} <= columns
    await engine.dispose()
