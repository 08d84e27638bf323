"""Inbound benchmark: N registration dialogues through the aiogram dispatcher, with no network.

Feeds the same updates (N users × 14 updates each: /start, buttons and typed answers through to "Save")
through (1) our whole pipeline — aiogram dispatcher, router, conversation engine, SQLite — and (2) a bare
aiogram echo handler, and prints updates/s for both, their ratio, p50/p99 latency per update, and the
process's peak memory.

    .venv/bin/python bench/inbound.py --users 1000
    .venv/bin/python bench/inbound.py --users 1000 --batch 100   # as polling feeds them
    .venv/bin/python bench/inbound.py --users 100000 --rounds 1
    .venv/bin/python bench/inbound.py --users 1000 --rounds 1 --families 1000000  # among a million

`--families N` registers N families in the database first (as bench/console_pages.py seeds them, numbered
after the users; timed apart): the dialogues then run among a million families without feeding a million
dialogues (14,000,000 updates, hours on a small machine).

The bot's session answers every Bot API call in memory (aiogram's own test pattern), so the figures are
the cost of our code and the database, not of a network. The updates are built as they are fed, a chunk at
a time outside the timing, and latencies are counted in a histogram: the benchmark's own memory is flat,
whatever the number of users (issue 30).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncGenerator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, Update
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import passing_key
from bench.console_pages import seed_families
from conversations.engine.choices import OfficeChoice, ProductChoice
from conversations.engine.engine import Engine
from conversations.engine.forms import FormOption, YesNoAnswer
from conversations.family.menu import MenuOption
from conversations.flows import all_flows
from core.domain import Product
from core.payloads import YesNo
from core.validators import with_check_digit
from handlers.telegram.api import BotApi
from handlers.telegram.client import create_dispatcher
from handlers.telegram.sender import TelegramSender
from storage.db import Database
from storage.models import Beneficiary

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


class OfflineSession(BaseSession):
    """Answers sendMessage and answerCallbackQuery at once, as Telegram would, without a network."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:  # noqa: ASYNC109 - aiogram's signature
        self.calls += 1
        if isinstance(method, SendMessage):
            chat = Chat(id=int(method.chat_id), type="private")
            return Message(message_id=self.calls, date=NOW, chat=chat, text=method.text)
        if isinstance(method, AnswerCallbackQuery):
            return True
        raise NotImplementedError(type(method).__name__)

    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - aiogram's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError("the benchmark never downloads files")
        yield b""


class OfflineApi(BotApi):
    """Our sender's Bot API client, answering every message at once without a network, as OfflineSession
    does aiogram's."""

    def __init__(self) -> None:
        super().__init__("1:bench")
        self.calls = 0

    async def call(
        self, method: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None
    ) -> Any:
        self.calls += 1
        if method != "sendMessage":
            raise NotImplementedError(method)
        return {"message_id": self.calls}


def national_id(n: int) -> str:
    return with_check_digit(f"1{n:08d}")


def dialogue(user: int) -> list[tuple[str, str]]:
    """What one person sends, in order: ("text", …) or ("button", payload)."""
    return [
        ("text", "/start"),
        ("button", MenuOption.REGISTER.pack()),
        ("text", "فاطمة أحمد الزهراني"),
        ("text", national_id(user)),
        ("text", f"05{user:08d}"[:10]),
        ("button", OfficeChoice("jumum").pack()),
        ("button", ProductChoice(Product.COOKED_MEALS).pack()),
        ("text", "٢"),
        ("button", FormOption.DONE.pack()),
        ("button", YesNoAnswer("health_certificate", YesNo.YES).pack()),
        ("text", "لا"),
        ("button", YesNoAnswer("consent", YesNo.YES).pack()),
        ("button", FormOption.SAVE.pack()),
        ("text", "4"),
    ]


STEPS = len(dialogue(1))
CHUNK = 1000  # updates built at a time, outside the timing


def update(user: int, step: int, update_id: int) -> Update:
    """What `user` sends at `step` of her dialogue, as Telegram would deliver it."""
    kind, value = dialogue(user)[step]
    chat = {"id": 10_000 + user, "type": "private", "first_name": "F"}
    sender = {"id": 10_000 + user, "is_bot": False, "first_name": "F", "language_code": "ar"}
    message = {"message_id": update_id, "date": int(NOW.timestamp()), "chat": chat}
    if kind == "text":
        raw = {"update_id": update_id, "message": {**message, "from": sender, "text": value}}
    else:
        raw = {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": sender,
                "chat_instance": "i",
                "data": value,
                "message": {**message, "text": "…"},
            },
        }
    return Update.model_validate(raw)


def updates(users: int, chunk: int = CHUNK) -> Iterator[list[Update]]:
    """Every user's dialogue, interleaved step by step as many people typing at once would be; built as
    they are fed, `chunk` at a time, so that only one chunk is ever held."""
    held: list[Update] = []
    update_id = 0
    for step in range(STEPS):
        for user in range(1, users + 1):
            update_id += 1
            held.append(update(user, step, update_id))
            if len(held) == chunk:
                yield held
                held = []
    if held:
        yield held


class Latencies:
    """Each update's latency counted by the microsecond: the memory of a histogram, whatever the count."""

    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()
        self.count = 0

    def add(self, seconds: float) -> None:
        self.counts[round(seconds * 1e6)] += 1
        self.count += 1

    def percentile(self, share: float) -> float:
        """The latency under which `share` of the updates were answered, in µs."""
        rank, seen = share * self.count, 0
        for micros in sorted(self.counts):
            seen += self.counts[micros]
            if seen >= rank:
                return float(micros)
        return 0.0


