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
    create.add_argument("--office", action="append", default=[], help="an office code; repeat for several")
    status = create.add_mutually_exclusive_group()
    status.add_argument("--verified", action="store_true", help="only families their office verified")
    status.add_argument("--pending", action="store_true", help="only families not yet verified")
    create.add_argument("--canteen", action="store_true", help="only families interested in a school canteen")
    create.add_argument("--certificate", action="store_true", help="only holders of a health certificate")
    create.add_argument("--product", action="append", default=[], choices=[p.value for p in Product])
    create.add_argument("--channel", choices=("telegram", "whatsapp"), help="only families on this channel")
    create.add_argument("--at", help='Riyadh time to send, "YYYY-MM-DD HH:MM" (default: now)')
    create.add_argument("--as", dest="staff", help="the staff member's address, whose rights apply")
    create.add_argument("--dry-run", action="store_true", help="count and preview only")
    for name, text in (("status", "progress of an announcement"), ("cancel", "stop an announcement")):
        action = actions.add_parser(name, help=text)
        action.add_argument("id", type=int)
        if name == "status":
            action.add_argument(
                "--follow", action="store_true", help="redraw the progress bar until it is done"
            )
    return broadcast


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


def audience_of(arguments: argparse.Namespace, session: Session) -> Audience:
    known = {office.code for office in offices.active_offices(session)}
    unknown = [code for code in arguments.office if code not in known]
    if unknown:
        raise BroadcastError(f"unknown office {unknown[0]!r}; the offices are: {', '.join(sorted(known))}")
    chosen = tuple(arguments.office)
    if arguments.staff:
        member = staff.staff_member(session, arguments.staff)
        if member is None:
            raise BroadcastError(f"{arguments.staff!r} is not a staff member")
        if member.role != StaffRole.ADMIN.value:
            if any(code != member.office_code for code in chosen):
                raise BroadcastError("staff of an office can only address their own office")
            chosen = (member.office_code,) if member.office_code else ("-",)
    return Audience(
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
