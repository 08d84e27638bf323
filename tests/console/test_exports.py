"""Downloads and the audit log over HTTP: the families file is the list on screen (its search and filters
sent in the form, never in the address), every download as .xlsx or CSV; the audit log in sentences that
name staff, offices and families, filtered by kind of action, the sign-ins apart until asked for; a bad
line of an imported list quoted back to staff in their words."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from bot.service import Service
from core.domain import StaffRole
from core.validators import with_check_digit
from office import registrations
from office.rights import Actor
from storage import audit, staff
from storage.db import Database
from tests.support.builders import add_staff, register_families
from tests.support.console import browser_page, console_server, screenshot, signed_in, visitor
from tests.support.people import Clock

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
async def console(database: Database, database_url: str, clock: Clock) -> AsyncIterator[Service]:
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "noura", StaffRole.ADMIN)
    await register_families(
        database,
        clock,
        [("فاطمة أحمد العتيبي", "makkah"), ("مريم خالد الحربي", "makkah"), ("هند سعيد", "jumum")],
        verified=1,
    )
    async with console_server(database_url, clock) as service:
        yield service


def signed_in_as(session: Session, login: str) -> Actor:
    member = staff.by_login(session, login)
    assert member is not None
    return Actor.signed_in(member.id)


def plain(text: str) -> str:
    """Text as read, without the marks that isolate a name's direction."""
    return text.replace("\u2068", "").replace("\u2069", "")


def sheet(data: bytes) -> list[list[object]]:
    book = load_workbook(io.BytesIO(data))
    assert book.active is not None
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def sheet_name(data: bytes) -> str:
    """What the workbook's one sheet is called, as Excel shows it on its tab."""
    [name] = load_workbook(io.BytesIO(data)).sheetnames
    return str(name)


def hidden_fields(page: str, action: str) -> list[tuple[str, str]]:
    """The hidden fields of the form that posts to `action`."""
    form = page.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    fields = []
    for part in form.split('type="hidden" name="')[1:]:
        name, rest = part.split('"', 1)
        fields.append((name, rest.split('value="', 1)[1].split('"', 1)[0]))
    return fields


async def test_the_families_download_is_the_list_on_screen(console: Service, database: Database) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        page = await sara.get("/console/families?verified=waiting&order=name")
        fields = hidden_fields(page, "/console/families/export")
        assert ("verified", "waiting") in fields and ("order", "name") in fields
        await sara.post("/console/families/export", [*fields, ("format", "xlsx")])
        assert sara.status == 200 and sara.headers["Content-Type"] == XLSX
        assert sara.headers["Content-Disposition"].startswith('attachment; filename="families-')
        assert sara.headers["Content-Disposition"].endswith('.xlsx"')
        header, *rows = sheet(sara.body)
        assert [row[header.index("الاسم")] for row in rows] == ["مريم خالد الحربي"]  # Fatimah is verified
        assert sheet_name(sara.body) == "الأسر"
        page = await sara.get("/console/families?q=العتيبي")
        fields = hidden_fields(page, "/console/families/export")
        assert ("q", "العتيبي") in fields
        file = await sara.post("/console/families/export", [*fields, ("format", "csv")])
        assert sara.headers["Content-Type"].startswith("text/csv")
        lines = list(csv.reader(io.StringIO(file.removeprefix("\ufeff"))))
        assert [row[1] for row in lines[1:]] == ["فاطمة أحمد العتيبي"]
        await sara.post(
            "/console/families/export", [*(f for f in fields if f[0] != "q"), ("q", "12"), ("format", "csv")]
        )
        assert sara.status == 400  # two digits are no search: the list says so, and nothing is sent
    exported = await database.run(
        lambda s: [line.action for line in audit.lines(s) if line.action == "exports.families"]
    )
    assert exported == ["exports.families", "exports.families"]  # each file, audited; the refused none


