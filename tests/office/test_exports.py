"""Exports for office staff: each as CSV and as an .xlsx workbook from one writer, in words, formula-safe; a
file of families found as the list finds them, and imported back as an office's list, the same families."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from core.domain import StaffRole
from core.i18n import use_language
from office import contacts, exports, registrations
from office.audit import SignIns, record
from office.rights import OPERATOR, Actor, rights
from office.sheets import Column, write
from office.tables import Line, read_lines
from storage import beneficiaries, staff
from storage.audiences import Audience
from storage.beneficiaries import Order, every_found
from storage.db import Database
from tests.support.builders import add_staff, families_in, register_families
from tests.support.databases import sqlite_copy
from tests.support.people import Clock
from tests.support.processes import usar
from tests.support.reads import contacts_in

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FAMILIES = [
    ("فاطمة أحمد العتيبي", "makkah"),
    ("مريم خالد الحربي", "makkah"),
    ("Amal Saad", "jumum"),
    ("نورة علي الغامدي", "makkah"),
]


def signed_in(session: Session, login: str) -> Actor:
    member = staff.by_login(session, login)
    assert member is not None
    return Actor.signed_in(member.id)


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def sheet_rows(data: bytes) -> list[list[object]]:
    book = load_workbook(io.BytesIO(data))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


async def exported(
    database: Database,
    language: str,
    *,
    xlsx: bool = False,
    wanted: registrations.Wanted = registrations.Wanted(),  # noqa: B008
    actor: Actor = OPERATOR,
) -> str | bytes:
    out: io.StringIO | io.BytesIO = io.BytesIO() if xlsx else io.StringIO()
    await database.run(lambda s: exports.families(s, actor, out, language, NOW, wanted=wanted))
    return out.getvalue()


async def test_the_families_file_is_the_list_as_searched_and_filtered(
    database: Database, clock: Clock
) -> None:
    await register_families(database, clock, FAMILIES, verified=1)
    everyone = csv_rows(str(await exported(database, "en")))
    assert [row[1] for row in everyone[1:]] == [name for name, _office in reversed(FAMILIES)]  # newest first
    makkah_waiting = registrations.Wanted(
        segment=Audience(offices=("makkah",), verified=False), correction=False, order=Order.NAME
    )
    rows = csv_rows(str(await exported(database, "en", wanted=makkah_waiting)))
    assert [row[1] for row in rows[1:]] == ["مريم خالد الحربي", "نورة علي الغامدي"]  # Fatimah is verified
    found = csv_rows(str(await exported(database, "en", wanted=registrations.Wanted(typed="الحربي"))))
    assert [row[1] for row in found[1:]] == ["مريم خالد الحربي"]


async def test_a_staff_members_file_has_her_office_only_whatever_the_form_asked(
    database: Database, clock: Clock
) -> None:
    await register_families(database, clock, FAMILIES)
    await add_staff(database, clock, "huda", StaffRole.STAFF, office="jumum")
    huda = await database.run(lambda s: signed_in(s, "huda"))
    asked = registrations.Wanted(segment=Audience(offices=("makkah",)))
    rows = csv_rows(str(await exported(database, "en", wanted=asked, actor=huda)))
    assert [row[1] for row in rows[1:]] == ["Amal Saad"]


async def test_the_columns_are_in_words(database: Database, clock: Clock) -> None:
    [_fatima, maryam, *_rest] = await register_families(database, clock, FAMILIES[:3], verified=1)
    await database.run(lambda s: registrations.ask_correction(s, OPERATOR, maryam, "الاسم ناقص", NOW))
    header, *rows = csv_rows(str(await exported(database, "ar")))
    by_name = {row[header.index("الاسم")]: row for row in rows}
    assert by_name["فاطمة أحمد العتيبي"][header.index("اللغة")] == "العربية"
    assert by_name["فاطمة أحمد العتيبي"][header.index("التوثيق")] == "موثّقة"
    assert by_name["مريم خالد الحربي"][header.index("التوثيق")].startswith("طُلب منها تصحيح")
    registered = by_name["فاطمة أحمد العتيبي"][header.index("وقت التسجيل (بتوقيت الرياض)")]
    assert "2026" in registered and "،" in registered and "-" not in registered  # «1 ديسمبر 2026، 12:01»
    header, *rows = csv_rows(str(await exported(database, "en")))
    assert {row[header.index("Language")] for row in rows} == {"العربية"}  # her language, by its own name
    assert {row[header.index("Verification")] for row in rows} == {
        "verified",
        "asked to correct her registration",
        "waiting for verification",
    }


async def test_csv_and_xlsx_have_the_same_rows_the_arabic_sheet_right_to_left(
    database: Database, clock: Clock
) -> None:
    await register_families(database, clock, FAMILIES)
    for language in ("ar", "en"):
        text = csv_rows(str(await exported(database, language)))
        data = await exported(database, language, xlsx=True)
        assert isinstance(data, bytes)
        sheet = sheet_rows(data)
        assert [str(cell) if cell is not None else "" for cell in sheet[0]] == text[0]
        national_ids = [row[0] for row in sheet[1:]]
        assert all(isinstance(value, str) and len(value) == 10 for value in national_ids)  # text, as written
        assert [row[0] for row in text[1:]] == [f'="{value}"' for value in national_ids]
        book = load_workbook(io.BytesIO(data))
        assert book.active.sheet_view.rightToLeft is (language == "ar")


def test_a_formula_typed_by_staff_never_runs_in_either_format() -> None:
    columns = [Column("reason", "Reason"), Column("mobile", "Mobile", as_text=True), Column("n", "N")]
    rows: list[dict[str, object]] = [
        {"reason": '=HYPERLINK("http://evil")', "mobile": "+966551234567", "n": 3},
        {"reason": "@SUM(A1)", "mobile": "-1+1", "n": None},
    ]
    text = io.StringIO()
    with use_language("en"):
        write(text, columns, rows)
    assert csv_rows(text.getvalue())[1:] == [
        ['\'=HYPERLINK("http://evil")', '="+966551234567"', "3"],
        ["'@SUM(A1)", "'-1+1", ""],  # not digits: not written as ="…"
    ]
    data = io.BytesIO()
    with use_language("en"):
        write(data, columns, rows)
    book = load_workbook(io.BytesIO(data.getvalue()))
    sheet = book.active
    assert sheet is not None
    cells = [sheet["A2"], sheet["A3"], sheet["B3"]]
    assert [(cell.value, cell.data_type, cell.quotePrefix) for cell in cells] == [
        ('=HYPERLINK("http://evil")', "s", True),  # text, shown as typed: Excel runs neither
        ("@SUM(A1)", "s", True),
        ("-1+1", "s", True),
    ]
    assert (sheet["B2"].value, sheet["B2"].data_type, sheet["C2"].value) == ("+966551234567", "s", 3)


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
async def test_an_exported_file_imports_back_as_the_same_families(
    database: Database, clock: Clock, tmp_path: Path, sqlite_template_path: Path, xlsx: bool
) -> None:
    """Export → import into another installation's list → the same families (ID, name, mobile, office)."""
    await register_families(database, clock, FAMILIES)
    data = await exported(database, "ar", xlsx=xlsx)
    path = tmp_path / ("families.xlsx" if xlsx else "families.csv")
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = Database(sqlite_copy(sqlite_template_path, elsewhere))
    try:
        saved = await other.run(
            lambda s: contacts.import_list(s, OPERATOR, read_lines(path, contacts.COLUMNS), NOW)
        )
        assert (saved.added, saved.updated, saved.already_registered) == (4, 0, 0)
        theirs = await contacts_in(other)
    finally:
        await other.dispose()
    ours = await database.run(
        lambda s: sorted(
            (f.national_id, f.full_name, f.mobile, f.office_code)
            for f in every_found(s, registrations.search_for(s, OPERATOR, registrations.Wanted()))
        )
    )
    assert theirs == ours


