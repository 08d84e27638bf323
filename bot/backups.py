"""Backing up and restoring a SQLite database: a consistent copy taken while Usar runs (SQLite's online
backup), checked before it is put back, and never put back over a database a process has open (each holds
a shared lock on `<database>.lock` while it runs; a restore needs it alone). PostgreSQL is backed up with
its own tools (pg_dump), which `usar backup` names."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, make_url

from storage.db import alembic_config


class BackupError(Exception):
    """A backup or a restore refused, said in one line."""


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL (None: PostgreSQL, or a database in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).resolve()


def pg_dump_command(url: str, file: Path) -> str:
    """The pg_dump command that backs up this PostgreSQL database to `file` (the password is not written:
    pg_dump reads it from PGPASSWORD or ~/.pgpass)."""
    given = make_url(url)
    bare = URL.create("postgresql", given.username, None, given.host, given.port, given.database, given.query)
    return f"pg_dump --format=custom --file={file} '{bare.render_as_string(hide_password=False)}'"


@contextmanager
def in_use(database: Path) -> Iterator[None]:
    """Held by a process while it has `database` open: many at once, but not during a restore."""
    with _lock(database, fcntl.LOCK_SH):
        yield


@contextmanager
def _lock(database: Path, how: int) -> Iterator[None]:
    lock = database.with_name(database.name + ".lock")
    handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, how | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(
                f"the database {database} is being restored: start again once the restore is done"
                if how == fcntl.LOCK_SH
                else f"the database {database} is in use: stop every usar process on it first"
            ) from None
        yield
    finally:
        os.close(handle)


def backup(database: Path, file: Path) -> int:
    """A consistent copy of `database` (written to as it runs) at `file`, readable by its owner alone; the
    number of the schema's migration it is at."""
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    if file.exists():
        raise BackupError(f"{file} exists already: back up to a new file")
    partial = file.with_name(file.name + ".partial")
    try:
        with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(partial)) as copy:
            source.backup(copy)  # in one step: the copy is the database at one moment
            copy.execute("PRAGMA journal_mode=DELETE")  # one file, whole by itself
        os.chmod(partial, 0o600)
        os.replace(partial, file)
    finally:
        partial.unlink(missing_ok=True)
    return int(check(file))


def check(file: Path) -> str:
    """The migration a backup is at, once it is known to be a whole Usar database of a schema this code
    knows; BackupError saying what is wrong otherwise."""
    if not file.is_file():
        raise BackupError(f"there is no file at {file}")
    try:
        with closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as backup_file:
            if backup_file.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise BackupError(f"{file} is damaged (SQLite's integrity check fails)")
            found = backup_file.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as problem:
        raise BackupError(f"{file} is not a Usar database ({problem})") from None
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if found is None or found[0] not in known:
        raise BackupError(f"{file} is at a migration this version of Usar does not know: upgrade Usar first")
    return str(found[0])


def restore(file: Path, database: Path, now: datetime) -> Path | None:
    """`file` (checked first) in place of `database`, with no process using it; the database it replaced,
    kept beside it (None if there was none)."""
    check(file)
    with _lock(database, fcntl.LOCK_EX):
        kept = None
        if database.exists():
            kept = database.with_name(f"{database.name}.before-restore-{now:%Y%m%d-%H%M%S}")
            with closing(sqlite3.connect(database)) as current, closing(sqlite3.connect(kept)) as copy:
                current.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
            os.chmod(kept, 0o600)
        with (
            closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as source,
            closing(sqlite3.connect(database)) as target,
        ):
            source.backup(target)  # through SQLite: its journal and WAL files stay consistent
        return kept
