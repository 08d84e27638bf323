"""The dashboard's figures, each one query that counts in the database, by office: registrations in each of
the last weeks, registrations waiting for verification (and the oldest), the canteen pipeline, each training
event's answers, and what became of the messages to families in the last days, by channel. Questions are
counted by `storage.threads.measured`.

Every query reads one office (`office_code`) or every office (None), and groups by office, so that admins
compare them side by side. None loads a row per family: a week's count is a sum over an index range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Integer, Select, String, and_, case, func, literal, select, union_all
from sqlalchemy.orm import QueryableAttribute, Session

from core.domain import ApplicationStatus, GuestStatus
from storage.models import (
    Beneficiary,
    CanteenApplication,
    CanteenOpportunity,
    Delivery,
    EventGuest,
    UTCDateTime,
)

COMPOUND = 480  # SELECTs in one UNION ALL (SQLite takes 500)
NO_CHANNEL = "-"  # a message not sent on any channel yet (waiting, or refused before it went)


Query = TypeVar("Query", bound=Select)  # type: ignore[type-arg]


def _of(query: Query, column: QueryableAttribute[str], office_code: str | None) -> Query:
    """The query of one office, or of every office (None)."""
    return query if office_code is None else query.where(column == office_code)


def registrations(
    session: Session, office_codes: Sequence[str], weeks: Sequence[datetime], until: datetime
) -> dict[str, list[int]]:
    """By office, how many registered in each week: from each of `weeks` (their starts, oldest first) to the
    next, the last until `until`. Each office's week is counted on the index of (office, registered at): a
    range of it, not a pass over every family."""
    if not office_codes:
        return {}
    spans = list(enumerate(zip(weeks, [*weeks[1:], until], strict=True)))
    found = {code: [0] * len(weeks) for code in office_codes}
    per_query = max(COMPOUND // len(spans), 1)  # offices counted together
    for first in range(0, len(office_codes), per_query):
        asked = union_all(
            *(
                select(
                    literal(code, String).label("office"),
                    literal(week, Integer).label("week"),
                    literal(start, UTCDateTime()).label("starts"),
                    literal(end, UTCDateTime()).label("ends"),
                )
                for code in office_codes[first : first + per_query]
                for week, (start, end) in spans
            )
        ).subquery("asked")  # a row an office's week (VALUES with named columns is not SQLite's)
        counted = (
            select(func.count())
            .where(
                Beneficiary.office_code == asked.c.office,
                Beneficiary.registered_at >= asked.c.starts,
                Beneficiary.registered_at < asked.c.ends,
            )
            .scalar_subquery()
        )
        for code, week, count in session.execute(select(asked.c.office, asked.c.week, counted)).all():
            found[code][week] = int(count)
    return found


@dataclass(frozen=True)
class Waiting:
    count: int
    oldest: datetime | None  # when the one waiting longest registered


def waiting(session: Session, office_code: str | None) -> dict[str, Waiting]:
    """By office, the registrations waiting for their office to verify them, and the oldest (not those asked
    to correct something: they wait for her)."""
    query = _of(
        select(Beneficiary.office_code, func.count(), func.min(Beneficiary.registered_at))
        .where(Beneficiary.verified_at.is_(None), Beneficiary.correction_asked_at.is_(None))
        .group_by(Beneficiary.office_code),
        Beneficiary.office_code,
        office_code,
    )
    return {code: Waiting(int(count), oldest) for code, count, oldest in session.execute(query).all()}


PIPELINE = (
    ApplicationStatus.APPLIED,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.REJECTED,
)


@dataclass(frozen=True)
class Pipeline:
    """An office's canteen opportunities open now, and their applications where they stand."""

    open: int = 0
    applied: int = 0
    shortlisted: int = 0
    accepted: int = 0
    rejected: int = 0


