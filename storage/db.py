"""The database: engine for a URL (SQLite by default, PostgreSQL through asyncpg), migrations, and the
transaction that every unit of work runs in."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import SingletonThreadPool

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
    if isinstance(exc, StaleDataError | IntegrityError):  # StaleConversation is a StaleDataError
        return True
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig)


def _pause(attempt: int) -> float:
    """A short random pause so that two processes racing for one row stop colliding."""
    return random.uniform(0, 0.002 * attempt)


def _log_conflict(exc: BaseException, attempt: int) -> None:
    log.info("transaction conflict (%s), attempt %d, running again", type(exc).__name__, attempt)


class Database:
    """The database of one process.

    A unit of work is synchronous code over a Session (`run`). On PostgreSQL it runs on the async engine
    (asyncpg) through `AsyncSession.run_sync`. On SQLite, by default, it runs whole in one worker thread on
    a synchronous session: aiosqlite makes every statement several round trips to its own thread, which the
    inbound benchmark showed to cost more than everything else in a turn together, and SQLite has one
    writer at a time anyway. `sqlite_in_thread=False` keeps the statement-by-statement async path (the
    benchmark measures both; docs/PERFORMANCE.md has the figures).
    """

    def __init__(self, url: str, *, echo: bool = False, sqlite_in_thread: bool = True) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        options: dict[str, Any] = {"echo": echo, "hide_parameters": True}  # no personal data in errors
        if not self.is_sqlite:
            options["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._thread: ThreadPoolExecutor | None = None
        if self.is_sqlite:
            _configure_sqlite(self.engine.sync_engine)
            if sqlite_in_thread:
                sync_url = make_url(self.url).set(drivername="sqlite")
                # One thread, so one connection kept open for it: no pool checkout per turn.
                self._sync_engine = create_engine(
                    sync_url, echo=echo, hide_parameters=True, poolclass=SingletonThreadPool
                )
                _configure_sqlite(self._sync_engine)
                self._sync_sessions = sessionmaker(self._sync_engine, expire_on_commit=False)
                self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usar-sqlite")

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction and commit it; run it again from scratch if it raced another."""
        if self._thread is not None:
            return await asyncio.get_running_loop().run_in_executor(self._thread, self._run_in_thread, work)
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
                    _log_conflict(exc, attempt)
            await asyncio.sleep(_pause(attempt))
        raise AssertionError("unreachable")

    def _run_in_thread(self, work: Callable[[Session], T]) -> T:
        for attempt in range(1, ATTEMPTS + 1):
            with self._sync_sessions() as session:
                try:
                    result = work(session)
                    session.commit()
                    return result
                except Exception as exc:
                    session.rollback()
                    if attempt == ATTEMPTS or not _is_conflict(exc):
                        raise
                    _log_conflict(exc, attempt)
            time.sleep(_pause(attempt))
        raise AssertionError("unreachable")

    async def migrate(self) -> None:
        """Bring the schema to the newest migration (what `usar migrate` and every start do)."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade)

    async def dispose(self) -> None:
        if self._thread is not None:
            self._thread.submit(self._sync_engine.dispose).result()  # its connection lives in that thread
            self._thread.shutdown(wait=True)
        await self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _configure_sqlite(engine: Engine) -> None:
    """WAL for readers beside a writer, foreign keys on, a busy timeout, and real BEGINs.

    The driver's own transaction handling starts transactions late and never for SELECT; SQLAlchemy's
    documented recipe hands that to us, so a unit of work reads and writes in one transaction.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")
