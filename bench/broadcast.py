"""Announcement benchmark: enqueueing an audience of 100,000, dispatch throughput, the achieved rate, memory.

    .venv/bin/python bench/broadcast.py [--families 100000] [--dispatch 10000] [--shallow 10000]
                                        [--rate-seconds 60] [--concurrency 20] [--workers 3]

1. Imports: what each library costs the process, measured in a fresh interpreter, one after another.
2. Seed: the families, written in batches of 2,000 (the benchmark's own set-up, not the product's work).
3. Enqueue: one announcement for every family (INSERT … SELECT), on SQLite and on PostgreSQL
   (USAR_BENCH_POSTGRES_URL, default the local test server; skipped with a line if none answers).
4. Dispatch throughput with the rate limit off: our Bot API client (handlers/telegram/api.py) sending to
   the fake Bot API server
   (tests/support/fake_telegram.py, run in a separate process so that it does not take this one's CPU)
   through the outbox (claim, send, record), on SQLite and on PostgreSQL: an announcement to --shallow
   families sent whole, then (after step 3) --dispatch messages (0 for the whole audience) with the whole
   audience queued: a queue's depth must not change its rate (issue 30). The fake server's count must
   match.
5. The achieved rate with the limit at 30 a second over --rate-seconds, in batches of 100 as `usar run` claims
   them, for a third announcement to everyone (the whole audience queued again): sends timed at the fake
   server, the first second's and the busiest. Once with one worker on SQLite, and once with --workers
   workers on PostgreSQL sharing the channel's pace (each with its own connections).
6. Memory: the resident set after the imports, the peak of each stage (Linux: VmHWM, reset before each stage
   through /proc/self/clear_refs) and the peak of the whole process (ru_maxrss).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import passing_key
from bench.scratch_postgres import on_scratch_postgres
from bot.outbox.dispatcher import DEFAULT_CONCURRENCY, OutboxDispatcher
from core.channel import Channel
from core.validators import with_check_digit
from handlers.telegram.api import BotApi
from handlers.telegram.sender import TelegramSender
from storage import deliveries, kinds
from storage.db import Database
from storage.kinds import Message
from storage.models import Beneficiary, Conversation, addressed, numbers
from tests.support.fake_telegram import TOKEN

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
TEXTS = Message({"ar": "ملتقى الأسر المنتجة يوم الثلاثاء", "en": "The forum is on Tuesday"})
SEED_BATCH = 2_000
T = TypeVar("T")
PEAKS: list[float] = []  # each stage's peak resident set, MB

# In a fresh interpreter: each module's cost on top of those before it (the bench's and a worker's imports).
IMPORTS = [
    "aiohttp",
    "aiogram",
    "sqlalchemy.orm",
    "storage.db",
    "storage.deliveries",
    "bot.outbox.dispatcher",
    "handlers.telegram.sender",
    "asyncpg",
    "bot.service",
]
_IMPORT_PROBE = """
import re, sys
def rss():
    return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) / 1024
before = rss()
print(f"python {before:.0f}")
for name in sys.argv[1:]:
    __import__(name)
    now = rss()
    print(f"{name} {now - before:.0f}")
    before = now
print(f"total {before:.0f}")
"""


def _status(field: str) -> float:
    """A figure of /proc/self/status in MB (Linux)."""
    with open("/proc/self/status") as status:
        found = re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.MULTILINE)
    return int(found.group(1)) / 1024 if found else float("nan")


def _reset_peak() -> bool:
    """Start the process's peak resident set (VmHWM) again from the current one; False if Linux refuses."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


async def stage(name: str, work: Callable[[], Awaitable[T]]) -> T:
    """Run one stage and print its peak resident set (and the resident set before it)."""
    before = _status("VmRSS")
    exact = _reset_peak()
    result = await work()
    peak = _status("VmHWM")
    PEAKS.append(peak if exact else float("nan"))
    note = "" if exact else " (peak since the process started: this kernel does not reset it)"
    print(
        f"memory    {name:<24} peak {peak:6.1f} MB,"
        f" {peak - before:+5.1f} MB over the {before:.1f} before{note}"
    )
    return result


