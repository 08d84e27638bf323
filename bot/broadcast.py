"""`usar broadcast`: staff's announcements from the command line — create (or just count and preview),
follow the progress, cancel. The sending itself is `usar run`'s (its worker role)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from conversations.dates import long_date, parse_local_time
from conversations.i18n import use_language
from conversations.text import normalise
from storage import announcements, audiences, offices, staff
from storage.announcements import Progress
from storage.audiences import Audience
from storage.models import Product, StaffRole

RIYADH = ZoneInfo("Asia/Riyadh")
BAR = 30


class BroadcastError(Exception):
    """A staff typo or a right she lacks: said in one line, nothing created."""


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    broadcast = commands.add_parser("broadcast", help="announcements to families: create, status, cancel")
    actions = broadcast.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="count, preview and send or schedule an announcement")
    create.add_argument("--ar", required=True, help="the text in Arabic")
    create.add_argument("--en", help="the text in English (Arabic is sent to English readers without it)")
    add_audience_arguments(create)
    create.add_argument(
        "--contacts",
        action="store_true",
        help="instead of registered families: those of the offices' imported lists not yet registered "
        "(WhatsApp, with the announcement template; goes with --office only)",
    )
    create.add_argument("--at", help='Riyadh time to send, "YYYY-MM-DD HH:MM" (default: now)')
    create.add_argument("--dry-run", action="store_true", help="count and preview only")
    for name, text in (("status", "progress of an announcement"), ("cancel", "stop an announcement")):
        action = actions.add_parser(name, help=text)
        action.add_argument("id", type=int)
        if name == "status":
            action.add_argument(
                "--follow", action="store_true", help="redraw the progress bar until it is done"
            )
    return broadcast


def add_audience_arguments(command: argparse.ArgumentParser) -> None:
    """The segments of an audience, and whose rights apply: for announcements and events alike."""
    command.add_argument("--office", action="append", default=[], help="an office code; repeat for several")
    status = command.add_mutually_exclusive_group()
    status.add_argument("--verified", action="store_true", help="only families their office verified")
    status.add_argument("--pending", action="store_true", help="only families not yet verified")
    command.add_argument(
        "--canteen", action="store_true", help="only families interested in a school canteen"
    )
    command.add_argument("--certificate", action="store_true", help="only holders of a health certificate")
    command.add_argument("--product", action="append", default=[], choices=[p.value for p in Product])
    command.add_argument("--channel", choices=("telegram", "whatsapp"), help="only families on this channel")
    command.add_argument("--as", dest="staff", help="the staff member's address, whose rights apply")


def parse_time(text: str | None, now: datetime) -> datetime:
    if not text:
        return now
    local = parse_local_time(text)
    if local is None:
        raise BroadcastError(f'--at {text!r}: write the Riyadh time as "YYYY-MM-DD HH:MM"')
    moment = local.astimezone(UTC)
    if moment < now:
        raise BroadcastError(f"--at {text!r} is in the past")
    return moment


def staff_office(session: Session, address: str | None) -> str | None:
    """The one office whose families she may address; None for an admin, or for the command line itself."""
    if not address:
        return None
    member = staff.staff_member(session, address)
    if member is None:
        raise BroadcastError(f"{address!r} is not a staff member")
    if member.role == StaffRole.ADMIN.value:
        return None
    return member.office_code or "-"


def audience_of(arguments: argparse.Namespace, session: Session) -> Audience:
    known = {office.code for office in offices.active_offices(session)}
    unknown = [code for code in arguments.office if code not in known]
    if unknown:
        raise BroadcastError(f"unknown office {unknown[0]!r}; the offices are: {', '.join(sorted(known))}")
    chosen = tuple(arguments.office)
    own = staff_office(session, arguments.staff)
    if own is not None:
        if any(code != own for code in chosen):
            raise BroadcastError("staff of an office can only address their own office")
        chosen = (own,)
    contacts = getattr(arguments, "contacts", False)
    narrowed = (arguments.verified, arguments.pending, arguments.canteen, arguments.certificate)
    if contacts and (any(narrowed) or arguments.product or arguments.channel):
        raise BroadcastError("--contacts goes with --office only: the other segments are about registrations")
    return Audience(
        contacts=contacts,
        offices=chosen,
        verified=True if arguments.verified else False if arguments.pending else None,
        canteen_interest=True if arguments.canteen else None,
        health_certificate=True if arguments.certificate else None,
        products=tuple(arguments.product),
        channel=arguments.channel,
    )


def create(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    if not normalise(arguments.ar):
        raise BroadcastError("--ar is empty")
    send_at = parse_time(arguments.at, now)
    audience = audience_of(arguments, session)
    count = audiences.count(session, audience)
    with use_language("ar"):
        when_ar = long_date(send_at)
    lines = [
        f"Reaches {count.reached} families ({count.stopped} left out: they stopped announcements;"
        f" {count.blocked}: they blocked the bot).",
        f"Arabic: {arguments.ar}",
        f"English: {arguments.en or arguments.ar}",
        f"When: {send_at.astimezone(RIYADH):%Y-%m-%d %H:%M} Riyadh time ({when_ar})",
    ]
    if arguments.dry_run:
        return "\n".join([*lines, "Dry run: nothing was created."])
    created = announcements.create(
        session, arguments.ar, arguments.en, audience, arguments.staff or "command line", send_at, now
    )
    return "\n".join([*lines, f"Announcement {created.id} created; `usar run` sends it at its time."])


def progress_line(progress: Progress) -> str:
    done = progress.total - progress.pending
    filled = round(BAR * done / progress.total) if progress.total else BAR
    return (
        f"[{'#' * filled}{'-' * (BAR - filled)}] {done}/{progress.total}  sent {progress.sent}"
        f" (delivered {progress.delivered})  blocked {progress.blocked}  needs template"
        f" {progress.needs_template}  failed {progress.failed}  cancelled {progress.cancelled}"
        f"  pending {progress.pending}"
    )
