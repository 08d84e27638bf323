"""`usar beneficiaries import FILE`: an office's list of families (CSV or XLSX, Arabic welcome) becomes
contacts the bot recognises by their mobile when they first write.

Columns, by header in English or Arabic, in any order: national ID (رقم الهوية), name (الاسم), mobile
(الجوال), office (المكتب: its code or its name in either language). Every bad row is reported with its line
number, and nothing is imported from a file with errors.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zipfile import BadZipFile

from sqlalchemy.orm import Session

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
MAX_ROWS = 50_000


class RejectedFile(Exception):
    """The file cannot be imported; `problems` are the lines that say why, each with its line number."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Line:
    number: int  # as a spreadsheet shows it: the header is line 1
    values: dict[str, str]


def read_lines(path: Path) -> list[Line]:
    """The file's data rows by column, whatever its format; RejectedFile if it has no usable header."""
    if not path.is_file():
        raise RejectedFile([f"{path}: no such file"])
    rows = _xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(path)
    try:
        header_number, header = next(rows)
    except StopIteration:
        raise RejectedFile([f"{path}: the file is empty"]) from None
    positions = _columns(header, header_number)
    lines = []
    for number, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # blank lines between groups of families
        cells = {name: (row[i] if i < len(row) else "").strip() for name, i in positions.items()}
        lines.append(Line(number, cells))
        if len(lines) > MAX_ROWS:
            raise RejectedFile([f"{path}: more than {MAX_ROWS:,} families; split the file"])
    return lines


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RejectedFile(
            [f"{path}: not UTF-8 text. Save it as “CSV UTF-8” (or as .xlsx) and import it again."]
        ) from None
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    start = 1
    for row in reader:
        yield start, row
        start = reader.line_num + 1


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # only for spreadsheets
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as problem:
        raise RejectedFile([f"{path}: not a readable .xlsx workbook ({type(problem).__name__})"]) from None
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(cell) for cell in row]
    finally:
        book.close()


def _cell_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a number column: 1000000008.0 is the ID 1000000008
    return str(cell)


def _columns(header: list[str], line: int) -> dict[str, int]:
    folded = [fold(cell) for cell in header]
    positions: dict[str, int] = {}
    for name, aliases in COLUMNS.items():
        keys = {fold(alias) for alias in aliases}
        found = [i for i, cell in enumerate(folded) if cell in keys]
        if found:
            positions[name] = found[0]
    missing = [name for name in COLUMNS if name not in positions]
    if missing:
        raise RejectedFile(
            [
                f"line {line}: the header must name the columns national ID, name, mobile and office "
                f"(in English or Arabic); missing: {', '.join(missing)}"
            ]
        )
    return positions


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
    families = check(session, read_lines(path), only_office)
    return contacts.plan(session, families) if dry_run else contacts.save_all(session, families, by, now)