def canteen_pipeline(session: Session, office_code: str | None, now: datetime) -> dict[str, Pipeline]:
    """By office: opportunities open now (not closed early, before their deadline), and the applications to
    the office's opportunities that are open or were decided (withdrawn ones aside), by where they stand."""
    is_open = and_(CanteenOpportunity.closed_at.is_(None), CanteenOpportunity.deadline > now)
    opened = _of(
        select(CanteenOpportunity.office_code, func.count())
        .where(is_open)
        .group_by(CanteenOpportunity.office_code),
        CanteenOpportunity.office_code,
        office_code,
    )
    applications = _of(
        select(CanteenOpportunity.office_code, CanteenApplication.status, func.count())
        .join(CanteenOpportunity, CanteenOpportunity.id == CanteenApplication.opportunity_id)
        .where(CanteenApplication.status.in_([status.value for status in PIPELINE]))
        .group_by(CanteenOpportunity.office_code, CanteenApplication.status),
        CanteenOpportunity.office_code,
        office_code,
    )
    found: dict[str, dict[str, int]] = {}
    for code, count in session.execute(opened).all():
        found.setdefault(code, {})["open"] = int(count)
    for code, status, count in session.execute(applications).all():
        found.setdefault(code, {})[status] = int(count)
    return {code: Pipeline(**counts) for code, counts in found.items()}


def at_least_delivered(session: Session, since: datetime, many: int) -> bool:
    """Whether at least `many` messages to registered families were made since `since`: counted only that far,
    on the index of when each was made."""
    made = select(Delivery.id).where(Delivery.created_at >= since, Delivery.beneficiary_id.is_not(None))
    return int(session.scalar(select(func.count()).select_from(made.limit(many).subquery())) or 0) >= many


def deliveries(session: Session, office_code: str | None, since: datetime) -> dict[str, dict[str, int]]:
    """By channel, what became of the messages to registered families (of one office, or of every office)
    made since `since`: a count for each delivery status. Read from the index of when each was made, which
    holds what is counted."""
    channel = func.coalesce(Delivery.channel, NO_CHANNEL)
    query = select(channel, Delivery.status, func.count()).where(Delivery.created_at >= since)
    if office_code is None:
        query = query.where(Delivery.beneficiary_id.is_not(None))
    else:
        query = query.join(Beneficiary, Beneficiary.id == Delivery.beneficiary_id).where(
            Beneficiary.office_code == office_code
        )
    found: dict[str, dict[str, int]] = {}
    for on, status, count in session.execute(query.group_by(channel, Delivery.status)).all():
        found.setdefault(on, {})[status] = int(count)
    return found


@dataclass(frozen=True)
class Answers:
    """A training event's guests (of one office, or all) by their answer, and how many came: those who came
    uninvited (going, and never answered) are counted as having come, not as going."""

    invited: int = 0  # no answer yet
    going: int = 0
    not_going: int = 0
    waitlisted: int = 0
    attended: int = 0


def training_answers(
    session: Session, event_ids: Sequence[int], office_code: str | None
) -> dict[int, Answers]:
    """Each event's guests by answer, counted in the database from the guest rows alone, on their key (an
    event may invite thousands)."""
    walked_in = and_(EventGuest.status == GuestStatus.GOING.value, EventGuest.answered_at.is_(None))
    query = _of(
        select(
            EventGuest.event_id,
            EventGuest.status,
            func.sum(case((walked_in, 1), else_=0)),
            func.count(),
            func.count(EventGuest.attended_at),
        )
        .where(EventGuest.event_id.in_(event_ids))
        .group_by(EventGuest.event_id, EventGuest.status),
        EventGuest.office_code,  # the guest rows carry it: no family read
        office_code,
    )
    found: dict[int, dict[str, int]] = {event_id: {} for event_id in event_ids}
    for event_id, status, walk_ins, count, came in session.execute(query).all():
        counts = found[event_id]
        counts[status] = counts.get(status, 0) + int(count) - int(walk_ins or 0)
        counts["attended"] = counts.get("attended", 0) + int(came)
    return {event_id: Answers(**counts) for event_id, counts in found.items()}
