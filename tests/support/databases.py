"""The databases tests run on: a migrated SQLite file per test, and PostgreSQL when a server is given.

PostgreSQL comes from USAR_TEST_POSTGRES_URL. Without it, or without a server there, its tests are skipped
with the reason shown, except under CI=true, where they fail: CI provides the server.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import Database
from storage.models import Base

POSTGRES_URL_VARIABLE = "USAR_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
# Every table but the offices, which the first migration seeds; tests that change how an office is reached,
# or make it inactive, have it set back (`OFFICE_CONTACT`), and the offices a test added are removed.
SEEDED_OFFICES = ("makkah", "jumum", "jeddah")
TABLES_WITH_ROWS_PER_TEST = tuple(
    table.name for table in Base.metadata.sorted_tables if table.name != "offices"
)

OFFICE_CONTACT = ", ".join(
    [f"{name} = ''" for name in ("phone", "whatsapp", "address_ar", "address_en", "map_url", "hours_note_ar",
                                 "hours_note_en")] + ["hours = '[]'", "active = true"]
)  # fmt: skip


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await database.migrate()
    finally:
        await database.dispose()


@contextmanager
def sqlite_template(directory: Path) -> Iterator[Path]:
    """One migrated SQLite file per test run; each test gets its own copy."""
    path = directory / "template.db"
    asyncio.run(_migrate(sqlite_url(path)))
    yield path


def sqlite_copy(template: Path, directory: Path) -> str:
    target = directory / "usar.db"
    shutil.copyfile(template, target)
    return sqlite_url(target)


def postgres_server_url() -> str | None:
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if url is None and os.environ.get("CI") == "true":
        url = DEFAULT_POSTGRES_URL
    return url


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def postgres_database(migrated: bool = True) -> Iterator[str]:
    """A new database on the test server (migrated, unless asked otherwise), dropped at the end."""
    server = postgres_server_url()
    if server is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_URL_VARIABLE} (CI sets it)")
    name = f"usar_test_{uuid.uuid4().hex[:12]}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(_plain(server))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    try:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as problem:
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"CI needs the PostgreSQL server at {server}: {problem}") from problem
        pytest.skip(f"no PostgreSQL server at {server}: {problem}")
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        if migrated:
            asyncio.run(_migrate(url))
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def empty_postgres(database: Database) -> None:
    async with database.engine.begin() as connection:
        tables = ", ".join(TABLES_WITH_ROWS_PER_TEST)
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await connection.execute(text(f"UPDATE offices SET {OFFICE_CONTACT}"))
        seeded = ", ".join(f"'{code}'" for code in SEEDED_OFFICES)
        await connection.execute(text(f"DELETE FROM offices WHERE code NOT IN ({seeded})"))
