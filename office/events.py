"""Training events: create one and whom to invite when, change it (a new time or place is told to its
guests), cancel it, follow its answers, mark who came (from the chat, or a file of IDs and mobiles) and thank
them. A family answers her invitation here too.

An event is for one office, several, or every office. Staff of each of those offices open it and manage
their own families' part of it (answers, attendance, thanks); changing or cancelling it is for the staff of
its one office, or for admins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core.dates import short_time
from core.i18n import _, ngettext
from core.text import normalise
from core.validators import LARGEST_COUNT, Invalid, saudi_mobile, saudi_national_id
from office import event_notices, registrations
from office.audiences import within_rights
from office.audit import action, record
from office.errors import NotAllowed, NotFound, Problem, Refused, RejectedFile, too_long
from office.rights import Actor, Rights, rights
from storage import beneficiaries, dashboard, deliveries, events
from storage.audiences import Audience
from storage.beneficiaries import Identifier
from storage.events import Answer, Edited, EventDetails, GuestLine
from storage.models import Beneficiary, Event

# A translation is kept only while what it translates is unchanged (English readers never read an outdated
# one; they read the Arabic instead).
TRANSLATIONS = {"description_en": "description_ar", "venue_en": "venue_ar", "title_en": "title_ar"}


def problems(details: EventDetails, now: datetime) -> list[Problem]:
    """What makes these details unusable; empty when they are fine."""
    found = []
    if not details.title_ar.strip():
        found.append(Problem("title_ar", _("Write its title.")))
    if not details.venue_ar.strip():
        found.append(Problem("venue_ar", _("Write where it is.")))
    if details.starts_at <= now:
        found.append(Problem("starts_at", _("That time has already passed.")))
    if details.ends_at <= details.starts_at:
        start = short_time(details.starts_at)
        found.append(Problem("ends_at", _("It must end after it starts (%(start)s).", start=start)))
    if details.capacity is not None and details.capacity < 1:
        found.append(Problem("capacity", _("at least 1 (or none for no limit)")))
    if details.capacity is not None and details.capacity > LARGEST_COUNT:
        found.append(Problem("capacity", _("at most %(largest)s", largest=LARGEST_COUNT)))
    if details.map_url and not details.map_url.startswith(("https://", "http://")):
        found.append(Problem("map_url", _("a link that starts with https://")))
    texts = ("title_ar", "title_en", "venue_ar", "venue_en", "map_url")
    return found + too_long(Event, {name: getattr(details, name) for name in texts})


def _offices(event: Event) -> tuple[str, ...]:
    return Audience.from_json(event.audience).offices


def _unknown(number: int) -> NotFound:
    return NotFound(_("There is no event %(number)s.", number=number))


def _visible(by: Rights, found: Event | None, number: int) -> Event:
    """An event for her office (or every office); another office's answers as an unknown one."""
    if found is None or not by.sees_any(_offices(found)):
        raise _unknown(number)
    return found


def event(session: Session, actor: Actor, number: int) -> Event:
    return _visible(rights(session, actor), events.find(session, number), number)


def may_change(by: Rights, found: Event, now: datetime) -> bool:
    """Changed or cancelled only before it starts, while it is on, and by those who run it."""
    return found.cancelled_at is None and now < found.starts_at and by.runs(_offices(found))


def changeable(session: Session, actor: Actor, number: int, now: datetime) -> bool:
    """Whether she may change (or cancel) the event now: the chat offers the buttons only then."""
    by = rights(session, actor)
    return may_change(by, _visible(by, events.find(session, number), number), now)


def to_change(session: Session, actor: Actor, number: int, now: datetime) -> Event:
    """The event, if she may change it now; refused as changing it would be, with the reason."""
    by = rights(session, actor)
    found = _visible(by, events.find(session, number), number)
    _changing(by, found, now)
    return found


def _changing(by: Rights, found: Event, now: datetime) -> None:
    if not by.runs(_offices(found)):
        raise NotAllowed(_("Only an administrator can change an event for several offices."))
    if not may_change(by, found, now):
        raise Refused([Problem(None, _("That event can no longer be changed."))])


