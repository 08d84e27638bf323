"""Console benchmark, the pages beside the families list: the dashboard, the inbox and a question, her page,
the offices' lists, the audit log, a canteen opportunity's applicants, a training and its guests, and the
exports (streamed); then the office actions on one family. On SQLite and on PostgreSQL.

    .venv/bin/python bench/console_more.py [--families 100000] [--repeat 15]

`bench/console_pages.py` runs it after the families list (issue 30: one command covers every page).

The families are seeded as `bench/console_pages.py` does (four offices, a tenth verified), then what a year of
a million families' office would hold, in these proportions to the families (at 1,000,000):
- two messages a family over the last 60 days (2,000,000 in the outbox; sent, blocked, failed …);
- a question to her office for one family in 20 (50,000 threads, a tenth open), each with two messages;
- 40 trainings, each with one family in 200 as guests (5,000 a training, 200,000 in all);
- 40 canteen opportunities, one family in 20 applying (50,000 applications);
- the offices' lists: one contact for five families (200,000, not yet registered);
- the audit log: one entry for two families (500,000);
- chats linked to no family (a registration begun and left): one for 20 families (50,000).

Pages are fetched as the browser does (the full HTTP round trip): median, 95th percentile and slowest of
--repeat fetches after one unmeasured. Exports are posted as the download buttons do, twice (her office's
every family once), each read to its end; beside their time, how much the process's peak memory (its
high-water mark, `ru_maxrss`) grew while they ran. Office actions are
run as the console runs them (`Database.run`: the thread, the transaction, the commit), each on a family of
its own, --repeat times.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from argon2 import PasswordHasher, profiles
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from yarl import URL

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import passing_key
from bench.console_pages import (
    FAMILIES,
    FIRST,
    NOW,
    OFFICES,
    PAGES,
    PASSWORD,
    fetch_pages,
    run,
    seed,
    seeded,
)
from bench.scratch_postgres import DEFAULT_SERVER, SERVER_VARIABLE
from bot.service import Role, Service
from bot.settings import Settings
from core.text import fold
from core.validators import with_check_digit
from office import events as event_actions
from office import passwords, registrations
from office.rights import Actor
from storage import sealing
from storage.db import Database
from storage.models import (
    AuditEntry,
    Beneficiary,
    CanteenApplication,
    CanteenOpportunity,
    Contact,
    Conversation,
    Delivery,
    Event,
    EventGuest,
    StaffMember,
    Thread,
    ThreadMessage,
)
from storage.sealing import key_of

STATUSES = ("sent", "sent", "sent", "blocked", "needs_template", "failed")
ANSWERS = ("going", "not_going", "invited", "waitlisted")
BATCH = 5_000

# Pages beside the families list (issue 30), as (who, address); {thread}, {opportunity} and {event} are one
# of the staff member's office (jeddah), {family} one of its families.
MORE_PAGES = [
    ("staff", "/console/"),
    ("admin", "/console/"),
    ("staff", "/console/inbox"),
    ("admin", "/console/inbox"),
    ("staff", "/console/inbox?closed=yes"),
    ("staff", "/console/inbox?q=الدورة"),
    ("staff", "/console/inbox/{thread}"),
    ("staff", "/console/families/{family}"),
    ("staff", "/console/lists"),
    ("staff", "/console/lists?page=200"),
    ("staff", "/console/lists?q=فاطمه"),
    ("admin", "/console/audit"),
    ("staff", "/console/canteens/{opportunity}"),
    ("staff", "/console/trainings/{event}"),
    ("staff", "/console/trainings"),
    ("staff", "/console/canteens"),
]
# Exports, as (who, address, form): the families the list found, an event's guests, an opportunity's
# applicants, the audit log.
EXPORTS = [
    ("staff", "/console/families/export", {"verified": "yes", "canteen": "yes", "format": "csv"}),
    ("staff", "/console/families/export", {"verified": "yes", "canteen": "yes", "format": "xlsx"}),
    ("staff", "/console/trainings/{event}/guests", {"format": "xlsx"}),
    ("staff", "/console/canteens/{opportunity}/applicants", {"format": "csv"}),
]
BIG_EXPORT = ("staff", "/console/families/export", {"format": "csv"})  # her office's every family


def a_year(session: Session, families: int) -> None:
    """What the office holds beside the families, in the proportions of the module's docstring."""
    guests_each = max(families // 200, 1)
    for number in range(1, 41):
        starts = NOW + timedelta(days=number * 3 - 60)
        session.add(
            Event(
                id=number,
                title_ar=f"فعالية {number}",
                starts_at=starts,
                ends_at=starts + timedelta(hours=3),
                venue_ar="المركز",
                audience={"offices": [OFFICES[number % 4]]},
                capacity=guests_each * 2,
                invite_at=starts - timedelta(days=7),
                invited_at=starts - timedelta(days=7),
                created_by="bench",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        session.add(
            CanteenOpportunity(
                id=number,
                school_name=f"مدرسة {number}",
                stage="primary",
                girls=True,
                district="الحي",
                office_code=OFFICES[number % 4],
                students=300,
                starts_on=(NOW + timedelta(days=60)).date(),
                deadline=NOW + timedelta(days=number - 20),
                places=3,
                created_by="bench",
                created_at=NOW,
            )
        )
    session.flush()
    # An event's guests are families of its office (n % 4 is the office's place in OFFICES).
    guests = []
    for event in range(1, 41):
        office = event % 4
        first = (event * guests_each * 4) % max(families - guests_each * 4, 1)
        for k in range(guests_each):
            family = first + office + 4 * k
            if 1 <= family <= families:
                guests.append(
                    {
                        "event_id": event,
                        "beneficiary_id": family,
                        "office_code": OFFICES[family % 4],  # as `seed` gives her
                        "status": ANSWERS[family % 4],
                        "answered_at": NOW if family % 4 != 2 else None,
                        "invited_at": NOW,
                        "attended_at": NOW if family % 7 == 0 and event < 20 else None,
                    }
                )
    for start in range(0, len(guests), BATCH):
        session.execute(insert(EventGuest), guests[start : start + BATCH])
    applications = [
        {
            "opportunity_id": 1 + (family // 20) % 40,
            "beneficiary_id": family,
            "applied_at": NOW,
            "status": ("applied", "shortlisted", "accepted", "rejected", "withdrawn")[family % 5],
        }
        for family in range(1, families + 1, 20)
    ]
    for start in range(0, len(applications), BATCH):
        session.execute(insert(CanteenApplication), applications[start : start + BATCH])
    for start in range(1, families + 1, BATCH):
        rows: list[dict[str, Any]] = []
        for family in range(start, min(start + BATCH, families + 1)):
            for message in range(2):
                made = NOW - timedelta(minutes=(family * 7 + message * 5_000) % (60 * 24 * 60))
                status = STATUSES[(family + message) % 6]
                rows.append(
                    {
                        "kind": "announcement",
                        "source_id": message + 1,
                        "beneficiary_id": family,
                        "payload": {},
                        "status": status,
                        "attempts": 1,
                        "next_attempt_at": made,
                        "channel": ("telegram", "whatsapp")[family % 2]
                        if status != "needs_template"
                        else None,
                        "created_at": made,
                        "updated_at": made,
                    }
                )
        session.execute(insert(Delivery), rows)
    threads = max(families // 20, 1)
    for start in range(1, threads + 1, BATCH):
        numbers = range(start, min(start + BATCH, threads + 1))
        session.execute(
            insert(Thread),
            [
                {
                    "id": n,
                    "office_code": OFFICES[_asker(n) % 4],
                    "family_id": _asker(n),
                    "channel": "telegram",
                    "address": str(9000 + n),
                    "address_key": key_of(str(9000 + n)),
                    "status": "open" if n % 10 == 0 else "closed",
                    "opened_at": NOW - timedelta(hours=n % 5_000),
                    "waiting_since": NOW - timedelta(hours=n % 5_000) if n % 20 == 0 else None,
                    "first_answered_at": NOW - timedelta(hours=n % 5_000) + timedelta(minutes=n % 600)
                    if n % 20
                    else None,
                    "closed_at": None if n % 10 == 0 else NOW - timedelta(hours=n % 5_000 - 1),
                }
                for n in numbers
            ],
        )
        session.execute(
            insert(ThreadMessage),
            [
                {
                    "thread_id": n,
                    "author": author,
                    "text": "السلام عليكم، متى الدورة القادمة؟" if author == "family" else "الأسبوع القادم",
                    "at": NOW - timedelta(hours=n % 5_000) + timedelta(minutes=minutes),
                }
                for n in numbers
                for author, minutes in (("family", 0), ("staff", 30))
            ],
        )
    contacts = families // 5
    for start in range(1, contacts + 1, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, contacts + 1)):
            national_id = with_check_digit(f"2{n:08d}")
            mobile = f"+9665{90_000_000 + n:08d}"
            name = f"{FIRST[n % 12]} {FAMILIES[n // 12 % 9]}"
            rows.append(
                {
                    "national_id": national_id,
                    "national_id_key": key_of(national_id),
                    "national_id_tail": national_id[-4:],
                    "mobile": mobile,
                    "mobile_key": key_of(mobile),
                    "mobile_tail": mobile[-4:],
                    "full_name": name,
                    "name_key": fold(name),
                    "office_code": OFFICES[n % 4],
                    "imported_at": NOW - timedelta(minutes=n),
                    "imported_by": "bench",
                    "removed_at": NOW if n % 50 == 0 else None,
                }
            )
        session.execute(insert(Contact), rows)
    # Chats not linked to a family: one for 20 families (she began to register and stopped, or only asked).
    for start in range(1, families // 20 + 1, BATCH):
        session.execute(
            insert(Conversation),
            [
                {
                    "channel": "telegram",
                    "address": str(700_000_000 + n),
                    "address_key": key_of(str(700_000_000 + n)),
                    "language": "ar",
                    "flow": "registration",
                    "step": "mobile",
                    "answers": {"full_name": f"{FIRST[n % 12]} {FAMILIES[n // 12 % 9]}"},
                    "answers_keys": "",  # as a save keeps them: no number among her answers yet
                    "offered": [],
                    "version": 1,
                    "created_at": NOW - timedelta(minutes=n),
                    "updated_at": NOW - timedelta(minutes=n),
                }
                for n in range(start, min(start + BATCH, families // 20 + 1))
            ],
        )
    entries = families // 2
    actions = ("registrations.verify", "registrations.correction", "exports.families", "events.attendance")
    for start in range(1, entries + 1, BATCH):
        session.execute(
            insert(AuditEntry),
            [
                {
                    "at": NOW - timedelta(minutes=n),
                    "staff_id": None,
                    "office_code": OFFICES[n % 4],
                    "action": actions[n % 4],
                    "target": "family",
                    "target_id": 1 + (n * 2) % families,
                    "outcome": "verified",
                    "details": None,
                }
                for n in range(start, min(start + BATCH, entries + 1))
            ],
        )


def _asker(thread: int) -> int:
    """The family who asked this question: one in 20, of every office."""
    return 20 * (thread - 1) + 1 + thread % 4


def _places(families: int) -> dict[str, int]:
    """The numbers the addresses name: a thread, an opportunity, an event and a family of jeddah's."""
    jeddah = OFFICES.index("jeddah")
    thread = next(n for n in range(1, 100) if _asker(n) % 4 == jeddah)
    return {
        "thread": thread,
        "opportunity": next(n for n in range(1, 41) if n % 4 == jeddah),
        "event": next(n for n in range(1, 21) if n % 4 == jeddah),
        "family": families // 2 - (families // 2) % 4 + jeddah,
    }


def _percentile(timings: list[float], share: float) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def said(label: str, who: str, what: str, size: str, timings: list[float], more: str = "") -> None:
    print(
        f"{label:<10}  {who:<5}  {what:<48} {size:>7}  median {statistics.median(timings):7.1f} ms  "
        f"p95 {_percentile(timings, 0.95):7.1f} ms  slowest {max(timings):7.1f} ms{more}"
    )


async def _signed_in(base: str, login: str) -> tuple[aiohttp.ClientSession, str]:
    """Her browser, signed in, and the form token its pages carry."""
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    marker = 'name="csrf" value="'
    async with http.get(base + "/console/login") as page:
        body = await page.text()
    token = body[body.index(marker) + len(marker) :].split('"', 1)[0]
    form = {"csrf": token, "login": login, "password": PASSWORD}
    async with http.post(base + "/console/login", data=form, allow_redirects=False) as answer:
        assert answer.status == 303, f"{login} could not sign in ({answer.status})"
    async with http.get(base + "/console/families") as page:
        body = await page.text()
    return http, body[body.index(marker) + len(marker) :].split('"', 1)[0]


async def pages_and_exports(
    url: str,
    label: str,
    families: int,
    repeat: int,
    *,
    big_export: bool = False,
    only: list[str] | None = None,
) -> None:
    """Each page of MORE_PAGES, then the exports; with `only`, the pages whose address holds one of those
    strings, and no export."""
    places = _places(families)
    settings = Settings(_env_file=None, database_url=url, http_port=0)
    service = Service(settings, role=Role.WEB, run_jobs=False, clock=lambda: NOW)
    await service.start()
    base = f"http://127.0.0.1:{service.port}"
    browsers = {who: await _signed_in(base, who) for who in ("staff", "admin")}
    try:
        for who, path in MORE_PAGES:
            if only and not any(part in path for part in only):
                continue
            http = browsers[who][0]
            address = path.format(**places)
            timings = []
            for attempt in range(repeat + 1):
                started = time.perf_counter()
                async with http.get(URL(base + address, encoded=False)) as page:
                    assert page.status == 200, (address, page.status)
                    body = await page.read()
                if attempt:  # the first warms the caches
                    timings.append((time.perf_counter() - started) * 1000)
            said(label, who, address, f"{len(body) // 1024} KB", timings)
        exports = [] if only else [*EXPORTS, BIG_EXPORT] if big_export else EXPORTS
        for who, path, form in exports:
            http, token = browsers[who]
            address = path.format(**places)
            timings, grew = [], 0
            rounds = 1 if (who, path, form) == BIG_EXPORT else 2  # each seconds long at a million: no warming
            for _ in range(rounds):
                before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                started = time.perf_counter()
                async with http.post(base + address, data={"csrf": token, **form}) as answer:
                    assert answer.status == 200, (address, answer.status)
                    size = 0
                    async for chunk in answer.content.iter_chunked(1 << 16):
                        size += len(chunk)
                timings.append((time.perf_counter() - started) * 1000)
                grew = max(grew, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
            every = " (her office's every family)" if (who, path, form) == BIG_EXPORT else ""
            what = f"{address} {form.get('format')}{every}"
            said(label, who, what, f"{size // 1024} KB", timings, f"  peak memory +{grew // 1024} MB")
    finally:
        for http, _ in browsers.values():
            await http.close()
        await service.stop()


# Office actions on one family (issue 30: each under 50 ms), each as (name, the action given a family of
# jeddah's not touched before by another action).
Action = Callable[..., Any]  # (session, *, actor, family)
ACTIONS: list[tuple[str, Action, int]] = [  # (name, action, which families: n % 20 == this, jeddah's)
    ("her page (family_file)", lambda s, actor, family: registrations.family_file(s, actor, family), 2),
    ("verify", lambda s, actor, family: registrations.verify(s, actor, family, NOW), 2),
    (
        "ask correction",
        lambda s, actor, family: registrations.ask_correction(s, actor, family, "صورة الهوية", NOW),
        6,
    ),
    ("unverify", lambda s, actor, family: registrations.unverify(s, actor, family, "خطأ", NOW), 10),
    (
        "correct details",
        lambda s, actor, family: registrations.correct_details(
            s, actor, family, "فاطمة سعيد الحربي", f"05{80_000_000 + family:08d}", NOW
        ),
        14,
    ),
    (
        "reveal national ID",
        lambda s, actor, family: registrations.reveal_national_id(s, actor, family, NOW),
        18,
    ),
    ("stop messages", lambda s, actor, family: registrations.stop_messages(s, family, NOW, stop=True), 2),
    ("her data (copy)", lambda s, actor, family: registrations.her_data(s, family, NOW), 6),
    ("forget (delete her data)", lambda s, actor, family: registrations.forget(s, family, NOW), 18),
]


def _attended(session: Session, *, actor: Actor, event: int, family: int) -> int:
    return event_actions.mark_attendance(session, actor, event, [family], NOW, came=True)


async def office_actions(url: str, label: str, families: int, repeat: int) -> None:
    database = Database(url)
    try:
        staff_id = await database.run(
            lambda s: s.scalar(select(StaffMember.id).where(StaffMember.login == "staff"))
        )
        actor = Actor(staff_id=staff_id)
        places = _places(families)
        middle = random.randrange(families // 10, families // 2) // 20 * 20  # none a kept run touched
        for offset, (name, act, residue) in enumerate(ACTIONS):
            timings = []
            for attempt in range(repeat + 1):
                family = middle + residue + 20 * (attempt + offset * (repeat + 2) + 1) * 7
                started = time.perf_counter()
                await database.run(partial(act, actor=actor, family=family))
                if attempt:
                    timings.append((time.perf_counter() - started) * 1000)
            said(label, "staff", f"action: {name}", "", timings)
        # Attendance marked for one guest of a training that has started, and taken back.
        event = places["event"]
        guest_ids = await database.run(
            lambda s: s.scalars(
                select(EventGuest.beneficiary_id).where(EventGuest.event_id == event).limit(repeat + 1)
            ).all()
        )
        timings = []
        for attempt, guest in enumerate(guest_ids):
            started = time.perf_counter()
            await database.run(partial(_attended, actor=actor, event=event, family=guest))
            if attempt:
                timings.append((time.perf_counter() - started) * 1000)
        if timings:
            said(label, "staff", "action: mark attendance (one guest)", "", timings)
    finally:
        await database.dispose()


async def the_rest_seeded(url: str, label: str, families: int) -> None:
    """What else a year holds added to a database already holding the families (seeded by
    `bench.console_pages.seed`), timed apart."""
    database = Database(url)
    try:
        started = time.perf_counter()
        await database.run(lambda s: a_year(s, families))
        took = time.perf_counter() - started
        print(f"{label:<10}  seeded the rest (outbox, threads, guests, lists, log) in {took:.1f} s")
        if url.startswith("postgresql"):
            await database.run(lambda s: s.execute(text("ANALYZE")))
    finally:
        await database.dispose()


async def measure_more(
    url: str,
    label: str,
    families: int,
    repeat: int,
    *,
    big_export: bool = False,
    only: list[str] | None = None,
) -> None:
    """The pages, the exports and the office actions on a database already holding the families (seeded
    by `bench.console_pages.seed`): what else a year holds is added first (timed apart). With `only`, the
    pages whose address holds one of those strings alone (no export, no office action)."""
    await the_rest_seeded(url, label, families)
    await pages_and_exports(url, label, families, repeat, big_export=big_export and not only, only=only)
    if not only:
        await office_actions(url, label, families, repeat)


async def measure(url: str, label: str, families: int, repeat: int) -> None:
    await seeded(url, label, families, lambda session: seed(session, families))
    await measure_more(url, label, families, repeat, big_export=True)


async def measure_kept(url: str, label: str, families: int, repeat: int, only: list[str]) -> None:
    """As `measure`, on a database kept from an earlier run when it has the families (migrated first), the
    families list's pages (bench/console_pages.py's) first; with `only`, the pages whose address holds one of
    those strings alone (no export, no office action)."""
    database = Database(url)
    try:
        await database.migrate()
        seeded_before = await database.run(lambda s: s.scalar(select(func.count()).select_from(Beneficiary)))
    finally:
        await database.dispose()
    if seeded_before:
        print(f"{label:<10}  kept from an earlier run: {seeded_before:,} families")
        listed = [(who, path) for who, path in PAGES if not only or any(part in path for part in only)]
        if listed:
            await fetch_pages(url, label, listed, repeat)
        await pages_and_exports(url, label, families, repeat, big_export=not only, only=only)
        if not only:
            await office_actions(url, label, families, repeat)
    else:
        await seeded(url, label, families, lambda session: seed(session, families))
        await measure_more(url, label, families, repeat, big_export=True, only=only)


def _kept_key(directory: Path) -> None:
    """The data key the kept databases are sealed with, made on the first run."""
    directory.mkdir(parents=True, exist_ok=True)
    key_file = directory / "data-key"
    if not key_file.exists():
        key_file.write_text(f"1:{base64.b64encode(sealing.new_key()).decode()}")
    keys = key_file.read_text().strip()
    os.environ["USAR_DATA_KEY"] = keys
    sealing.use(sealing.Keyring(sealing.parse_keys(keys)))


async def kept(
    families: int,
    repeat: int,
    directory: Path,
    *,
    databases: list[str],
    only: list[str],
    name: str | None = None,
) -> None:
    """The databases kept in `directory` (SQLite's file, and a PostgreSQL database named by the count, or
    `name`) with the data key they are sealed with, so that a second run measures without seeding again."""
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(f"{families:,} families, {os.cpu_count()} CPUs, load average {load}")
    passwords.use(PasswordHasher.from_parameters(profiles.CHEAPEST))
    if "sqlite" in databases:
        sqlite = f"sqlite:///{directory / f'usar-{families}.db'}"
        await measure_kept(sqlite, "SQLite", families, repeat, only)
    if "postgresql" not in databases:
        return
    server = os.environ.get(SERVER_VARIABLE, DEFAULT_SERVER)
    name = name or f"usar_bench_kept_{families}"
    admin = await asyncpg.connect(make_url(server).set(drivername="postgresql").render_as_string(False))
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    await measure_kept(url, "PostgreSQL", families, repeat, only)


if __name__ == "__main__":
    if "--keep" in sys.argv:  # --keep DIR: the databases kept there between runs (dropped by hand)
        parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
        parser.add_argument("--families", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=15)
        parser.add_argument("--keep", type=Path, required=True)
        parser.add_argument(
            "--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
        )
        parser.add_argument(
            "--only", action="append", default=[], help="only the pages whose address holds this (repeatable)"
        )
        parser.add_argument("--name", help="the kept PostgreSQL database (usar_bench_kept_FAMILIES)")
        arguments = parser.parse_args()
        _kept_key(arguments.keep)
        asyncio.run(
            kept(
                arguments.families,
                arguments.repeat,
                arguments.keep,
                databases=arguments.databases,
                only=arguments.only,
                name=arguments.name,
            )
        )
    else:
        passing_key()  # its throwaway databases, sealed as real ones
        run(measure, __doc__)