def import_costs() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE, *IMPORTS], cwd=ROOT, capture_output=True, text=True, check=True
    )
    figures = dict(line.rsplit(" ", 1) for line in probe.stdout.splitlines())
    parts = ", ".join(f"{name} +{figures[name]}" for name in IMPORTS)
    print(f"imports   fresh interpreter {figures['python']} MB; {parts}; all {figures['total']} MB")


def national_id(n: int) -> str:
    return with_check_digit(f"1{n:08d}")


def add_families(session: Session, count: int) -> None:
    for start in range(1, count + 1, SEED_BATCH):
        batch = range(start, min(start + SEED_BATCH, count + 1))
        session.execute(
            insert(Beneficiary),
            [
                {
                    "id": n,
                    "full_name": f"أسرة {n}",
                    **numbers(national_id(n), f"+9665{n:08d}"),
                    "office_code": "makkah",
                    "health_certificate": True,
                    "canteen_interest": True,
                    "language": "ar",
                    "consented_at": NOW,
                    "registered_at": NOW,
                }
                for n in batch
            ],
        )
        session.execute(
            insert(Conversation),
            [
                {
                    "channel": "telegram",
                    **addressed(str(100_000 + n)),
                    "beneficiary_id": n,
                    "language": "ar",
                    "answers": {},
                    "offered": [],
                    "version": 1,
                    "created_at": NOW,
                    "updated_at": NOW,
                    "last_inbound_at": NOW,
                }
                for n in batch
            ],
        )


async def enqueue_timed(database: Database, source_id: int) -> tuple[int, float]:
    started = time.perf_counter()
    added = await database.run(
        lambda s: deliveries.enqueue(
            s, kinds.ANNOUNCEMENT, source_id, select(Beneficiary.id), TEXTS, NOW, NOW, distinct=True
        )
    )
    return added, time.perf_counter() - started


class FakeBotAPI:
    """tests/support/fake_telegram.py in its own process: counts and times the messages, keeps none."""

    def __init__(self) -> None:
        self.url = ""
        self._process: asyncio.subprocess.Process | None = None
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.support.fake_telegram",
            "--token",
            TOKEN,
            "--count-only",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self._process.stdout is not None
        self.url = (await asyncio.wait_for(self._process.stdout.readline(), timeout=30)).decode().strip()
        if not self.url.startswith("http://"):
            raise RuntimeError(f"the fake Bot API did not start: {self.url!r}")
        self._http = aiohttp.ClientSession()

    async def sends(self, times: bool = False) -> tuple[int, list[float]]:
        """How many messages it was sent, and if asked when (time.monotonic(), the same clock as ours)."""
        assert self._http is not None
        async with self._http.get(f"{self.url}/fake/sends", params={"times": str(int(times))}) as response:
            answer: dict[str, Any] = await response.json()
        return int(answer["count"]), [float(at) for at in answer.get("at", [])]

    async def reset(self) -> None:
        assert self._http is not None
        async with self._http.post(f"{self.url}/fake/reset") as response:
            response.raise_for_status()

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._process is not None and self._process.stdin is not None:
            self._process.stdin.close()  # it stops when its standard input closes
            await asyncio.wait_for(self._process.wait(), timeout=30)


