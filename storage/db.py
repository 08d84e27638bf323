"""The database: engine for a URL (SQLite by default, PostgreSQL through asyncpg), migrations, and the
transaction that every unit of work runs in."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import random
import sqlite3
import time
from asyncio import Future
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, RootTransaction, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import SingletonThreadPool, StaticPool

T = TypeVar("T")
log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
ATTEMPTS = 12
# A SQLite transaction is deferred, taking the write lock at its first write so that readers never wait,
# unless its connection has these execution options: then it takes the lock at BEGIN, waiting for it there.
WRITE_LOCK_FIRST = {"sqlite_begin": "BEGIN IMMEDIATE"}
MIGRATION_LOCK = 0x75736172  # "usar": the advisory lock a migration holds on PostgreSQL
BUSY_TIMEOUT_MS = 5000  # how long a SQLite unit of work waits for another writer
MIGRATION_PATIENCE = 300.0  # seconds a process waits for another's migration (SQLite)
WAL_SWITCH_PATIENCE = 5.0  # seconds a new SQLite file's first connections may race to put it in WAL mode
GROUP_LIMIT = 64  # units of work committed together at most, so that other processes never wait long
ERASED = "usar.erased"  # on a connection's info: its unit of work deleted someone's data (`erased`)


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


# PostgreSQL's "deadlock detected" and "could not serialize": the transaction lost a race and was undone.
_RACES = ("40P01", "40001")


def _is_conflict(exc: BaseException) -> bool:
    """A race with another turn or process: the work is safe to run again on fresh state."""
    if isinstance(exc, StaleDataError | IntegrityError):  # StaleConversation is a StaleDataError
        return True
    if isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in _RACES:
        return True
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig)


def _create_for_owner_only(path: str | None) -> None:
    """A new SQLite file, readable by its owner alone: it holds national IDs and mobiles. (SQLite gives its
    -wal and -shm files the database file's permissions.) An existing file is left as its owner set it."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def is_unreachable(exc: BaseException) -> bool:
    """The database could not be reached, or lost the connection (a restart, a network outage, a file it
    could not open): the same work may succeed later, unlike a wrong statement or a broken constraint."""
    if isinstance(exc, OSError | TimeoutError):  # asyncpg's connect raises these unwrapped
        return True
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    return False


class OutOfReach:
    """A job that finds the database out of reach run after run: said once when it starts, with its reason
    and no traceback, and once when it is over, with how many runs it held back; not every two seconds."""

    def __init__(self, log: logging.Logger, what: str) -> None:
        self.log, self.what, self.failed = log, what, 0

    def __call__(self, exc: BaseException) -> None:
        if self.failed == 0:
            self.log.warning("%s waits: the database is out of reach (%s)", self.what, type(exc).__name__)
        self.failed += 1

    def reached(self) -> None:
        if self.failed:
            self.log.warning(
                "%s goes on: the database is back after %d runs out of reach", self.what, self.failed
            )
            self.failed = 0


def added(session: Session, row: T) -> T:
    """A new row, added and flushed: its id and defaults are known."""
    session.add(row)
    session.flush()
    return row


def erased(session: Session) -> None:
    """This unit of work deletes someone's data (her right under PDPL): once it is committed, SQLite's
    write-ahead log, which still holds the pages as they were, is written into the file and emptied
    (`Database.wipe_journal`). The file keeps nothing of what was deleted: `secure_delete` zeroes it."""
    session.connection().info[ERASED] = True


def _erasing(session: Session) -> bool:
    """Whether the unit of work in this session deleted someone's data (the mark is taken off)."""
    if not session.in_transaction():
        return False  # it touched no connection, so it deleted nothing
    return bool(session.connection().info.pop(ERASED, False))


def _pause(attempt: int) -> float:
    """A short random pause so that two processes racing for one row stop colliding."""
    return random.uniform(0, 0.002 * attempt)


def _log_conflict(exc: BaseException, attempt: int) -> None:
    log.debug("transaction conflict (%s), attempt %d, running again", type(exc).__name__, attempt)


class Database:
    """The database of one process.

    A unit of work is synchronous code over a Session (`run`). On PostgreSQL it runs on the async engine
    (asyncpg) through `AsyncSession.run_sync`. On SQLite, by default, it runs whole in one worker thread on
    a synchronous session: aiosqlite makes every statement several round trips to its own thread, which the
    inbound benchmark showed to cost more than everything else in a turn together, and SQLite has one
    writer at a time anyway. `sqlite_in_thread=False` keeps the statement-by-statement async path (the
    benchmark measures both; docs/PERFORMANCE.md has the figures).

    A short unit of work, such as a conversation turn, can use `run_short` instead: on SQLite it runs on
    the event loop's own thread, see `_OnTheLoop`.
    """

    def __init__(self, url: str, *, echo: bool = False, sqlite_in_thread: bool = True) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        options: dict[str, Any] = {"echo": echo, "hide_parameters": True}  # no personal data in errors
        if not self.is_sqlite:
            options["pool_pre_ping"] = True
        if self.is_sqlite:
            _create_for_owner_only(make_url(self.url).database)
            # How long opening a connection waits for a writer (a migration can take a while): the busy
            # timeout each connection sets next governs the rest.
            options["connect_args"] = {"timeout": MIGRATION_PATIENCE}
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._thread: ThreadPoolExecutor | None = None
        self._on_the_loop: _OnTheLoop | None = None
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
                self._writer_sessions = sessionmaker(
                    self._sync_engine.execution_options(**WRITE_LOCK_FIRST), expire_on_commit=False
                )
                self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usar-sqlite")
                self._on_the_loop = _OnTheLoop(
                    create_engine(
                        sync_url,
                        echo=echo,
                        hide_parameters=True,
                        poolclass=StaticPool,
                        execution_options=WRITE_LOCK_FIRST,
                    )
                )

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction and commit it; run it again from scratch if it raced another."""
        if self._thread is not None:
            return await self._in_thread(work, self._sync_sessions)
        for attempt in range(1, ATTEMPTS + 1):
            async with self.sessions() as session:
                try:
                    result = await session.run_sync(work)
                    erasing = await session.run_sync(_erasing)
                    await session.commit()
                    if erasing:
                        await self.wipe_journal()
                    return result
                except Exception as exc:
                    await session.rollback()
                    if attempt == ATTEMPTS or not _is_conflict(exc):
                        raise
                    _log_conflict(exc, attempt)
            await asyncio.sleep(_pause(attempt))
        raise AssertionError("unreachable")

    async def run_short(self, work: Callable[[Session], T]) -> T:
        """`run` for a unit of work of a few statements (a conversation turn). On SQLite it runs on the
        event loop's own thread and is committed with the others of the same moment (`_OnTheLoop`);
        if the database is busy, or the work raced another, it runs again in the worker thread."""
        if self._on_the_loop is None:
            return await self.run(work)
        try:
            result, erasing = await self._on_the_loop.run(work)
        except Exception as exc:
            if not (_is_conflict(exc) or isinstance(exc, NotCommitted)):
                raise
        else:
            if erasing:
                await self.wipe_journal()
            return result
        # The worker thread waits for the write lock, then runs it again on fresh state.
        return await self._in_thread(work, self._writer_sessions)

    async def _in_thread(self, work: Callable[[Session], T], sessions: sessionmaker[Session]) -> T:
        loop = asyncio.get_running_loop()
        # In the caller's context, as on the loop (asyncio.to_thread's way): her language, for what it says.
        here = contextvars.copy_context()
        return await loop.run_in_executor(self._thread, here.run, self._run_in_thread, work, sessions)

    def _run_in_thread(self, work: Callable[[Session], T], sessions: sessionmaker[Session]) -> T:
        for attempt in range(1, ATTEMPTS + 1):
            with sessions() as session:
                try:
                    result = work(session)
                    erasing = _erasing(session)
                    session.commit()
                    if erasing:
                        self._wipe_journal_here()
                    return result
                except Exception as exc:
                    session.rollback()
                    if attempt == ATTEMPTS or not _is_conflict(exc):
                        raise
                    _log_conflict(exc, attempt)
            time.sleep(_pause(attempt))
        raise AssertionError("unreachable")

    async def wipe_journal(self) -> None:
        """SQLite: the write-ahead log written into the database file and truncated to nothing (a `TRUNCATE`
        checkpoint), so that the older copies of pages it holds — what a deletion just removed — are gone
        from the disk too; it waits for readers up to the busy timeout, and a database that stays busy
        keeps its log until SQLite's own checkpoints overwrite it. Called after a unit of work that deleted
        someone's data (`erased`). PostgreSQL: nothing here; its VACUUM reclaims deleted rows
        (decision 0117)."""
        if not self.is_sqlite:
            return
        if self._thread is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._thread, self._wipe_journal_here)
            return
        async with self.engine.connect() as connection:
            await connection.run_sync(_truncate_journal)

    def _wipe_journal_here(self) -> None:
        """`wipe_journal` in the worker thread, on its connection (idle between units of work)."""
        with self._sync_engine.connect() as connection:
            _truncate_journal(connection)

    async def schema(self) -> tuple[str | None, str | None]:
        """The migration the database is at, and the newest this code knows."""
        async with self.engine.connect() as connection:
            current = await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
        return current, ScriptDirectory.from_config(alembic_config()).get_current_head()

    async def migrate(self) -> None:
        """Bring the schema to the newest migration (what `usar migrate` and every start do). Processes
        started together take turns: on PostgreSQL under an advisory lock held until the migration commits,
        on SQLite under the database's write lock, taken at BEGIN; the later ones find it done."""
        if self.is_sqlite:
            async with self.engine.connect() as connection:
                # Others wait for the one migrating as long as a migration may take, not the usual 5 s.
                await connection.exec_driver_sql(f"PRAGMA busy_timeout={int(MIGRATION_PATIENCE * 1000)}")
                # Foreign keys off while migrating (a PRAGMA taken outside a transaction): SQLite changes a
                # table by copying it and dropping the old one, and a drop with them on deletes every row
                # that points at it ON DELETE CASCADE (a question's messages, an event's notices).
                await connection.commit()
                await connection.run_sync(_foreign_keys, False)
                try:
                    await connection.execution_options(**WRITE_LOCK_FIRST)
                    async with connection.begin():
                        await connection.run_sync(_upgrade)
                finally:
                    await connection.execution_options(sqlite_begin="BEGIN")
                    await connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                    await connection.commit()
                    await connection.run_sync(_foreign_keys, True)
            return
        async with self.engine.begin() as connection:
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            await connection.run_sync(_upgrade)

    async def dispose(self) -> None:
        if self._on_the_loop is not None:
            self._on_the_loop.close()
        if self._thread is not None:
            self._thread.submit(self._sync_engine.dispose).result()  # its connection lives in that thread
            self._thread.shutdown(wait=True)
        await self.engine.dispose()


class NotCommitted(Exception):
    """The group a unit of work ran in was not committed: it must run again."""


class _OnTheLoop:
    """SQLite units of work run on the event loop's own thread, and committed in groups.

    A worker thread would not let the event loop run meanwhile anyway, since a turn is Python code
    holding the GIL but for the moments in SQLite itself, and the hop there and back costs about as much
    as the turn (docs/PERFORMANCE.md). What a thread is for is waiting, and this never waits: it takes the
    write lock at BEGIN (`BEGIN IMMEDIATE`), with no busy timeout, so when another connection is writing
    it fails at once, before any work, and the caller hands the work to the worker thread, which waits
    for the lock.

    Group commit: the units of work that run in one pass of the event loop (aiogram answers the updates
    of a polling batch as concurrent tasks) share one transaction, committed once at the end of the pass
    or after `GROUP_LIMIT` of them. Each but the first runs in its own savepoint, so one that fails is
    undone alone (the first, failing, takes the transaction with it, which holds only its work). A failed
    ORM flush rolls the whole transaction back, though: then the group's other units fail with
    `NotCommitted` and run again in the worker thread. Each returns only once the group is committed: a
    reply is sent only after what it answers is saved.
    """

    def __init__(self, engine: Engine) -> None:
        _configure_sqlite(engine, busy_timeout_ms=0)
        self._engine = engine
        self._connection: Connection | None = None  # opened on first use, on the loop's thread
        self._group: _Group | None = None

    async def run(self, work: Callable[[Session], T]) -> tuple[T, bool]:
        """What the work returned once its group is committed, and whether it deleted someone's data."""
        group = self._group if self._group is not None and self._group.is_open else self._open_group()
        result = group.run(work)
        if group.size >= GROUP_LIMIT:
            self._finish(group)
        await group.committed
        return result

    def _open_group(self) -> _Group:
        if self._connection is None:
            self._connection = self._engine.connect()
        loop = asyncio.get_running_loop()
        group = _Group(self._connection, self._connection.begin(), loop.create_future())
        self._group = group
        loop.call_soon(self._finish, group)  # after the tasks ready now, which join it
        return group

    def _finish(self, group: _Group) -> None:
        if self._group is group:
            self._group = None
        group.commit()

    def close(self) -> None:
        if self._group is not None:
            self._finish(self._group)
        if self._connection is not None:
            self._connection.close()
        self._engine.dispose()


class _Group:
    """Units of work in one transaction, each after the first in a savepoint; `committed` tells them how it
    ended."""

    def __init__(self, connection: Connection, transaction: RootTransaction, committed: Future[None]) -> None:
        self._connection = connection
        self._transaction = transaction
        self.committed = committed
        self.size = 0

    @property
    def is_open(self) -> bool:
        return not self.committed.done() and self._transaction.is_active

    def run(self, work: Callable[[Session], T]) -> tuple[T, bool]:
        """What the work returned, and whether it deleted someone's data (`erased`)."""
        # The first unit needs no savepoint: were it to fail, the whole transaction holds only its work.
        first = self.size == 0
        if not first:
            self._savepoint("SAVEPOINT unit")
        try:
            with Session(self._connection, expire_on_commit=False) as session:  # joins the transaction
                result = work(session)
                session.flush()  # what the work changed on ORM objects and left pending
                erasing = bool(self._connection.info.pop(ERASED, False))  # its connection is ours
        except Exception:
            self._connection.info.pop(ERASED, None)  # undone: nothing was deleted
            # A failed flush may have rolled back the whole transaction: then `commit` fails the group.
            if self._transaction.is_active:
                if first:
                    self._transaction.rollback()  # and the group is closed: the next unit opens another
                else:
                    self._savepoint("ROLLBACK TO unit")
                    self._savepoint("RELEASE unit")
            raise
        if not first:
            self._savepoint("RELEASE unit")
        self.size += 1
        return result, erasing

    def commit(self) -> None:
        if self.committed.done():
            return
        try:
            if not self._transaction.is_active:
                raise NotCommitted("the group's transaction was rolled back")
            self._transaction.commit()
        except Exception as problem:
            if self._transaction.is_active:
                self._transaction.rollback()
            failed = problem if isinstance(problem, NotCommitted) else NotCommitted(str(problem))
            self.committed.set_exception(failed)
            self.committed.exception()  # retrieved here: a group nobody waits for is not an error
        else:
            self.committed.set_result(None)

    def _savepoint(self, sql: str) -> None:
        execute_on_driver(self._connection, sql).close()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _foreign_keys(connection: Connection, on: bool) -> None:
    """SQLite's foreign keys on or off for this connection, on the driver, outside any transaction (inside
    one the PRAGMA does nothing)."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def _truncate_journal(connection: Connection) -> None:
    execute_on_driver(connection, "PRAGMA wal_checkpoint(TRUNCATE)").close()


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _configure_sqlite(engine: Engine, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    """WAL for readers beside a writer, foreign keys on, a busy timeout, deleted content zeroed, and real
    BEGINs.

    `secure_delete`: what is deleted (a family's data, when she deletes it) is overwritten with zeros in the
    file, not left in free pages and free space for a copy of the file to show (decision 0117). It costs
    writing zeros where rows go, on pages written anyway but for the pages freed whole.

    The driver's own transaction handling starts transactions late and never for SELECT; SQLAlchemy's
    documented recipe hands that to us, so a unit of work reads and writes in one transaction (deferred,
    or taking the write lock first: `WRITE_LOCK_FIRST`).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms:d}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        execute_on_driver(connection, connection.get_execution_options().get("sqlite_begin", "BEGIN")).close()


def _switch_to_wal(cursor: Any) -> None:
    """Put the file in WAL mode, which its first connections race to do.

    The switch needs the file to itself: a connection reading the header to switch it too, while another
    waits to switch, is a deadlock that SQLite breaks at once with "database is locked", without the
    busy timeout. The one refused lets go of the file and tries again; the other switches, and then the
    switch is nothing to do.
    """
    deadline = time.monotonic() + WAL_SWITCH_PATIENCE
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        time.sleep(random.uniform(0.005, 0.025))  # a moment: the other's switch is a few writes


def execute_on_driver(
    connection: Connection, sql: str, parameters: Mapping[str, Any] | list[dict[str, Any]] | None = None
) -> Any:
    """Run plain SQL on the connection's own driver connection, in its transaction; the driver's cursor.

    It skips SQLAlchemy's execution (compiling, caching, events, results), which costs ten times what
    SQLite itself does for a small statement: worth it for the few statements of every conversation
    turn only. The driver's errors become SQLAlchemy's, as for any statement, so that a lock or a
    duplicate key is still seen as a race (`_is_conflict`). A list of parameters runs it once for each.
    """
    driver = connection.connection.dbapi_connection
    assert driver is not None, "the connection is closed"
    cursor = driver.cursor()
    try:
        if isinstance(parameters, list):
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters or {})
    except connection.dialect.loaded_dbapi.Error as error:
        cursor.close()
        raise DBAPIError.instance(
            sql, None, error, connection.dialect.loaded_dbapi.Error, hide_parameters=True
        ) from error
    return cursor
