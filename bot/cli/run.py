"""`usar run`: the web server and the configured channels until stopped, in one role or all (bot.service);
with no channel at a terminal, the terminal chat beside the web console. And `usar migrate`, which brings the
database schema up to date as `usar run` does when it starts."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from bot.app import open_database
from bot.cli.chat import chat
from bot.settings import Settings

NO_CHANNEL = "usar: no channel is configured (USAR_TELEGRAM_TOKEN for Telegram; USAR_TWILIO_* for WhatsApp)."


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run_command = commands.add_parser(
        "run", help="start the web server and the configured channels (Telegram: USAR_TELEGRAM_TOKEN)"
    )
    run_command.add_argument(
        "--role",
        choices=("all", "web", "worker", "scheduler"),
        default="all",
        help="web: incoming messages; worker: sending; scheduler: due announcements (run one of these); "
        "all: everything (the default)",
    )
    run_command.set_defaults(run=run)

    migrate_command = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate_command.set_defaults(run=migrate)


async def _chat_and_console(settings: Settings) -> int:
    """No channel, at a terminal: the terminal chat here, and the web console for staff beside it."""
    from bot.service import Role, Service

    console = Service(settings, role=Role.WEB)  # no channel: the web server alone
    await console.start()
    print(f"usar: the office console is at {console.console_url}")
    print("usar: opening the terminal chat; `usar chat` does the same.\n")
    try:
        return await chat(argparse.Namespace(address="terminal", lang=None), settings)
    finally:
        await console.stop()


async def run(arguments: argparse.Namespace, settings: Settings) -> int:
    if not settings.channels:
        print(NO_CHANNEL)
        if sys.stdin.isatty():
            return await _chat_and_console(settings)
        print(
            "usar: running the web server and the scheduler until stopped; families and staff talk to it "
            "with `usar chat --as ADDRESS`, which also shows what is sent to them."
        )
    if arguments.role != "all" and settings.database_url.startswith("sqlite"):
        print(
            f"usar: warning: --role {arguments.role} on SQLite: roles are run in separate processes on "
            "PostgreSQL alone (USAR_DATABASE_URL=postgresql://…); on SQLite, run one process, --role all.",
            file=sys.stderr,
        )
    from bot.service import Role, Service  # aiogram takes seconds to import: only where it is used

    service = Service(settings, role=Role(arguments.role))
    await service.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait(
            [stopping, asyncio.ensure_future(service.wait())], return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        stopping.cancel()
        await service.stop()
    return 1 if service.failed else 0


async def migrate(arguments: argparse.Namespace, settings: Settings) -> int:
    async with open_database(settings):
        print("usar: the database is up to date.")
    return 0
