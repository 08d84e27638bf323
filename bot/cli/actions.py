"""How an office command runs: its action in one transaction, in English, its message printed; or its export
written to a file only its owner can read. A refusal changes nothing and is said in one line."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.app import open_database
from bot.cli import announcements
from bot.cli.arguments import UsageError, counted, in_english
from bot.cli.staff import read_password
from bot.settings import Settings
from office.canteens import NeedsConfirmation
from office.errors import OfficeError, Problem, Refused, RejectedFile
from office.sheets import Out

Action = Callable[[argparse.Namespace, Session, datetime], str]
Export = Callable[[argparse.Namespace, Session, Out, datetime], int]


async def office_command(arguments: argparse.Namespace, settings: Settings) -> int:
    """An office command in one transaction: its message printed, or its export written (to a file only its
    owner can read: it holds national IDs and mobiles). A refusal changes nothing."""
    now = datetime.now(UTC)
    arguments.quiet, arguments.senders = settings.quiet(), settings.senders()  # what announcements say
    if arguments.command == "staff" and arguments.action == "password":
        arguments.password = read_password()
    async with open_database(settings) as database:
        try:
            if arguments.action == "export":
                await export(arguments, database, now)
            elif arguments.command in ("announcements", "broadcast") and arguments.action == "status":
                await announcements.follow(arguments, database, now)
            else:
                action: Action = arguments.actions[arguments.action]
                print(await database.run(in_english(lambda session: action(arguments, session, now))))
        except RejectedFile as rejected:
            return file_rejected(arguments.file, rejected, "changed")
        except NeedsConfirmation as asked:
            raise UsageError(f"{asked.message} Run it again with --yes to confirm.") from None
        except Refused as refused:
            raise UsageError("; ".join(_said(problem) for problem in refused.problems)) from None
        except OfficeError as refused:
            raise UsageError(refused.message) from None
    return 0


# The office actions name the values they check; the command line says the option that gave each.
OPTIONS = {
    "ar": "--ar", "en": "--en", "send_at": "--at", "office": "--office", "title_ar": "--title-ar",
    "title_en": "--title-en", "venue_ar": "--venue-ar", "starts_at": "--start", "ends_at": "--end",
    "invite_at": "--invite-at", "map_url": "--map", "capacity": "--capacity", "school": "--school",
    "district": "--district", "students": "--students", "start": "--start", "deadline": "--deadline",
    "places": "--places", "address": "--address", "phone": "--phone", "whatsapp": "--whatsapp",
}  # fmt: skip


def file_rejected(file: Path, rejected: RejectedFile, nothing_was: str) -> int:
    """A file refused whole: each of its problems on standard error, then that nothing was changed (or
    imported); the exit status."""
    for problem in rejected.problems:
        print(f"{file}: {problem}", file=sys.stderr)
    print(f"usar: nothing was {nothing_was} ({counted(len(rejected.problems), 'problem')}).", file=sys.stderr)
    return 1


def _said(problem: Problem) -> str:
    return (
        f"{OPTIONS.get(problem.field or '', problem.field)}: {problem.message}"
        if problem.field
        else problem.message
    )


async def export(arguments: argparse.Namespace, database: Any, now: datetime) -> None:
    write: Export = arguments.export

    def written(out: Out, session: Session) -> int:
        if out.seekable():  # a transaction run again starts the file again
            out.seek(0)
            out.truncate()
        return write(arguments, session, out, now)

    if arguments.output is None:
        await database.run(in_english(lambda session: written(sys.stdout, session)))
        return
    with _private_file(arguments.output) as (out, done):
        count = await database.run(in_english(lambda session: written(out, session)))
        done()
    print(f"usar: {count} {arguments.exported} written to {arguments.output}.", file=sys.stderr)


@contextmanager
def _private_file(path: Path) -> Iterator[tuple[Out, Callable[[], None]]]:
    """A file only its owner can read (it holds national IDs), written beside `path` and put in its place
    only when `done` is called: an export refused or failed leaves whatever was at `path` as it was. A path
    ending in .xlsx is a workbook (`office.sheets` writes one into a binary file), any other text."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    written = Path(name)
    finished = False

    def done() -> None:
        nonlocal finished
        finished = True

    try:
        os.fchmod(fd, 0o600)
        if path.suffix.lower() == ".xlsx":
            with open(fd, "wb") as binary:
                yield binary, done
        else:
            with open(fd, "w", encoding="utf-8", newline="") as out:
                yield out, done
        if finished:
            os.replace(written, path)  # also over an older file that others could read: it is ours now
    finally:
        if not finished:
            written.unlink(missing_ok=True)