@action
def create(
    session: Session,
    actor: Actor,
    details: EventDetails,
    requested: Audience,
    invite_at: datetime,
    now: datetime,
) -> Event:
    """A new event; its invitations go out at `invite_at` (the scheduler sends them)."""
    by = rights(session, actor)
    if requested.contacts:
        raise Refused([Problem("audience", _("An event invites registered families only."))])
    audience = within_rights(session, by, requested)
    wrong = problems(details, now)
    if invite_at < now - timedelta(minutes=1):
        wrong.append(Problem("invite_at", _("That time has already passed.")))
    elif invite_at >= details.starts_at:
        wrong.append(Problem("invite_at", _("Invitations must go out before the event starts.")))
    if wrong:
        raise Refused(wrong)
    created = events.create(session, details, audience, invite_at, by.name, now)
    record(
        session,
        by,
        "events.create",
        office=_one(audience.offices),
        target="event",
        target_id=created.id,
        outcome="created",
        now=now,
    )
    return created


def _one(offices: Sequence[str]) -> str | None:
    return offices[0] if len(offices) == 1 else None


def details_of(found: Event) -> EventDetails:
    return EventDetails(**{field.name: getattr(found, field.name) for field in fields(EventDetails)})


@action
def edit(session: Session, actor: Actor, number: int, changes: Mapping[str, Any], now: datetime) -> Edited:
    """Change what is given of its details. A new time or place is told to those invited who have not said
    no; families the waiting list gives a place to (more places) are told so."""
    by = rights(session, actor)
    found = _visible(by, events.locked(session, number), number)
    _changing(by, found, now)
    current = details_of(found)
    unknown = set(changes) - {field.name for field in fields(EventDetails)}
    if unknown:
        raise ValueError(f"not event details: {', '.join(sorted(unknown))}")
    given = dict(changes)
    for translation, original in TRANSLATIONS.items():
        if translation not in given and given.get(original, getattr(current, original)) != getattr(
            current, original
        ):
            given[translation] = None
    changed = replace(current, **given)
    wrong = problems(changed, now)
    if wrong:
        raise Refused(wrong)
    edited = events.edit(session, found, changed, now)
    event_notices.tell_of_edit(session, found, edited, now)
    record(
        session,
        by,
        "events.edit",
        office=_one(_offices(found)),
        target="event",
        target_id=found.id,
        outcome="moved" if edited.moved else "changed",
        now=now,
        details={"changed": sorted(name for name in given if getattr(current, name) != given[name])},
    )
    return edited


@action
def cancel(session: Session, actor: Actor, number: int, now: datetime) -> bool:
    """Those who said they would come (or wait for a place) are told; pending invitations and reminders
    stop. False if it was already cancelled."""
    by = rights(session, actor)
    found = _visible(by, events.locked(session, number), number)
    if by.runs(_offices(found)) and found.cancelled_at is not None:
        return False
    _changing(by, found, now)
    events.cancel(session, found, now)
    event_notices.tell_of_cancellation(session, found, now)
    record(
        session,
        by,
        "events.cancel",
        office=_one(_offices(found)),
        target="event",
        target_id=found.id,
        outcome="cancelled",
        now=now,
    )
    return True


def upcoming(
    session: Session,
    actor: Actor,
    now: datetime,
    ended_within: timedelta = timedelta(0),
    *,
    cancelled: bool = False,
) -> Sequence[Event]:
    """The events of her office (or every office's, for admins) not over, or over for less than
    `ended_within`, and not cancelled (or those too, if `cancelled`); soonest first."""
    return events.upcoming(session, rights(session, actor).scope, now, ended_within, cancelled=cancelled)


def guests(session: Session, actor: Actor, number: int) -> list[GuestLine]:
    """The event's guests she manages: her office's families (admins: all)."""
    by = rights(session, actor)
    found = _visible(by, events.find(session, number), number)
    return [line for line in events.guest_list(session, found.id) if by.sees(line.office_code)]


GUESTS_A_PAGE = 50  # a training's guests, as its page lists them
WAITING_SHOWN = 50  # the first of its waiting list, shown in order


