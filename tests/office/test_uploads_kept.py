"""A list of families checked in the console and never confirmed holds their IDs and mobiles: nothing keeps
it without a purpose. Retention forgets it once it can no longer be confirmed, and a family who deletes
her data takes with her any waiting file that names her."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.jobs import run_retention
from office import registrations, uploads
from office.errors import Refused
from office.retention import Periods
from office.rights import Actor
from office.tables import Line
from storage import staff
from storage import uploads as stored
from storage.db import Database
from storage.models import Upload
from tests.support.builders import add_staff, national_id, register_families
from tests.support.people import Clock

ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


async def waiting(database: Database) -> int:
    def count(session: Session) -> int:
        return int(session.scalar(select(func.count()).select_from(Upload)) or 0)

    return await database.run(count)


async def sara(database: Database, clock: Clock) -> Actor:
    await add_staff(database, clock, "sara", office="makkah")
    member = await database.run(lambda s: staff.by_login(s, "sara"))
    assert member is not None
    return Actor.signed_in(member.id)


async def test_a_list_never_confirmed_is_forgotten_by_retention(database: Database, clock: Clock) -> None:
    actor = await sara(database, clock)
    content = f"رقم الهوية,الاسم\n{national_id(3)},هند سعيد\n".encode()
    await database.run(lambda s: uploads.hold(s, actor, "list.csv", content, clock.now))
    done = await run_retention(database, clock, Periods())
    assert not done["uploads"] and await waiting(database) == 1  # she may confirm it
    clock.advance(hours=1, minutes=1)
    done = await run_retention(database, clock, Periods())
    assert done["uploads"] == 1 and await waiting(database) == 0


async def test_her_deletion_takes_the_waiting_files_that_name_her_and_leaves_the_others(
    database: Database, clock: Clock
) -> None:
    [fatima, _] = await register_families(
        database, clock, [("فاطمة أحمد", "makkah"), ("نورة سعيد", "makkah")]
    )
    actor = await sara(database, clock)
    hers = f"رقم الهوية,الاسم\n{national_id(1).translate(ARABIC)},فاطمة أحمد\n".encode()  # in Arabic digits
    another = f"رقم الهوية,الاسم\n{national_id(2)},نورة سعيد\n".encode()
    kept = []
    for content in (hers, another):
        kept.append(
            await database.run(
                partial(uploads.hold, actor=actor, name="list.csv", content=content, now=clock.now)
            )
        )
    await database.run(lambda s: registrations.forget(s, fatima, clock.now))
    tokens = await database.run(lambda s: [token for token, _ in stored.waiting(s)])
    assert tokens == [kept[1]]  # Noura's list waits for its confirmation still


async def test_a_list_kept_as_its_lines_is_taken_by_her_deletion_and_read_back_as_checked(
    database: Database, clock: Clock
) -> None:
    """A list checked in the console waits as its lines (read once): the lines read back are those checked,
    with their line numbers; one that names her goes when she deletes her data, as a CSV would."""
    [fatima, _] = await register_families(
        database, clock, [("فاطمة أحمد", "makkah"), ("نورة سعيد", "makkah")]
    )
    actor = await sara(database, clock)
    hers = [Line(2, {"national_id": national_id(1).translate(ARABIC), "name": "فاطمة أحمد"})]
    another = [
        Line(2, {"national_id": national_id(2), "name": "نورة سعيد"}),
        Line(5, {"national_id": "", "name": ""}),
    ]
    kept = [
        await database.run(
            partial(uploads.hold_lines, actor=actor, name="قائمة.xlsx", lines=lines, now=clock.now)
        )
        for lines in (hers, another)
    ]
    assert await database.run(lambda s: uploads.held_lines(s, actor, kept[1], clock.now)) == (
        "قائمة.xlsx",
        another,
    )
    await database.run(lambda s: registrations.forget(s, fatima, clock.now))
    tokens = await database.run(lambda s: [token for token, _ in stored.waiting(s)])
    assert tokens == [kept[1]]


async def test_a_file_kept_before_lines_were_kept_is_to_be_sent_again(
    database: Database, clock: Clock
) -> None:
    """A file held as sent (before an upgrade, an hour at most) is not read as lines: she sends it again."""
    actor = await sara(database, clock)
    token = await database.run(lambda s: uploads.hold(s, actor, "list.csv", b"national id\n", clock.now))
    with pytest.raises(Refused):
        await database.run(lambda s: uploads.held_lines(s, actor, token, clock.now))
