"""`usar chat`: talk to the bot in this terminal, as any address, with the scheduler and a worker that deliver
what falls due for that address (bot.jobs.TerminalDelivery): an office rehearses the whole product here."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from bot.app import build_engine, open_database
from bot.jobs import TerminalDelivery
from bot.settings import Settings
from handlers import terminal


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chat_command = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat_command.add_argument(
        "--as", dest="address", default="terminal", metavar="ADDRESS", help="who is talking"
    )
    chat_command.add_argument(
        "--lang", choices=("ar", "en"), default=None, help="language of a new conversation"
    )
    chat_command.set_defaults(run=chat)


async def chat(arguments: argparse.Namespace, settings: Settings) -> int:
    """The terminal chat, with the scheduler and a worker that deliver what falls due for this address."""
    interactive = sys.stdin.isatty()
    async with open_database(settings) as database:
        engine = build_engine(database, settings)
        pushed = TerminalDelivery(
            database,
            arguments.address,
            sys.stdout,
            lambda: datetime.now(UTC),
            interactive=interactive,
            quiet=settings.quiet(),
            reminders=settings.reminder_offsets,
            periods=settings.retention(),
        )
        pushed.start()
        try:
            await terminal.chat(
                engine.handle,
                arguments.address,
                arguments.lang or settings.default_language,
                sys.stdin,
                sys.stdout,
                interactive=interactive,
            )
        finally:
            await pushed.stop()
    return 0
