"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, select

from storage.db import Database, alembic_config
from storage.models import Base, Office


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


async def test_the_offices_are_seeded_as_data(database: Database) -> None:
    offices = await database.run(lambda s: s.scalars(select(Office).order_by(Office.position)).all())
    assert [(o.code, o.name_ar, o.name_en) for o in offices] == [
        ("makkah", "مكة المكرمة", "Makkah"),
        ("jumum", "الجموم", "Al-Jumum"),
        ("jeddah", "جدة", "Jeddah"),
    ]


async def test_downgrade_to_nothing_and_up_again(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "base"))
        async with database.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: c.dialect.get_table_names(c))
        assert tables == ["alembic_version"]
        await database.migrate()
        async with database.engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await database.dispose()
