"""`usar broadcast` (or `usar announcements`): announcements from the command line — create (or just count
and preview), follow the progress, cancel. The sending itself is `usar run`'s (its worker role)."""

from __future__ import annotations

import argparse
from datetime import datetime

from sqlalchemy.orm import Session

from bot.arguments import actor_of, add_as, add_audience_arguments, audience_of, riyadh_time
from conversations.dates import RIYADH, long_date
from conversations.i18n import use_language
from office import announcements
from storage.announcements import Progress

BAR = 30


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    broadcast = commands.add_parser(
        "broadcast",
        aliases=["announcements"],
        help="announcements to families: create, status, cancel (also: usar announcements)",
    )
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
        add_as(action)
        if name == "status":
            action.add_argument(
                "--follow", action="store_true", help="redraw the progress bar until it is done"
            )
    return broadcast


def create(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    actor = actor_of(arguments)
    send_at = riyadh_time(arguments.at, "--at", now)
    reach = announcements.reach(session, actor, audience_of(arguments))
    with use_language("ar"):
        when_ar = long_date(send_at)
    count = reach.count
    lines = [
        f"Reaches {count.reached} families ({count.stopped} left out: they stopped announcements;"
        f" {count.blocked}: they blocked the bot).",
        f"Arabic: {arguments.ar}",
        f"English: {arguments.en or arguments.ar}",
        f"When: {send_at.astimezone(RIYADH):%Y-%m-%d %H:%M} Riyadh time ({when_ar})",
    ]
    if arguments.dry_run:
        return "\n".join([*lines, "Dry run: nothing was created."])
    created = announcements.create(session, actor, arguments.ar, arguments.en, reach.audience, send_at, now)
    return "\n".join([*lines, f"Announcement {created.id} created; `usar run` sends it at its time."])


def cancel(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    announcements.cancel(session, actor_of(arguments), arguments.id, now)
    return f"usar: announcement {arguments.id} cancelled; what was not yet sent will not be."


def status(arguments: argparse.Namespace, session: Session, now: datetime) -> Progress:
    return announcements.progress(session, actor_of(arguments), arguments.id)[1]


def progress_line(progress: Progress) -> str:
    done = progress.total - progress.pending
    filled = round(BAR * done / progress.total) if progress.total else BAR
    return (
        f"[{'#' * filled}{'-' * (BAR - filled)}] {done}/{progress.total}  sent {progress.sent}"
        f" (delivered {progress.delivered})  blocked {progress.blocked}  needs template"
        f" {progress.needs_template}  failed {progress.failed}  cancelled {progress.cancelled}"
        f"  pending {progress.pending}"
    )
