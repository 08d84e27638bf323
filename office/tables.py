"""Tables staff send us — CSV (UTF-8; comma, semicolon or tab) or XLSX (the first sheet) — read as rows of
named columns, each line with the number a spreadsheet shows, so every problem can be said by its line.

A file is read within limits, and one beyond a limit is refused with one line that names the limit and where
it was met. Before anything is read: its size on disk; a workbook's parts, what they say they unpack to
(together, and each against its packed size), then their XML elements (a sheet's rows among them), counted
before openpyxl opens it. While reading: rows, empty lines and the length of a cell, so that a file of
millions of empty lines stops at the limit."""

from __future__ import annotations

import csv
import io
import math
import re
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError
from xml.parsers import expat
from zipfile import BadZipFile, ZipFile, ZipInfo

from core.i18n import _
from core.text import fold, normalise
from office.errors import RejectedFile

MB = 1024 * 1024
MAX_FILE_BYTES = 10 * MB  # 50,000 families take 5 MB as CSV, 2 MB as XLSX
MAX_COLUMNS = 100  # read from the left; columns further right are not read
MAX_CELL = 2_000  # characters: a tip is a message (WhatsApp takes 1,600), a name 200
MAX_ROWS = 50_000  # rows of data (a header besides): an office serves a few thousand families
MAX_EMPTY_LINES = 10_000  # in all: a spreadsheet keeps formatted empty rows below the data
# A workbook: what its parts say they unpack to, together and each against its packed size (a sheet packs
# about 10 to 1, a zip bomb 1,000s to 1); then its XML elements, counted before openpyxl reads them: those it
# keeps in memory together as it opens the workbook (20 µs and 1 KB each), and a sheet's rows, read singly.
MAX_UNPACKED_BYTES = 50 * MB  # 18 MB for 50,000 families in six columns
MAX_RATIO, RATIO_FROM = 100, MB  # smaller parts are not held to the ratio
MAX_PARTS = 1_000  # a dozen, and one more for each sheet, image or table
MAX_TEXT_ELEMENTS = 1_000_000  # of the shared texts (sharedStrings.xml): 500,000 texts
MAX_PART_ELEMENTS = 100_000  # of another part, or of a sheet outside its rows; Excel has 64,000 cell formats
MAX_SHEET_ELEMENTS = 3_000_000  # in a sheet's rows: 50,000 rows of 30 cells, a shared text's cell two
MAX_ROW_ELEMENTS = 65_536  # in one row: Excel's 16,384 columns, a few each
WORKBOOKS = (".xlsx", ".xlsm")
# What openpyxl and zipfile raise on a broken workbook
UNREADABLE = (
    BadZipFile,
    OSError,
    EOFError,
    zlib.error,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    ParseError,
)


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
    whatever its format; RejectedFile if it has no usable header, or goes beyond a limit. An `optional`
    column a file lacks reads as empty. A cell our exports wrote with a leading ' (so that a spreadsheet
    does not run it) is read as it was before."""
    rows = read_rows(path, max_rows)
    try:
        header_number, header = next(rows)
    except StopIteration:
        raise _refused(_("the file is empty")) from None
    positions = _columns(header, header_number, columns, optional)
    lines = []
    for number, row in rows:
        cells = {
            name: _unneutralised(row[i] if i < len(row) else "").strip() for name, i in positions.items()
        }
        cells.update({name: "" for name in optional if name not in cells})
        lines.append(Line(number, cells))
    return lines


def first_column(path: Path) -> list[tuple[int, str]]:
    """Each line's number and its national ID or mobile (the first column of a CSV or of an XLSX's first
    sheet); empty lines and a header skipped. Read within the limits of every table we import."""
    found = []
    for number, row in read_rows(path):
        value = normalise(_unneutralised(row[0].strip()))
        if not value or (number == 1 and not any(ch.isdigit() for ch in value)):
            continue
        found.append((number, value))
    return found


def read_rows(path: Path, max_rows: int = MAX_ROWS) -> Iterator[tuple[int, list[str]]]:
    """The file's rows that are not empty, each with its line number and its first `MAX_COLUMNS` cells:
    a header and `max_rows` more. RejectedFile at the first limit it goes beyond (its size at once)."""
    if not path.is_file():
        raise _refused(_("no such file"))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _too_large(path)
    if path.suffix.lower() in WORKBOOKS:
        return _within_limits(_xlsx_rows(path, max_rows), max_rows)
    return _within_limits(_csv_rows(path), max_rows)


def _within_limits(rows: Iterator[tuple[int, list[str]]], max_rows: int) -> Iterator[tuple[int, list[str]]]:
    taken = empty = 0
    for number, whole in rows:
        row = whole[:MAX_COLUMNS]
        if not any(cell.strip() for cell in row):
            empty += 1  # empty lines between groups are skipped, and counted
            if empty > MAX_EMPTY_LINES:
                raise _refused(
                    _(
                        "line %(line)s: more than %(most)s empty lines; delete the empty rows and import "
                        "it again",
                        line=number,
                        most=f"{MAX_EMPTY_LINES:,}",
                    )
                )
            continue
        long = next((column for column, cell in enumerate(row) if len(cell) > MAX_CELL), None)
        if long is not None:
            raise _refused(
                _(
                    "line %(line)s, column %(column)s: longer than %(most)s characters",
                    line=number,
                    column=_letter(long),
                    most=f"{MAX_CELL:,}",
                )
            )
        taken += 1
        if taken > 1 + max_rows:
            raise _refused(
                _("line %(line)s: more than %(most)s rows; split the file", line=number, most=f"{max_rows:,}")
            )
        yield number, row


def _refused(problem: str) -> RejectedFile:
    return RejectedFile([problem])


def _too_large(path: Path) -> RejectedFile:
    size = math.ceil(path.stat().st_size * 10 / MB) / 10  # 10.1 MB, never "10 MB; the limit is 10 MB"
    return _refused(
        _("the file is %(size)s MB; the limit is %(most)s MB", size=f"{size:,g}", most=MAX_FILE_BYTES // MB)
    )


def _letter(index: int) -> str:
    """The column as a spreadsheet names it: 0 is A, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with path.open("rb") as file:
        raw = file.read(MAX_FILE_BYTES + 1)  # no more than the limit, should the file have grown since
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refused(
            _("not UTF-8 text. Save it as “CSV UTF-8” (or as .xlsx) and import it again.")
        ) from None
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    if csv.field_size_limit() < MAX_FILE_BYTES:  # csv's own (128 KiB) would stop before we say the column
        csv.field_size_limit(MAX_FILE_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as problem:  # none known (a NUL is read since Python 3.11): never a traceback
            raise _refused(
                _("line %(line)s: not readable as CSV (%(problem)s)", line=start, problem=str(problem))
            ) from None
        yield start, row
        start = reader.line_num + 1


def _xlsx_rows(path: Path, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    """The first sheet's rows, once the workbook's parts are checked; never wider than `MAX_COLUMNS`,
    whatever the sheet says its dimension is."""
    from openpyxl.utils.exceptions import InvalidFileException  # only for spreadsheets

    _check_parts(path, max_rows)
    try:
        book, sheet = _first_sheet(path)
    except (InvalidFileException, *UNREADABLE) as problem:
        raise _unreadable(problem) from None
    number = 0
    try:
        if sheet is None:
            return
        for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            yield number, [_cell_text(cell) for cell in row]
    except UNREADABLE as problem:
        raise _unreadable(problem, number + 1) from None
    finally:
        book.close()


def _first_sheet(path: Path) -> tuple[Any, Any]:
    """The workbook (read-only, cached values of formulas) and its first worksheet, or None if it has none.
    Opened as `openpyxl.load_workbook(read_only=True)` opens it, less its pass over every sheet to size it:
    a workbook without a `<dimension>` (openpyxl's write-only ones, ours) had each sheet parsed whole for
    it, and the rows read afterwards whatever it says (`MAX_COLUMNS` wide, as many as there are)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class Unsized(ReadOnlyWorksheet):  # type: ignore[misc]
        def _get_size(self) -> None:
            """Sized by its rows as they are read, not by a first pass over them."""

    reader = ExcelReader(path, read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)  # the cells' formats: which numbers are dates
        for sheet, rel in reader.parser.find_sheets():
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
                return reader.wb, Unsized(reader.wb, sheet.name, rel.target, reader.shared_strings)
    except BaseException:
        reader.archive.close()
        raise
    return reader.wb, None


def _unreadable(problem: Exception, line: int | None = None) -> RejectedFile:
    why = type(problem).__name__
    if line is None:
        return _refused(_("not a readable .xlsx workbook (%(problem)s)", problem=why))
    return _refused(_("line %(line)s: not a readable .xlsx workbook (%(problem)s)", line=line, problem=why))


def _check_parts(path: Path, max_rows: int) -> None:
    """A workbook's parts by what they say they unpack to, before anything is unpacked; then each one
    unpacked (never beyond what it said: zipfile stops there, and a part that said less fails its checksum)
    and, if it is XML, read to count a sheet's rows (a header, `max_rows` and the empty lines allowed) and to
    refuse a DTD (a workbook has none)."""
    try:
        with ZipFile(path) as archive:
            parts = archive.infolist()
            _check_declared(parts)
            for part in parts:
                with archive.open(part) as unpacked:
                    _check_xml(part.filename, unpacked, max_rows)
    except UNREADABLE as problem:
        raise _unreadable(problem) from None


def _check_declared(parts: Sequence[ZipInfo]) -> None:
    if len(parts) > MAX_PARTS:
        raise _refused(
            _(
                "the workbook has %(parts)s parts; the limit is %(most)s",
                parts=f"{len(parts):,}",
                most=MAX_PARTS,
            )
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        raise _refused(
            _(
                "the workbook unpacks to %(size)s MB; the limit is %(most)s MB",
                size=f"{unpacked // MB:,}",
                most=MAX_UNPACKED_BYTES // MB,
            )
        )
    for part in parts:
        if part.file_size > max(RATIO_FROM, MAX_RATIO * part.compress_size):
            ratio = part.file_size // max(part.compress_size, 1)
            raise _refused(
                _(
                    "%(part)s in the workbook unpacks to %(ratio)s times its size; the limit is %(most)s "
                    "times",
                    part=part.filename,
                    ratio=f"{ratio:,}",
                    most=MAX_RATIO,
                )
            )


def _check_xml(part: str, source: IO[bytes], max_rows: int) -> None:
    census = _Census(part, max_rows)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = census.start
    parser.EndElementHandler = census.end
    parser.StartDoctypeDeclHandler = census.doctype
    try:
        while chunk := source.read(MB):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        return  # not XML (an image), or broken: openpyxl says so if it reads it


class _Census:
    """An XML part's elements counted as they come, against the limits of what openpyxl does with them: a
    sheet's rows are read one at a time (their number, and the elements of one row and of all, are limited);
    the elements of any other part, or outside a sheet's rows, are kept in memory together."""

    def __init__(self, part: str, max_rows: int) -> None:
        self.part, self.max_rows = part, max_rows
        self.root = ""
        self.rows = self.in_rows = self.in_row = self.elsewhere = 0
        self.row_open = False

    def start(self, tag: str, _attributes: object) -> None:
        name = tag.rpartition(" ")[2]  # in any namespace
        self.root = self.root or name
        if name == "row" and self.root == "worksheet":
            self.rows, self.in_row, self.row_open = self.rows + 1, 0, True
            if self.rows > 1 + self.max_rows + MAX_EMPTY_LINES:
                raise self._too_many_rows()
        elif self.row_open:
            self.in_row, self.in_rows = self.in_row + 1, self.in_rows + 1
            if self.in_row > MAX_ROW_ELEMENTS:
                raise self._too_many_elements(MAX_ROW_ELEMENTS, in_a_row=True)
            if self.in_rows > MAX_SHEET_ELEMENTS:
                raise self._too_many_elements(MAX_SHEET_ELEMENTS)
        else:
            self.elsewhere += 1
            most = MAX_TEXT_ELEMENTS if self.root == "sst" else MAX_PART_ELEMENTS
            if self.elsewhere > most:
                raise self._too_many_elements(most)

    def end(self, tag: str) -> None:
        if self.row_open and tag.endswith("row") and tag.rpartition(" ")[2] == "row":
            self.row_open = False

    def doctype(self, *_arguments: object) -> None:
        raise _refused(_("not a readable .xlsx workbook (a DTD in %(part)s)", part=self.part))

    def _too_many_rows(self) -> RejectedFile:
        return _refused(
            _(
                "%(part)s in the workbook has more than %(most)s rows: the limit is %(rows)s, a header and "
                "%(empty)s empty lines; split the file",
                part=self.part,
                most=f"{1 + self.max_rows + MAX_EMPTY_LINES:,}",
                rows=f"{self.max_rows:,}",
                empty=f"{MAX_EMPTY_LINES:,}",
            )
        )

    def _too_many_elements(self, most: int, in_a_row: bool = False) -> RejectedFile:
        if in_a_row:
            problem = _(
                "%(part)s in the workbook has a row of more than %(most)s XML elements",
                part=self.part,
                most=f"{most:,}",
            )
        else:
            problem = _(
                "%(part)s in the workbook has more than %(most)s XML elements",
                part=self.part,
                most=f"{most:,}",
            )
        return _refused(_("%(problem)s; save the sheet as CSV and import that", problem=problem))


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
    """A cell as it was before a spreadsheet's way of keeping it: a ' before a formula's start (what our
    exports write), the ="1000000008" our CSV exports write an ID or a mobile as, and a ' typed before digits
    (Excel's way of keeping them as text, left in a CSV by some programs)."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    if cell.startswith('="') and cell.endswith('"') and _DIGITS.fullmatch(cell[2:-1]):
        return cell[2:-1]
    if cell.startswith("'") and _DIGITS.fullmatch(cell[1:]):
        return cell[1:]
    return cell


_DIGITS = re.compile(r"\+?\d[\d ]*")


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
        raise _refused(
            _(
                "line %(line)s: the header must name the columns %(columns)s (in English or Arabic); "
                "missing: %(missing)s",
                line=line,
                columns=", ".join(columns),
                missing=", ".join(missing),
            )
        )
    return positions
