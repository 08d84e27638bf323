"""Training events: create, change, cancel; invite an audience; answers with capacity and a waitlist;
attendance; the lists staff read.

Answers, changes, cancelling, attendance and reminders are decided on the event read under its lock
(`storage.locks`): two families answering "going" for the last place at once cannot both get it, and a
"going" that comes as staff cancel is either told of the cancellation or answered that it is cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, or_, select, true, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.domain import GuestStatus
from storage import audiences, beneficiaries, locks, tallies
from storage.audiences import Audience
from storage.db import added
from storage.models import Beneficiary, Event, EventGuest, EventNotice, UTCDateTime


@dataclass(frozen=True)
class EventDetails:
    """What staff give for an event; the same for creating and for editing it."""

    title_ar: str
    starts_at: datetime
    ends_at: datetime
    venue_ar: str
    title_en: str | None = None
    description_ar: str = ""
    description_en: str | None = None
    venue_en: str | None = None
    map_url: str | None = None
    capacity: int | None = None


class Answer(StrEnum):
    GOING = "going"
    WAITLISTED = "waitlisted"  # she said yes, but it was full
    NOT_GOING = "not_going"
    TOO_LATE = "too_late"  # the event has started, or is over
    CANCELLED = "cancelled"  # the event was cancelled


@dataclass(frozen=True)
class Answered:
    answer: Answer
    promoted: int | None = None  # the family who took the place she gave up


def create(
    session: Session, details: EventDetails, audience: Audience, invite_at: datetime, by: str, now: datetime
) -> Event:
    event = Event(
        **vars(details),
        audience=audience.as_json(),
        invite_at=invite_at,
        schedule=1,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    return added(session, event)


def find(session: Session, event_id: int) -> Event | None:
    return session.get(Event, event_id)


def locked(session: Session, event_id: int) -> Event | None:
    """The event as it is now, locked until the transaction ends: what a change or an answer is decided on."""
    return locks.row(session, Event, event_id)


def by_calendar_key(session: Session, key: str) -> Event | None:
    return session.scalar(select(Event).where(Event.calendar_key == key))


@dataclass(frozen=True)
class Edited:
    moved: bool  # its time or place changed: its guests are to be told, and reminded anew
    promoted: list[int]  # families the waiting list gave a place to (more places, or no limit now)


def edit(session: Session, event: Event, details: EventDetails, now: datetime) -> Edited:
    """Change an event (read with `locked`). If it moves before the time its invitations were to go, they go
    now instead."""
    moved = (event.starts_at, event.ends_at, event.venue_ar, event.map_url) != (
        details.starts_at,
        details.ends_at,
        details.venue_ar,
        details.map_url,
    )
    for name, value in vars(details).items():
        setattr(event, name, value)
    if moved:
        event.schedule += 1
    if event.invited_at is None and event.invite_at >= event.starts_at:
        event.invite_at = now
    event.updated_at = now
    promoted = _promote_while_room(session, event, now)
    session.flush()
    return Edited(moved, promoted)


def cancel(session: Session, event: Event, now: datetime) -> bool:
    """Cancel it (read with `locked`); False if it was already cancelled."""
    if event.cancelled_at is not None:
        return False
    event.cancelled_at = now
    event.updated_at = now
    return True


def upcoming(
    session: Session,
    office_code: str | None,
    now: datetime,
    ended_within: timedelta = timedelta(0),
    *,
    cancelled: bool = False,
) -> Sequence[Event]:
    """Events not over (or over for less than `ended_within`) and not cancelled (or those too, if
    `cancelled`), soonest first: of one office (those addressed to it or to every office), or of every
    office (None)."""
    wanted = Event.ends_at > now - ended_within
    events = session.scalars(
        select(Event)
        .where(wanted if cancelled else wanted & Event.cancelled_at.is_(None))
        .order_by(Event.starts_at)
    ).all()
    return [event for event in events if office_code is None or _for_office(event, office_code)]


def _for_office(event: Event, office_code: str) -> bool:
    offices = Audience.from_json(event.audience).offices
    return not offices or office_code in offices


def attended_by(session: Session, beneficiary_id: int) -> Sequence[Event]:
    return session.scalars(
        select(Event)
        .join(EventGuest, EventGuest.event_id == Event.id)
        .where(EventGuest.beneficiary_id == beneficiary_id, EventGuest.attended_at.is_not(None))
        .order_by(Event.starts_at.desc())
    ).all()


def coming_to(session: Session, beneficiary_id: int, now: datetime) -> Sequence[tuple[Event, str]]:
    """The trainings to come she said she will attend (or waits for a place at), soonest first, with her
    status."""
    rows = session.execute(
        select(Event, EventGuest.status)
        .join(EventGuest, EventGuest.event_id == Event.id)
        .where(
            EventGuest.beneficiary_id == beneficiary_id,
            EventGuest.status.in_([GuestStatus.GOING.value, GuestStatus.WAITLISTED.value]),
            Event.cancelled_at.is_(None),
            Event.starts_at > now,
        )
        .order_by(Event.starts_at)
    ).all()
    return [(event, status) for event, status in rows]


def guest(session: Session, event_id: int, beneficiary_id: int) -> EventGuest | None:
    return session.get(EventGuest, (event_id, beneficiary_id))


def may_answer(session: Session, event: Event, beneficiary_id: int) -> bool:
    """She was invited, or she is in the event's audience (registered after the invitations went)."""
    if guest(session, event.id, beneficiary_id) is not None:
        return True
    family = audiences.families(Audience.from_json(event.audience)).where(Beneficiary.id == beneficiary_id)
    return session.scalar(select(family.exists())) is True


