"""Import benchmark: an office's list at the import limit (50,000 rows), checked and then saved as the
console does it (`console/contacts_pages.py`: the file read, the office action's dry run, its lines kept;
then, once she confirms, those lines read back, checked again and saved), and as `usar beneficiaries import`
does.

    .venv/bin/python bench/import_list.py                           # 50,000 rows, CSV and XLSX, SQLite
    .venv/bin/python bench/import_list.py --rows 5000 --postgres    # and on PostgreSQL
    .venv/bin/python bench/import_list.py --profile read            # cProfile of one step, top 30

The list is what an office sends: a header (national ID, name, mobile, office, in Arabic), then one family
a line. Each step is timed, with how far the process's resident memory rose above where it stood before
the step (its peak, reset before each step through /proc/self/clear_refs): "flat" is that rise not growing
with the rows. Each step's CPU time (the process's, every thread) is given beside its time: on a machine
others share, it is the figure that does not move with their load. A second import of the same list (every
family updated) follows the first. Target (issue 30): checked and saved in under 15 s at 50,000 rows.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import csv
import pstats
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.orm import Session

from bench import passing_key
from bench.scratch_postgres import on_scratch_postgres
from core.validators import with_check_digit
from office import contacts, uploads
from office.rights import OPERATOR
from office.tables import Line, read_lines
from storage.contacts import Saved
from storage.db import Database

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HEADER = ["رقم الهوية", "الاسم", "الجوال", "المكتب"]
OFFICES = ("makkah", "jumum", "jeddah")
T = TypeVar("T")


FIRST = ("فاطمة", "نورة", "مريم", "عائشة", "سارة", "هند", "خديجة", "لطيفة", "منيرة", "حصة")
FATHER = ("أحمد", "محمد", "عبدالله", "سعد", "خالد", "ناصر", "فهد", "علي", "سلمان", "يوسف")
FAMILY = ("الزهراني", "الغامدي", "القحطاني", "العتيبي", "الحربي", "الشهري", "المالكي", "الدوسري")


def family(n: int) -> list[str]:
    name = f"{FIRST[n % 10]} {FATHER[n // 10 % 10]} {FAMILY[n // 100 % 8]}"
    return [with_check_digit(f"1{n:08d}"), name, f"05{n:08d}", OFFICES[n % 3]]


def write_list(path: Path, rows: int) -> Path:
    """The office's list of `rows` families, as CSV or XLSX by `path`'s suffix."""
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8-sig") as file:
            writer = csv.writer(file)
            writer.writerow(HEADER)
            writer.writerows(family(n) for n in range(1, rows + 1))
        return path
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for n in range(1, rows + 1):
        sheet.append(family(n))
    book.save(path)
    return path


def resident() -> tuple[float, float]:
    """The resident memory now and at its peak since the last reset, in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # the peak RSS (VmHWM) set back to the RSS now


PROFILED: str | None = None  # --profile: the step profiled


async def step(name: str, work: Callable[[], Awaitable[T]], rows: int) -> T:
    """`work` timed; the line said; its result."""
    reset_peak()
    before, _ = resident()
    started, used = time.perf_counter(), time.process_time()
    result = await work()
    elapsed, used = time.perf_counter() - started, time.process_time() - used
    _, peak = resident()
    rate, rise = rows / elapsed, peak - before
    print(f"  {name:<16} {elapsed:>6.2f} s (CPU {used:>5.2f} s) {rate:>7,.0f} rows/s memory +{rise:>3.0f} MB")
    return result


def profiled(name: str, work: Callable[[], T]) -> T:
    """`work`, under cProfile if it is the step profiled (in the thread that runs it: SQLite's work runs
    in the database's thread); the 30 costliest calls said after."""
    if name != PROFILED:
        return work()
    profile = cProfile.Profile()
    try:
        return profile.runcall(work)
    finally:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)


async def check_and_save(
    database: Database, path: Path, rows: int, *, save: bool, kept: list[Line] | None = None
) -> tuple[float, Saved, list[Line]]:
    """The file read, then the office action: a dry run (`save` False), or saving the lines `kept` from the
    dry run, as the console keeps them for her confirmation (`uploads.hold_lines`: made into what it keeps,
    then read back). Seconds, what it did, and the lines."""
    started = time.perf_counter()
    reading, acting = ("lines kept", "check and save") if save else ("read", "check (dry run)")

    def read() -> list[Line]:
        if kept is None:
            return profiled(reading, lambda: read_lines(path, contacts.COLUMNS))
        return profiled(reading, lambda: uploads.lines_of(uploads.kept_as_lines(kept)))

    lines = await step(reading, lambda: asyncio.to_thread(read), rows)

    def act(session: Session) -> Saved:
        return profiled(acting, lambda: contacts.import_list(session, OPERATOR, lines, NOW, dry_run=not save))

    done = await step(acting, lambda: database.run(act), rows)
    return time.perf_counter() - started, done, lines


async def measure(url: str, path: Path, rows: int) -> None:
    database = Database(url)
    await database.migrate()
    try:
        for attempt in ("first import", "the same list again"):
            print(f" {attempt}:")
            checked, planned, lines = await check_and_save(database, path, rows, save=False)
            confirmed, saved, _ = await check_and_save(database, path, rows, save=True, kept=lines)
            del lines
            assert saved == planned, (saved, planned)
            print(
                f"  checked in {checked:.2f} s, saved in {confirmed:.2f} s: {checked + confirmed:.2f} s "
                f"in all ({saved.added:,} added, {saved.updated:,} updated)"
            )
    finally:
        await database.dispose()


async def main(rows: int, formats: list[str], postgres: bool) -> None:
    print(f"{rows:,} rows; peak RSS {resident()[1]:.0f} MB before; Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as directory:
        for form in formats:
            path = write_list(Path(directory) / f"list.{form}", rows)
            size = path.stat().st_size / 1024 / 1024
            print(f"{form.upper()} ({size:.1f} MB) on SQLite:")
            await measure(f"sqlite:///{directory}/{form}.db", path, rows)
            if postgres:

                async def on(url: str, path: Path = path) -> None:
                    await measure(url, path, rows)

                print(f"{form.upper()} ({size:.1f} MB) on PostgreSQL:")
                await on_scratch_postgres("PostgreSQL", on)
    print(f"peak RSS {resident()[1]:.0f} MB since the last step began")


if __name__ == "__main__":
    passing_key()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), action="append", help="default: both")
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL too")
    parser.add_argument(
        "--profile",
        choices=("read", "check (dry run)", "lines kept", "check and save"),
        help="cProfile one step (every time it runs)",
    )
    arguments = parser.parse_args()
    PROFILED = arguments.profile
    asyncio.run(main(arguments.rows, arguments.format or ["csv", "xlsx"], arguments.postgres))
