"""Every export's file, from one function (`write`): CSV into a text file, an .xlsx workbook into a binary
one, the same columns and rows either way, in the reader's language (set by `core.i18n.use_language`).

CSV is UTF-8 with a BOM (Excel keeps the Arabic); IDs and mobiles are written ="1000000008" so that Excel
keeps them exactly as written (`office.tables` reads that form back). The workbook has them as text cells,
its numbers as numbers, and its columns right to left when the reader's language is Arabic.

A cell that a spreadsheet would run as a formula never runs (OWASP's rule: a leading = + - @ tab or CR): in
CSV it gets a leading ', in the workbook it is a text cell marked as typed with one (Excel's own "quote
prefix": shown as written, not run, and run neither when she edits it). Staff type school names, reasons and
titles; a file must never run what they typed.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO, TextIO, cast

from babel.dates import format_date

from core.dates import RIYADH, short_time
from core.i18n import LazyText, _, current_language
from office.tables import FORMULA_STARTS, neutralised

Out = TextIO | BinaryIO  # a text file: CSV; a binary one: .xlsx
FORMATS = ("xlsx", "csv")  # as a form or an address names them, the workbook first (what staff open)
MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Column:
    name: str
    header: LazyText | str
    as_text: bool = False  # validated digits (an ID, a mobile) a spreadsheet must keep exactly as written


def written_to(form: str) -> Out:
    """An empty file to `write` in the format named ("xlsx"; anything else, CSV): a temporary file on disk,
    gone when it is closed, so that an export of a million families is never held in memory (the console
    sends it in chunks, `console.forms.download`)."""
    if form == "xlsx":
        return cast(BinaryIO, tempfile.TemporaryFile(prefix="usar-export-"))
    return cast(TextIO, tempfile.TemporaryFile("w+", encoding="utf-8", newline="", prefix="usar-export-"))


def write(
    out: Out, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], title: str | LazyText = ""
) -> int:
    """The rows under their headers (translated), as CSV or .xlsx as `out` is text or binary; how many.
    `title`: what the rows are ("Families"), the workbook's sheet named so in the file's language."""
    if isinstance(out, io.TextIOBase):
        return _write_csv(cast(TextIO, out), columns, rows)
    return _write_xlsx(cast(BinaryIO, out), columns, rows, sheet_title(title))


def sheet_title(title: str | LazyText) -> str:
    """A sheet's name as Excel takes it: at most 31 characters, none of []:*?/\\ ; "Sheet" without one."""
    named = re.sub(r"[\[\]:*?/\\]", " ", str(title)).strip().strip("'")[:31].strip()
    return named or "Sheet"


def when(moment: datetime | None) -> str:
    """A moment as people read it, in Riyadh: "November 30, 2026, 14:05", «30 نوفمبر 2026، 14:05»."""
    if moment is None:
        return ""
    day = format_date(moment.astimezone(RIYADH).date(), format="long", locale=current_language())
    return _("%(day)s, %(time)s", day=day, time=short_time(moment))


def _words(value: Any) -> Any:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


def _csv_cell(column: Column, value: Any) -> str:
    value = _words(value)
    if value is None:
        return ""
    text = str(value)
    if column.as_text and text and all(char.isdigit() or char == "+" for char in text):
        # Excel reads "+966551234567" as a formula and 1000000008 as a number to reformat; this form keeps
        # both exactly as written. Only validated digits take it, so nothing else can be injected.
        return f'="{text}"'
    return neutralised(text)


def _write_csv(out: TextIO, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> int:
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow([neutralised(str(column.header)) for column in columns])
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(column, row.get(column.name)) for column in columns])
        count += 1
    return count


def _write_xlsx(
    out: BinaryIO, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], title: str = "Sheet"
) -> int:
    from openpyxl import Workbook  # only for workbooks
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)  # rows go to the file as they come: a year of the log is never held
    sheet = book.create_sheet(title)
    sheet.sheet_view.rightToLeft = current_language() == "ar"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(str(column.header)) + 4)

    def cell(column: Column | None, value: Any, bold: bool = False) -> WriteOnlyCell:
        value = _words(value)
        if isinstance(value, int | float) and not (column is not None and column.as_text):
            return WriteOnlyCell(sheet, value=value)
        made = WriteOnlyCell(sheet, value=None)
        made.value = "" if value is None else str(value)
        made.data_type = "s"  # text, whatever it starts with: openpyxl would make "=…" a formula
        if made.value.startswith(FORMULA_STARTS):
            made.quotePrefix = True
        if bold:
            made.font = Font(bold=True)
        return made

    sheet.append([cell(None, str(column.header), bold=True) for column in columns])
    count = 0
    for row in rows:
        sheet.append([cell(column, row.get(column.name)) for column in columns])
        count += 1
    book.save(out)
    return count
