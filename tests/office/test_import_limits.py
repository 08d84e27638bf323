"""Files made to hurt an import — a zip bomb, millions of empty lines, a cell of megabytes, too many rows —
are refused with one line naming the limit and where it was met, quickly and in little memory, and nothing
is saved. Every hostile file is made here, at test time."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy.orm import Session

from core.i18n import use_language
from office import content as content_files
from office.errors import RejectedFile
from office.rights import OPERATOR
from office.tables import MAX_CELL, MAX_FILE_BYTES, first_column, read_lines
from storage.db import Database
from tests.support.builders import AISHA_ID, imported, write
from tests.support.processes import CHECKOUT, usar
from tests.support.reads import contacts_in

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
HEADER = "national id,name,mobile,office\n"
AISHA = f"{AISHA_ID},عائشة محمد الحربي,0551110001,makkah\n"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
WORKSHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
HEADER_ROW = b"".join(
    b'<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>' % (column, name)
    for column, name in ((b"A", b"National ID"), (b"B", b"Name"), (b"C", b"Mobile"), (b"D", b"Office"))
)


def workbook(
    path: Path, rows: Iterable[bytes], dimension: bytes = b"", dtd: bytes = b"", formats: bytes = b""
) -> Path:
    """An .xlsx as openpyxl writes one, whose first sheet is the header row, then `rows` (packed as they are
    written, so that a bomb is never whole in memory); `formats` are added to its cell formats."""
    made = io.BytesIO()
    Workbook().save(made)
    with zipfile.ZipFile(made) as model, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for part in model.infolist():
            if part.filename == "xl/styles.xml":
                book.writestr(part, model.read(part).replace(b"</cellXfs>", formats + b"</cellXfs>"))
                continue
            if part.filename != "xl/worksheets/sheet1.xml":
                book.writestr(part, model.read(part))
                continue
            with book.open(part.filename, "w") as sheet:
                for piece in (DECLARATION, dtd, WORKSHEET, dimension, b'<sheetData><row r="1">', HEADER_ROW):
                    sheet.write(piece)
                sheet.write(b"</row>")
                for row in rows:
                    sheet.write(row)
                sheet.write(b"</sheetData></worksheet>")
    return path


def empty_rows(count: int) -> Iterator[bytes]:
    """`count` empty rows, written a hundred thousand at a time."""
    for start in range(0, count, 100_000):
        yield b"<row/>" * min(100_000, count - start)


def refused(path: Path) -> list[str]:
    """What `usar beneficiaries import` says of the file, in English."""
    with pytest.raises(RejectedFile) as rejected, use_language("en"):
        read_lines(path, {"national_id": ["national id"], "name": ["name"]})
    return rejected.value.problems


async def test_a_zip_bomb_is_refused_before_it_is_unpacked(database: Database, tmp_path: Path) -> None:
    bomb = workbook(tmp_path / "families.xlsx", empty_rows(9_000_000))  # 54 MB of rows in 60 KB
    assert bomb.stat().st_size < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(RejectedFile) as rejected:
            await imported(database, bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rejected.value.problems == ["the workbook unpacks to 51 MB; the limit is 50 MB"]
    assert peak < 5_000_000  # bytes: before, openpyxl took 2 GB
    assert await contacts_in(database) == []


def test_a_part_packed_far_tighter_than_a_sheet_is_refused(tmp_path: Path) -> None:
    bomb = workbook(tmp_path / "families.xlsx", empty_rows(1_000_000))  # 6 MB in 12 KB
    [problem] = refused(bomb)
    assert problem.startswith("xl/worksheets/sheet1.xml in the workbook unpacks to ")
    assert problem.endswith(" times its size; the limit is 100 times")


def test_a_part_that_unpacks_to_more_than_it_says_is_refused(tmp_path: Path) -> None:
    """A lying header: the directory says the sheet is 1 KB; unpacking stops there, and it is refused."""
    book = workbook(
        tmp_path / "families.xlsx", [b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 9_000]
    )
    data = bytearray(book.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the central directory's entries, until the sheet's
    while not data[entry + 46 :].startswith(b"xl/worksheets/sheet1.xml"):
        entry = data.index(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", data, entry + 24, 1_000)  # its unpacked size
    book.write_bytes(data)
    assert refused(book) == ["not a readable .xlsx workbook (BadZipFile)"]


def test_a_sheet_of_too_many_rows_is_counted_before_openpyxl_reads_it(tmp_path: Path) -> None:
    """Without a dimension, openpyxl would read the whole sheet to size it as it opens the workbook."""
    book = workbook(tmp_path / "families.xlsx", empty_rows(100_000))
    assert refused(book) == [
        "xl/worksheets/sheet1.xml in the workbook has more than 60,001 rows: the limit is 50,000, a header "
        "and 10,000 empty lines; split the file"
    ]


@pytest.mark.parametrize(
    "dimension",
    [b'<dimension ref="A1:XFD1048576"/>', b'<dimension ref="A1:B1"/>'],
    ids=["a million rows, the whole width", "the header alone"],
)
def test_a_sheet_is_read_as_far_as_its_rows_whatever_it_says_it_spans(
    tmp_path: Path, dimension: bytes
) -> None:
    """Its dimension is not believed: neither padded out to a million rows of 16,384 cells, nor cut short."""
    aisha = (
        b'<row r="2"><c r="A2"><v>%s</v></c><c r="B2" t="inlineStr"><is><t>Aisha Ali</t></is></c>'
        b'<c r="XFD2" t="inlineStr"><is><t>far right</t></is></c></row>' % AISHA_ID.encode()
    )
    book = workbook(tmp_path / "families.xlsx", [aisha], dimension=dimension)
    with use_language("en"):
        [line] = read_lines(book, {"national_id": ["national id"], "name": ["name"]})
    assert line.number == 2 and line.values == {"national_id": AISHA_ID, "name": "Aisha Ali"}


def test_the_first_worksheet_is_read_past_a_chart_sheet_its_dates_as_typed(tmp_path: Path) -> None:
    """A workbook whose first tab is a chart, then the list, then another sheet: the list is read (the
    first worksheet), its dates and times as staff typed them, its IDs typed as numbers as digits."""
    book = Workbook()
    book.remove(book.active)
    book.create_chartsheet("chart")
    listed = book.create_sheet("list")
    listed.append(["national id", "name", "day"])
    listed.append([int(AISHA_ID), "Aisha Ali", datetime(2027, 1, 10, 9, 30)])
    book.create_sheet("notes").append(["not read"])
    book.save(tmp_path / "families.xlsx")
    with use_language("en"):
        [line] = read_lines(tmp_path / "families.xlsx", {"national_id": ["national id"], "day": ["day"]})
    assert line.number == 2 and line.values == {"national_id": AISHA_ID, "day": "2027-01-10 09:30"}


def test_a_stream_of_empty_rows_in_a_sheet_stops_at_the_limit(tmp_path: Path) -> None:
    """A row numbered a million: openpyxl gives every row before it, empty; we stop at 10,000."""
    last = b'<row r="1000000"><c r="A1000000"><v>1</v></c></row>'
    assert refused(workbook(tmp_path / "families.xlsx", [last])) == [
        "line 10002: more than 10,000 empty lines; delete the empty rows and import it again"
    ]


def test_what_openpyxl_would_hold_in_memory_is_counted_before_it_does(tmp_path: Path) -> None:
    """100,001 cell formats in 0.5 MB (openpyxl makes an object of each as it opens the workbook), or a row of
    70,000 cells (a list of them, at once)."""
    formats = workbook(tmp_path / "formats.xlsx", [], formats=b"<xf/>" * 100_001)
    assert refused(formats) == [
        "xl/styles.xml in the workbook has more than 100,000 XML elements; save the sheet as CSV and "
        "import that"
    ]
    wide = workbook(tmp_path / "wide.xlsx", [b'<row r="2">' + b"<c/>" * 70_000 + b"</row>"])
    assert refused(wide) == [
        "xl/worksheets/sheet1.xml in the workbook has a row of more than 65,536 XML elements; save the sheet "
        "as CSV and import that"
    ]


def test_a_workbook_declaring_xml_entities_is_refused(tmp_path: Path) -> None:
    laughs = b'<!DOCTYPE worksheet [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    cell = b'<row r="2"><c r="A2" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
    book = workbook(tmp_path / "families.xlsx", [cell], dtd=laughs)
    assert refused(book) == ["not a readable .xlsx workbook (a DTD in xl/worksheets/sheet1.xml)"]


async def test_three_million_empty_lines_stop_at_ten_thousand(database: Database, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + AISHA + "\n" * 3_000_000 + AISHA)
    with pytest.raises(RejectedFile) as rejected:
        await imported(database, path)
    assert rejected.value.problems == [
        "line 10003: more than 10,000 empty lines; delete the empty rows and import it again"
    ]
    assert await contacts_in(database) == []


async def test_more_rows_than_a_list_may_have_are_refused(database: Database, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "1,a b,0551110001,makkah\n" * 50_001)
    with pytest.raises(RejectedFile) as rejected:
        await imported(database, path)
    assert rejected.value.problems == ["line 50002: more than 50,000 rows; split the file"]
    assert await contacts_in(database) == []


async def test_a_cell_too_long_is_refused_with_its_line_and_column(
    database: Database, tmp_path: Path
) -> None:
    """200,000 characters: more than csv's own limit, which used to end the import with a traceback."""
    path = write(tmp_path, HEADER + AISHA + f"{AISHA_ID},{'ع' * 200_000},0551110002,makkah\n")
    with pytest.raises(RejectedFile) as rejected:
        await imported(database, path)
    assert rejected.value.problems == ["line 3, column B: longer than 2,000 characters"]
    assert await contacts_in(database) == []
    within = write(tmp_path, HEADER + f"{AISHA_ID},{'ع' * MAX_CELL},0551110002,makkah\n", "within.csv")
    with use_language("en"):
        assert len(read_lines(within, {"name": ["name"]})) == 1


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "families.csv"
    with path.open("wb") as file:
        file.write(HEADER.encode() + AISHA.encode())
        file.truncate(5 * MAX_FILE_BYTES)  # a 50 MB cell of NULs: never read
    assert refused(path) == ["the file is 50 MB; the limit is 10 MB"]