def guest_page(
    session: Session,
    actor: Actor,
    number: int,
    *,
    after: int | None = None,
    before: int | None = None,
    last: bool = False,
) -> events.GuestPage:
    """A page of the event's guests she manages (her office's families; admins: all), those coming first, by
    name: the first, the one after or before a guest (her family's number), or the last."""
    by = rights(session, actor)
    found = _visible(by, events.find(session, number), number)
    return events.guest_page(
        session, found.id, by.scope, GUESTS_A_PAGE, after=after, before=before, last=last
    )


def waiting_list(session: Session, actor: Actor, number: int) -> list[GuestLine]:
    """The first WAITING_SHOWN of the event's waiting list she manages, first in first."""
    by = rights(session, actor)
    found = _visible(by, events.find(session, number), number)
    return events.waiting_list(session, found.id, by.scope, WAITING_SHOWN)


def places_taken(session: Session, actor: Actor, number: int) -> int:
    """How many of its places are taken: every office's families who said they would come (the places are
    the event's), not those who came uninvited (who never answered). Counted in the database."""
    found = event(session, actor, number)
    return events.places_taken(session, found.id)


def tally(session: Session, actor: Actor, number: int) -> dict[str, int]:
    """invited (no answer), going, not going, waitlisted and attended (walk-ins among them, who are not
    counted as going): of her office's part (admins: all). Counted in the database, as the dashboard counts
    them: an event may invite thousands."""
    by = rights(session, actor)
    found = _visible(by, events.find(session, number), number)
    return asdict(dashboard.training_answers(session, [found.id], by.scope)[found.id])


def tallies(session: Session, actor: Actor, found: Sequence[Event]) -> dict[int, dict[str, int]]:
    """`tally` of each of these events (read by `upcoming`, hers to see), counted in one query."""
    scope = rights(session, actor).scope
    counted = dashboard.training_answers(session, [event.id for event in found], scope)
    return {number: asdict(answers) for number, answers in counted.items()}


def _marking(session: Session, actor: Actor, number: int, now: datetime) -> tuple[Rights, Event, set[int]]:
    """Who marks attendance, the event (locked; refused before it starts and once cancelled), and the families
    among its guests that she manages."""
    by, found = _may_mark(session, actor, number, now)
    return by, found, {line.beneficiary_id for line in guests(session, actor, number)}


def _may_mark(session: Session, actor: Actor, number: int, now: datetime) -> tuple[Rights, Event]:
    """Who marks attendance, and the event (locked; refused before it starts and once cancelled)."""
    by = rights(session, actor)
    found = _visible(by, events.locked(session, number), number)
    if now < found.starts_at:
        raise Refused([Problem(None, _("The event has not started yet: attendance is marked once it has."))])
    if found.cancelled_at is not None:
        raise Refused([Problem(None, _("This event is cancelled."))])
    return by, found


def _attendance_recorded(
    session: Session, by: Rights, found: Event, family_ids: Sequence[int], now: datetime, *, came: bool
) -> None:
    record(
        session,
        by,
        "events.attendance" if came else "events.attendance_undone",
        office=by.scope,
        target="event",
        target_id=found.id,
        outcome="marked" if came else "unmarked",
        now=now,
        details={"families": sorted(family_ids)},
    )


@action
def mark_attendance(
    session: Session,
    actor: Actor,
    number: int,
    family_ids: Sequence[int],
    now: datetime,
    *,
    came: bool = True,
) -> int:
    """Mark the families chosen as having come, or take a mistaken mark back (`came` False: it counts for
    canteens); how many marks changed. Each is one of her office's guests, or, to mark her as having come,
    a walk-in: a family of hers, registered in an office the event is for, who came uninvited."""
    by, found = _may_mark(session, actor, number, now)
    own = events.guests_among(session, found.id, family_ids, by.scope)  # not the whole list: it may be long
    for family_id in family_ids:
        if family_id not in own and not (came and _may_walk_in(session, by, found, family_id)):
            raise Refused([Problem(None, _("That family is not among the guests of this event you manage."))])
    if came:
        changed = events.mark_attended(session, found.id, family_ids, now)
    else:
        changed = sum(events.unmark_attended(session, found.id, family_id) for family_id in family_ids)
    if changed:
        _attendance_recorded(session, by, found, family_ids, now, came=came)
    return changed