def open_to(session: Session, beneficiary_id: int, office_code: str, now: datetime) -> list[Event]:
    """The upcoming events she can see and answer: invitations sent, and she is among those invited."""
    return [
        event
        for event in upcoming(session, office_code, now)
        if event.invited_at is not None and may_answer(session, event, beneficiary_id)
    ]


# -- invitations --------------------------------------------------------------------------------------------


def due_for_invitation(session: Session, now: datetime) -> Sequence[Event]:
    """Events whose invitations are due and not yet sent (and that have not started or been cancelled)."""
    query = (
        select(Event)
        .where(
            Event.invited_at.is_(None),
            Event.cancelled_at.is_(None),
            Event.invite_at <= now,
            Event.starts_at > now,
        )
        .order_by(Event.invite_at)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).all()


def add_guests(session: Session, event: Event, now: datetime) -> int:
    """Every family of the event's audience becomes an invited guest (INSERT … SELECT; those already
    there keep their answer); how many were new."""
    audience = Audience.from_json(event.audience)
    assert not audience.contacts, "an event invites families"
    families = audiences.families(audience).add_columns(Beneficiary.office_code).subquery()
    rows = select(
        literal(event.id).label("event_id"),
        families.c[0].label("beneficiary_id"),
        families.c[1].label("office_code"),
        literal(GuestStatus.INVITED.value).label("status"),
        literal(now, UTCDateTime()).label("invited_at"),
    ).where(true())
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(EventGuest.__table__)
        .from_select(["event_id", "beneficiary_id", "office_code", "status", "invited_at"], rows)
        .on_conflict_do_nothing(index_elements=["event_id", "beneficiary_id"])
    )
    added = int(session.execute(statement).rowcount)  # type: ignore[attr-defined]
    event.invited_at = now
    return added


def guests_in(event_id: int, statuses: Sequence[GuestStatus]) -> Any:
    """The ids of the event's guests in these statuses: for INSERT … SELECT."""
    return select(EventGuest.beneficiary_id).where(
        EventGuest.event_id == event_id, EventGuest.status.in_([status.value for status in statuses])
    )


# -- answers ------------------------------------------------------------------------------------------------


