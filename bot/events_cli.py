"""`usar events`: staff run training events from the command line — create, list, show, edit, cancel, export
the guest list, and record attendance from a file of national IDs or mobiles.

Invitations, reminders and the messages about changes go through the outbox; `usar run` sends them.
"""

from __future__ import annotations

import argparse
import csv
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session

from bot.broadcast import BroadcastError, add_audience_arguments, audience_of, parse_time, staff_office
from conversations import event_notices
from conversations.dates import RIYADH, hijri_date, parse_local_time
from conversations.forms import Invalid
from conversations.text import normalise
from conversations.validators import saudi_mobile, saudi_national_id
from storage import beneficiaries, events
from storage.audiences import Audience
from storage.beneficiaries import Identifier
from storage.events import EventDetails
from storage.models import Event

GUEST_FIELDS = ("name", "national_id", "mobile", "office", "answer", "answered_at", "attended")


class EventError(BroadcastError):
    """A staff typo, an unknown event or a right she lacks: said in one line, nothing changed."""


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
    edit.add_argument("--as", dest="staff", help="the staff member's address, whose rights apply")

    for name, text in (
        ("show", "an event and its answers: invited, going, not going, waitlisted, attended"),
        ("cancel", "cancel an event: those who said yes are told"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("id", type=int)
        action.add_argument("--as", dest="staff", help="the staff member's address, whose rights apply")

    listing = actions.add_parser("list", help="upcoming events")
    listing.add_argument("--as", dest="staff", help="the staff member's address, whose rights apply")

    export = actions.add_parser("export", help="the guest list as CSV (UTF-8 with BOM, for Excel)")
    export.add_argument("id", type=int)
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    export.add_argument("--as", dest="staff", help="the staff member's address, whose rights apply")

    attendance = actions.add_parser(
        "attendance", help="mark who came, from a file with one national ID or mobile per line"
    )
    attendance.add_argument("id", type=int)
    attendance.add_argument("file", type=Path)
    attendance.add_argument("--thank", action="store_true", help="send each of them a thank-you")
    attendance.add_argument("--as", dest="staff", help="the staff member's address, whose rights apply")
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


def _time(text: str, what: str) -> datetime:
    local = parse_local_time(text)
    if local is None:
        raise EventError(f'--{what} {text!r}: write the Riyadh time as "YYYY-MM-DD HH:MM"')
    return local


def _end(text: str, start: datetime) -> datetime:
    cleaned = normalise(text)
    if len(cleaned) <= 5 and ":" in cleaned:  # just a time: the same day as the start
        return _time(f"{start.astimezone(RIYADH):%Y-%m-%d} {cleaned}", "end")
    return _time(cleaned, "end")


def _capacity(text: str | None, current: int | None) -> int | None:
    if text is None:
        return current
    cleaned = normalise(text).lower()
    if cleaned in ("none", "no limit", "0", "-"):
        return None
    if not cleaned.isdigit():
        raise EventError(f"--capacity {text!r}: a number of places, or none")
    return int(cleaned)


def details_of(arguments: argparse.Namespace, current: Event | None) -> EventDetails:
    """The details given, over the event's current ones when editing."""
    start = _time(arguments.start, "start") if arguments.start else current.starts_at if current else None
    assert start is not None  # --start is required when creating
    end = _end(arguments.end, start) if arguments.end else current.ends_at if current else start

    def given(name: str, attribute: str) -> str | None:
        value = getattr(arguments, name)
        return value if value is not None else getattr(current, attribute) if current else None

    return EventDetails(
        title_ar=given("title_ar", "title_ar") or "",
        title_en=given("title_en", "title_en") or None,
        description_ar=given("description_ar", "description_ar") or "",
        description_en=given("description_en", "description_en") or None,
        starts_at=start,
        ends_at=end,
        venue_ar=given("venue_ar", "venue_ar") or "",
        venue_en=given("venue_en", "venue_en") or None,
        map_url=given("map", "map_url") or None,
        capacity=_capacity(arguments.capacity, current.capacity if current else None),
    )


def _checked(details: EventDetails, now: datetime) -> EventDetails:
    problems = details.problems(now)
    if problems:
        raise EventError("; ".join(problems))
    return details


def _event(session: Session, arguments: argparse.Namespace) -> Event:
    """The event named, if she may run it: an office's staff only their office's events."""
    event = events.find(session, arguments.id)
    if event is None:
        raise EventError(f"no event {arguments.id}")
    own = staff_office(session, arguments.staff)
    if own is not None and Audience.from_json(event.audience).offices != (own,):
        raise EventError("staff of an office can only manage their own office's events")
    return event


def create(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    details = _checked(details_of(arguments, None), now)
    audience = audience_of(arguments, session)
    invite_at = parse_time(arguments.invite_at, now) if arguments.invite_at else now
    if invite_at >= details.starts_at:
        raise EventError("--invite-at must be before the event starts")
    event = events.create(session, details, audience, invite_at, arguments.staff or "command line", now)
    return f"Event {event.id} created: {describe(event)}\nInvitations go out {_when(invite_at)}."


def edit(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    event = _event(session, arguments)
    if event.cancelled_at is not None:
        raise EventError(f"event {event.id} is cancelled")
    edited = events.edit(session, event, _checked(details_of(arguments, event), now), now)
    event_notices.tell_of_edit(session, event, edited, now)
    lines = [f"Event {event.id} changed: {describe(event)}"]
    if edited.moved:
        lines.append("Its guests are told of the new time or place.")
    if edited.promoted:
        lines.append(f"{len(edited.promoted)} families from the waiting list got a place and are told.")
    return "\n".join(lines)


def cancel(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    event = _event(session, arguments)
    if not events.cancel(session, event, now):
        return f"Event {event.id} was already cancelled."
    event_notices.tell_of_cancellation(session, event, now)
    return f"Event {event.id} cancelled; those who said they would come are told."


def show(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    event = _event(session, arguments)
    return "\n".join([f"Event {event.id}: {describe(event)}", tally_line(session, event)])


def listing(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    own = staff_office(session, arguments.staff)
    upcoming = events.upcoming(session, own, now)
    if not upcoming:
        return "No upcoming events."
    return "\n".join(f"{event.id}. {describe(event)}\n   {tally_line(session, event)}" for event in upcoming)


def describe(event: Event) -> str:
    start = event.starts_at.astimezone(RIYADH)
    hijri = hijri_date(start.date(), "en")
    places = f"{event.capacity} places" if event.capacity else "no limit on places"
    state = " (cancelled)" if event.cancelled_at else ""
    end = event.ends_at.astimezone(RIYADH)
    return (
        f"{event.title_ar}{state} — {start:%Y-%m-%d %H:%M}–{end:%H:%M} Riyadh time ({hijri}),"
        f" {event.venue_ar}; {places}"
    )


def tally_line(session: Session, event: Event) -> str:
    counts = events.tally(session, event.id)
    return (
        f"invited (no answer) {counts['invited']}  going {counts['going']}  not going {counts['not_going']}"
        f"  waitlisted {counts['waitlisted']}  attended {counts['attended']}"
    )


def _when(moment: datetime) -> str:
    return f"at {moment.astimezone(RIYADH):%Y-%m-%d %H:%M} Riyadh time"


def write_guests(arguments: argparse.Namespace, session: Session, out: TextIO) -> int:
    """The guest list as CSV, with full IDs and mobiles (staff call them): a file for its owner only."""
    event = _event(session, arguments)
    writer = csv.DictWriter(out, fieldnames=GUEST_FIELDS)
    out.write("\ufeff")
    writer.writeheader()
    lines = events.guest_list(session, event.id)
    for line in lines:
        writer.writerow(
            {
                "name": line.full_name,
                "national_id": line.national_id,
                "mobile": line.mobile,
                "office": line.office_code,
                "answer": line.status,
                "answered_at": f"{line.answered_at.astimezone(RIYADH):%Y-%m-%d %H:%M}"
                if line.answered_at
                else "",
                "attended": "yes" if line.attended_at else "",
            }
        )
    return len(lines)


def attendance(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    """Everyone on the list is marked, or — if any line is unknown — nobody, and every bad line is said."""
    event = _event(session, arguments)
    if now < event.starts_at:
        raise EventError(f"event {event.id} has not started yet")
    found, problems = families_in(session, arguments.file)
    if problems:
        raise EventError("nothing was marked:\n" + "\n".join(problems))
    marked = events.mark_attended(session, event.id, found, now)
    if arguments.thank:
        event_notices.thank(session, event, found, now)
    return f"{marked} families newly marked as attended ({len(found) - marked} were already)."


def families_in(session: Session, path: Path) -> tuple[list[int], list[str]]:
    """The families a file names, one national ID or mobile per line (the first column of a CSV)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as problem:
        return [], [f"{path}: cannot read it as UTF-8 text ({type(problem).__name__})"]
    found: dict[int, int] = {}
    problems = []
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        value = normalise(row[0]) if row else ""
        if not value or (number == 1 and not any(ch.isdigit() for ch in value)):
            continue  # blank lines, and a header
        family_id = _family_named(session, value)
        if family_id is None:
            problems.append(f"line {number}: no registered family with this national ID or mobile")
        elif family_id in found:
            problems.append(f"line {number}: the same family as line {found[family_id]}")
        else:
            found[family_id] = number
    return list(found), problems


def _family_named(session: Session, value: str) -> int | None:
    for identifier, parse in ((Identifier.NATIONAL_ID, saudi_national_id), (Identifier.MOBILE, saudi_mobile)):
        try:
            parsed = parse(value)
        except Invalid:
            continue
        family = beneficiaries.find_by(session, identifier, parsed)
        if family is not None:
            return family
    return None
