"""Short units of work on SQLite (conversation turns): run on the event loop, committed together, each
undone alone when it fails, and each answered only once what it wrote is committed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import StaffMember

Work = Callable[[Session], str]
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


@pytest.fixture
async def sqlite(sqlite_url: str) -> AsyncIterator[Database]:
    db = Database(sqlite_url)
    yield db
    await db.dispose()


def add(address: str) -> Work:
    def work(session: Session) -> str:
        session.add(StaffMember(address=address, role="staff", office_code="jumum", created_at=NOW))
        session.flush()
        return address

    return work


def add_then_fail(address: str) -> Work:
    def work(session: Session) -> str:
        add(address)(session)
        raise ValueError("this turn went wrong after writing")

    return work


async def saved(database: Database) -> list[str]:
    addresses = await database.run(lambda s: s.scalars(select(StaffMember.address)).all())
    return sorted(address for address in addresses if address is not None)


async def committed_elsewhere(database: Database) -> list[str]:
    """What another connection sees: only what is committed."""
    return await saved(database)


async def test_units_of_one_moment_are_saved_together(sqlite: Database) -> None:
    results = await asyncio.gather(*(sqlite.run_short(add(f"tg:{n}")) for n in range(5)))
    assert results == [f"tg:{n}" for n in range(5)]
    assert await saved(sqlite) == [f"tg:{n}" for n in range(5)]


@pytest.mark.parametrize("failing", [0, 2, 4])
async def test_a_failing_unit_is_undone_alone(sqlite: Database, failing: int) -> None:
    works = [add_then_fail(f"tg:{n}") if n == failing else add(f"tg:{n}") for n in range(5)]
    results = await asyncio.gather(*(sqlite.run_short(work) for work in works), return_exceptions=True)
    assert isinstance(results[failing], ValueError)
    expected = [f"tg:{n}" for n in range(5) if n != failing]
    assert [r for r in results if not isinstance(r, BaseException)] == expected
    assert await saved(sqlite) == expected


async def test_after_a_failed_unit_alone_the_next_one_is_saved(sqlite: Database) -> None:
    with pytest.raises(ValueError, match="went wrong"):
        await sqlite.run_short(add_then_fail("tg:1"))
    assert await sqlite.run_short(add("tg:2")) == "tg:2"
    assert await saved(sqlite) == ["tg:2"]


async def test_a_unit_returns_only_once_its_group_is_committed(sqlite: Database) -> None:
    seen: list[list[str]] = []

    async def then_look() -> None:
        await sqlite.run_short(add("tg:1"))
        seen.append(await committed_elsewhere(sqlite))

    await asyncio.gather(then_look(), sqlite.run_short(add("tg:2")))
    assert seen == [["tg:1", "tg:2"]]


async def test_a_duplicate_in_a_group_fails_alone_and_the_others_are_saved(sqlite: Database) -> None:
    # A failed ORM flush rolls the whole group back: its other turns then run again in the worker thread.
    await sqlite.run_short(add("tg:1"))
    results = await asyncio.gather(
        sqlite.run_short(add("tg:2")), sqlite.run_short(add("tg:1")), return_exceptions=True
    )
    assert results[0] == "tg:2" and isinstance(results[1], Exception)
    assert await saved(sqlite) == ["tg:1", "tg:2"]