def answer(session: Session, event_id: int, beneficiary_id: int, going: bool, now: datetime) -> Answered:
    """Her answer, until the event starts. "Going" when full puts her on the waitlist; a "not going" from
    someone going gives her place to the first on the waitlist."""
    event = locked(session, event_id)
    if event is None or event.cancelled_at is not None:
        return Answered(Answer.CANCELLED)
    if now >= event.starts_at:
        return Answered(Answer.TOO_LATE)
    guest_row = locks.row(session, EventGuest, (event_id, beneficiary_id))  # promoted meanwhile, perhaps
    if guest_row is None:
        guest_row = EventGuest(
            event_id=event_id,
            beneficiary_id=beneficiary_id,
            office_code=_office_of(session, beneficiary_id),
            status=GuestStatus.INVITED.value,
        )
        session.add(guest_row)
    was = GuestStatus(guest_row.status)
    guest_row.answered_at = now
    if not going:
        guest_row.status = GuestStatus.NOT_GOING.value
        guest_row.waitlisted_at = None
        session.flush()
        promoted = _promote_while_room(session, event, now) if was is GuestStatus.GOING else []
        return Answered(Answer.NOT_GOING, promoted[0] if promoted else None)
    if was is GuestStatus.GOING:
        return Answered(Answer.GOING)
    if was is GuestStatus.WAITLISTED:
        return Answered(Answer.WAITLISTED)
    if event.capacity is None or going_count(session, event_id) < event.capacity:
        guest_row.status = GuestStatus.GOING.value
        session.flush()
        return Answered(Answer.GOING)
    guest_row.status = GuestStatus.WAITLISTED.value
    guest_row.waitlisted_at = now
    session.flush()
    return Answered(Answer.WAITLISTED)


def _office_of(session: Session, beneficiary_id: int) -> str:
    """Her family's office, which her guest row carries."""
    found = beneficiaries.office_of(session, beneficiary_id)
    if found is None:
        raise LookupError(f"no family {beneficiary_id}")
    return found


def going_count(session: Session, event_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                EventGuest.event_id == event_id, EventGuest.status == GuestStatus.GOING.value
            )
        )
        or 0
    )


def guests_among(
    session: Session, event_id: int, family_ids: Sequence[int], office_code: str | None
) -> set[int]:
    """Which of these families are the event's guests: of one office (`office_code`), or of any (None)."""
    query = select(EventGuest.beneficiary_id).where(
        EventGuest.event_id == event_id, EventGuest.beneficiary_id.in_(list(family_ids))
    )
    if office_code is not None:
        query = query.where(EventGuest.office_code == office_code)
    return set(session.scalars(query).all())


def attended_among(session: Session, event_id: int, family_ids: Sequence[int]) -> set[int]:
    """Which of these families are marked as having come to the event."""
    return set(
        session.scalars(
            select(EventGuest.beneficiary_id).where(
                EventGuest.event_id == event_id,
                EventGuest.beneficiary_id.in_(list(family_ids)),
                EventGuest.attended_at.is_not(None),
            )
        ).all()
    )


def places_taken(session: Session, event_id: int) -> int:
    """Those going who answered (not those who came uninvited, who never did)."""
    return int(
        session.scalar(
            select(func.count()).where(
                EventGuest.event_id == event_id,
                EventGuest.status == GuestStatus.GOING.value,
                EventGuest.answered_at.is_not(None),
            )
        )
        or 0
    )


def _promote_while_room(session: Session, event: Event, now: datetime) -> list[int]:
    """Move the first on the waitlist to "going" while there is room; the ids of those promoted."""
    promoted: list[int] = []
    while event.capacity is None or going_count(session, event.id) < event.capacity:
        first = session.scalar(
            select(EventGuest)
            .where(EventGuest.event_id == event.id, EventGuest.status == GuestStatus.WAITLISTED.value)
            .order_by(EventGuest.waitlisted_at, EventGuest.beneficiary_id)
            .limit(1)
        )
        if first is None:
            break
        first.status = GuestStatus.GOING.value
        first.waitlisted_at = None
        session.flush()
        promoted.append(first.beneficiary_id)
    return promoted


# -- notices: reminders, changes, cancellation --------------------------------------------------------------


def notice(
    session: Session, event: Event, kind: str, offset_minutes: int, now: datetime
) -> EventNotice | None:
    """The notice of this kind (and offset) for the event's current schedule, created now; None if it was
    created before (a job that runs twice, or again after a restart)."""
    key = (event.id, kind, offset_minutes, event.schedule)
    existing = session.scalar(
        select(EventNotice.id).where(
            EventNotice.event_id == key[0],
            EventNotice.kind == kind,
            EventNotice.offset_minutes == offset_minutes,
            EventNotice.schedule == event.schedule,
        )
    )
    if existing is not None:
        return None
    created = EventNotice(
        event_id=event.id, kind=kind, offset_minutes=offset_minutes, schedule=event.schedule, created_at=now
    )
    return added(session, created)


