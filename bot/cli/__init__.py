"""The `usar` command line: the operator's tool on the server. Each command parses its arguments and calls
the office action that does the work (office/), in English; nothing more.

Without `--as`, a command acts as the operator, with every right; with `--as ADDRESS`, that staff member's
rights apply to every command that touches an office's data, exactly as in her chat.

Here: the parser, made of each area's commands (one module per area: `chat`, `run`, `staff`, `announcements`,
`events`, `canteens`, `content`, `beneficiaries`, `offices`, `exports`, `whatsapp`, `backup`, `keys`), and
`main`. The office areas' actions run in one transaction each (`actions`); what the commands share is in
`arguments`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot import logs
from bot.backups import BackupError
from bot.cli import (
    announcements,
    backup,
    beneficiaries,
    canteens,
    chat,
    content,
    events,
    exports,
    keys,
    offices,
    run,
    staff,
    whatsapp,
)
from bot.cli.actions import office_command
from bot.cli.arguments import UsageError
from bot.settings import PortInUse, Settings, SettingsError, load_settings, unknown_settings
from core.channel import Refused

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="usar",
        description="Usar (أسر): the chatbot for productive families. The command line is the operator's "
        "tool: without --as a command acts as the operator, with every right; with --as ADDRESS, that staff "
        "member's rights apply. Settings come from USAR_* environment variables or a .env file "
        "(USAR_DATABASE_URL, default sqlite:///usar.db).",
    )
    commands = root.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chat.add_commands(commands)
    run.add_commands(commands)
    staff.add_commands(commands).set_defaults(run=office_command, actions=staff.ACTIONS)
    announcements.add_commands(commands).set_defaults(run=office_command, actions=announcements.ACTIONS)
    events.add_commands(commands).set_defaults(
        run=office_command, actions=events.ACTIONS, export=events.write_guests, exported="guests"
    )
    canteens.add_commands(commands).set_defaults(
        run=office_command, actions=canteens.ACTIONS, export=canteens.write_applicants, exported="applicants"
    )
    content.add_commands(commands)
    beneficiaries.add_commands(commands).set_defaults(run=office_command, actions=beneficiaries.ACTIONS)
    offices.add_commands(commands).set_defaults(run=office_command, actions=offices.ACTIONS)
    exports.add_commands(commands)
    whatsapp.add_commands(commands)
    backup.add_commands(commands)
    keys.add_commands(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as problem:
        print(f"usar: {problem}", file=sys.stderr)
        return 2
    for warning in unknown_settings():
        print(f"usar: {warning}", file=sys.stderr)
    logs.configure(settings.log_level, settings.log_format)
    command: Command = arguments.run
    try:
        return asyncio.run(command(arguments, settings))
    except UsageError as problem:
        print(f"usar: {problem}", file=sys.stderr)
        return 2
    except (PortInUse, Refused, BackupError, SettingsError) as problem:
        print(f"usar: {problem}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `usar audit | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error on exit
        return 0
    except (SQLAlchemyError, OSError) as problem:
        print(
            f"usar: cannot use the database: {type(problem).__name__}: {_first_line(problem)}",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 130


def _first_line(problem: BaseException) -> str:
    return str(problem).splitlines()[0] if str(problem) else ""
