"""Broadcast benchmark: enqueueing an audience of 100,000, dispatch throughput, the achieved rate, memory.

    .venv/bin/python bench/broadcast.py [--families 100000] [--dispatch 20000] [--rate-seconds 60]

1. Enqueue: one announcement for every family (INSERT … SELECT), on SQLite and on PostgreSQL
   (USAR_BENCH_POSTGRES_URL, default the local test server; skipped with a line if none answers).
2. Dispatch throughput with the rate limit off: the real aiogram client sending to a local fake Bot API server
   (in this process), through the outbox (claim, send, record), SQLite.
3. The achieved rate with the limit at 30 a second over --rate-seconds: sends counted at the fake server.
4. Peak memory of the process (ru_maxrss) after all of it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.delivery import Dispatcher, RateLimit
from bot.telegram import create_bot
from conversations.messages import Channel
from conversations.validators import with_check_digit
from handlers.telegram.sender import TelegramSender
from storage import deliveries
from storage.db import Database
from storage.models import Beneficiary, Conversation

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
TOKEN = "1:bench-token-for-a-local-fake"
TEXTS = {"ar": "ملتقى الأسر المنتجة يوم الثلاثاء", "en": "The forum is on Tuesday"}


def national_id(n: int) -> str:
    return with_check_digit(f"1{n:08d}")


def add_families(session: Session, count: int) -> None:
    for start in range(1, count + 1, 10_000):
        numbers = range(start, min(start + 10_000, count + 1))
        session.execute(
            insert(Beneficiary),
            [
                {
                    "id": n,
                    "full_name": f"أسرة {n}",
                    "national_id": national_id(n),
                    "mobile": f"+9665{n:08d}",
                    "office_code": "makkah",
                    "health_certificate": True,
                    "canteen_interest": True,
                    "language": "ar",
                    "consented_at": NOW,
                    "registered_at": NOW,
                }
                for n in numbers
            ],
        )
        session.execute(
            insert(Conversation),
            [
                {
                    "channel": "telegram",
                    "address": str(100_000 + n),
                    "beneficiary_id": n,
                    "language": "ar",
                    "answers": {},
                    "offered": [],
                    "version": 1,
                    "created_at": NOW,
                    "updated_at": NOW,
                    "last_inbound_at": NOW,
                }
                for n in numbers
            ],
        )


async def enqueue_timed(database: Database, source_id: int) -> tuple[int, float]:
    started = time.perf_counter()
    added = await database.run(
        lambda s: deliveries.enqueue(s, "announcement", source_id, select(Beneficiary.id), TEXTS, NOW, NOW)
    )
    return added, time.perf_counter() - started


class FakeBotAPI:
    """Answers sendMessage at once and counts, with the time of each."""

    def __init__(self) -> None:
        self.sent_at: list[float] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.call)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def call(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.sent_at.append(time.monotonic())
        message: dict[str, Any] = {
            "message_id": len(self.sent_at),
            "date": int(NOW.timestamp()),
            "chat": {"id": int(str(form["chat_id"])), "type": "private"},
            "text": str(form["text"]),
        }
        return web.json_response({"ok": True, "result": message})


async def sqlite_part(families: int, dispatch: int, rate_seconds: float) -> None:
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite:///{directory}/bench.db")
        await database.migrate()
        await database.run(lambda s: add_families(s, families))
        added, seconds = await enqueue_timed(database, 1)
        print(f"enqueue   SQLite      {added:>7,} deliveries in {seconds:6.2f} s")

        fake = FakeBotAPI()
        await fake.start()
        bot = create_bot(TOKEN, fake.url)
        try:
            unlimited = Dispatcher(
                database, {Channel.TELEGRAM: TelegramSender(bot)}, {}, lambda: NOW, batch=200
            )
            started = time.perf_counter()
            sent = 0
            while sent < dispatch and (handled := await unlimited.round()):
                sent += handled
            seconds = time.perf_counter() - started
            print(
                f"dispatch  no limit    {sent:>7,} messages in {seconds:6.2f} s"
                f" = {sent / seconds:,.0f} messages/s"
            )

            fake.sent_at.clear()
            limit = RateLimit(per_second=30)
            limited = Dispatcher(
                database,
                {Channel.TELEGRAM: TelegramSender(bot)},
                {Channel.TELEGRAM: limit},
                lambda: NOW,
                batch=30,
            )
            started = time.monotonic()
            while time.monotonic() - started < rate_seconds:
                await limited.round()
            window = [at for at in fake.sent_at if at - started < rate_seconds]
            per_second = len(window) / rate_seconds
            busiest = max(
                (
                    sum(1 for at in window if second <= at - started < second + 1)
                    for second in range(int(rate_seconds))
                ),
                default=0,
            )
            print(
                f"rate      limit 30/s  {len(window):>7,} messages in {rate_seconds:.0f} s"
                f" = {per_second:.2f}/s"
                f" (busiest second: {busiest})"
            )
        finally:
            await bot.session.close()
            await fake.stop()
            await database.dispose()


async def postgres_part(families: int) -> None:
    server = os.environ.get("USAR_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"usar_bench_{uuid.uuid4().hex[:10]}"
    plain = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = await asyncpg.connect(plain)
    except (OSError, asyncpg.PostgresError) as problem:
        print(f"enqueue   PostgreSQL  skipped: no server at {server} ({problem})")
        return
    await admin.execute(f'CREATE DATABASE "{name}"')
    database = Database(make_url(server).set(database=name).render_as_string(hide_password=False))
    try:
        await database.migrate()
        await database.run(lambda s: add_families(s, families))
        added, seconds = await enqueue_timed(database, 1)
        print(f"enqueue   PostgreSQL  {added:>7,} deliveries in {seconds:6.2f} s")
    finally:
        await database.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def main(families: int, dispatch: int, rate_seconds: float) -> None:
    print(f"{families:,} families, Python {sys.version.split()[0]}")
    await sqlite_part(families, dispatch, rate_seconds)
    await postgres_part(families)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"memory    peak of this process: {peak:,.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=100_000)
    parser.add_argument("--dispatch", type=int, default=20_000)
    parser.add_argument("--rate-seconds", type=float, default=60)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.families, arguments.dispatch, arguments.rate_seconds))
