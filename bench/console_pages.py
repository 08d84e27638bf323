"""Console benchmark: the families list with 100,000 families (or 1,000,000), on SQLite and on PostgreSQL;
then every other page, the dashboard, the exports and the office actions on one family
(`bench/console_more.py`).

    .venv/bin/python bench/console_pages.py [--families 100000] [--repeat 15]

Seeds the families (names from a small Arabic vocabulary, four offices, a tenth verified, some stopped or
blocked; the benchmark's set-up, timed apart), starts the web process as `usar run --role web` does, signs
in a staff member of one office and an admin, and fetches pages of the list as the browser does: the full
HTTP round trip (session check, the office action, the query, the page rendered). Each figure is the median,
the 95th percentile and the slowest of --repeat fetches of that page, after one unmeasured fetch. The target
is a median under 100 ms a page and a 95th percentile under 200 ms.
PostgreSQL is the local test server (USAR_BENCH_POSTGRES_URL), in a database of its own, dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import insert, text
from sqlalchemy.orm import Session
from yarl import URL

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher, profiles

from bench import passing_key
from bench.scratch_postgres import on_scratch_postgres
from bot.service import Role, Service
from bot.settings import Settings
from core.domain import StaffRole
from core.text import fold
from core.validators import with_check_digit
from office import passwords, staff
from office.rights import OPERATOR
from storage.db import Database
from storage.models import Beneficiary, BeneficiaryProduct, numbers

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
FIRST = ["فاطمة", "نورة", "مريم", "عائشة", "سارة", "هيا", "منيرة", "لطيفة", "حصة", "أمل", "هند", "رقية"]
FATHERS = ["أحمد", "محمد", "سعيد", "علي", "خالد", "حسن", "عبدالله", "إبراهيم", "صالح", "ناصر"]
FAMILIES = ["الزهراني", "القرشي", "الحربي", "العتيبي", "الغامدي", "الشهري", "المطيري", "السلمي", "الثقفي"]
OFFICES = ["makkah", "jumum", "jeddah", "makkah"]
PASSWORD = "a benchmark password"
DEEP = 60_002  # a family of the staff member's office (jeddah) some 15,000 families down her list
PAGES = [  # (who, what the browser asks for)
    ("staff", "/console/families"),
    ("staff", f"/console/families?after={DEEP}"),  # a deep page, as "Next" leads there
    ("staff", f"/console/families?before={DEEP}"),
    ("staff", "/console/families?page=last"),
    ("staff", "/console/families?order=oldest"),
    ("staff", "/console/families?order=name"),
    ("staff", f"/console/families?order=name&after={DEEP}"),
    ("staff", "/console/families?q=فاطمه"),
    ("staff", "/console/families?q=هند"),
    ("staff", "/console/families?q=هن"),  # two letters: no trigram, read as before
    ("staff", "/console/families?q=فاطمة+أحمد+الزهراني"),
    ("staff", "/console/families?q=0008"),
    ("staff", f"/console/families?q={with_check_digit(f'1{DEEP:08d}')}"),
    ("staff", "/console/families?q=0551234567"),
    ("staff", "/console/families?verified=yes"),
    ("staff", "/console/families?verified=waiting&order=oldest"),
    ("staff", "/console/families?verified=correction"),
    ("staff", "/console/families?canteen=yes&order=name"),
    ("staff", "/console/families?product=sewing"),
    ("staff", "/console/families?verified=yes&canteen=yes&product=sewing"),
    ("staff", "/console/families?channel=telegram&reach=stopped"),
    ("staff", "/console/families?reach=blocked"),
    ("admin", "/console/families"),
    ("admin", "/console/families?order=name"),
    ("admin", "/console/families?order=office"),
    ("admin", "/console/families?office=jeddah&order=office"),
    ("admin", f"/console/families?office=jeddah&order=office&after={DEEP}"),
    ("admin", "/console/families?q=هند"),
    ("admin", "/console/families/12345"),
]


def seed(session: Session, count: int) -> None:
    seed_families(session, range(1, count + 1))
    staff.add(session, OPERATOR, None, StaffRole.STAFF, "jeddah", NOW, login="staff")
    staff.add(session, OPERATOR, None, StaffRole.ADMIN, None, NOW, login="admin")
    for login in ("staff", "admin"):
        staff.set_password(session, OPERATOR, login, PASSWORD, NOW)


def seed_families(session: Session, numbers_of: range) -> None:
    """The families numbered `numbers_of` (ids, IDs and mobiles made from each number), 2,000 a statement."""
    for start in range(numbers_of.start, numbers_of.stop, 2_000):
        rows: list[dict[str, Any]] = []
        for n in range(start, min(start + 2_000, numbers_of.stop)):
            name = f"{FIRST[n % 12]} {FATHERS[n // 12 % 10]} {FAMILIES[n // 120 % 9]}"
            national_id = with_check_digit(f"1{n:08d}")
            rows.append(
                {
                    "id": n,
                    "full_name": name,
                    "name_key": fold(name),
                    **numbers(national_id, f"+9665{n:08d}"),
                    "office_code": OFFICES[n % 4],
                    "health_certificate": n % 3 == 0,
                    "canteen_interest": n % 2 == 0,
                    "language": "ar",
                    "consented_at": NOW,
                    "registered_at": NOW - timedelta(minutes=n),
                    "verified_at": NOW if n % 10 == 0 else None,
                    "opted_out_at": NOW if n % 50 == 0 else None,
                    "blocked_at": NOW if n % 70 == 0 else None,
                    "correction_asked_at": NOW if n % 499 == 0 and n % 10 else None,
                }
            )
        session.execute(insert(Beneficiary), rows)
        session.execute(
            insert(BeneficiaryProduct),
            [
                {
                    "beneficiary_id": row["id"],
                    "product": "sewing" if row["id"] % 2 else "cooked_meals",
                    "office_code": row["office_code"],
                }
                for row in rows
            ],
        )


async def signed_in(base: str, login: str) -> aiohttp.ClientSession:
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with http.get(base + "/console/login") as page:
        text = await page.text()
    marker = 'name="csrf" value="'
    token = text[text.index(marker) + len(marker) :].split('"', 1)[0]
    form = {"csrf": token, "login": login, "password": PASSWORD}
    async with http.post(base + "/console/login", data=form, allow_redirects=False) as answer:
        assert answer.status == 303, f"{login} could not sign in ({answer.status})"
    return http


async def measure(url: str, label: str, families: int, repeat: int) -> None:
    await seeded(url, label, families, lambda session: seed(session, families))
    await fetch_pages(url, label, PAGES, repeat)
    # Then the pages beside the list, the dashboard and the exports, and the office actions on one family
    # (bench/console_more.py, on the same families).
    from bench.console_more import measure_more

    await measure_more(url, label, families, repeat)


async def seeded(url: str, label: str, families: int, fill: Callable[[Session], None]) -> None:
    """The database made, filled by `fill` (timed apart), and analysed as autovacuum soon would."""
    database = Database(url)
    try:
        await database.migrate()
        started = time.perf_counter()
        await database.run(fill)
        print(f"{label:<10}  seeded {families:,} families in {time.perf_counter() - started:.1f} s")
        if url.startswith("postgresql"):
            # What autovacuum does soon after such a load (PostgreSQL 13 and later vacuum a table after many
            # inserts too): the planner's figures, and the visibility map for counts read from an index alone.
            async with database.engine.connect() as connection:
                autocommitted = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommitted.execute(text("VACUUM ANALYZE"))
    finally:
        await database.dispose()


async def fetch_pages(
    url: str, label: str, pages: list[tuple[str, str]], repeat: int, now: datetime | None = None
) -> None:
    """The web process started on the database; each (who, address) fetched `repeat` times by that staff
    member, signed in, after one unmeasured fetch: its median and slowest said."""
    clock = (lambda: now) if now is not None else (lambda: datetime.now(UTC))
    settings = Settings(_env_file=None, database_url=url, http_port=0)
    service = Service(settings, role=Role.WEB, run_jobs=False, clock=clock)
    await service.start()
    base = f"http://127.0.0.1:{service.port}"
    sessions = {who: await signed_in(base, who) for who in ("staff", "admin")}
    try:
        for who, path in pages:
            http = sessions[who]
            timings = []
            for attempt in range(repeat + 1):
                started = time.perf_counter()
                async with http.get(URL(base + path, encoded=False)) as page:
                    assert page.status == 200, (path, page.status)
                    body = await page.read()
                if attempt:  # the first warms the caches
                    timings.append((time.perf_counter() - started) * 1000)
            p95 = (
                statistics.quantiles(timings, n=20, method="inclusive")[18]
                if len(timings) > 1
                else timings[0]
            )
            print(
                f"{label:<10}  {who:<5}  {path:<58} {len(body) // 1024:>4} KB  median "
                f"{statistics.median(timings):6.1f} ms  p95 {p95:6.1f} ms  slowest {max(timings):6.1f} ms"
            )
    finally:
        for http in sessions.values():
            await http.close()
        await service.stop()


Measure = Callable[[str, str, int, int], Awaitable[None]]  # (url, label, families, repeat)


async def on_both_databases(measure: Measure, families: int, repeat: int) -> None:
    """`measure` on SQLite (a file of its own), then PostgreSQL (a scratch database), the machine first."""
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(
        f"{families:,} families, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}"
    )
    passwords.use(PasswordHasher.from_parameters(profiles.CHEAPEST))  # sign-in is not what is measured
    with tempfile.TemporaryDirectory() as directory:
        await measure(f"sqlite:///{Path(directory) / 'usar.db'}", "SQLite", families, repeat)
    await on_scratch_postgres("PostgreSQL", lambda url: measure(url, "PostgreSQL", families, repeat))


def run(measure: Measure, description: str | None) -> None:
    """The benchmark run from the command line: --families and --repeat."""
    parser = argparse.ArgumentParser(description=(description or "").split("\n", 1)[0])
    parser.add_argument("--families", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    arguments = parser.parse_args()
    asyncio.run(on_both_databases(measure, arguments.families, arguments.repeat))


if __name__ == "__main__":
    passing_key()  # its throwaway databases, sealed as real ones
    run(measure, __doc__)
