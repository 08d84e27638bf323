"""Tables staff send us — CSV (UTF-8; comma, semicolon or tab) or XLSX (the first sheet) — read as rows of
named columns, each line with the number a spreadsheet shows, so every problem can be said by its line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zipfile import BadZipFile

from conversations.text import fold
from office.errors import RejectedFile

MAX_ROWS = 50_000


@dataclass(frozen=True)
class Line:
    number: int  # as a spreadsheet shows it: the header is line 1
    values: dict[str, str]


def read_lines(
    path: Path,
    columns: Mapping[str, Sequence[str]],
    max_rows: int = MAX_ROWS,
    optional: Sequence[str] = (),
) -> list[Line]:
    """The file's data rows by column (each column named by any of its aliases, in English or Arabic),
    whatever its format; RejectedFile if it has no usable header. An `optional` column a file lacks reads
    as empty. A cell our exports wrote with a leading ' (so that a spreadsheet does not run it) is read as
    it was before."""
    if not path.is_file():
        raise RejectedFile([f"{path}: no such file"])
    rows = _xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(path)
    try:
        header_number, header = next(rows)
    except StopIteration:
        raise RejectedFile([f"{path}: the file is empty"]) from None
    positions = _columns(header, header_number, columns, optional)
    lines = []
    for number, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # blank lines between groups
        cells = {
            name: _unneutralised(row[i] if i < len(row) else "").strip() for name, i in positions.items()
        }
        cells.update({name: "" for name in optional if name not in cells})
        lines.append(Line(number, cells))
        if len(lines) > max_rows:
            raise RejectedFile([f"{path}: more than {max_rows:,} rows; split the file"])
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
    """A cell as staff would have typed it: dates as "2027-01-10" (and "2027-01-10 09:30" with a time)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a number column: 1000000008.0 is the ID 1000000008
    if isinstance(cell, datetime):
        return f"{cell:%Y-%m-%d}" if cell.time() == time(0) else f"{cell:%Y-%m-%d %H:%M}"
    if isinstance(cell, date):
        return f"{cell:%Y-%m-%d}"
    if isinstance(cell, time):
        return f"{cell:%H:%M}"
    return str(cell)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """A cell a spreadsheet shows as written, never runs (OWASP: a leading ' before = + - @ tab or CR)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _unneutralised(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def _columns(
    header: list[str], line: int, columns: Mapping[str, Sequence[str]], optional: Sequence[str] = ()
) -> dict[str, int]:
    folded = [fold(cell) for cell in header]
    positions: dict[str, int] = {}
    for name, aliases in columns.items():
        keys = {fold(alias) for alias in aliases}
        found = [i for i, cell in enumerate(folded) if cell in keys]
        if found:
            positions[name] = found[0]
    missing = [name for name in columns if name not in positions and name not in optional]
    if missing:
        raise RejectedFile(
            [
                f"line {line}: the header must name the columns {', '.join(columns)} "
                f"(in English or Arabic); missing: {', '.join(missing)}"
            ]
        )
    return positions