def _may_walk_in(session: Session, by: Rights, found: Event, family_id: int) -> bool:
    family = beneficiaries.beneficiary(session, family_id)
    return family is not None and by.sees(family.office_code) and _is_for(found, family.office_code)


def _is_for(found: Event, office_code: str) -> bool:
    offices = _offices(found)
    return not offices or office_code in offices


WALK_INS = 20  # families found by a search for one who came uninvited


@dataclass(frozen=True)
class WalkIns:
    """Who a search for someone who came found: those who may be marked as having come uninvited, and those
    it found among the guests already (marked from here too: the guest list has many pages)."""

    found: list[Beneficiary]
    guests: list[Beneficiary]
    came: frozenset[int] = frozenset()  # of those, the families marked as having come already


def walk_ins(session: Session, actor: Actor, number: int, typed: str) -> WalkIns:
    """The families a search finds (part of a name, the last 4 digits of an ID, a whole ID or mobile) who may
    be marked as having come: hers, in an office the event is for; among its guests or not."""
    found = event(session, actor, number)
    page = registrations.listing(session, actor, typed)
    hers = [family for family in page.families if _is_for(found, family.office_code)]
    numbers = [family.id for family in hers]
    invited = events.guests_among(session, found.id, numbers, None)
    return WalkIns(
        [family for family in hers if family.id not in invited][:WALK_INS],
        [family for family in hers if family.id in invited][:WALK_INS],
        frozenset(events.attended_among(session, found.id, numbers)),
    )


@dataclass(frozen=True)
class Marked:
    newly: int
    already: int
    thanked: int


@dataclass(frozen=True)
class FileLine:
    """A line of a file of who came, as read: the family it names, or what is wrong with it."""

    line: int
    value: str  # as written on it
    family_id: int | None = None
    full_name: str = ""
    already: bool = False  # marked as having come before (or on an earlier line)
    walk_in: bool = False  # among those she manages, but not invited: marked as having come uninvited
    same_as: int | None = None  # the earlier line that named her: counted once
    problem: str | None = None

    @property
    def marks(self) -> bool:
        """Whether confirming the file marks her (she is named here first, and not marked yet)."""
        return self.family_id is not None and self.problem is None and not self.already


def attendance_preview(
    session: Session, actor: Actor, number: int, lines: Sequence[tuple[int, str]], now: datetime
) -> list[FileLine]:
    """What a file of who came would mark, line by line, and what is wrong with any line: nothing is
    marked. Refused as marking is (before it starts, once cancelled)."""
    by, found, own = _marking(session, actor, number, now)
    return _read_file(session, by, found, own, lines)


def _read_file(
    session: Session, by: Rights, found: Event, own: set[int], lines: Sequence[tuple[int, str]]
) -> list[FileLine]:
    guests = {line.beneficiary_id: line for line in events.guest_list(session, found.id)}
    seen: dict[int, int] = {}
    read = []
    for line_number, value in lines:
        named = _family_named(session, by, value)
        if named is None:
            read.append(FileLine(line_number, value, problem=_unreadable(value)))
            continue
        family_id, full_name = named
        walk_in = family_id not in own and _may_walk_in(session, by, found, family_id)
        if family_id not in own and not walk_in:
            read.append(FileLine(line_number, value, problem=_("she was not invited to this event")))
        elif family_id in seen:
            read.append(FileLine(line_number, value, family_id, full_name, True, same_as=seen[family_id]))
        else:
            seen[family_id] = line_number
            guest = guests.get(family_id)
            already = guest is not None and guest.attended_at is not None
            read.append(FileLine(line_number, value, family_id, full_name, already, walk_in))
    return read


def _unreadable(value: str) -> str:
    """Why a line names nobody: no family has it, or it is neither an ID nor a mobile."""
    typed = normalise(value)
    for parse in (saudi_national_id, saudi_mobile):
        try:
            parse(typed)
        except Invalid:
            continue
        return _("no registered family with this national ID or mobile")
    return _("neither a national ID (10 digits) nor a mobile")


