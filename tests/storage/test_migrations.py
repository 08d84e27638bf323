"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    func,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from storage.db import Database, alembic_config
from storage.models import OUTSIDE_THE_MODELS, Base, Office, in_the_models
from tests.support.databases import postgres_database


def _differences(connection: Connection) -> list[Any]:
    opts = {"compare_type": True, "include_object": in_the_models}
    context = MigrationContext.configure(connection, opts=opts)
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


OLDER_ROWS = (
    "INSERT INTO beneficiaries (id, national_id, full_name, mobile, office_code, health_certificate,"
    " canteen_interest, language, consented_at, registered_at)"
    " VALUES (1, '1000000008', 'فاطمة أحمد', '+966551234567', 'makkah', true, true, 'ar', :day, :day)",
    "INSERT INTO canteen_opportunities (id, school_name, stage, girls, district, office_code, students,"
    " starts_on, requirements, deadline, places, created_by, created_at)"
    " VALUES (1, 'مدرسة', 'primary', true, 'حي', 'makkah', 100, :start, '', :day, 1, 'x', :day)",
    "INSERT INTO canteen_applications (id, opportunity_id, beneficiary_id, status, reason, applied_at,"
    " decided_at, decided_by) VALUES (5, 1, 1, 'rejected', 'بعيدة', :day, :day, '901')",
    "INSERT INTO deliveries (kind, source_id, beneficiary_id, payload, status, attempts, next_attempt_at,"
    " created_at, updated_at) VALUES ('canteen_rejected', 5, 1, '{}', 'sent', 1, :day, :day, :day)",
    "INSERT INTO events (id, title_ar, description_ar, starts_at, ends_at, venue_ar, audience, invite_at,"
    " invited_at, schedule, created_by, created_at, updated_at)"
    " VALUES (1, 'ملتقى', '', :day, :day, 'مكان', '{}', :day, :day, 1, 'x', :day, :day)",
    "INSERT INTO events (id, title_ar, description_ar, starts_at, ends_at, venue_ar, audience, invite_at,"
    " schedule, created_by, created_at, updated_at)"
    " VALUES (2, 'دورة', '', :day, :day, 'مكان', '{}', :day, 1, 'x', :day, :day)",
)


async def test_decisions_already_told_become_rows_and_links_already_sent_keep_working(
    database: Database,
) -> None:
    """Upgrading a database of before the office actions: each canteen decision she was told becomes a
    decision row that its message names; events already invited keep their calendar address by number."""
    values = {"day": datetime(2026, 11, 3), "start": date(2027, 1, 10)}
    async with database.engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0011"))
        for statement in OLDER_ROWS:
            await connection.execute(text(statement), values)
    await database.migrate()
    async with database.engine.connect() as connection:
        decisions = await connection.execute(
            text("SELECT id, application_id, status, reason, decided_by FROM canteen_decisions")
        )
        assert [tuple(row) for row in decisions] == [(1, 5, "rejected", "بعيدة", "901")]
        source = await connection.execute(text("SELECT source_id FROM deliveries"))
        assert source.scalar_one() == 1
        calendars = await connection.execute(
            text("SELECT id, calendar_by_number, length(calendar_key) FROM events ORDER BY id")
        )
        assert [tuple(row) for row in calendars] == [(1, True, 22), (2, False, 22)]


async def test_a_new_sqlite_file_is_readable_by_its_owner_alone(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'usar.db'}")
    try:
        await database.migrate()
    finally:
        await database.dispose()
    for name in ("usar.db", "usar.db-wal", "usar.db-shm"):
        file = tmp_path / name
        assert not file.exists() or file.stat().st_mode & 0o077 == 0, name
    assert (tmp_path / "usar.db").exists()


async def _start_together(url: str, processes: int) -> list[str | None]:
    """What `usar run` does first, by several processes at once (each its own connections)."""
    databases = [Database(url) for _ in range(processes)]
    try:
        # Within a minute: without their taking turns, they were still waiting on each other after ten.
        await asyncio.wait_for(asyncio.gather(*(database.migrate() for database in databases)), timeout=60)
        return [(await database.schema())[0] for database in databases]
    finally:
        for database in databases:
            await database.dispose()