def notice_ids(session: Session, event_id: int, kind: str) -> list[int]:
    return list(
        session.scalars(
            select(EventNotice.id).where(EventNotice.event_id == event_id, EventNotice.kind == kind)
        )
    )


def remindable(session: Session, now: datetime) -> Sequence[Event]:
    """Events that have not started, are not cancelled, and whose invitations went out."""
    return session.scalars(
        select(Event).where(
            Event.starts_at > now, Event.cancelled_at.is_(None), Event.invited_at.is_not(None)
        )
    ).all()


def going_before(event_id: int, moment: datetime) -> Any:
    """Those going who said so before `moment` (a reminder is not sent to who has just answered)."""
    return select(EventGuest.beneficiary_id).where(
        EventGuest.event_id == event_id,
        EventGuest.status == GuestStatus.GOING.value,
        or_(EventGuest.answered_at.is_(None), EventGuest.answered_at <= moment),
    )


# -- attendance and lists -----------------------------------------------------------------------------------


def unmark_attended(session: Session, event_id: int, beneficiary_id: int) -> bool:
    """A mistaken mark taken back (it counts for canteen eligibility); False if she was not marked."""
    row = guest(session, event_id, beneficiary_id)
    if row is None or row.attended_at is None:
        return False
    row.attended_at = None
    session.flush()
    return True


def mark_attended(session: Session, event_id: int, beneficiary_ids: Sequence[int], now: datetime) -> int:
    """Mark them as having come (guests or not: someone may come uninvited); how many were newly marked."""
    marked = 0
    for beneficiary_id in beneficiary_ids:
        row = guest(session, event_id, beneficiary_id)
        if row is None:
            row = EventGuest(
                event_id=event_id,
                beneficiary_id=beneficiary_id,
                office_code=_office_of(session, beneficiary_id),
                status=GuestStatus.GOING.value,
            )
            session.add(row)
        if row.attended_at is None:
            row.attended_at = now
            marked += 1
    session.flush()
    return marked


@dataclass(frozen=True)
class GuestLine:
    beneficiary_id: int
    full_name: str
    national_id: str
    mobile: str
    office_code: str
    status: str
    answered_at: datetime | None
    attended_at: datetime | None

    @property
    def walked_in(self) -> bool:
        """She came uninvited: marked as having come without ever answering (an answer is dated)."""
        return self.status == GuestStatus.GOING and self.answered_at is None


# A guest's line: her family's number, who she is, and her answer (GuestLine's fields, in order).
_LINE = (
    EventGuest.beneficiary_id,
    *beneficiaries.WHO,
    EventGuest.status,
    EventGuest.answered_at,
    EventGuest.attended_at,
)


def guest_list(session: Session, event_id: int) -> list[GuestLine]:
    rows = session.execute(
        select(*_LINE)
        .join(Beneficiary, Beneficiary.id == EventGuest.beneficiary_id)
        .where(EventGuest.event_id == event_id)
        .order_by(EventGuest.status, EventGuest.waitlisted_at, Beneficiary.full_name)
    ).all()
    return [GuestLine(*row) for row in rows]


# The order of a page of guests: who said she would come, who waits for a place, who has not answered, who
# said no; by name within each (the folded name, then her number: one place each in the order).
ANSWER_ORDER = case(
    {
        GuestStatus.GOING.value: 0,
        GuestStatus.WAITLISTED.value: 1,
        GuestStatus.INVITED.value: 2,
        GuestStatus.NOT_GOING.value: 3,
    },
    value=EventGuest.status,
    else_=4,
)
# Her folded name, looked up by her number for each guest (a correlated subquery: always a probe of the
# families' key, whatever the planner estimates a join would cost; a join could read every family instead).
_NAME_OF_GUEST = (
    select(Beneficiary.name_key).where(Beneficiary.id == EventGuest.beneficiary_id).scalar_subquery()
)
_GUEST_KEYS = (ANSWER_ORDER, _NAME_OF_GUEST, EventGuest.beneficiary_id)