async def test_every_download_comes_as_a_workbook_too(console: Service, database: Database) -> None:
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        await noura.get("/console/dashboard/offices.xlsx")
        assert noura.status == 200 and noura.headers["Content-Type"] == XLSX
        assert sheet(noura.body)[0][0] == "البيان" and sheet_name(noura.body) == "المكاتب جنبًا إلى جنب"
        await noura.get("/console/content")
        await noura.post("/console/content/tips", {"csrf": noura.form_token(), "format": "xlsx"})
        assert noura.headers["Content-Type"] == XLSX and sheet(noura.body)[0][0] == "id"
        assert sheet_name(noura.body) == "النصائح"  # named by what it holds, not "Sheet"
        await noura.get("/console/audit")
        await noura.post(
            "/console/audit/export", [*hidden_fields(noura.text, "/console/audit/export"), ("format", "xlsx")]
        )
        assert noura.headers["Content-Type"] == XLSX
        assert sheet(noura.body)[0] == ["الوقت (بتوقيت الرياض)", "مَن", "المكتب", "ما جرى"]
        assert sheet_name(noura.body) == "سجل العمليات"
        page = await noura.get("/console/")
        assert "/console/dashboard/offices.xlsx" in page and "/console/dashboard/offices.csv" in page
        await noura.post("/console/language", {"csrf": noura.form_token(), "language": "en"})
        await noura.get("/console/dashboard/messages.xlsx")
        assert sheet_name(noura.body) == "Messages by channel"  # in the language of the download


