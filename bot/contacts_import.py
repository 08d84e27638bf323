"""`usar beneficiaries import FILE`: an office's list of families (CSV or XLSX, Arabic welcome) becomes
contacts the bot recognises by their mobile when they first write.

Columns, by header in English or Arabic, in any order: national ID (رقم الهوية), name (الاسم), mobile
(الجوال), office (المكتب: its code or its name in either language). Every bad row is reported with its line
number, and nothing is imported from a file with errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from bot.tables import Line, RejectedFile, read_lines
from conversations.forms import Invalid
from conversations.i18n import use_language
from conversations.text import fold
from conversations.validators import person_name, saudi_mobile, saudi_national_id
from storage import contacts, offices
from storage.contacts import KnownFamily, Saved

COLUMNS = {
    "national_id": (
        "national id",
        "national_id",
        "id",
        "id number",
        "رقم الهويه",
        "الهويه",
        "رقم السجل المدني",
    ),
    "name": ("name", "full name", "full_name", "الاسم", "اسم المستفيده", "الاسم الكامل"),
    "mobile": ("mobile", "phone", "mobile number", "الجوال", "رقم الجوال", "الهاتف", "رقم الهاتف"),
    "office": ("office", "office code", "المكتب", "مكتب الضمان"),
}


def check(session: Session, lines: Sequence[Line], only_office: str | None = None) -> list[KnownFamily]:
    """Each line as a family, or RejectedFile listing every bad line. An office's staff (`only_office`)
    import their own office's families only."""
    office_codes = _office_names(session)
    problems: list[tuple[int, str]] = []
    checked: list[tuple[int, KnownFamily]] = []
    first_seen: dict[tuple[str, str], int] = {}
    with use_language("en"):
        for line in lines:
            family, wrong = _family(line, office_codes)
            problems.extend((line.number, message) for message in wrong)
            if family is None:
                continue
            if only_office is not None and family.office_code != only_office:
                problems.append((line.number, f"office: you can only import families of {only_office}"))
            for column, value in (("national ID", family.national_id), ("mobile", family.mobile)):
                earlier = first_seen.setdefault((column, value), line.number)
                if earlier != line.number:
                    problems.append((line.number, f"the same {column} as line {earlier}"))
            checked.append((line.number, family))
    families = [family for _, family in checked]
    held = contacts.mobiles_held_by_others(session, families)
    problems.extend(
        (number, "mobile: another imported family has this number")
        for number, family in checked
        if family.mobile in held
    )
    if problems:
        raise RejectedFile([f"line {number}: {message}" for number, message in sorted(problems)])
    return families


def _family(line: Line, office_codes: dict[str, str]) -> tuple[KnownFamily | None, list[str]]:
    """The family on the line, or what is wrong with each of its columns."""
    values = line.values
    parsed: dict[str, str] = {}
    wrong: list[str] = []
    for column, label, parse in (
        ("national_id", "national ID", saudi_national_id),
        ("name", "name", person_name),
        ("mobile", "mobile", saudi_mobile),
    ):
        if not values[column]:
            wrong.append(f"{label}: empty")
            continue
        try:
            parsed[column] = parse(values[column])
        except Invalid as problem:
            wrong.append(f"{label}: {problem.message}")
    office = office_codes.get(fold(values["office"]))
    if office is None:
        wrong.append(f"office: unknown office {values['office']!r}" if values["office"] else "office: empty")
    if wrong or office is None:
        return None, wrong
    return KnownFamily(parsed["national_id"], parsed["name"], parsed["mobile"], office), []


def _office_names(session: Session) -> dict[str, str]:
    """Every way a list may name an office (its code, its Arabic and English names) → its code."""
    names = {}
    for office in offices.active_offices(session):
        for name in (office.code, office.name_ar, office.name_en):
            names[fold(name)] = office.code
    return names


def import_file(
    session: Session,
    path: Path,
    by: str,
    now: datetime,
    dry_run: bool = False,
    only_office: str | None = None,
) -> Saved:
    """Check the whole file, then save it all (or, for a dry run, only say what saving would do)."""
    families = check(session, read_lines(path, COLUMNS), only_office)
    return contacts.plan(session, families) if dry_run else contacts.save_all(session, families, by, now)
