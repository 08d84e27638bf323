"""Staff and their accounts over HTTP: she changes her own password on her account's page (her current one
first; she stays signed in there, and is signed out everywhere else); one password policy for the console
and the command line; the fourth wrong password warns that the next locks the login, the same for a login
nobody has; a full name names her everywhere (the menu, the staff list, the audit log, a question); and
a new staff member's role and office start valid."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.service import Service
from core.domain import StaffRole
from core.i18n import use_language
from office import passwords, staff, threads
from office.rights import OPERATOR
from storage.db import Database
from storage.models import AuditEntry, StaffMember
from tests.support.builders import PASSWORD, add_staff, register_families
from tests.support.console import console_server, visitor
from tests.support.people import Clock

NEW = "a sentence only sara knows"


@pytest.fixture
async def console(database: Database, database_url: str, clock: Clock) -> AsyncIterator[Service]:
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "noura", role=StaffRole.ADMIN)
    async with console_server(database_url, clock) as service:
        yield service


def audited(session: Session, action: str) -> list[tuple[int | None, str]]:
    found = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
    return [(entry.staff_id, entry.outcome) for entry in found]


def named(session: Session, login: str) -> StaffMember:
    found = session.scalar(select(StaffMember).where(StaffMember.login == login))
    assert found is not None
    return found


async def test_sara_changes_her_own_password_and_stays_signed_in_here_alone(
    console: Service, database: Database
) -> None:
    async with visitor(console) as at_her_desk, visitor(console) as on_her_phone:
        for place in (at_her_desk, on_her_phone):
            await place.signs_in("sara")
        page = await at_her_desk.get("/console/families")
        assert (
            'href="/console/account"' in page and ">حسابي</a>" in page
        )  # in the menu, for every staff member
        page = await at_her_desk.get("/console/account")
        assert "تغيير كلمة مروري" in page and "كلمة المرور الحالية" in page
        token = at_her_desk.form_token()

        async def changes(current: str, new: str, again: str) -> None:
            form = {"csrf": token, "current": current, "new": new, "again": again}
            await at_her_desk.post("/console/account", form)

        await changes("not my password", NEW, NEW)
        assert (
            at_her_desk.status == 400 and "هذه ليست كلمة مرورك الحالية: لم يتغير شيء." in at_her_desk.alert()
        )
        await changes(PASSWORD, NEW, "a sentence only sara know")
        assert at_her_desk.status == 400 and "كلمتا المرور الجديدتان مختلفتان" in at_her_desk.alert()
        await changes(PASSWORD, " " * 10, " " * 10)
        assert at_her_desk.status == 400 and "كلمة المرور مسافات فقط" in at_her_desk.alert()
        await changes(PASSWORD, PASSWORD, PASSWORD)
        assert at_her_desk.status == 400 and "هذه كلمة مرورك الحالية نفسها" in at_her_desk.alert()
        assert await database.run(lambda s: audited(s, "staff.own_password")) == []  # nothing changed

        await changes(PASSWORD, NEW, NEW)
        assert at_her_desk.status == 303 and at_her_desk.location == "/console/account"
        page = await at_her_desk.get(at_her_desk.location)
        assert at_her_desk.status == 200 and "عُيّنت كلمة مرورك الجديدة. يبقى دخولك هنا" in page
        await on_her_phone.get("/console/families")
        assert on_her_phone.status == 303  # signed out everywhere else
        await on_her_phone.signs_in("sara")
        assert on_her_phone.status == 401  # her old password is gone
        await on_her_phone.signs_in("sara", password=NEW)
        assert on_her_phone.status == 303
    sara = await database.run(lambda s: named(s, "sara").id)
    assert await database.run(lambda s: audited(s, "staff.own_password")) == [(sara, "changed")]
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        assert "غيّرت كلمة مرورها للوحة" in await noura.get("/console/audit")


async def test_her_current_password_cannot_be_guessed_there_faster_than_at_sign_in(
    console: Service, clock: Clock
) -> None:
    """Someone at a browser she left signed in tries to make her password theirs: each wrong current
    password is a wrong sign-in try, slowed, warned at the fourth, locked at the fifth."""
    async with visitor(console) as someone:
        await someone.signs_in("sara")
        await someone.get("/console/account")
        said = []
        for guess in range(6):
            form = {"csrf": someone.form_token(), "current": f"guess {guess}", "new": NEW, "again": NEW}
            await someone.post("/console/account", form)
            said.append((someone.status, someone.alert()))
        assert clock.slept == [1.0, 2.0, 4.0]
        assert [status for status, _ in said] == [400] * 5 + [429]
        assert "محاولة خاطئة أخرى تُقفل اسم الدخول هذا 15 دقيقة" in said[3][1]
        assert "أُقفل اسم الدخول هذا الآن" in said[4][1] and "محاولات خاطئة كثيرة" in said[5][1]
        form = {"csrf": someone.form_token(), "current": PASSWORD, "new": NEW, "again": NEW}
        await someone.post("/console/account", form)
        assert someone.status == 429  # locked: not even the right one is checked
    async with visitor(console, from_address="127.0.0.2") as sara:
        await sara.signs_in("sara")  # from her own desk she still gets in, with her password unchanged
        assert sara.status == 303


async def test_the_fourth_wrong_password_warns_and_the_fifth_locks_the_same_for_a_login_nobody_has(
    console: Service,
) -> None:
    answers: dict[str, list[tuple[int, str]]] = {}
    for login in ("sara", "nobody.here"):
        async with visitor(console) as guesser:
            answers[login] = []
            for guess in range(6):
                await guesser.signs_in(login, password=f"guess number {guess}")
                answers[login].append((guesser.status, guesser.alert()))
    assert answers["sara"] == answers["nobody.here"]  # nothing tells whether the login exists
    wrong = "اسم الدخول أو كلمة المرور غير صحيحة."
    assert answers["sara"][:3] == [(401, wrong)] * 3
    assert answers["sara"][3] == (
        401,
        wrong + " محاولة خاطئة أخرى تُقفل اسم الدخول هذا 15 دقيقة: إن لم تكوني متأكدة من كلمة المرور"
        " فاطلبي من إحدى المسؤولات كلمة مرور جديدة.",
    )
    assert (
        answers["sara"][4][0] == 401
        and "أُقفل اسم الدخول هذا الآن: حاولي مرة أخرى بعد الساعة" in (answers["sara"][4][1])
    )
    assert answers["sara"][5][0] == 429


async def test_the_warning_is_in_english_for_whoever_reads_english(console: Service) -> None:
    async with visitor(console) as guesser:
        await guesser.get("/console/login?lang=en")
        for guess in range(4):
            await guesser.signs_in("sara", password=f"guess number {guess}")
        assert guesser.alert() == (
            "Wrong login or password. One more wrong try locks this login for 15 minutes: if you are not "
            "sure of the password, ask an administrator for a new one."
        )


@pytest.mark.parametrize(
    ("password", "why"),
    [
        (" " * 10, "The password is only spaces: anyone could guess it. Use letters, digits or signs too."),
        ("\t \u00a0" * 4, "The password is only spaces"),
        ("x" * 12, "The password repeats one character: anyone could guess it. Mix several characters."),
        ("Fatimah.Harbi", "The password is the login itself: anyone who knows the login could guess it."),
        (" fatimah.harbi ", "The password is the login itself"),
        ("short one", "The password is too short: it needs at least 10 characters."),
        ("long enough" * 94, "The password is too long: it may have at most 1024 characters."),
    ],
)
def test_one_policy_says_why_a_password_is_refused(password: str, why: str) -> None:
    with use_language("en"):
        refusal = passwords.refusal(password, "fatimah.harbi")
    assert refusal is not None and refusal.startswith(why)


@pytest.mark.parametrize("length", [10, 1024])
def test_the_shortest_and_the_longest_passwords_are_taken(length: int) -> None:
    password = ("ab1-" * 300)[:length]
    assert passwords.refusal(password, "fatimah.harbi") is None


async def test_noura_is_told_why_a_password_is_refused_and_nothing_changes(
    console: Service, database: Database, clock: Clock
) -> None:
    await add_staff(database, clock, "fatimah.harbi", office="makkah")
    before = await database.run(lambda s: named(s, "fatimah.harbi").password_hash)
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        await noura.get("/console/staff")
        for password, why in [
            (" " * 10, "كلمة المرور مسافات فقط"),
            ("FATIMAH.HARBI", "كلمة المرور هي اسم الدخول نفسه"),
            ("9" * 10, "كلمة المرور حرف واحد مكرر"),
            ("x1" * 513, "كلمة المرور طويلة جدًا: لا تزيد على 1024 حرفًا."),
        ]:
            form = {"csrf": noura.form_token(), "change": "password", "member": "fatimah.harbi"}
            await noura.post("/console/staff", {**form, "password": password})
            assert noura.status == 400 and why in noura.alert(), why
        reem = {
            "csrf": noura.form_token(),
            "change": "added",
            "login": "reem.qurashi",
            "place": "staff/makkah",
        }
        await noura.post("/console/staff", {**reem, "password": "reem.qurashi"})
        assert noura.status == 400 and "كلمة المرور هي اسم الدخول نفسه" in noura.alert()
    assert await database.run(lambda s: named(s, "fatimah.harbi").password_hash) == before
    assert (
        await database.run(lambda s: s.scalar(select(StaffMember).where(StaffMember.login == "reem.qurashi")))
        is None
    )


async def test_a_full_name_names_her_everywhere_and_a_login_stands_in_without_one(
    console: Service, database: Database, clock: Clock
) -> None:
    [fatima] = await register_families(database, clock, [("فاطمة أحمد", "makkah")])
    asker = threads.Asker("telegram", "5550001", "makkah", family_id=fatima)
    asked, _ = await database.run(
        lambda s: threads.ask(s, asker, "canteens", [threads.Said("متى يفتح التقديم؟")], clock.now)
    )
    thread = asked.id
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        page = await noura.get("/console/staff")
        assert "<td><bdi>sara</bdi></td>" in page  # no name yet: her login
        row = page.split("<td><bdi>sara</bdi></td>", 1)[1].split("</tr>", 1)[0]
        assert 'name="member" value="sara"' in row and 'value="edit"' in row
        sara_id = row.split('name="member_id" value="', 1)[1].split('"', 1)[0]
        edit = {"csrf": noura.form_token(), "change": "edit", "member_id": sara_id}
        await noura.post("/console/staff", edit)
        assert noura.status == 200 and 'name="login" dir="ltr" autocomplete="off" value="sara"' in noura.text
        assert '<option value="staff/makkah" selected>' in noura.text  # her row's role and office, chosen
        form = {
            "csrf": noura.form_token(),
            "change": "added",
            "changing": sara_id,
            "login": "sara",
            "place": "staff/makkah",
        }
        await noura.post("/console/staff", {**form, "name": "  سارة   محمد العتيبي "})
        assert noura.status == 303
        await noura.post("/console/staff", {**form, "name": "١٢٣٤"})
        assert noura.status == 400 and "الاسم يُكتب بالحروف" in noura.alert()
        await noura.post("/console/staff", {**form, "name": "س" * 65})
        assert noura.status == 400 and "اسمها طويل جدًا" in noura.alert()
        page = await noura.get("/console/staff")
        assert "<td><bdi>سارة محمد العتيبي</bdi></td>" in page and "<td><bdi>noura</bdi></td>" in page
        removing = {"csrf": noura.form_token(), "change": "removed", "member": "sara"}
        await noura.post("/console/staff", removing)
        assert "إزالة \u2068سارة محمد العتيبي\u2069؟" in noura.text  # asked by her name; nothing done yet

    async with visitor(console) as sara:
        await sara.signs_in("sara")
        page = await sara.get(f"/console/inbox/{thread}")
        assert '<bdi class="name">سارة محمد العتيبي</bdi>' in page  # the menu's "signed in as"
        token = sara.form_token()
        await sara.post(f"/console/inbox/{thread}/note", {"csrf": token, "text": "اتصلت بها"})
        await sara.post(f"/console/inbox/{thread}/assign", {"csrf": token})
        await sara.post(f"/console/inbox/{thread}/answer", {"csrf": token, "text": "الأحد القادم"})
        page = await sara.get(f"/console/inbox/{thread}")
        assert "استلمته سارة محمد العتيبي" in page
        assert (
            "ملاحظة \u2068سارة محمد العتيبي\u2069" in page and "إجابة \u2068سارة محمد العتيبي\u2069" in page
        )
        assert "سارة محمد العتيبي" in await sara.get("/console/inbox")  # who took it
        page = await sara.get("/console/account")
        assert "<dd><bdi>سارة محمد العتيبي</bdi></dd>" in page and "sara" in page

    async with visitor(console) as noura:
        await noura.signs_in("noura")
        log = await noura.get("/console/audit")
        body = log.split("<tbody>", 1)[1]
        for done in ("أجابت عن سؤال أسرة", "استلمت سؤالاً", "تركت ملاحظة على سؤال"):  # each a sentence
            assert f'<td class="what">\u2068سارة محمد العتيبي\u2069 {done}' in body
        assert '<td class="what">\u2068noura\u2069 عدّلت بيانات موظفة' in body  # her login: no name


async def test_a_new_staff_member_added_as_the_form_starts_is_valid_and_an_admin_has_every_office(
    console: Service, database: Database
) -> None:
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        page = await noura.get("/console/staff")
        first = page.split('<select name="place">', 1)[1].split('value="', 1)[1].split('"', 1)[0]
        assert first == "staff/makkah"  # what the form sends when she changes nothing
        form = {"csrf": noura.form_token(), "change": "added", "place": first}
        await noura.post("/console/staff", {**form, "login": "reem", "name": "ريم القرشي"})
        assert noura.status == 303
        await noura.post("/console/staff", {**form, "login": "hind", "place": "admin/"})
        assert noura.status == 303
        await noura.post("/console/staff", {**form, "login": "lama", "place": "staff/"})
        assert noura.status == 400 and "الموظفة تتبع مكتبًا واحدًا" in noura.alert()  # a forged choice
        await noura.post("/console/staff", {**form, "login": "lama", "place": "admin/makkah"})
        assert noura.status == 400

    def roles(session: Session) -> dict[str, tuple[str, str | None, str]]:
        rows = session.scalars(select(StaffMember).where(StaffMember.login.in_(["reem", "hind", "lama"])))
        return {row.login or "": (row.role, row.office_code, row.name) for row in rows}

    assert await database.run(roles) == {
        "reem": ("staff", "makkah", "ريم القرشي"),
        "hind": ("admin", None, "hind"),
    }


async def test_the_operator_names_her_and_her_name_is_kept_when_she_is_changed_without_one(
    database: Database, clock: Clock
) -> None:
    await database.run(
        lambda s: staff.add(
            s, OPERATOR, None, StaffRole.STAFF, "makkah", clock.now, login="sara", name="سارة"
        )
    )
    await database.run(
        lambda s: staff.add(s, OPERATOR, None, StaffRole.STAFF, "jumum", clock.now, login="sara")
    )
    assert await database.run(lambda s: (named(s, "sara").name, named(s, "sara").office_code)) == (
        "سارة",
        "jumum",
    )
