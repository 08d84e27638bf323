"""The rule of staff logins, in the office: adding refuses a login or chat address already someone's (a
removed colleague's too), naming her; a change is by her id; the operator's `usar staff add` still adds or
changes; the audit log tells "added" from "changed"."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain import StaffRole
from office import staff
from office.errors import Refused
from office.rights import OPERATOR
from storage.db import Database
from storage.models import AuditEntry, StaffMember
from tests.support.builders import add_staff
from tests.support.people import Clock


def office_of(session: Session, login: str) -> str | None:
    member = session.scalar(select(StaffMember).where(StaffMember.login == login))
    assert member is not None
    return member.office_code


def actions(session: Session) -> list[tuple[str, str]]:
    return [
        (entry.action, entry.outcome) for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    ]


async def test_adding_refuses_a_held_login_and_a_change_is_by_her_id(
    database: Database, clock: Clock
) -> None:
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "amal", office="makkah")
    for login in ("sara", " SARA "):

        def add_her(session: Session, login: str = login) -> StaffMember:
            return staff.add_new(session, OPERATOR, None, StaffRole.STAFF, "jumum", clock.now, login=login)

        with pytest.raises(Refused) as refused:
            await database.run(add_her)
        [problem] = refused.value.problems
        assert problem.field == "login" and "sara" in problem.message
    sara_id = await database.run(
        lambda s: staff.add(s, OPERATOR, None, StaffRole.STAFF, "makkah", clock.now, login="sara").id
    )
    with pytest.raises(Refused):  # amal's login, for sara
        await database.run(
            lambda s: staff.change(
                s, OPERATOR, sara_id, None, StaffRole.STAFF, "jumum", clock.now, login="amal"
            )
        )
    assert await database.run(lambda s: office_of(s, "sara")) == "makkah"
    await database.run(
        lambda s: staff.change(s, OPERATOR, sara_id, None, StaffRole.STAFF, "jumum", clock.now)
    )
    assert await database.run(lambda s: office_of(s, "sara")) == "jumum"
    staff_entries = [
        entry
        for entry in await database.run(actions)
        if entry[0].startswith("staff.add") or entry[0] == "staff.change"
    ]
    assert staff_entries == [
        ("staff.add", "added"),
        ("staff.add", "added"),
        ("staff.change", "changed"),  # `usar staff add` of one who is there already
        ("staff.change", "changed"),
    ]


async def test_the_operators_command_still_adds_or_changes(database: Database, clock: Clock) -> None:
    await add_staff(database, clock, "sara", office="makkah")
    with pytest.raises(Refused) as refused:
        await database.run(
            lambda s: staff.add_new(s, OPERATOR, None, StaffRole.STAFF, "jumum", clock.now, login="sara")
        )
    assert [problem.field for problem in refused.value.problems] == ["login"]
    await database.run(  # `usar staff add`: the operator's tool adds or changes, as before
        lambda s: staff.add(s, OPERATOR, None, StaffRole.STAFF, "jumum", clock.now, login="sara")
    )
    assert await database.run(lambda s: office_of(s, "sara")) == "jumum"