async def dispatch_unlimited(
    database: Database, fake: FakeBotAPI, dispatch: int, concurrency: int, source: int, queued: int
) -> float:
    """Announcement `source`'s deliveries sent (`dispatch` of them, 0: all) with the limit off, `queued`
    waiting when it starts; the rate, messages a second."""
    await fake.reset()
    bot = BotApi(TOKEN, fake.url)
    try:
        unlimited = OutboxDispatcher(
            database,
            {Channel.TELEGRAM: TelegramSender(bot)},
            {},
            lambda: NOW,
            batch=200,
            concurrency=concurrency,
        )
        started = time.perf_counter()
        sent = 0
        while (dispatch == 0 or sent < dispatch) and (handled := await unlimited.round()):
            sent += handled
        seconds = time.perf_counter() - started
    finally:
        await bot.close()
    received, _ = await fake.sends()
    counts = await database.run(lambda s: deliveries.counts(s, kinds.ANNOUNCEMENT, source))
    backend = "SQLite" if database.is_sqlite else "PostgreSQL"
    print(
        f"dispatch  no limit    {sent:>7,} messages in {seconds:6.2f} s = {sent / seconds:,.0f} messages/s"
        f" ({backend}, {queued:,} queued; concurrency {concurrency}; the fake server received {received:,};"
        f" outbox {counts})"
    )
    if received != sent or counts.get("sent") != sent:
        raise RuntimeError("the fake server's count or the outbox does not match what was dispatched")
    return sent / seconds


async def dispatch_at_depths(
    database: Database, fake: FakeBotAPI, families: int, dispatch: int, shallow: int, concurrency: int
) -> None:
    """The rate with `shallow` queued (announcement 2 to the first `shallow` families, sent whole), then
    with every family queued (announcement 1, its enqueue timed). In this order, so that the short queue's
    index is not full of a cancelled million's dead entries (PostgreSQL keeps them until a vacuum)."""
    backend = "SQLite" if database.is_sqlite else "PostgreSQL"
    few = min(shallow, families)
    await database.run(
        lambda s: deliveries.enqueue(
            s, kinds.ANNOUNCEMENT, 2, select(Beneficiary.id).where(Beneficiary.id <= few), TEXTS, NOW, NOW
        )
    )
    rate = await stage(
        f"dispatch, {few:,} queued",
        lambda: dispatch_unlimited(database, fake, 0, concurrency, source=2, queued=few),
    )
    added, seconds = await stage(f"enqueue {backend}", lambda: enqueue_timed(database, 1))
    print(f"enqueue   {backend:<11} {added:>7,} deliveries in {seconds:6.2f} s")
    deep = await stage(
        "dispatch, all queued",
        lambda: dispatch_unlimited(database, fake, dispatch, concurrency, source=1, queued=families),
    )
    print(
        f"dispatch  depth       {backend}: {deep:,.0f}/s with {families:,} queued against {rate:,.0f}/s with"
        f" {few:,}: {deep / rate - 1:+.1%}"
    )


async def dispatch_limited(
    databases: list[Database], fake: FakeBotAPI, rate_seconds: float, concurrency: int, source: int
) -> None:
    """One worker for each database object (each its own connections, as a process has), all sending one
    announcement at 30 a second together, on the real clock; the rate achieved, timed at the fake server."""
    await enqueue_timed(databases[0], source)  # another announcement: the earlier may all be sent already
    await fake.reset()
    bots = [BotApi(TOKEN, fake.url) for _ in databases]
    started = time.monotonic()
    try:
        workers = [
            OutboxDispatcher(
                database,
                {Channel.TELEGRAM: TelegramSender(bot)},
                {Channel.TELEGRAM: 30},
                lambda: datetime.now(UTC),
                concurrency=concurrency,  # and the batch `usar run` claims (100)
            )
            for database, bot in zip(databases, bots, strict=True)
        ]

        async def work(worker: OutboxDispatcher) -> None:
            while time.monotonic() - started < rate_seconds:
                if not await worker.round():
                    await asyncio.sleep(0.2)

        await asyncio.gather(*(work(worker) for worker in workers))
    finally:
        for bot in bots:
            await bot.close()
    _, sent_at = await fake.sends(times=True)
    window = [at for at in sent_at if at - started < rate_seconds]
    first = sum(1 for at in window if at - started < 1)
    busiest = max(
        (
            sum(1 for at in window if second <= at - started < second + 1)
            for second in range(int(rate_seconds))
        ),
        default=0,
    )
    backend = "SQLite" if databases[0].is_sqlite else "PostgreSQL"
    print(
        f"rate      limit 30/s  {len(window):>7,} messages in {rate_seconds:.0f} s"
        f" = {len(window) / rate_seconds:.2f}/s (first second: {first}; busiest second: {busiest};"
        f" {len(databases)} worker{'s' if len(databases) > 1 else ''}, {backend})"
    )