async def test_ids_as_excel_keeps_them_are_read_back(database: Database, tmp_path: Path) -> None:
    """="1000000008" (our CSV), '1000000008 (typed as text), and a number cell, each read as the ID."""
    from tests.support.builders import AISHA_ID, national_id

    hind, noura = national_id(2), national_id(3)
    path = tmp_path / "kept.csv"
    path.write_text(
        "National ID,Name,Mobile,Office\n"
        f'"=""{AISHA_ID}""",عائشة محمد الحربي,"=""+966551110001""",مكة المكرمة\n'
        f"'{hind},هند سعيد الغامدي,'0551110002,makkah\n"
        f"{noura},نورة علي الغامدي,551110003,makkah\n",
        encoding="utf-8-sig",
    )
    saved = await database.run(
        lambda s: contacts.import_list(s, OPERATOR, read_lines(path, contacts.COLUMNS), NOW)
    )
    assert saved.added == 3
    assert [row[0] for row in await contacts_in(database)] == sorted([AISHA_ID, hind, noura])


def test_a_bad_value_is_quoted_to_staff_in_their_words() -> None:
    lines = [
        Line(2, {"national_id": "1000000009", "name": "فاطمة", "mobile": "0551", "office": "makkah"}),
        Line(3, {"national_id": "12345", "name": "Amal 2", "mobile": "0551110001", "office": "x"}),
    ]
    problems = {
        "ar": [
            "السطر 2: رقم الهوية 1000000009 غير صحيح (رقم التحقق)",
            "السطر 2: الاسم «فاطمة» كلمة واحدة: يلزم الاسم الكامل",
            "السطر 2: رقم الجوال 0551 ليس جوالاً سعودياً مثل 0551234567",
        ],
        "en": [
            "line 3: national ID 12345 has 5 digits, not 10",
            "line 3: name “Amal 2” has more than letters in it",
        ],
    }
    for language, expected in problems.items():
        with use_language(language):
            said = [
                message
                for line in lines
                for message in (
                    f"{'السطر' if language == 'ar' else 'line'} {line.number}: {wrong}"
                    for wrong in contacts._family(line, {"makkah": "makkah"}, contacts._Columns.said())[1]
                )
            ]
        for message in expected:
            assert message in said
        assert not any("فضلاً" in message or "Please" in message for message in said)


