"""`usar events`: training events from the command line — create, list, show, edit, cancel, export the guest
list, and record attendance from a file of national IDs or mobiles. Each command reads its options and calls
the one office action (office.events) that the staff chat calls too.

Invitations, reminders and the messages about changes go through the outbox; `usar run` sends them.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.cli.arguments import actor_of, add_as, add_audience_arguments, audience_of, counted, riyadh_time
from core.dates import RIYADH, hijri_date, parse_end, short_stamp, short_time
from core.text import ascii_digits_only, normalise
from office import events, exports
from office.errors import Problem, Refused
from office.sheets import Out
from office.tables import first_column
from storage.events import EventDetails
from storage.models import Event


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    command = commands.add_parser("events", help="training events: create, list, edit, cancel, attendance")
    actions = command.add_subparsers(dest="action", metavar="ACTION", required=True)

    create = actions.add_parser("create", help="a new event, and whom to invite when")
    _detail_arguments(create, required=True)
    add_audience_arguments(create)
    create.add_argument("--invite-at", help="Riyadh time to send the invitations (default: now)")

    edit = actions.add_parser("edit", help="change an event; a new time or place is told to its guests")
    edit.add_argument("id", type=int)
    _detail_arguments(edit, required=False)

    for name, text in (
        ("show", "an event and its answers: invited, going, not going, waitlisted, attended"),
        ("cancel", "cancel an event: those who said yes are told"),
    ):
        actions.add_parser(name, help=text).add_argument("id", type=int)

    actions.add_parser("list", help="upcoming events")

    export = actions.add_parser("export", help="the guest list as CSV (UTF-8 with BOM, for Excel)")
    export.add_argument("id", type=int)
    export.add_argument(
        "--output", type=Path, help="file to write: a .xlsx workbook, or CSV (default: standard output)"
    )
    export.add_argument("--lang", choices=("ar", "en"), default="ar", help="language of headers and answers")

    attendance = actions.add_parser(
        "attendance", help="mark who came, from a file (CSV or XLSX) with one national ID or mobile per line"
    )
    attendance.add_argument("id", type=int)
    attendance.add_argument("file", type=Path)
    attendance.add_argument("--thank", action="store_true", help="send each of them a thank-you")
    for action in actions.choices.values():
        if not any(option.dest == "staff" for option in action._actions):
            add_as(action)
    return command


def _detail_arguments(command: argparse.ArgumentParser, required: bool) -> None:
    command.add_argument("--title-ar", required=required, help="the title in Arabic")
    command.add_argument("--title-en", help="the title in English")
    command.add_argument("--description-ar", help="what it is about, in Arabic")
    command.add_argument("--description-en", help="what it is about, in English")
    command.add_argument("--start", required=required, help='Riyadh time, "YYYY-MM-DD HH:MM"')
    command.add_argument(
        "--end", required=required, help='Riyadh time, "HH:MM" the same day, or a date and time'
    )
    command.add_argument("--venue-ar", required=required, help="where, in Arabic")
    command.add_argument("--venue-en", help="where, in English")
    command.add_argument("--map", help="a map link (https://…)")
    command.add_argument("--capacity", help='places ("none": no limit)')


def _end(text: str, start: datetime) -> datetime:
    end = parse_end(text, start)
    if end is None:
        raise Refused([Problem("--end", f'{text!r}: write "HH:MM" the same day, or "YYYY-MM-DD HH:MM"')])
    return end.astimezone(UTC)


def _capacity(text: str) -> int | None:
    cleaned = normalise(text).lower()
    if cleaned in ("none", "no limit", "0", "-"):
        return None
    if not ascii_digits_only(cleaned) or len(cleaned) > 9:  # (more than the places allowed, said later)
        raise Refused([Problem("--capacity", f"{text!r}: a number of places, or none")])
    return int(cleaned)


OPTIONS = {  # option → the detail it gives
    "title_ar": "title_ar",
    "title_en": "title_en",
    "description_ar": "description_ar",
    "description_en": "description_en",
    "venue_ar": "venue_ar",
    "venue_en": "venue_en",
    "map": "map_url",
}


def changes_of(arguments: argparse.Namespace, starts_at: datetime, now: datetime) -> dict[str, Any]:
    """The details the options give (an empty text removes an optional one)."""
    given: dict[str, Any] = {
        detail: getattr(arguments, option) or None
        for option, detail in OPTIONS.items()
        if getattr(arguments, option) is not None
    }
    for required in ("title_ar", "venue_ar", "description_ar"):
        if required in given:
            given[required] = given[required] or ""
    if arguments.start:
        starts_at = given["starts_at"] = riyadh_time(arguments.start, "--start", now)
    if arguments.end:
        given["ends_at"] = _end(arguments.end, starts_at)
    if arguments.capacity is not None:
        given["capacity"] = _capacity(arguments.capacity)
    return given


def create(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    start = riyadh_time(arguments.start, "--start", now)
    given = changes_of(arguments, start, now)
    details = EventDetails(**{"title_en": None, "description_ar": "", **given})
    invite_at = riyadh_time(arguments.invite_at, "--invite-at", now)
    event = events.create(session, actor_of(arguments), details, audience_of(arguments), invite_at, now)
    held = arguments.quiet.holds(invite_at) if arguments.quiet is not None else None
    if held is not None and held < event.starts_at:
        return (
            f"Event {event.id} created: {describe(event)}\nInvitations go out {_when(held)}, when quiet hours"
            f" ({arguments.quiet}) end."
        )
    return f"Event {event.id} created: {describe(event)}\nInvitations go out {_when(invite_at)}."


def edit(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    actor = actor_of(arguments)
    event = events.event(session, actor, arguments.id)
    edited = events.edit(session, actor, event.id, changes_of(arguments, event.starts_at, now), now)
    lines = [f"Event {event.id} changed: {describe(event)}"]
    if edited.moved:
        lines.append("Its guests are told of the new time or place.")
    if edited.promoted:
        lines.append(f"{len(edited.promoted)} families from the waiting list got a place and are told.")
    return "\n".join(lines)


def cancel(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    if not events.cancel(session, actor_of(arguments), arguments.id, now):
        return f"Event {arguments.id} was already cancelled."
    return f"Event {arguments.id} cancelled; those who said they would come are told."


def show(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    actor = actor_of(arguments)
    event = events.event(session, actor, arguments.id)
    return "\n".join(
        [f"Event {event.id}: {describe(event)}", tally_line(events.tally(session, actor, event.id))]
    )


def listing(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    actor = actor_of(arguments)
    upcoming = events.upcoming(session, actor, now)
    if not upcoming:
        return "No upcoming events."
    return "\n".join(
        f"{event.id}. {describe(event)}\n   {tally_line(events.tally(session, actor, event.id))}"
        for event in upcoming
    )


def describe(event: Event) -> str:
    start = event.starts_at.astimezone(RIYADH)
    hijri = hijri_date(start.date(), "en")
    places = counted(event.capacity, "place") if event.capacity else "no limit on places"
    state = " (cancelled)" if event.cancelled_at else ""
    end = event.ends_at.astimezone(RIYADH)
    return (
        f"{event.title_ar}{state} — {short_stamp(start)}–{short_time(end)} Riyadh time ({hijri}),"
        f" {event.venue_ar}; {places}"
    )


def tally_line(counts: dict[str, int]) -> str:
    return (
        f"invited (no answer) {counts['invited']}  going {counts['going']}  not going {counts['not_going']}"
        f"  waitlisted {counts['waitlisted']}  attended {counts['attended']}"
    )


def _when(moment: datetime) -> str:
    return f"at {short_stamp(moment)} Riyadh time"


def write_guests(arguments: argparse.Namespace, session: Session, out: Out, now: datetime) -> int:
    """The guest list, with full IDs and mobiles (staff call them): a file for its owner only."""
    return exports.guests(session, actor_of(arguments), arguments.id, out, arguments.lang, now)


def attendance(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    """Everyone on the list is marked, or — if any line is bad — nobody, and every bad line is said."""
    marked = events.attendance_from_file(
        session, actor_of(arguments), arguments.id, first_column(arguments.file), now, thank=arguments.thank
    )
    thanked = f" A thank-you goes to {marked.thanked} families." if arguments.thank else ""
    newly = counted(marked.newly, "family", "families")
    return f"{newly} newly marked as attended ({marked.already} already were).{thanked}"


ACTIONS = {
    "create": create,
    "edit": edit,
    "cancel": cancel,
    "show": show,
    "list": listing,
    "attendance": attendance,
}
