"""The `usar` command line: the operator's tool on the server. Each command parses its arguments and calls
the office action that does the work (office/), in English; nothing more.

Without `--as`, a command acts as the operator, with every right; with `--as ADDRESS`, that staff member's
rights apply to every command that touches an office's data, exactly as in her chat.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, time
from functools import partial
from pathlib import Path
from typing import Any, TextIO, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot import broadcast, canteens_cli, events_cli, families_cli, logs, offices_cli
from bot.app import build_engine, open_database
from bot.arguments import actor_of, add_as, counted
from bot.jobs import TerminalDelivery
from bot.settings import Settings, SettingsError, load_settings
from core.dates import RIYADH, parse_day, parse_local_time
from core.domain import StaffRole
from core.i18n import use_language
from handlers import terminal
from office import content, exports
from office import staff as office_staff
from office.announcements import Stage, Status
from office.canteens import NeedsConfirmation
from office.errors import OfficeError, Problem, Refused, RejectedFile

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]
Action = Callable[[argparse.Namespace, Session, datetime], str]
Export = Callable[[argparse.Namespace, Session, TextIO, datetime], int]

T = TypeVar("T")
FOLLOW_EVERY = 1.0  # seconds between redraws of `usar broadcast status --follow`


class UsageError(Exception):
    """A command given wrong values: said in one line, exit status 2."""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="usar",
        description="Usar (أسر): the chatbot for productive families. The command line is the operator's "
        "tool: without --as a command acts as the operator, with every right; with --as ADDRESS, that staff "
        "member's rights apply. Settings come from USAR_* environment variables or a .env file "
        "(USAR_DATABASE_URL, default sqlite:///usar.db).",
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

    staff_command = commands.add_parser("staff", help="manage staff members (admins and the operator)")
    staff_actions = staff_command.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = staff_actions.add_parser("add", help="add a staff member, or change one's role and office")
    add.add_argument(
        "--address",
        help="for the staff chat: her Telegram user id, or her WhatsApp number (0551234567, 966551234567 or "
        "+966 55 123 4567)",
    )
    add.add_argument(
        "--login", help="for the web console: her login (then set her password with `usar staff password`)"
    )
    add.add_argument("--role", required=True, choices=[role.value for role in StaffRole])
    add.add_argument("--office", help="office code, such as makkah (required for the staff role)")
    staff_actions.add_parser("list", help="the staff of each office, and the admins")
    remove = staff_actions.add_parser(
        "remove", help="remove a staff member: she loses every right at once and is signed out"
    )
    remove.add_argument("address", metavar="LOGIN_OR_ADDRESS")
    password = staff_actions.add_parser(
        "password",
        help="set her console password, read from standard input when it is not a terminal; "
        "it signs her out everywhere",
    )
    password.add_argument("address", metavar="LOGIN_OR_ADDRESS")
    unlock = staff_actions.add_parser("unlock", help="let her login be tried again after wrong passwords")
    unlock.add_argument("address", metavar="LOGIN_OR_ADDRESS")
    for action in staff_actions.choices.values():
        add_as(action)
    staff_command.set_defaults(run=_office, actions=STAFF_ACTIONS)

    broadcast.add_commands(commands).set_defaults(run=_office, actions=ANNOUNCEMENT_ACTIONS)
    events_cli.add_commands(commands).set_defaults(
        run=_office, actions=EVENT_ACTIONS, export=events_cli.write_guests, exported="guests"
    )
    canteens_cli.add_commands(commands).set_defaults(
        run=_office, actions=CANTEEN_ACTIONS, export=canteens_cli.write_applicants, exported="applicants"
    )

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

    families_cli.add_commands(commands).set_defaults(run=_office, actions=families_cli.ACTIONS)
    offices_cli.add_commands(commands).set_defaults(run=_office, actions=offices_cli.ACTIONS)

    export_command = commands.add_parser("export", help="export data for staff")
    export_what = export_command.add_subparsers(dest="what", metavar="WHAT", required=True)
    every_family = export_what.add_parser(
        "beneficiaries", help="every registered family (of her office, with --as), with full ID and mobile"
    )
    every_family.add_argument("--format", choices=("csv", "json"), default="csv")
    every_family.add_argument(
        "--lang", choices=("ar", "en"), default="ar", help="language of headers and names"
    )
    every_family.add_argument("--output", type=Path, help="file to write (default: standard output)")
    add_as(every_family)
    every_family.set_defaults(
        run=_office, action="export", actions={}, export=_families, exported="beneficiaries"
    )

    audit = commands.add_parser("audit", help="the audit log of office actions (admins and the operator)")
    audit.add_argument("--office", help="one office's actions")
    audit.add_argument("--staff", dest="member", metavar="ADDRESS", help="one staff member's actions")
    audit.add_argument("--since", help='from this Riyadh day or time, "YYYY-MM-DD [HH:MM]"')
    audit.add_argument("--output", type=Path, help="a CSV file to write (default: standard output)")
    audit.add_argument("--lang", choices=("ar", "en"), default="en", help="language of the headers")
    add_as(audit)
    audit.set_defaults(run=_office, action="export", actions={}, export=_audit, exported="entries")
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


async def _chat(arguments: argparse.Namespace, settings: Settings) -> int:
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


NO_CHANNEL = "usar: no channel is configured (USAR_TELEGRAM_TOKEN for Telegram; USAR_TWILIO_* for WhatsApp)."


async def _chat_and_console(settings: Settings) -> int:
    """No channel, at a terminal: the terminal chat here, and the web console for staff beside it."""
    from bot.service import Role, Service

    console = Service(settings, role=Role.WEB)  # no channel: the web server alone
    await console.start()
    print(f"usar: the office console is at {console.console_url}")
    print("usar: opening the terminal chat; `usar chat` does the same.\n")
    try:
        return await _chat(argparse.Namespace(address="terminal", lang=None), settings)
    finally:
        await console.stop()


async def _run(arguments: argparse.Namespace, settings: Settings) -> int:
    if not settings.channels:
        print(
            "usar: no channel is configured (USAR_TELEGRAM_TOKEN for Telegram; USAR_TWILIO_* for WhatsApp)."
        )
        if sys.stdin.isatty():
            return await _chat_and_console(settings)
        print(
            "usar: running the web server and the scheduler until stopped; families and staff talk to it "
            "with `usar chat --as ADDRESS`, which also shows what is sent to them."
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


async def _migrate(arguments: argparse.Namespace, settings: Settings) -> int:
    async with open_database(settings):
        print("usar: the database is up to date.")
    return 0


def _staff_add(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    member = office_staff.add(
        session,
        actor_of(arguments),
        arguments.address,
        StaffRole(arguments.role),
        arguments.office,
        now,
        login=arguments.login,
    )
    where = f"office {member.office_code}" if member.office_code else "every office"
    said = f"usar: {member.name} is now {member.role} for {where}."
    if member.login is not None and member.password_hash is None:
        said += f" Set her console password with `usar staff password {member.login}`."
    return said


def _staff_list(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    members = office_staff.listing(session, actor_of(arguments))
    if not members:
        return "No staff yet: add the first admin with `usar staff add --login … --role admin`."
    return "\n".join(
        "  ".join(
            [
                member.login or "-",
                member.address or "-",
                member.role,
                member.office_code or "every office",
                "console" if member.password_hash else "no console password",
            ]
        )
        for member in members
    )


def _staff_remove(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    member = office_staff.remove(session, actor_of(arguments), arguments.address, now)
    return f"usar: {member.name} is no longer a staff member."


def _staff_password(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    member = office_staff.set_password(
        session, actor_of(arguments), arguments.address, arguments.password, now
    )
    return f"usar: {member.name} has a new console password; she was signed out everywhere."


def _staff_unlock(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    forgotten = office_staff.unlock(session, actor_of(arguments), arguments.address, now)
    tries = counted(forgotten, "wrong try", "wrong tries")
    return f"usar: {arguments.address} may sign in again ({tries} forgotten)."


STAFF_ACTIONS: Mapping[str, Action] = {
    "add": _staff_add,
    "list": _staff_list,
    "remove": _staff_remove,
    "password": _staff_password,
    "unlock": _staff_unlock,
}


def read_password() -> str:
    """From standard input when it is not a terminal (a script, a pipe), else asked twice without echo."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New console password: ")
    if getpass.getpass("The same again: ") != first:
        raise UsageError("the two passwords differ; nothing was changed")
    return first


