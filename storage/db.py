"""The database: engine for a URL (SQLite by default, PostgreSQL through asyncpg), migrations, and the
transaction that every unit of work runs in."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

T = TypeVar("T")
log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
ATTEMPTS = 12


class DatabaseURLError(ValueError):
    pass


def async_url(url: str) -> str:
    """The URL with the async driver we use: `sqlite://…` → aiosqlite, `postgresql://…` → asyncpg."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise DatabaseURLError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise DatabaseURLError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")


def _is_conflict(exc: BaseException) -> bool:
    """A race with another turn or process: the work is safe to run again on fresh state."""
    if isinstance(exc, StaleDataError | IntegrityError):
        return True
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig)


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        options: dict[str, Any] = {"echo": echo, "hide_parameters": True}  # no personal data in errors
        if not self.is_sqlite:
            options["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction and commit it; run it again from scratch if it raced another."""
        for attempt in range(1, ATTEMPTS + 1):
            async with self.sessions() as session:
                try:
                    result = await session.run_sync(work)
                    await session.commit()
                    return result
                except Exception as exc:
                    await session.rollback()
                    if attempt == ATTEMPTS or not _is_conflict(exc):
                        raise
                    log.info(
                        "transaction conflict (%s), attempt %d, running again", type(exc).__name__, attempt
                    )
            # A short random pause so that two processes racing for one row stop colliding.
            await asyncio.sleep(random.uniform(0, 0.002 * attempt))
        raise AssertionError("unreachable")

    async def migrate(self) -> None:
        """Bring the schema to the newest migration (what `usar migrate` and every start do)."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade)

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL for readers beside a writer, foreign keys on, a busy timeout, and real BEGINs.

    The driver's own transaction handling starts transactions late and never for SELECT; SQLAlchemy's
    documented recipe hands that to us, so a unit of work reads and writes in one transaction.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")
