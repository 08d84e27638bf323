"""The `usar` command line. Each command parses its arguments and hands on to the app; nothing more."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot import broadcast, canteens_cli, contacts_import, content_files, events_cli, export, logs, tables
from bot.app import build_engine, open_database
from bot.settings import Settings, SettingsError, load_settings
from handlers import console
from storage import announcements, contacts, offices, staff
from storage.models import StaffRole

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


FOLLOW_EVERY = 1.0  # seconds between redraws of `usar broadcast status --follow`


class UsageError(Exception):
    """A command given wrong values: said in one line, exit status 2."""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="usar",
        description="Usar (أسر): the chatbot for productive families. Settings come from USAR_* "
        "environment variables or a .env file (USAR_DATABASE_URL, default sqlite:///usar.db).",
    )
    commands = root.add_subparsers(dest="command", metavar="COMMAND", required=True)

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--as", dest="address", default="terminal", metavar="ADDRESS", help="who is talking")
    chat.add_argument("--lang", choices=("ar", "en"), default=None, help="language of a new conversation")
    chat.set_defaults(run=_chat)

    run = commands.add_parser(
        "run", help="start the web server and the configured channels (Telegram: USAR_TELEGRAM_TOKEN)"
    )
    run.add_argument(
        "--role",
        choices=("all", "web", "worker", "scheduler"),
        default="all",
        help="web: incoming messages; worker: sending; scheduler: due announcements (run one of these); "
        "all: everything (the default)",
    )
    run.set_defaults(run=_run)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(run=_migrate)

    staff_command = commands.add_parser("staff", help="manage staff members")
    staff_actions = staff_command.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = staff_actions.add_parser("add", help="add a staff member, or change one's role and office")
    add.add_argument("--address", required=True, help="her Telegram user id or WhatsApp number")
    add.add_argument("--role", required=True, choices=[role.value for role in StaffRole])
    add.add_argument("--office", help="office code, such as makkah (required for the staff role)")
    add.set_defaults(run=_staff_add)

    broadcast.add_commands(commands).set_defaults(run=_broadcast)
    events_cli.add_commands(commands).set_defaults(run=_events)
    canteens_cli.add_commands(commands).set_defaults(run=_canteens)

    for what, text in (("tips", "food-safety tips"), ("services", "the useful services")):
        content = commands.add_parser(what, help=f"{text}: export to a spreadsheet, import it back")
        content_actions = content.add_subparsers(dest="action", metavar="ACTION", required=True)
        importing_content = content_actions.add_parser(
            "import",
            help="add and update rows (CSV or XLSX with the export's columns); a bad line changes nothing",
        )
        importing_content.add_argument("file", type=Path)
        exporting = content_actions.add_parser("export", help="every row as CSV (UTF-8 with BOM, for Excel)")
        exporting.add_argument("--output", type=Path, help="file to write (default: standard output)")
        content.set_defaults(run=_content, what=what)

    families_command = commands.add_parser("beneficiaries", help="families: import an office's list")
    family_actions = families_command.add_subparsers(dest="action", metavar="ACTION", required=True)
    importing = family_actions.add_parser(
        "import",
        help="add an office's list of families (CSV or XLSX: national ID, name, mobile, office) as contacts "
        "the bot recognises by their mobile; nothing is imported from a file with errors",
    )
    importing.add_argument("file", type=Path)
    importing.add_argument("--dry-run", action="store_true", help="check the file and count only")
    importing.add_argument("--as", dest="staff", help="the staff member's address, whose office applies")
    importing.set_defaults(run=_import_beneficiaries)
    canteens_cli.add_verify(family_actions).set_defaults(run=_canteens, action="verify")

    export_command = commands.add_parser("export", help="export data for staff")
    export_what = export_command.add_subparsers(dest="what", metavar="WHAT", required=True)
    families = export_what.add_parser(
        "beneficiaries", help="every registered family, with full ID and mobile"
    )
    families.add_argument("--format", choices=("csv", "json"), default="csv")
    families.add_argument("--lang", choices=("ar", "en"), default="ar", help="language of headers and names")
    families.add_argument("--output", type=Path, help="file to write (default: standard output)")
    families.set_defaults(run=_export_beneficiaries)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as problem:
        print(f"usar: {problem}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    command: Command = arguments.run
    try:
        return asyncio.run(command(arguments, settings))
    except UsageError as problem:
        print(f"usar: {problem}", file=sys.stderr)
        return 2
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


async def _chat(arguments: argparse.Namespace, settings: Settings) -> int:
    async with open_database(settings) as database:
        engine = build_engine(database, settings)
        await console.chat(
            engine.handle,
            arguments.address,
            arguments.lang or settings.default_language,
            sys.stdin,
            sys.stdout,
            interactive=sys.stdin.isatty(),
        )
    return 0


async def _run(arguments: argparse.Namespace, settings: Settings) -> int:
    if settings.channels:
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
        return 0
    print("usar: no channel is configured (USAR_TELEGRAM_TOKEN for Telegram; USAR_TWILIO_* for WhatsApp).")
    if sys.stdin.isatty():
        print("usar: opening the terminal chat instead; `usar chat` does the same.\n")
        return await _chat(argparse.Namespace(address="terminal", lang=None), settings)
    print("usar: to talk to the bot in a terminal, run `usar chat`.")
    return 2


async def _migrate(arguments: argparse.Namespace, settings: Settings) -> int:
    async with open_database(settings):
        print("usar: the database is up to date.")
    return 0


async def _staff_add(arguments: argparse.Namespace, settings: Settings) -> int:
    address = arguments.address.strip()
    role = StaffRole(arguments.role)
    if not address:
        raise UsageError("--address is empty")
    if role is StaffRole.STAFF and not arguments.office:
        raise UsageError("--office is required for the staff role")

    def save(session: Session) -> str:
        if arguments.office and offices.office(session, arguments.office) is None:
            known = ", ".join(office.code for office in offices.active_offices(session))
            raise UsageError(f"unknown office {arguments.office!r}; the offices are: {known}")
        member = staff.add_or_update(session, address, role, arguments.office, datetime.now(UTC))
        return f"usar: staff member {member.id} saved ({member.role}, office {member.office_code or 'all'})."

    async with open_database(settings) as database:
        print(await database.run(save))
    return 0


async def _broadcast(arguments: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(UTC)
    async with open_database(settings) as database:
        try:
            if arguments.action == "create":
                print(await database.run(lambda session: broadcast.create(arguments, session, now)))
            elif arguments.action == "cancel":
                if not await database.run(lambda session: announcements.cancel(session, arguments.id, now)):
                    raise UsageError(f"no announcement {arguments.id}")
                print(f"usar: announcement {arguments.id} cancelled; what was not yet sent will not be.")
            else:
                if await database.run(lambda session: announcements.find(session, arguments.id)) is None:
                    raise UsageError(f"no announcement {arguments.id}")
                while True:
                    progress = await database.run(
                        lambda session: announcements.progress(session, arguments.id)
                    )
                    if not arguments.follow or progress.pending == 0:
                        print(broadcast.progress_line(progress))
                        break
                    print(broadcast.progress_line(progress), end="\r", flush=True)
                    await asyncio.sleep(FOLLOW_EVERY)
        except broadcast.BroadcastError as problem:
            raise UsageError(str(problem)) from None
    return 0


EVENT_ACTIONS = {
    "create": events_cli.create,
    "edit": events_cli.edit,
    "cancel": events_cli.cancel,
    "show": events_cli.show,
    "list": events_cli.listing,
    "attendance": events_cli.attendance,
}


async def _events(arguments: argparse.Namespace, settings: Settings) -> int:
    return await _staff_actions(arguments, settings, EVENT_ACTIONS, events_cli.write_guests, "guests")


CANTEEN_ACTIONS = {
    "create": canteens_cli.create,
    "import": canteens_cli.import_file,
    "edit": canteens_cli.edit,
    "list": canteens_cli.listing,
    "show": canteens_cli.show,
    "close": canteens_cli.close,
    "decide": canteens_cli.decide,
    "verify": canteens_cli.verify,
}


async def _canteens(arguments: argparse.Namespace, settings: Settings) -> int:
    return await _staff_actions(
        arguments, settings, CANTEEN_ACTIONS, canteens_cli.write_applicants, "applicants"
    )


StaffAction = Callable[[argparse.Namespace, Session, datetime], str]


async def _staff_actions(
    arguments: argparse.Namespace,
    settings: Settings,
    actions: Mapping[str, StaffAction],
    export: Callable[[argparse.Namespace, Session, TextIO], int],
    exported: str,
) -> int:
    """A staff command's action in one transaction: its message printed, or the export written (to a file
    only its owner can read: it holds national IDs and mobiles); a file with bad lines changes nothing."""
    now = datetime.now(UTC)
    async with open_database(settings) as database:
        try:
            if arguments.action == "export":
                write = partial(export, arguments)
                if arguments.output is None:
                    await database.run(
                        partial(_write_to, lambda s, out, _lang: write(s, out), sys.stdout, "")
                    )
                else:
                    with _private_file(arguments.output) as out:
                        count = await database.run(
                            partial(_write_to, lambda s, o, _lang: write(s, o), out, "")
                        )
                    print(f"usar: {count} {exported} written to {arguments.output}.", file=sys.stderr)
            else:
                action = actions[arguments.action]
                print(await database.run(lambda session: action(arguments, session, now)))
        except tables.RejectedFile as rejected:
            for problem in rejected.problems:
                print(f"{arguments.file}: {problem}", file=sys.stderr)
            print(f"usar: nothing was changed ({len(rejected.problems)} problems).", file=sys.stderr)
            return 1
        except broadcast.BroadcastError as problem:
            raise UsageError(str(problem)) from None
    return 0


CONTENT = {
    "tips": (content_files.import_tips, content_files.export_tips),
    "services": (content_files.import_services, content_files.export_services),
}


async def _content(arguments: argparse.Namespace, settings: Settings) -> int:
    import_rows, export_rows = CONTENT[arguments.what]
    now = datetime.now(UTC)
    async with open_database(settings) as database:
        if arguments.action == "export":
            if arguments.output is None:
                await database.run(
                    partial(_write_to, lambda s, out, _lang: export_rows(s, out), sys.stdout, "")
                )
            else:
                with _private_file(arguments.output) as out:
                    count = await database.run(
                        partial(_write_to, lambda s, o, _lang: export_rows(s, o), out, "")
                    )
                print(f"usar: {count} rows written to {arguments.output}.", file=sys.stderr)
            return 0
        try:
            added, updated = await database.run(lambda session: import_rows(session, arguments.file, now))
        except tables.RejectedFile as rejected:
            for problem in rejected.problems:
                print(f"{arguments.file}: {problem}", file=sys.stderr)
            print(f"usar: nothing was imported ({len(rejected.problems)} problems).", file=sys.stderr)
            return 1
    print(f"usar: {added} {arguments.what} added and {updated} updated.")
    return 0


async def _import_beneficiaries(arguments: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(UTC)

    def save(session: Session) -> contacts.Saved:
        office = None
        if arguments.staff:
            member = staff.staff_member(session, arguments.staff)
            if member is None:
                raise UsageError(f"{arguments.staff!r} is not a staff member")
            office = None if member.role == StaffRole.ADMIN.value else member.office_code
        by = arguments.staff or "command line"
        return contacts_import.import_file(session, arguments.file, by, now, arguments.dry_run, office)

    async with open_database(settings) as database:
        try:
            saved = await database.run(save)
        except tables.RejectedFile as rejected:
            for problem in rejected.problems:
                print(f"{arguments.file}: {problem}", file=sys.stderr)
            print(f"usar: nothing was imported ({len(rejected.problems)} problems).", file=sys.stderr)
            return 1
    done = "would be" if arguments.dry_run else "were"
    print(
        f"usar: {saved.added} families {done} added and {saved.updated} updated; "
        f"{saved.already_registered} already registered through the bot {done} left as they are."
    )
    return 0


async def _export_beneficiaries(arguments: argparse.Namespace, settings: Settings) -> int:
    write = export.write_csv if arguments.format == "csv" else export.write_json
    async with open_database(settings) as database:
        if arguments.output is None:
            count = await database.run(partial(_write_to, write, sys.stdout, arguments.lang))
        else:
            with _private_file(arguments.output) as out:
                count = await database.run(partial(_write_to, write, out, arguments.lang))
            print(f"usar: {count} beneficiaries written to {arguments.output}.", file=sys.stderr)
    return 0


def _write_to(
    write: Callable[[Session, TextIO, str], int], out: TextIO, language: str, session: Session
) -> int:
    if out.seekable():  # a transaction run again starts the file again
        out.seek(0)
        out.truncate()
    return write(session, out, language)


def _private_file(path: Path) -> TextIO:
    """A file only its owner can read: it holds national IDs."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when it replaces an older file that others could read
    return open(descriptor, "w", encoding="utf-8", newline="")