@dataclass(frozen=True)
class GuestPage:
    """One page of an event's guests (of one office, or of every office): whether others come before and
    after it."""

    lines: list[GuestLine]
    earlier: bool
    later: bool
    restarted: bool = False  # asked to start from a guest no longer among them: the first page instead


def _guests_of(event_id: int, office_code: str | None) -> list[ColumnElement[bool]]:
    mine = [EventGuest.event_id == event_id]
    return mine if office_code is None else [*mine, EventGuest.office_code == office_code]


def guest_page(
    session: Session,
    event_id: int,
    office_code: str | None,
    limit: int,
    *,
    after: int | None = None,
    before: int | None = None,
    last: bool = False,
) -> GuestPage:
    """A page of the event's guests of one office (None: every office's), in ANSWER_ORDER: the first; the one
    after the guest numbered `after` (her family's number), or before the one numbered `before`; or the
    last. The guests are found on the guest rows' key (their office is on them), each one's name read by her
    number; only the page's guests are read whole."""
    start = after if after is not None else before
    key = None
    if start is not None:
        found = session.execute(
            select(*_GUEST_KEYS).where(*_guests_of(event_id, office_code), EventGuest.beneficiary_id == start)
        ).first()
        key = tuple(found) if found is not None else None
    backwards = (before is not None and key is not None) or (last and key is None)
    conditions = _guests_of(event_id, office_code)
    if key is not None:
        starts_at = tuple_(*(literal(value) for value in key))
        conditions.append(tuple_(*_GUEST_KEYS) < starts_at if backwards else tuple_(*_GUEST_KEYS) > starts_at)
    page = (
        select(
            EventGuest.beneficiary_id,
            EventGuest.status,
            EventGuest.answered_at,
            EventGuest.attended_at,
            *(column.label(f"key_{n}") for n, column in enumerate(_GUEST_KEYS[:2])),
        )
        .where(*conditions)
        .order_by(*(column.desc() if backwards else column.asc() for column in _GUEST_KEYS))
        .limit(limit + 1)
        .subquery()
    )
    in_order = (page.c.key_0, page.c.key_1, page.c.beneficiary_id)
    rows = session.execute(
        select(
            page.c.beneficiary_id,
            *beneficiaries.WHO,
            page.c.status,
            page.c.answered_at,
            page.c.attended_at,
        )
        .join(Beneficiary, Beneficiary.id == page.c.beneficiary_id)
        .order_by(*(column.desc() if backwards else column.asc() for column in in_order))
    ).all()
    beyond = len(rows) > limit
    lines = [GuestLine(*row) for row in rows[:limit]]
    if backwards:
        lines.reverse()
    earlier, later = (beyond, key is not None) if backwards else (key is not None, beyond)
    return GuestPage(lines, earlier, later, restarted=start is not None and key is None)


def waiting_list(session: Session, event_id: int, office_code: str | None, limit: int) -> list[GuestLine]:
    """The first `limit` of the event's waiting list (of one office, or every office's), first in first."""
    rows = session.execute(
        select(*_LINE)
        .join(Beneficiary, Beneficiary.id == EventGuest.beneficiary_id)
        .where(*_guests_of(event_id, office_code), EventGuest.status == GuestStatus.WAITLISTED.value)
        .order_by(EventGuest.waitlisted_at, EventGuest.beneficiary_id)
        .limit(limit)
    ).all()
    return [GuestLine(*row) for row in rows]


def tally(session: Session, event_id: int) -> dict[str, int]:
    """invited, going, not going, waitlisted (by current answer) and attended."""
    counts = tallies.by_status(session, EventGuest.status, EventGuest.event_id == event_id, GuestStatus)
    counts["attended"] = int(
        session.scalar(
            select(func.count()).where(EventGuest.event_id == event_id, EventGuest.attended_at.is_not(None))
        )
        or 0
    )
    return counts


def invitations_of(session: Session, beneficiary_id: int) -> list[tuple[Event, EventGuest]]:
    """Every event she was invited to, with her answer and attendance, the latest event first."""
    rows = session.execute(
        select(Event, EventGuest)
        .join(EventGuest, EventGuest.event_id == Event.id)
        .where(EventGuest.beneficiary_id == beneficiary_id)
        .order_by(Event.starts_at.desc(), Event.id.desc())
    ).all()
    return [(event, guest) for event, guest in rows]
