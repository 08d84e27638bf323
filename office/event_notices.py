"""Who is told what about a training event, through the outbox, once each: invitations when their time comes,
reminders before the start, a change of time or place, a cancellation, a place from the waitlist, thanks.

Each function runs inside one transaction (a unit of work of `Database.run`); the scheduler's jobs call
`invite_due` and `remind_due` repeatedly and they are idempotent: what was done is read from the tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from core.domain import GuestStatus
from office import event_messages
from storage import deliveries, events, kinds
from storage.models import Event

INVITATION = kinds.INVITATION
REMINDER = kinds.REMINDER
CHANGE = kinds.EVENT_CHANGE
CANCELLED = kinds.EVENT_CANCELLED
PROMOTED = kinds.EVENT_PROMOTED
THANKS = kinds.EVENT_THANKS
DEFAULT_REMINDERS = (timedelta(hours=24), timedelta(hours=2))
TOLD_OF_CHANGES = (GuestStatus.INVITED, GuestStatus.GOING, GuestStatus.WAITLISTED)


def invite_due(session: Session, now: datetime) -> list[int]:
    """Events whose invitation time has come: their audience becomes guests and is invited; the event ids."""
    invited = []
    for event in events.due_for_invitation(session, now):
        events.add_guests(session, event, now)
        deliveries.enqueue(
            session,
            INVITATION,
            event.id,
            events.guests_in(event.id, [GuestStatus.INVITED]),
            event_messages.invitation(event),
            now,
            now,
        )
        invited.append(event.id)
    return invited


def remind_due(session: Session, now: datetime, offsets: Sequence[timedelta] = DEFAULT_REMINDERS) -> int:
    """The reminders due now, each once per event, offset and schedule; how many notices were created.

    Of the offsets already reached, only the nearest to the start is sent: a job that was not running when
    the 24-hour reminder fell due sends it late, once, if the 2-hour one is not due yet, and only the 2-hour
    one otherwise. Families who said "going" after an offset's moment are not reminded at that offset."""
    created = 0
    for event in events.remindable(session, now):
        offset = _due_reminder(session, event, offsets, now)
        if offset is None:
            continue
        notice = events.notice(session, event, REMINDER.name, int(offset.total_seconds() // 60), now)
        if notice is None:
            continue
        deliveries.enqueue(
            session,
            REMINDER,
            notice.id,
            events.going_before(event.id, event.starts_at - offset),
            event_messages.reminder(event),
            now,
            now,
        )
        created += 1
    return created


def _due_reminder(
    session: Session, event: Event, offsets: Sequence[timedelta], now: datetime
) -> timedelta | None:
    """Of the offsets reached, the nearest to the start; decided on the event as it is now, locked (staff
    may be cancelling or moving it at this moment). None if no reminder is due."""
    if not _reached(event, offsets, now):  # most events: no lock taken
        return None
    if events.locked(session, event.id) is None or event.cancelled_at is not None:  # `event`, read again
        return None
    reached = _reached(event, offsets, now)
    return min(reached) if reached else None


def _reached(event: Event, offsets: Sequence[timedelta], now: datetime) -> list[timedelta]:
    """The reminders' offsets whose moment has come, if the event has not started."""
    if now >= event.starts_at:
        return []
    return [offset for offset in offsets if event.starts_at - offset <= now]


def tell_of_change(session: Session, event: Event, now: datetime) -> None:
    """Its time or place changed: every guest who has not said no is told (once per change)."""
    notice = events.notice(session, event, CHANGE.name, 0, now)
    if notice is not None and event.invited_at is not None:
        deliveries.enqueue(
            session,
            CHANGE,
            notice.id,
            events.guests_in(event.id, TOLD_OF_CHANGES),
            event_messages.changed(event),
            now,
            now,
        )


def tell_of_edit(session: Session, event: Event, edited: events.Edited, now: datetime) -> None:
    """After a change: the guests told if it moved; those the waiting list gave a place to, told so."""
    if edited.moved:
        tell_of_change(session, event, now)
    for beneficiary_id in edited.promoted:
        tell_promoted(session, event, beneficiary_id, now)


def tell_of_cancellation(session: Session, event: Event, now: datetime) -> None:
    """Those who said yes (going or waiting for a place) are told; pending invitations and reminders stop."""
    notice = events.notice(session, event, CANCELLED.name, 0, now)
    if notice is None:
        return
    deliveries.cancel_pending(session, INVITATION, [event.id], now)
    for kind in (REMINDER, CHANGE):
        deliveries.cancel_pending(session, kind, events.notice_ids(session, event.id, kind.name), now)
    deliveries.enqueue(
        session,
        CANCELLED,
        notice.id,
        events.guests_in(event.id, [GuestStatus.GOING, GuestStatus.WAITLISTED]),
        event_messages.cancelled(event),
        now,
        now,
    )


def tell_promoted(session: Session, event: Event, beneficiary_id: int, now: datetime) -> None:
    """A place opened for her: she is told (once per event)."""
    deliveries.enqueue(
        session, PROMOTED, event.id, select(literal(beneficiary_id)), event_messages.promoted(event), now, now
    )


def thank(session: Session, event: Event, beneficiary_ids: Sequence[int], now: datetime) -> int:
    """Thanks to those who came (once per event); how many were not thanked before."""
    return sum(
        deliveries.enqueue(
            session, THANKS, event.id, select(literal(beneficiary_id)), event_messages.thanks(event), now, now
        )
        for beneficiary_id in beneficiary_ids
    )
