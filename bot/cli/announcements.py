"""`usar announcements` (or `usar broadcast`, its old name, kept for scripts): announcements from the command
line — create (or just count and preview), follow the progress, cancel. The sending itself is `usar run`'s
(its worker role)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from bot.cli.arguments import (
    actor_of,
    add_as,
    add_audience_arguments,
    audience_of,
    in_english,
    riyadh_time,
)
from core.dates import RIYADH, hijri_date, short_stamp
from office import announcements
from office.announcements import Stage, Status
from office.errors import Problem, Refused

BAR = 30
FOLLOW_EVERY = 1.0  # seconds between redraws of `usar announcements status --follow`


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    command = commands.add_parser(
        "announcements",
        aliases=["broadcast"],
        help="announcements to families: create, status, cancel (also: usar broadcast)",
    )
    actions = command.add_subparsers(dest="action", metavar="ACTION", required=True)
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
    create.add_argument(
        "--all-offices", action="store_true", help="to the families of every office (without --office)"
    )
    create.add_argument("--at", help='Riyadh time to send, "YYYY-MM-DD HH:MM" (default: now)')
    create.add_argument("--dry-run", action="store_true", help="count and preview only")
    add_as(actions.add_parser("list", help="the latest announcements and what is happening to each"))
    for name, text in (
        ("status", "what is happening to an announcement"),
        ("cancel", "stop an announcement"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("id", type=int)
        add_as(action)
        if name == "status":
            action.add_argument(
                "--follow", action="store_true", help="redraw the progress bar until it is done"
            )
    return command


def create(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    actor = actor_of(arguments)
    send_at = riyadh_time(arguments.at, "--at", now)
    reach = announcements.reach(
        session,
        actor,
        audience_of(arguments),
        send_at,
        now=now,
        quiet=arguments.quiet,
        senders=arguments.senders,
    )
    if not reach.audience.offices and not arguments.all_offices:
        raise Refused([Problem("--office", "name the office (repeat for several), or give --all-offices")])
    if arguments.all_offices and reach.audience.offices:  # her rights narrowed it to her office
        raise Refused([Problem("--all-offices", "staff of an office address their own office only")])
    count = reach.count
    lines = [
        f"Reaches {count.reached} families ({count.stopped} left out: they stopped announcements;"
        f" {count.blocked}: they blocked the bot).",
        f"Arabic: {arguments.ar}",
        f"English: {arguments.en or arguments.ar}",
        f"When: {_riyadh(send_at)}",
    ]
    if reach.quiet_until is not None:
        lines.append(
            f"Warning: that is in quiet hours ({arguments.quiet}); it goes out from"
            f" {short_stamp(reach.quiet_until)}."
        )
    if reach.unreachable:
        lines.append(
            f"Warning: {reach.unreachable} of them cannot be reached by what is set up here: they wrote on a"
            " channel that is not (USAR_TELEGRAM_TOKEN, USAR_TWILIO_*), or on WhatsApp more than a day"
            " before, and the announcement has no template (USAR_WHATSAPP_TEMPLATES)."
        )
    if arguments.dry_run:
        return "\n".join([*lines, "Dry run: nothing was created."])
    created = announcements.create(session, actor, arguments.ar, arguments.en, reach.audience, send_at, now)
    return "\n".join([*lines, f"Announcement {created.id} created; `usar run` sends it at its time."])


def cancel(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    if not announcements.cancel(session, actor_of(arguments), arguments.id, now):
        return f"usar: announcement {arguments.id} was already cancelled."
    return f"usar: announcement {arguments.id} cancelled; what was not yet sent will not be."


def status(arguments: argparse.Namespace, session: Session, now: datetime) -> Status:
    return announcements.status(session, actor_of(arguments), arguments.id, now, arguments.quiet)[1]


async def follow(arguments: argparse.Namespace, database: Any, now: datetime) -> None:
    """`status`: what is happening to it, in one line; with --follow, redrawn until it is done."""
    while True:
        found = await database.run(in_english(partial(_status, arguments, now)))
        if not arguments.follow or found.stage in (Stage.DONE, Stage.CANCELLED, Stage.SCHEDULED):
            print(progress_line(found))
            return
        print(progress_line(found), end="\r", flush=True)
        await asyncio.sleep(FOLLOW_EVERY)
        now = datetime.now(UTC)


def _status(arguments: argparse.Namespace, now: datetime, session: Session) -> Status:
    return status(arguments, session, now)


def listing(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    actor = actor_of(arguments)
    found = announcements.recent(session, actor, limit=20)
    if not found:
        return "No announcements yet."
    lines = []
    for announcement in found:
        _found, shown = announcements.status(session, actor, announcement.id, now, arguments.quiet)
        text = " ".join(announcement.text_ar.split())
        lines.append(
            f"{announcement.id}. {text[:40]}{'…' if len(text) > 40 else ''}\n   {progress_line(shown)}"
        )
    return "\n".join(lines)


ACTIONS = {"create": create, "cancel": cancel, "list": listing}


def progress_line(status: Status) -> str:
    """What is happening, in one line; a bar only once there are messages to count."""
    progress = status.progress
    done = progress.total - progress.pending
    stage = {
        Stage.SCHEDULED: f"scheduled for {_riyadh(status.send_at)}",
        Stage.QUEUED: "queued: its messages go out in a moment",
        Stage.QUIET: f"waiting for the end of quiet hours (until {_riyadh(status.resumes_at)})",
        Stage.SENDING: "sending",
        Stage.DONE: "done" if progress.total else "done: no family matched when it was sent",
        Stage.CANCELLED: "cancelled",
    }[status.stage]
    if not progress.total:
        return stage
    filled = round(BAR * done / progress.total)
    return (
        f"{stage}  [{'#' * filled}{'-' * (BAR - filled)}] {done}/{progress.total}  sent {progress.sent}"
        f" (delivered {progress.delivered})  blocked {progress.blocked}  needs template"
        f" {progress.needs_template}  failed {progress.failed}  cancelled {progress.cancelled}"
        f"  pending {progress.pending}"
    )


def _riyadh(moment: datetime | None) -> str:
    """ "2026-12-03 09:00 Riyadh time (23 Jumada al-Akhirah 1448 AH)", the Hijri date while its tables go."""
    if moment is None:
        return ""
    local = moment.astimezone(RIYADH)
    hijri = hijri_date(local.date(), "en")
    return f"{short_stamp(local)} Riyadh time" + (f" ({hijri})" if hijri else "")
