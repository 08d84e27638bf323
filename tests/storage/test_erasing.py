"""A unit of work that deletes someone's data leaves SQLite's write-ahead log empty once it is committed (the
log holds the pages as they were before), on each way a unit of work runs; others leave it to SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from storage.db import Database, erased
from storage.models import Office


def log_of(url: str) -> Path:
    database = Path(str(make_url(url).database))
    return database.with_name(database.name + "-wal")


def an_office(session: Session) -> None:
    session.add(Office(code="taif", name_ar="الطائف", name_en="Taif"))


def office_deleted(session: Session, *, erasing: bool) -> None:
    session.execute(delete(Office).where(Office.code == "taif"))
    if erasing:
        erased(session)


@pytest.mark.parametrize("way", ["worker thread", "event loop", "async driver"])
@pytest.mark.parametrize("erasing", [True, False])
async def test_the_log_is_emptied_after_a_unit_of_work_that_erased_someone(
    sqlite_url: str, way: str, erasing: bool
) -> None:
    database = Database(sqlite_url, sqlite_in_thread=way != "async driver")
    run = database.run_short if way == "event loop" else database.run
    try:
        await database.run(an_office)
        await run(lambda s: office_deleted(s, erasing=erasing))
        log = log_of(sqlite_url).read_bytes()
        assert (log == b"") is erasing
        assert ("الطائف".encode() in log) is not erasing  # what the log kept, without the checkpoint
    finally:
        await database.dispose()