def test_the_command_says_the_limit_and_changes_nothing(tmp_path: Path) -> None:
    bomb = workbook(tmp_path / "bomb.xlsx", empty_rows(9_000_000))
    run = usar("beneficiaries", "import", str(bomb), cwd=tmp_path, PYTHONPATH=str(CHECKOUT))
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        f"{bomb}: the workbook unpacks to 51 MB; the limit is 50 MB",
        "usar: nothing was changed (1 problem).",
    ]


def test_an_attendance_file_has_the_same_limits(tmp_path: Path) -> None:
    path = write(tmp_path, f"{AISHA_ID}\n" + "\n" * 20_000 + f"{AISHA_ID}\n", "came.csv")
    with pytest.raises(RejectedFile) as rejected, use_language("en"):
        first_column(path)
    assert rejected.value.problems == [
        "line 10002: more than 10,000 empty lines; delete the empty rows and import it again"
    ]


async def test_a_tip_is_held_to_the_same_limit(database: Database, tmp_path: Path) -> None:
    path = write(
        tmp_path, f"id,topic,ar,en,source,retired\nclean-99,clean,{'ن' * 2_001},A tip,WHO,\n", "tips.csv"
    )

    def work(session: Session) -> tuple[int, int]:
        with use_language("en"):
            return content_files.import_tips(session, OPERATOR, path, NOW)

    with pytest.raises(RejectedFile) as rejected:
        await database.run(work)
    assert rejected.value.problems == ["line 2, column C: longer than 2,000 characters"]