@action
def attendance_from_file(
    session: Session,
    actor: Actor,
    number: int,
    lines: Sequence[tuple[int, str]],
    now: datetime,
    *,
    thank: bool,
) -> Marked:
    """Who came, one national ID or mobile a line (`lines`: the line's number and its value): every family
    named must be among the guests of this event that she manages. Any bad line and nothing is marked."""
    by, found, own = _marking(session, actor, number, now)
    read = _read_file(session, by, found, own, lines)
    bad = [
        _("line %(line)s: %(problem)s", line=line.line, problem=line.problem) for line in read if line.problem
    ]
    if bad:
        raise RejectedFile(bad)
    came = list(dict.fromkeys(line.family_id for line in read if line.family_id is not None))
    newly = events.mark_attended(session, found.id, came, now)
    _attendance_recorded(session, by, found, came, now, came=True)
    thanked = _thank(session, by, found, now) if thank else 0
    return Marked(newly=newly, already=len(came) - newly, thanked=thanked)


def _family_named(session: Session, by: Rights, value: str) -> tuple[int, str] | None:
    """The family a national ID or mobile names, and her name, if she may see her (another office's: as
    unknown)."""
    typed = normalise(value)
    for identifier, parse in ((Identifier.NATIONAL_ID, saudi_national_id), (Identifier.MOBILE, saudi_mobile)):
        try:
            parsed = parse(typed)
        except Invalid:
            continue
        found = beneficiaries.find_by(session, identifier, parsed)
        if found is not None:
            family = beneficiaries.beneficiary(session, found)
            return (found, family.full_name) if family is not None and by.sees(family.office_code) else None
    return None


@action
def thank(session: Session, actor: Actor, number: int, now: datetime) -> int:
    """A thank-you to her office's families who came (once each); how many were not thanked before."""
    by = rights(session, actor)
    return _thank(session, by, _visible(by, events.find(session, number), number), now)


def thanked(count: int) -> str:
    """What thanking those who came did: how many are thanked now (those thanked before are not again)."""
    if not count:
        return _("Nobody new to thank: each family marked as having come has had her thank-you.")
    return ngettext(
        "A thank-you goes to the one family who came.",
        "A thank-you goes to the %(count)s families who came (once each).",
        count,
        count=count,
    )


def _thank(session: Session, by: Rights, found: Event, now: datetime) -> int:
    came = [
        line.beneficiary_id
        for line in events.guest_list(session, found.id)
        if line.attended_at is not None and by.sees(line.office_code)
    ]
    newly = event_notices.thank(session, found, came, now)
    record(
        session,
        by,
        "events.thank",
        office=by.scope,
        target="event",
        target_id=found.id,
        outcome="thanked",
        now=now,
        details={"families": newly},
    )
    return newly


@dataclass(frozen=True)
class HerAnswer:
    """Where her answer to an invitation stands, and the event, for her to be told its title."""

    answer: Answer
    event: Event


@action
def answer_invitation(
    session: Session, family_id: int, event_id: int, going: bool, now: datetime
) -> HerAnswer:
    """Her "Going" or "Not going" to an event she was invited to (or is in the audience of), until it starts.
    "Going" when it is full puts her on the waiting list; a "Not going" that frees a place gives it to the
    first waiting, who is told. An event she may not answer is refused as unknown."""
    event = events.find(session, event_id)
    if (
        beneficiaries.beneficiary(session, family_id) is None
        or event is None
        or not events.may_answer(session, event, family_id)
    ):
        raise NotFound(_("That training is not one you were invited to."))
    answered = events.answer(session, event_id, family_id, going, now)
    # She has answered: an invitation still waiting to go to her (quiet hours) would ask again.
    deliveries.cancel_pending(session, event_notices.INVITATION, [event_id], now, to=family_id)
    if answered.promoted is not None:
        event_notices.tell_promoted(session, event, answered.promoted, now)
    return HerAnswer(answered.answer, event)