async def sqlite_part(
    families: int, dispatch: int, shallow: int, rate_seconds: float, concurrency: int
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite:///{directory}/bench.db")
        fake = FakeBotAPI()
        await fake.start()
        try:
            await database.migrate()
            await stage("seed (bench set-up)", lambda: database.run(lambda s: add_families(s, families)))
            await dispatch_at_depths(database, fake, families, dispatch, shallow, concurrency)
            if rate_seconds:
                await stage(
                    "rate 30/s",
                    lambda: dispatch_limited([database], fake, rate_seconds, concurrency, source=3),
                )
        finally:
            await fake.stop()
            await database.dispose()


async def postgres_part(
    families: int, dispatch: int, shallow: int, rate_seconds: float, workers: int, concurrency: int
) -> None:
    async def measure(url: str) -> None:
        databases = [Database(url) for _ in range(workers)]
        fake = FakeBotAPI()
        await fake.start()
        try:
            await databases[0].migrate()
            await stage(
                "seed PostgreSQL (set-up)", lambda: databases[0].run(lambda s: add_families(s, families))
            )
            await dispatch_at_depths(databases[0], fake, families, dispatch, shallow, concurrency)
            if rate_seconds:
                await stage(
                    f"rate 30/s, {workers} workers",
                    lambda: dispatch_limited(databases, fake, rate_seconds, concurrency, source=3),
                )
        finally:
            await fake.stop()
            for database in databases:
                await database.dispose()

    await on_scratch_postgres("enqueue   PostgreSQL", measure)


async def main(
    families: int,
    dispatch: int,
    shallow: int,
    rate_seconds: float,
    concurrency: int,
    workers: int,
    databases: Sequence[str] = ("sqlite", "postgresql"),
) -> None:
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(
        f"{families:,} families, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}"
    )
    import_costs()
    PEAKS.append(_status("VmHWM"))
    print(
        f"memory    after the imports          {_status('VmRSS'):6.1f} MB resident, peak {PEAKS[-1]:.1f} MB"
    )
    if "sqlite" in databases:
        await sqlite_part(families, dispatch, shallow, rate_seconds, concurrency)
    if "postgresql" in databases:
        await postgres_part(families, dispatch, shallow, rate_seconds, workers, concurrency)
    if all(peak == peak for peak in PEAKS):  # resetting VmHWM resets ru_maxrss too: the highest stage
        print(f"memory    peak of this process (highest of the stages): {max(PEAKS):,.1f} MB")
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"memory    peak of this process (ru_maxrss): {peak:,.1f} MB")


if __name__ == "__main__":
    passing_key()  # its throwaway databases, sealed as real ones
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=100_000)
    parser.add_argument(
        "--dispatch", type=int, default=10_000, help="messages dispatched with everyone queued; 0: all"
    )
    parser.add_argument(
        "--shallow", type=int, default=10_000, help="the short queue the rate is compared with"
    )
    parser.add_argument("--rate-seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--workers", type=int, default=3, help="workers sharing the pace on PostgreSQL")
    parser.add_argument(
        "--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    arguments = parser.parse_args()
    asyncio.run(
        main(
            arguments.families,
            arguments.dispatch,
            arguments.shallow,
            arguments.rate_seconds,
            arguments.concurrency,
            arguments.workers,
            arguments.databases,
        )
    )