async def test_the_audit_log_speaks_in_sentences_and_keeps_the_sign_ins_apart(
    console: Service, database: Database
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara", "not her password")  # a wrong password, under her name
        await sara.signs_in("sara")
        await sara.get("/console/families/1")
        await sara.post("/console/families/2/verification", {"csrf": sara.form_token(), "change": "verified"})
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        page = await noura.get("/console/audit")
        assert "\u2068sara\u2069 وثّقت تسجيلاً: \u2068مريم خالد الحربي\u2069" in page
        assert '<td class="office">مكة المكرمة</td>' in page
        assert "سجّلت الدخول" not in page and "رُفض دخولها" not in page  # sign-ins: not shown at first
        assert "staff member" not in page and "موظفة 1" not in page and "{" not in page.split("<main", 1)[1]
        page = await noura.get("/console/audit?sign_ins=only")
        assert "\u2068sara\u2069 سجّلت الدخول إلى اللوحة" in page
        assert "\u2068sara\u2069 رُفض دخولها: كلمة مرور خاطئة" in page
        assert "وثّقت تسجيلاً" not in page.split("<table", 1)[1]
        page = await noura.get("/console/audit?kind=registrations.verify&sign_ins=with")
        assert '<option value="registrations.verify" selected>وثّقت تسجيلاً</option>' in page
        assert "وثّقت تسجيلاً" in page and "سجّلت الدخول إلى" not in page.split("<table", 1)[1]
        page = await noura.get("/console/audit?kind=exports.families")
        assert "لا شيء مسجل بعد بهذه الشروط." in page
        await noura.post("/console/language", {"csrf": noura.form_token(), "language": "en"})
        page = await noura.get("/console/audit?kind=registrations.verify")
        assert "\u2068sara\u2069 verified a registration: \u2068مريم خالد الحربي\u2069" in page
        assert '<td class="office">Makkah</td>' in page
        file = await noura.post(
            "/console/audit/export",
            {"csrf": noura.form_token(), "sign_ins": "only", "format": "csv"},
        )
        rows = list(csv.reader(io.StringIO(file.removeprefix("\ufeff"))))
        assert {row[1] for row in rows[1:]} == {"sara", "noura"}
        assert all(("signed in" in row[3] or "was refused" in row[3]) for row in rows[1:])  # in English now
        assert "sara was refused: a wrong password for her login" in [row[3] for row in rows]


async def test_noura_picks_a_staff_member_of_the_log_by_her_name_and_a_name_nobody_has_is_said_on_the_log(
    console: Service, database: Database, clock: Clock
) -> None:
    """The log's "staff member" is a list of the staff by name (the removed marked), or a name typed in the
    address; a name nobody has is said on the log itself, in her words, her other filters kept."""

    def staffed(session: Session) -> None:
        sara = staff.by_login(session, "sara")
        assert sara is not None
        sara.full_name = "سارة القحطاني"
        reem = staff.add_or_update(session, None, StaffRole.STAFF, "jumum", clock.now, login="reem")
        staff.remove(session, reem, clock.now)

    await database.run(staffed)
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/families/2")
        await sara.post("/console/families/2/verification", {"csrf": sara.form_token(), "change": "verified"})
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        sara_id, reem_id = await database.run(
            lambda s: [
                member.id for member in (staff.by_login(s, "sara"), staff.by_login(s, "reem")) if member
            ]
        )
        page = await noura.get("/console/audit")
        assert f'<option value="{sara_id}" >سارة القحطاني</option>' in page
        assert f'<option value="{reem_id}" >reem (أُزيلت)</option>' in page  # removed, and marked
        page = await noura.get(f"/console/audit?staff={sara_id}&kind=registrations.verify&sign_ins=with")
        assert noura.status == 200 and f'<option value="{sara_id}" selected>سارة القحطاني</option>' in page
        table = page.split("<table", 1)[1]
        assert "سارة القحطاني\u2069 وثّقت تسجيلاً" in table and "سجّلت الدخول" not in table
        page = await noura.get("/console/audit?staff=سارة&kind=registrations.verify&since=2026-01-01")
        assert noura.status == 400
        assert noura.alert() == "«سارة» ليست من الموظفات."
        assert '<option value="registrations.verify" selected>' in page and 'value="2026-01-01"' in page
        assert "<table" not in page and '/console/families"' not in page.split("<main", 1)[1]
        assert "/console/audit/export" not in page  # nothing to download from a refusal
        page = await noura.get("/console/audit?staff=%20سارة%20%20القحطاني&kind=registrations.verify")
        assert noura.status == 200 and f'<option value="{sara_id}" selected>' in page  # her name, typed
        assert "وثّقت تسجيلاً" in page.split("<table", 1)[1]
        await noura.post("/console/language", {"csrf": noura.form_token(), "language": "en"})
        page = await noura.get("/console/audit?staff=Sarah")
        assert noura.status == 400 and noura.alert() == "“Sarah” is not one of the staff."
        assert f'<option value="{reem_id}" >reem (removed)</option>' in page


async def test_a_bad_line_of_a_list_is_quoted_to_staff(console: Service) -> None:
    good = with_check_digit("100000007")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    listed = (
        "رقم الهوية,الاسم,الجوال,المكتب\n"
        f"{good},سارة محمد القحطاني,0551110007,makkah\n"
        f"{bad},سارة محمد القحطاني,0551110008,makkah\n"
        f"{good[:5]},هيا,0551110009,makkah\n"
    )
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/lists")
        page = await sara.send_file("/console/lists/check", "list.csv", listed.encode())
        assert f"رقم الهوية {bad} غير صحيح (رقم التحقق)" in page
        assert f"رقم الهوية {good[:5]} فيه 5 أرقام، لا 10" in page
        assert "الاسم «هيا» كلمة واحدة: يلزم الاسم الكامل" in page
        assert "فضلاً" not in page and "اكتبي اسمك" not in page


async def test_noura_filters_the_audit_log_by_kind_in_arabic_and_english(
    console: Service, database: Database, clock: Clock
) -> None:
    """In a browser, at a laptop's width and a phone's: the log shows the office's actions in sentences;
    a kind chosen shows those alone; the sign-ins only when asked for."""
    await database.run(lambda s: registrations.verify(s, signed_in_as(s, "sara"), 2, clock.now))
    await database.run(
        lambda s: registrations.ask_correction(s, signed_in_as(s, "noura"), 3, "الاسم ناقص", clock.now)
    )
    async with browser_page(console) as page:
        await page.set_viewport_size({"width": 1366, "height": 900})
        await signed_in(page, "noura")
        await page.goto("/console/audit")
        table = page.locator("table.audit tbody")
        said = plain(await table.inner_text())
        assert "وثّقت تسجيلاً: مريم خالد الحربي" in said and "طلبت تصحيحاً: هند سعيد («الاسم ناقص»)" in said
        assert "سجّلت الدخول" not in said
        await page.select_option("select[name=kind]", label="وثّقت تسجيلاً")
        await page.click("form.filters button.primary")
        said = plain(await table.inner_text())
        assert "وثّقت تسجيلاً" in said and "طلبت تصحيحاً" not in said
        await screenshot(page, "audit-ar")
        await page.select_option("select[name=kind]", value="")
        await page.select_option("select[name=sign_ins]", value="only")
        await page.click("form.filters button.primary")
        said = plain(await table.inner_text())
        assert "noura سجّلت الدخول إلى اللوحة" in said and "وثّقت" not in said
        await page.set_viewport_size({"width": 390, "height": 844})
        await page.goto("/console/audit")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await screenshot(page, "audit-390-ar")
        await page.set_viewport_size({"width": 1366, "height": 900})
        await page.click("button[name=language][value=en]")
        await page.goto("/console/audit")
        await page.select_option("select[name=kind]", label="asked for a correction")
        await page.click("form.filters button.primary")
        said = plain(await table.inner_text())
        assert "noura asked for a correction: هند سعيد («الاسم ناقص»)" in said and "verified" not in said
        assert await page.locator("select[name=sign_ins]").input_value() == "without"
        await screenshot(page, "audit-en")


def workbook(*rows: list[str]) -> bytes:
    """An office's list as Excel saves it: a header, then one family a row."""
    from openpyxl import Workbook

    book = Workbook()
    page = book.active
    assert page is not None
    for row in [["رقم الهوية", "الاسم", "الجوال", "المكتب"], *rows]:
        page.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_a_workbook_is_read_once_and_saved_from_the_lines_she_checked(
    console: Service, database: Database
) -> None:
    """Sara sends her office's list as .xlsx: it is read and checked, and what waits for her confirmation is
    its lines (each with its line in the sheet), not the workbook, so confirming does not read it again; a
    broken workbook is said so, and nothing is kept or saved."""
    from sqlalchemy import select

    from storage import contacts
    from storage.models import Upload

    first, second = with_check_digit("100000071"), with_check_digit("100000072")
    sarah = [first, "سارة محمد القحطاني", "0551110071", "makkah"]
    listed = workbook(sarah, [], [second, "هيا سعد الحربي", "0551110072", "makkah"])
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/lists")
        await sara.send_file("/console/lists/check", "قائمة مكة.xlsx", b"PK\x03\x04 not a workbook")
        assert sara.status == 400 and "تعذّرت قراءة المصنّف ‎.xlsx (BadZipFile)" in sara.alert()
        assert await database.run(lambda s: s.scalars(select(Upload)).all()) == []

        page = await sara.send_file("/console/lists/check", "قائمة مكة.xlsx", listed)
        assert "أسرتان جديدتان" in page
        [held] = await database.run(lambda s: s.scalars(select(Upload.content)).all())
        assert held.startswith(b"usar-lines 1\n") and not held.startswith(b"PK")  # not the workbook
        assert f'[4,{{"national_id":"{second}"'.encode() in held  # as the sheet numbers it (line 3 empty)
        [token] = sara.form_values("upload")
        await sara.post("/console/lists/import", {"csrf": sara.form_token(), "upload": token})
        assert sara.status == 303
        assert await database.run(lambda s: contacts.by_mobile(s, "+966551110072")) is not None
        assert await database.run(lambda s: s.scalars(select(Upload)).all()) == []
