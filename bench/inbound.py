"""Inbound benchmark: N registration dialogues through the aiogram dispatcher, with no network.

Feeds the same updates (N users × 14 updates each: /start, buttons and typed answers through to "Save")
through (1) our whole pipeline — aiogram dispatcher, router, conversation engine, SQLite — and (2) a bare
aiogram echo handler, and prints updates/s for both, their ratio, and p50/p99 latency per update.

    .venv/bin/python bench/inbound.py --users 1000
    .venv/bin/python bench/inbound.py --users 1000 --batch 100   # as polling feeds them

The bot's session answers every Bot API call in memory (aiogram's own test pattern), so the figures are
the cost of our code and the database, not of a network.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, Update
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import passing_key
from conversations.engine.choices import OfficeChoice, ProductChoice
from conversations.engine.engine import Engine
from conversations.engine.forms import FormOption, YesNoAnswer
from conversations.family.menu import MenuOption
from conversations.flows import all_flows
from core.domain import Product
from core.payloads import YesNo
from core.validators import with_check_digit
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


def updates(users: int) -> list[Update]:
    """Every user's dialogue, interleaved step by step as many people typing at once would be."""
    scripts = [dialogue(n) for n in range(1, users + 1)]
    result: list[Update] = []
    update_id = 0
    for step in range(len(scripts[0])):
        for user, script in enumerate(scripts, start=1):
            kind, value = script[step]
            update_id += 1
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
            result.append(Update.model_validate(raw))
    return result


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


async def feed(
    dispatcher: Dispatcher, bot: Bot, stream: Sequence[Update], batch: int = 1
) -> tuple[float, list[float]]:
    """Feed every update; `batch` > 1 feeds them that many at a time as concurrent tasks, the way aiogram's
    polling answers the updates of one getUpdates call."""
    latencies: list[float] = []

    async def one(update: Update) -> None:
        before = time.perf_counter()
        await dispatcher.feed_update(bot, update)
        latencies.append(time.perf_counter() - before)

    started = time.perf_counter()
    if batch == 1:
        for update in stream:
            await one(update)
    else:
        for first in range(0, len(stream), batch):
            await asyncio.gather(*(one(update) for update in stream[first : first + batch]))
    return time.perf_counter() - started, latencies


def report(name: str, count: int, elapsed: float, latencies: list[float]) -> float:
    rate = count / elapsed
    cuts = statistics.quantiles(latencies, n=100)
    p50, p99 = cuts[49] * 1e6, cuts[98] * 1e6
    print(f"{name:<10} {rate:>9,.0f} updates/s   p50 {p50:>7,.0f} µs   p99 {p99:>7,.0f} µs")
    return rate


async def run_usar(
    stream: Sequence[Update], users: int, sqlite_in_thread: bool, batch: int
) -> tuple[float, list[float]]:
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite:///{directory}/bench.db", sqlite_in_thread=sqlite_in_thread)
        await database.migrate()
        engine = Engine(database, all_flows())
        bot = Bot("1:bench", session=OfflineSession())
        ours = create_dispatcher(engine.handle, TelegramSender(bot), lambda: NOW)
        elapsed, latencies = await feed(ours, bot, stream, batch)
        registered = await database.run(lambda s: s.scalar(select(func.count()).select_from(Beneficiary)))
        await database.dispose()
    if registered != users:
        raise SystemExit(f"expected {users} registrations, got {registered}: the dialogue went wrong")
    return elapsed, latencies


async def main(users: int, rounds: int, also_async_sqlite: bool, batch: int) -> None:
    """Echo and ours alternate, `rounds` times each: this machine's speed drifts, so the best round of each
    is compared with the best of the other, not one moment with another."""
    stream = updates(users)
    python = sys.version.split()[0]
    fed = "one at a time" if batch == 1 else f"in concurrent batches of {batch}"
    print(
        f"{users:,} users, {len(stream):,} updates fed {fed}, best of {rounds} alternating rounds, "
        f"Python {python}"
    )
    echo_runs, our_runs, async_runs = [], [], []
    for _ in range(rounds):
        echo_runs.append(
            await feed(echo_dispatcher(), Bot("1:bench", session=OfflineSession()), stream, batch)
        )
        our_runs.append(await run_usar(stream, users, sqlite_in_thread=True, batch=batch))
        if also_async_sqlite:
            async_runs.append(await run_usar(stream, users, sqlite_in_thread=False, batch=batch))
    echo_rate = report("echo", len(stream), *min(echo_runs, key=lambda run: run[0]))
    our_rate = report("usar", len(stream), *min(our_runs, key=lambda run: run[0]))
    print(
        f"ratio      {our_rate / echo_rate:.1%} of the bare echo's rate; all {users:,} registered every round"
    )
    if async_runs:
        async_rate = report("aiosqlite", len(stream), *min(async_runs, key=lambda run: run[0]))
        print(f"ratio      {async_rate / echo_rate:.1%} with every statement through aiosqlite instead")


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
    arguments = parser.parse_args()
    asyncio.run(main(arguments.users, arguments.rounds, arguments.also_aiosqlite, arguments.batch))
