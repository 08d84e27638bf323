"""`usar export beneficiaries` and `usar audit`: every registered family (of her office, with `--as`) and the
audit log of office actions, as files for staff (office.exports)."""

from __future__ import annotations

import argparse
import io
from datetime import datetime, time
from pathlib import Path

from sqlalchemy.orm import Session

from bot.cli.actions import office_command
from bot.cli.arguments import UsageError, actor_of, add_as
from core.dates import RIYADH, parse_day, parse_local_time
from office import exports
from office.sheets import Out


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export_command = commands.add_parser("export", help="export data for staff")
    export_what = export_command.add_subparsers(dest="what", metavar="WHAT", required=True)
    every_family = export_what.add_parser(
        "beneficiaries", help="every registered family (of her office, with --as), with full ID and mobile"
    )
    every_family.add_argument("--format", choices=("csv", "json"), default="csv")
    every_family.add_argument(
        "--lang", choices=("ar", "en"), default="ar", help="language of headers and names"
    )
    every_family.add_argument(
        "--output", type=Path, help="file to write: a .xlsx workbook, or CSV (default: standard output)"
    )
    add_as(every_family)
    every_family.set_defaults(
        run=office_command, action="export", actions={}, export=_families, exported="beneficiaries"
    )

    audit = commands.add_parser("audit", help="the audit log of office actions (admins and the operator)")
    audit.add_argument("--office", help="one office's actions")
    audit.add_argument(
        "--staff",
        dest="member",
        metavar="ADDRESS",
        help="one staff member's actions (a login, chat address or name)",
    )
    audit.add_argument("--since", help='from this Riyadh day or time, "YYYY-MM-DD [HH:MM]"')
    audit.add_argument(
        "--output", type=Path, help="file to write: a .xlsx workbook, or CSV (default: standard output)"
    )
    audit.add_argument("--lang", choices=("ar", "en"), default="en", help="language of the headers")
    add_as(audit)
    audit.set_defaults(run=office_command, action="export", actions={}, export=_audit, exported="entries")


def _families(arguments: argparse.Namespace, session: Session, out: Out, now: datetime) -> int:
    if arguments.format == "json" and not isinstance(out, io.TextIOBase):
        raise UsageError("--format json writes text: name a .json file")
    return exports.families(
        session, actor_of(arguments), out, arguments.lang, now, as_json=arguments.format == "json"
    )


def _audit(arguments: argparse.Namespace, session: Session, out: Out, now: datetime) -> int:
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
