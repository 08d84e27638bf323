"""A worker sends through Telegram without importing aiogram (decision 0119): its import is most of a
process's memory and start-up, and only the process that answers Telegram needs it. Each `usar run --role`
runs as a real process with Python's import log on (PYTHONPROFILEIMPORTTIME), which names every module the
process imported, from its start to its stop: the test reads what each role imported, not what it says."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from storage.db import Database
from tests.support.builders import announce, families_on_telegram
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.people import Clock
from tests.support.processes import start_usar

# What answering Telegram needs, and a worker does not: aiogram (its dispatcher, its Bot and its types), the
# conversations that answer her, and the console's pages.
NOT_FOR_A_WORKER = ("aiogram", "conversations", "console")


async def imported_while(
    role: str,
    database_url: str,
    fake_telegram: FakeTelegram,
    tmp_path: Path,
    then: Callable[[], Awaitable[None]],
) -> set[str]:
    """Every module `usar run --role <role>` imported from its start until it said it started and `then`
    was done; then it stops."""
    settings = {
        "USAR_DATABASE_URL": database_url,
        "USAR_TELEGRAM_TOKEN": TOKEN,
        "USAR_TELEGRAM_API_BASE": fake_telegram.url,
        "USAR_QUIET_HOURS": "off",
        "USAR_HTTP_PORT": "0",
        "PYTHONPROFILEIMPORTTIME": "1",
    }
    process = await start_usar(
        "run", "--role", role, cwd=tmp_path, settings=settings, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    modules: set[str] = set()
    said: list[str] = []
    started = asyncio.Event()
    port: list[int] = []

    async def read() -> None:
        assert process.stderr is not None
        while line := (await process.stderr.readline()).decode():
            if line.startswith("import time:") and "|" in line:
                modules.add(line.rsplit("|", 1)[1].strip())
                continue
            said.append(line)
            if "web server listening on" in line:
                port.append(int(line.rsplit(":", 1)[1]))
            if f"started as {role}" in line:
                started.set()

    reading = asyncio.create_task(read())
    try:
        await asyncio.wait_for(started.wait(), 60)  # a loaded machine may take seconds to start it
        await then()
        # Answered once it started: from then on, SIGTERM stops it as the operator's would (bot.cli.run).
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port[0]}/healthz") as alive:
            assert alive.status == 200
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)
        await reading
    assert process.returncode == 0, "".join(said[-20:])
    return modules


async def _nothing() -> None:
    return None


def imported(modules: set[str], package: str) -> bool:
    return any(module == package or module.startswith(f"{package}.") for module in modules)


async def test_a_worker_sends_an_announcement_through_telegram_without_importing_aiogram(
    database: Database, database_url: str, fake_telegram: FakeTelegram, clock: Clock, tmp_path: Path
) -> None:
    await families_on_telegram(database, clock, 3)
    assert await announce(database, clock) == 3
    chats = [9001, 9002, 9003]

    async def until_sent() -> None:
        await fake_telegram.wait_for(lambda: all(fake_telegram.sent_to(chat) for chat in chats))

    modules = await imported_while("worker", database_url, fake_telegram, tmp_path, until_sent)

    assert [len(fake_telegram.sent_to(chat)) for chat in chats] == [1, 1, 1]  # sent, once each
    assert "handlers.telegram.sender" in modules  # it sent through the Telegram channel …
    assert [package for package in NOT_FOR_A_WORKER if imported(modules, package)] == []  # … and no more


async def test_the_web_role_imports_the_dispatcher_that_answers_telegram(
    database_url: str, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """The other side, so that the import log is known to show aiogram where it is imported."""
    modules = await imported_while("web", database_url, fake_telegram, tmp_path, _nothing)
    assert {"aiogram.dispatcher.dispatcher", "conversations.flows", "console.app"} <= modules
