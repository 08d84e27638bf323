"""What becomes of the deliveries a round claimed: where each goes (`targets`, read at send time: she may have
moved channel or stopped), what the round made of it (a send outcome, or `Held`, `Paused`, `TooLate`), and
that recorded in the outbox (`record_all`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.channel import Blocked, Channel, NeedsTemplate, RetryAfter, SendOutcome, Sent, TransientFailure
from core.domain import DeliveryStatus
from storage import beneficiaries, contacts, conversations, deliveries, kinds, threads
from storage.deliveries import Claimed, SentRow
from storage.models import Beneficiary


@dataclass(frozen=True)
class Held:
    """Not sent, and not an attempt: pending again from `until` (quiet hours; a channel another process sends
    on; the database out of reach when it was to go)."""

    until: datetime


@dataclass(frozen=True)
class Paused(Held):
    """Not sent: the channel's next turn is further off than a worker waits holding a claim."""


@dataclass(frozen=True)
class TooLate:
    """Not sent: its time has passed (the event it is about has started)."""


Outcome = SendOutcome | Held | TooLate | None


@dataclass(frozen=True)
class Target:
    """Where and how one delivery goes, read at send time: she may have moved channel or stopped."""

    channel: Channel | None
    address: str | None
    language: str
    last_inbound_at: datetime | None
    opted_out: bool


Result = tuple[Claimed, tuple[Target | None, Outcome]]


def targets(session: Session, claimed: Sequence[Claimed]) -> dict[int, Target]:
    """Where each claimed delivery goes, by its id: a family by the channel she used last, in her
    language; an imported contact by WhatsApp at her mobile, in Arabic; a thread's answer where she wrote
    from; a staff member where she uses the staff chat."""
    family_ids = [d.beneficiary_id for d in claimed if d.beneficiary_id is not None]
    reaches = conversations.reach_all(session, family_ids)
    families = session.execute(
        select(Beneficiary.id, Beneficiary.language, Beneficiary.opted_out_at).where(
            Beneficiary.id.in_(family_ids)
        )
    ).all()
    by_family = {}
    for family_id, language, opted_out_at in families:
        reach = reaches.get(family_id)
        by_family[family_id] = Target(
            channel=Channel(reach.channel) if reach else None,
            address=reach.address if reach else None,
            language=language,
            last_inbound_at=reach.last_inbound_at if reach else None,
            opted_out=opted_out_at is not None,
        )
    by_contact = {
        contact_id: Target(Channel.WHATSAPP, reach.mobile, "ar", None, reach.opted_out)
        for contact_id, reach in contacts.reach_all(
            session, [d.contact_id for d in claimed if d.contact_id is not None]
        ).items()
    }
    by_thread = {
        thread_id: Target(Channel(reach.channel), reach.address, reach.language, reach.last_inbound_at, False)
        for thread_id, reach in threads.reach_all(
            session, [d.thread_id for d in claimed if d.thread_id is not None]
        ).items()
    }
    by_staff = {
        staff_id: Target(Channel(reach.channel), reach.address, reach.language, reach.last_inbound_at, False)
        for staff_id, reach in conversations.staff_reach_all(
            session, [d.staff_id for d in claimed if d.staff_id is not None]
        ).items()
    }
    targets = {}
    for delivery in claimed:
        if delivery.beneficiary_id is not None:
            found = by_family.get(delivery.beneficiary_id)
        elif delivery.contact_id is not None:
            found = by_contact.get(delivery.contact_id)
        elif delivery.thread_id is not None:
            found = by_thread.get(delivery.thread_id)
        else:
            found = by_staff.get(delivery.staff_id or 0)
        if found is not None:
            targets[delivery.id] = found
    return targets


def stopped(delivery: Claimed, target: Target) -> bool:
    return target.opted_out and kinds.of(delivery.kind).stopped_by_stop


def record_all(session: Session, results: Sequence[Result], now: datetime) -> None:
    """Every outcome, row by row in the order of their ids, the order in which a renewal locks them too (two
    transactions that lock the same rows in different orders can deadlock on PostgreSQL)."""
    plainly_sent: list[SentRow] = []  # the common case, recorded in one statement
    threads.mark_unread(
        session,
        [
            delivery.source_id
            for delivery, (_, outcome) in results
            if delivery.kind == kinds.REPLY.name and isinstance(outcome, Sent) and outcome.template
        ],
    )
    for delivery, (target, outcome) in sorted(results, key=lambda result: result[0].id):
        if isinstance(outcome, Sent) and target is not None and not delivery.message.options:
            assert target.channel is not None and target.address is not None
            plainly_sent.append(SentRow(delivery, target.channel.value, target.address, outcome.message_id))
        else:
            deliveries.sent_all(session, plainly_sent, now)
            plainly_sent = []
            _record(session, delivery, target, outcome, now)
    deliveries.sent_all(session, plainly_sent, now)


def _record(
    session: Session, delivery: Claimed, target: Target | None, outcome: Outcome, now: datetime
) -> None:
    if isinstance(outcome, Held):
        deliveries.postpone(session, delivery, outcome.until, now)
    elif isinstance(outcome, TooLate):
        deliveries.finish(session, delivery, DeliveryStatus.CANCELLED, "too late: its event has started", now)
    elif target is None:
        deliveries.finish(session, delivery, DeliveryStatus.CANCELLED, "the family is gone", now)
    elif stopped(delivery, target):
        deliveries.finish(session, delivery, DeliveryStatus.CANCELLED, "she stopped announcements", now)
    elif outcome is None:
        deliveries.finish(
            session, delivery, DeliveryStatus.FAILED, "she never wrote to us on any channel", now
        )
    elif isinstance(outcome, Sent):
        assert target.channel is not None and target.address is not None
        deliveries.sent(session, delivery, target.channel.value, target.address, outcome.message_id, now)
        if delivery.message.options:  # what she types next ("1") answers this message
            conversations.offer(session, target.channel.value, target.address, delivery.message.offered())
    elif isinstance(outcome, RetryAfter):
        deliveries.retry(
            session, delivery, f"retry after {outcome.seconds:g} s", now, timedelta(seconds=outcome.seconds)
        )
    elif isinstance(outcome, TransientFailure):
        deliveries.retry(session, delivery, outcome.reason, now)
    elif isinstance(outcome, Blocked):
        deliveries.finish(session, delivery, DeliveryStatus.BLOCKED, outcome.reason, now)
        if delivery.beneficiary_id is not None:
            beneficiaries.set_blocked(session, delivery.beneficiary_id, now)  # left out of later audiences
    elif isinstance(outcome, NeedsTemplate):
        deliveries.finish(
            session, delivery, DeliveryStatus.NEEDS_TEMPLATE, f"no template for {outcome.kind}", now
        )
    else:
        deliveries.finish(session, delivery, DeliveryStatus.FAILED, outcome.reason, now)