ANNOUNCEMENT_ACTIONS: Mapping[str, Action] = {
    "create": broadcast.create,
    "cancel": broadcast.cancel,
    "list": broadcast.listing,
}
EVENT_ACTIONS: Mapping[str, Action] = {
    "create": events_cli.create,
    "edit": events_cli.edit,
    "cancel": events_cli.cancel,
    "show": events_cli.show,
    "list": events_cli.listing,
    "attendance": events_cli.attendance,
}
CANTEEN_ACTIONS: Mapping[str, Action] = {
    "create": canteens_cli.create,
    "import": canteens_cli.import_file,
    "edit": canteens_cli.edit,
    "list": canteens_cli.listing,
    "show": canteens_cli.show,
    "close": canteens_cli.close,
    "reopen": canteens_cli.reopen,
    "decide": canteens_cli.decide,
}


def _families(arguments: argparse.Namespace, session: Session, out: TextIO, now: datetime) -> int:
    return exports.families(
        session, actor_of(arguments), out, arguments.lang, now, as_json=arguments.format == "json"
    )


def _audit(arguments: argparse.Namespace, session: Session, out: TextIO, now: datetime) -> int:
    since = None
    if arguments.since:
        since = parse_local_time(arguments.since)
        day = parse_day(arguments.since)
        if since is None and day is not None:
            since = datetime.combine(day, time(0), tzinfo=RIYADH)
        if since is None:
            raise UsageError(f'--since {arguments.since!r}: write "YYYY-MM-DD" or "YYYY-MM-DD HH:MM"')
    return exports.audit(
        session,
        actor_of(arguments),
        out,
        arguments.lang,
        office=arguments.office,
        staff_member=arguments.member,
        since=since,
    )