@pytest.mark.postgres
def test_three_processes_started_together_on_an_empty_postgresql_schema_all_start() -> None:
    with postgres_database(migrated=False) as url:
        versions = asyncio.run(_start_together(url, 3))
    assert len(set(versions)) == 1 and versions[0] is not None


def test_three_processes_started_together_on_a_new_sqlite_file_all_start(tmp_path: Path) -> None:
    # Their first connections race to put the new file in WAL mode; one round in ten lost that race.
    for start in range(8):
        versions = asyncio.run(_start_together(f"sqlite:///{tmp_path / f'usar-{start}.db'}", 3))
        assert len(set(versions)) == 1 and versions[0] is not None


def _revisions() -> list[str]:
    """Every migration, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def _filled(connection: Connection, column: Any) -> Any:
    """A value a column takes: for a foreign key, a row its parent table has; else one by its type."""
    for key in column.foreign_keys:
        return connection.scalar(select(key.column).limit(1))
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer | Float | Numeric):
        return 1
    if isinstance(kind, DateTime):
        return datetime(2026, 1, 1, 8, 0)
    if isinstance(kind, Date):
        return date(2026, 1, 1)
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, LargeBinary):
        return b"\x00"
    length = getattr(kind, "length", None) or 8
    return "1000000008"[: max(1, min(length, 10))]


def _one_row_in_every_table(connection: Connection) -> dict[str, int]:
    """A row in every table of this schema, parents first, with only what its columns require; each
    table's rows afterwards."""
    schema = MetaData()
    schema.reflect(connection)
    for table in schema.sorted_tables:
        if table.name.startswith(OUTSIDE_THE_MODELS):
            continue  # the search index of names (and its own tables), which triggers keep
        if table.name == "alembic_version" or connection.scalar(select(func.count()).select_from(table)):
            continue  # rows the migrations put there (the offices): kept as they are
        values = {
            column.name: _filled(connection, column)
            for column in table.columns
            if not column.nullable
            and column.server_default is None
            and not (
                column.primary_key
                and isinstance(column.type, Integer)
                and len(table.primary_key) == 1
                and not column.foreign_keys
            )
        }
        if "id" in table.columns and isinstance(table.columns["id"].type, Integer):
            values["id"] = 1
        # A CHECK may ask for one of several optional parents (a delivery's recipient): tried one at a time.
        optional = [column for column in table.columns if column.nullable and column.foreign_keys]
        for extra in [None, *optional]:
            row = values if extra is None else {**values, extra.name: _filled(connection, extra)}
            try:
                with connection.begin_nested():
                    connection.execute(table.insert().values(**row))
                break
            except IntegrityError:
                continue
        else:
            raise AssertionError(f"no row fits {table.name}")
    return {
        table.name: connection.scalar(select(func.count()).select_from(table)) or 0
        for table in schema.sorted_tables
    }


@pytest.mark.parametrize("revision", _revisions()[:-1])
async def test_each_earlier_schema_with_rows_in_it_comes_up_to_the_newest_keeping_them(
    revision: str, sqlite_url: str
) -> None:
    """An installation at any earlier migration, with data, upgrades to the newest: nothing fails, no row is
    lost, and the schema is the models' (migrations only go forward in production: docs/OPERATIONS.md)."""
    database = Database(sqlite_url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "base"))
            await connection.run_sync(lambda c: command.upgrade(alembic_config(c), revision))
            before = await connection.run_sync(_one_row_in_every_table)
        await database.migrate()
        async with database.engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            if database.is_sqlite:  # off while migrating, on again after
                assert await connection.scalar(text("PRAGMA foreign_keys")) == 1
            for table, rows in before.items():
                if table != "alembic_version":
                    kept = await connection.scalar(text(f'SELECT count(*) FROM "{table}"'))
                    assert kept is not None and kept >= rows, table
    finally:
        await database.dispose()
