"""An admin adds a colleague on the staff page, and changes one only with her row's "Change" button: a
login or chat address already someone's is refused naming who has it, with what she typed kept and the
colleague untouched; the form says whose details it changes; a removed colleague is brought back only
through an explicit change; the audit log tells an addition from a change."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.service import Service
from core.domain import StaffRole
from office import staff
from office.rights import OPERATOR
from storage.db import Database
from storage.models import AuditEntry, ConsoleSession, StaffMember
from tests.support.builders import PASSWORD, add_staff
from tests.support.console import console_server, visitor
from tests.support.people import Clock

SARA = "سارة محمد القحطاني"


@pytest.fixture
async def console(database: Database, database_url: str, clock: Clock) -> AsyncIterator[Service]:
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "noura", role=StaffRole.ADMIN)
    await database.run(
        lambda s: staff.add(
            s, OPERATOR, "0551234567", StaffRole.STAFF, "makkah", clock.now, login="sara", name=SARA
        )
    )
    async with console_server(database_url, clock) as service:
        yield service


def sara(session: Session) -> tuple[str | None, str | None, str | None, bool, int]:
    """Her name, office, password hash, whether she was removed, and how many sessions she has."""
    member = session.scalar(select(StaffMember).where(StaffMember.login == "sara"))
    assert member is not None
    sessions = session.scalars(
        select(ConsoleSession).where(ConsoleSession.staff_id == member.id, ConsoleSession.ended_at.is_(None))
    ).all()
    return member.name, member.office_code, member.password_hash, member.removed_at is not None, len(sessions)


def outcomes(session: Session) -> list[tuple[str, str]]:
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.target == "staff", AuditEntry.staff_id.is_not(None))
    )
    return [
        (entry.action, entry.outcome) for entry in entries if entry.action in ("staff.add", "staff.change")
    ]


def her_id(page: str, name: str) -> str:
    row = page.split(f"<td><bdi>{name}</bdi></td>", 1)[1].split("</tr>", 1)[0]
    return row.split('name="member_id" value="', 1)[1].split('"', 1)[0]


async def test_adding_with_a_colleagues_login_is_refused_naming_her_and_she_is_left_as_she_was(
    console: Service, database: Database, clock: Clock
) -> None:
    async with visitor(console) as her:
        await her.signs_in("sara")  # signed in, as she would be at work
        before = await database.run(sara)
        async with visitor(console) as noura:
            await noura.signs_in("noura")
            page = await noura.get("/console/staff")
            assert "إضافة موظفة" in page and "زر «تعديل» في صفها" in page  # how a colleague is changed
            form = {
                "csrf": noura.form_token(),
                "change": "added",
                "name": "سارة الجديدة",
                "login": "Sara",
                "password": "a sentence the new one knows",
                "place": "staff/jumum",
            }
            await noura.post("/console/staff", form)
            assert noura.status == 400
            assert noura.alert() == (
                "اسم الدخول \u2068sara\u2069 لـ\u2068" + SARA + "\u2069: اختاري اسماً آخر، "
                "أو عدّلي بياناتها بزر «تعديل» في صفها."
            )
            assert 'value="سارة الجديدة"' in noura.text and 'value="Sara"' in noura.text  # what she typed
            assert '<option value="staff/jumum" selected>' in noura.text
            assert 'name="changing"' not in noura.text  # still adding someone new
            await noura.post("/console/staff", {**form, "login": "sara.new", "address": "055 123 4567"})
            assert noura.status == 400 and "عنوان المحادثة \u2068+966551234567\u2069 لـ" in noura.alert()
            await noura.post("/console/staff", {**form, "login": "sara.new", "address": ""})
            assert noura.status == 303  # another login: a new colleague
        assert await database.run(sara) == before  # her name, office, password and session untouched
        assert (await her.get("/console/inbox")) and her.status == 200
    assert await database.run(outcomes) == [("staff.add", "added")]


async def test_her_rows_change_button_says_whose_details_the_form_changes(
    console: Service, database: Database, clock: Clock
) -> None:
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        page = await noura.get("/console/staff")
        sara_id = her_id(page, SARA)
        await noura.post(
            "/console/staff", {"csrf": noura.form_token(), "change": "edit", "member_id": sara_id}
        )
        assert f"تعدّلين بيانات \u2068{SARA}\u2069." in noura.text
        assert f'name="changing" value="{sara_id}"' in noura.text
        form = {
            "csrf": noura.form_token(),
            "change": "added",
            "changing": sara_id,
            "name": SARA,
            "login": "noura",  # a colleague's login: refused, and the form still changes Sara
            "place": "staff/jumum",
        }
        await noura.post("/console/staff", form)
        assert noura.status == 400 and "اسم الدخول \u2068noura\u2069" in noura.alert()
        assert f"تعدّلين بيانات \u2068{SARA}\u2069." in noura.text and 'value="noura"' in noura.text
        await noura.post("/console/staff", {**form, "login": "sara"})
        assert noura.status == 303
        assert "تم الحفظ: عُدّلت بياناتها." in await noura.get(noura.location)
        await noura.post("/console/staff", {**form, "changing": "سارة"})  # a forged form
        assert noura.status == 400
        await noura.post("/console/staff", {**form, "changing": "999999"})
        assert noura.status == 404
        log = await noura.get("/console/audit")
    assert (await database.run(sara))[:2] == (SARA, "jumum")
    assert await database.run(outcomes) == [("staff.change", "changed")]
    assert f'<td class="what">\u2068noura\u2069 عدّلت بيانات موظفة: \u2068{SARA}\u2069' in log


async def test_a_removed_colleague_is_brought_back_only_by_an_explicit_change(
    console: Service, database: Database, clock: Clock
) -> None:
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        await noura.get("/console/staff")
        token = noura.form_token()
        await noura.post(
            "/console/staff", {"csrf": token, "change": "removed", "member": "sara", "confirmed": "yes"}
        )
        assert noura.status == 303
        form = {"csrf": token, "change": "added", "login": "sara", "place": "staff/makkah"}
        await noura.post("/console/staff", form)
        assert noura.status == 400
        assert "اسم الدخول \u2068sara\u2069 كان لـ\u2068" + SARA + "\u2069، وقد أُزيلت" in noura.alert()
        assert await database.run(sara) == (SARA, "makkah", None, True, 0)  # still removed
        bring_back = noura.text.split(">إعادتها</button>", 1)[0].rsplit("<form", 1)[1]
        sara_id = bring_back.split('name="member_id" value="', 1)[1].split('"', 1)[0]
        await noura.post("/console/staff", {"csrf": token, "change": "edit", "member_id": sara_id})
        assert f"تعيدين \u2068{SARA}\u2069" in noura.text
        await noura.post("/console/staff", {**form, "changing": sara_id, "password": PASSWORD})
        assert noura.status == 303
    assert (await database.run(sara))[3] is False
    assert await database.run(outcomes) == [("staff.change", "restored")]