def echo_dispatcher() -> Dispatcher:
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    @router.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


def resident() -> float:
    """The process's resident memory now, in MB (/proc/self/status on Linux; else its peak)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


PROGRESS = 100_000  # updates between two lines of progress on standard error


async def feed(
    dispatcher: Dispatcher, bot: Bot, users: int, batch: int = 1, name: str = ""
) -> tuple[float, Latencies]:
    """Feed every update; `batch` > 1 feeds them that many at a time as concurrent tasks, the way aiogram's
    polling answers the updates of one getUpdates call. Only the feeding is timed, not the building."""
    latencies = Latencies()

    async def one(update: Update) -> None:
        before = time.perf_counter()
        await dispatcher.feed_update(bot, update)
        latencies.add(time.perf_counter() - before)

    elapsed = 0.0
    for stream in updates(users, chunk=CHUNK if batch == 1 else batch * max(1, CHUNK // batch)):
        started = time.perf_counter()
        if batch == 1:
            for update in stream:
                await one(update)
        else:
            for first in range(0, len(stream), batch):
                await asyncio.gather(*(one(update) for update in stream[first : first + batch]))
        elapsed += time.perf_counter() - started
        if name and latencies.count % PROGRESS < len(stream):
            print(
                f"{name}: {latencies.count:,} updates, {latencies.count / elapsed:,.0f}/s, "
                f"{resident():,.0f} MB resident",
                file=sys.stderr,
                flush=True,
            )
    return elapsed, latencies


def report(name: str, count: int, elapsed: float, latencies: Latencies) -> float:
    rate = count / elapsed
    p50, p99 = latencies.percentile(0.50), latencies.percentile(0.99)
    print(f"{name:<10} {rate:>9,.0f} updates/s   p50 {p50:>7,.0f} µs   p99 {p99:>7,.0f} µs")
    return rate


def running_clock() -> datetime:
    """The bench's time: NOW when it starts, going on as the wall clock does, so that each sender's window
    of the inbound limit passes and she is forgotten as in a real process (a fixed time kept every sender)."""
    return NOW + timedelta(seconds=time.perf_counter() - STARTED)


STARTED = time.perf_counter()


async def run_usar(
    users: int, sqlite_in_thread: bool, batch: int, families: int = 0
) -> tuple[float, Latencies]:
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite:///{directory}/bench.db", sqlite_in_thread=sqlite_in_thread)
        await database.migrate()
        if families:
            started = time.perf_counter()
            await database.run(lambda s: seed_families(s, range(users + 1, users + families + 1)))
            print(f"seeded     {families:,} families first, in {time.perf_counter() - started:.1f} s")
        engine = Engine(database, all_flows())
        bot = Bot("1:bench", session=OfflineSession())
        ours = create_dispatcher(engine.handle, TelegramSender(OfflineApi()), running_clock)
        elapsed, latencies = await feed(ours, bot, users, batch, name="usar")
        registered = await database.run(lambda s: s.scalar(select(func.count()).select_from(Beneficiary)))
        await database.dispose()
    if (registered or 0) - families != users:
        raise SystemExit(f"expected {users} registrations, got {registered}: the dialogue went wrong")
    return elapsed, latencies


async def main(users: int, rounds: int, also_async_sqlite: bool, batch: int, families: int = 0) -> None:
    """Echo and ours alternate, `rounds` times each: this machine's speed drifts, so the best round of each
    is compared with the best of the other, not one moment with another."""
    count = users * STEPS
    python = sys.version.split()[0]
    fed = "one at a time" if batch == 1 else f"in concurrent batches of {batch}"
    print(
        f"{users:,} users, {count:,} updates fed {fed}, best of {rounds} alternating rounds, Python {python}"
        + (f", among {families:,} families registered first" if families else "")
    )
    echo_runs, our_runs, async_runs = [], [], []
    for _ in range(rounds):
        echo_runs.append(
            await feed(echo_dispatcher(), Bot("1:bench", session=OfflineSession()), users, batch, name="echo")
        )
        our_runs.append(await run_usar(users, sqlite_in_thread=True, batch=batch, families=families))
        if also_async_sqlite:
            async_runs.append(await run_usar(users, sqlite_in_thread=False, batch=batch))
    echo_rate = report("echo", count, *min(echo_runs, key=lambda run: run[0]))
    our_rate = report("usar", count, *min(our_runs, key=lambda run: run[0]))
    print(
        f"ratio      {our_rate / echo_rate:.1%} of the bare echo's rate; all {users:,} registered every round"
    )
    if async_runs:
        async_rate = report("aiosqlite", count, *min(async_runs, key=lambda run: run[0]))
        print(f"ratio      {async_rate / echo_rate:.1%} with every statement through aiosqlite instead")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"memory     {peak:,.0f} MB at the process's peak")


if __name__ == "__main__":
    passing_key()  # its throwaway databases, sealed as real ones
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--also-aiosqlite", action="store_true", help="also measure the aiosqlite path")
    parser.add_argument(
        "--batch",
        type=int,
        default=1,
        help="updates fed at once as concurrent tasks, as polling does (1..100)",
    )
    parser.add_argument(
        "--families", type=int, default=0, help="families registered before the dialogues (timed apart)"
    )
    arguments = parser.parse_args()
    asyncio.run(
        main(arguments.users, arguments.rounds, arguments.also_aiosqlite, arguments.batch, arguments.families)
    )