def in_english(work: Callable[[Session], T]) -> Callable[[Session], T]:
    """A unit of work whose messages are in English, the command line's language. (It runs in the
    database's thread, which does not share the caller's context.)"""

    def english(session: Session) -> T:
        with use_language("en"):
            return work(session)

    return english


async def _office(arguments: argparse.Namespace, settings: Settings) -> int:
    """An office command in one transaction: its message printed, or its export written (to a file only its
    owner can read: it holds national IDs and mobiles). A refusal changes nothing."""
    now = datetime.now(UTC)
    arguments.quiet, arguments.senders = settings.quiet(), settings.senders()  # what announcements say
    if arguments.command == "staff" and arguments.action == "password":
        arguments.password = read_password()
    async with open_database(settings) as database:
        try:
            if arguments.action == "export":
                await _export(arguments, database, now)
            elif arguments.command in ("broadcast", "announcements") and arguments.action == "status":
                await _follow(arguments, database, now)
            else:
                action: Action = arguments.actions[arguments.action]
                print(await database.run(in_english(lambda session: action(arguments, session, now))))
        except RejectedFile as rejected:
            for problem in rejected.problems:
                print(f"{arguments.file}: {problem}", file=sys.stderr)
            print(
                f"usar: nothing was changed ({counted(len(rejected.problems), 'problem')}).", file=sys.stderr
            )
            return 1
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


def _said(problem: Problem) -> str:
    return (
        f"{OPTIONS.get(problem.field or '', problem.field)}: {problem.message}"
        if problem.field
        else problem.message
    )


async def _export(arguments: argparse.Namespace, database: Any, now: datetime) -> None:
    write: Export = arguments.export

    def written(out: TextIO, session: Session) -> int:
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


async def _follow(arguments: argparse.Namespace, database: Any, now: datetime) -> None:
    while True:
        status = await database.run(in_english(partial(_status, arguments, now)))
        if not arguments.follow or status.stage in (Stage.DONE, Stage.CANCELLED, Stage.SCHEDULED):
            print(broadcast.progress_line(status))
            return
        print(broadcast.progress_line(status), end="\r", flush=True)
        await asyncio.sleep(FOLLOW_EVERY)
        now = datetime.now(UTC)


def _status(arguments: argparse.Namespace, now: datetime, session: Session) -> Status:
    return broadcast.status(arguments, session, now)


CONTENT = {
    "tips": (content.import_tips, content.tips),
    "services": (content.import_services, content.services),
}


async def _content(arguments: argparse.Namespace, settings: Settings) -> int:
    import_rows, export_rows = CONTENT[arguments.what]
    now = datetime.now(UTC)
    async with open_database(settings) as database:
        if arguments.action == "export":
            arguments.export = lambda arguments, session, out, now: export_rows(
                session, actor_of(arguments), out, now
            )
            arguments.exported = "rows"
            await _export(arguments, database, now)
            return 0
        try:
            added, updated = await database.run(
                in_english(lambda session: import_rows(session, arguments.file, now))
            )
        except RejectedFile as rejected:
            for problem in rejected.problems:
                print(f"{arguments.file}: {problem}", file=sys.stderr)
            print(
                f"usar: nothing was imported ({counted(len(rejected.problems), 'problem')}).", file=sys.stderr
            )
            return 1
    print(f"usar: {added} {arguments.what} added and {updated} updated.")
    return 0


@contextmanager
def _private_file(path: Path) -> Iterator[tuple[TextIO, Callable[[], None]]]:
    """A file only its owner can read (it holds national IDs), written beside `path` and put in its place
    only when `done` is called: an export refused or failed leaves whatever was at `path` as it was."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    written = Path(name)
    finished = False

    def done() -> None:
        nonlocal finished
        finished = True

    try:
        os.fchmod(fd, 0o600)
        with open(fd, "w", encoding="utf-8", newline="") as out:
            yield out, done
        if finished:
            os.replace(written, path)  # also over an older file that others could read: it is ours now
    finally:
        if not finished:
            written.unlink(missing_ok=True)