async def test_the_audit_file_names_staff_offices_and_families_in_sentences(
    database: Database, clock: Clock
) -> None:
    [fatima, *_rest] = await register_families(database, clock, FAMILIES[:1])
    await add_staff(database, clock, "noura", StaffRole.STAFF, office="makkah")

    def work(session: object) -> None:
        noura = signed_in(session, "noura")  # type: ignore[arg-type]
        registrations.verify(session, noura, fatima, NOW)  # type: ignore[arg-type]
        record(
            session,  # type: ignore[arg-type]
            rights(session, noura),  # type: ignore[arg-type]
            "staff.sign_in",
            office="makkah",
            target="staff",
            target_id=None,
            outcome="signed in",
            now=NOW,
        )

    await database.run(work)
    for language, verified in (("en", "noura verified a registration: فاطمة أحمد العتيبي"),
                               ("ar", "noura وثّقت تسجيلاً: فاطمة أحمد العتيبي")):  # fmt: skip
        out = io.StringIO()
        await database.run(
            lambda s: exports.audit(s, OPERATOR, out, language, sign_ins=SignIns.WITHOUT)  # noqa: B023
        )
        header, *rows = csv_rows(out.getvalue())
        entries = [row[header.index("What happened" if language == "en" else "ما جرى")] for row in rows]
        assert verified in entries
        assert not any("sign" in entry or "الدخول" in entry for entry in entries)
        offices = {row[header.index("Office" if language == "en" else "المكتب")] for row in rows}
        assert offices == {"Makkah" if language == "en" else "مكة المكرمة"}
        assert "{" not in out.getvalue() and "makkah" not in out.getvalue()


def test_the_command_line_writes_a_workbook_for_an_xlsx_name_and_it_imports_back(tmp_path: Path) -> None:
    families_in(tmp_path)
    done = usar("export", "beneficiaries", "--lang", "ar", "--output", "families.xlsx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    path = tmp_path / "families.xlsx"
    assert path.stat().st_mode & 0o777 == 0o600  # it holds national IDs
    book = load_workbook(path)
    assert book.active is not None and book.active.sheet_view.rightToLeft
    header = [cell.value for cell in book.active[1]]
    assert header[:4] == ["رقم الهوية", "الاسم", "الجوال", "المكتب"]
    checked = usar("beneficiaries", "import", "families.xlsx", "--dry-run", cwd=tmp_path)
    # The town's test families are named «أسرة 12», no name a list accepts; their IDs and mobiles are read.
    assert "line 2: name “أسرة 12” has more than letters in it" in checked.stderr
    assert "national ID" not in checked.stderr and "mobile" not in checked.stderr
    refused = usar("export", "beneficiaries", "--format", "json", "--output", "families.xlsx", cwd=tmp_path)
    assert refused.returncode == 2 and "--format json writes text" in refused.stderr


@pytest.mark.parametrize("order", list(Order))
async def test_a_file_read_in_small_batches_is_the_list_in_its_order(
    database: Database, clock: Clock, order: Order
) -> None:
    """An export reads the families in batches, each after the last one's keys: read two at a time, the file
    has every family of the list once, in the list's order, ties (one name, one office) included."""
    names = [("هند سعيد الغامدي", "makkah"), ("أمل علي", "jumum")] * 3 + [("سارة خالد", "makkah")]
    await register_families(database, clock, names)

    def both(session: Session) -> tuple[list[int], list[int]]:
        found = registrations.search_for(session, OPERATOR, registrations.Wanted(order=order))
        page = beneficiaries.search(session, found, 100)
        assert page.total == len(names)
        return [f.id for f in page.families], [f.id for f in every_found(session, found, batch=2)]

    listed, exported_ids = await database.run(both)
    assert exported_ids == listed
