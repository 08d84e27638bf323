"""The delivery outbox: enqueue an audience in one statement, claim due rows under a lease, record outcomes.

- `enqueue` inserts one row per family of an audience query (INSERT … SELECT: the families are never loaded
  into memory); the unique key (kind, source_id, beneficiary_id) makes a second enqueue of the same message
  a no-op, so a job that runs twice cannot send twice.
- `claim` takes due rows — pending and due, or (`take_expired`) claimed by a worker whose lease ran out — in
  one statement: UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED) RETURNING, so several workers
  on PostgreSQL never take the same row (SQLite has one writer at a time and needs no lock clause). Commit the
  claim before sending anything.
- A claim is a short lease: `renew` extends it for the rows a worker still holds and says which those are, so
  a worker confirms a row is still its own and unsent just before it sends it (the claim's attempt number is
  its token: a row taken again by another worker has a higher one).
- `sent`, `retry` and `finish` record what the channel said; each names the claim it answers, so a worker
  that outlived its lease cannot overwrite what the next one did.
- `empty_old`: a delivery finished long ago keeps its outcome (kind, recipient, status, channel, times,
  attempts, provider message id, last error) and loses what it said and where it went (`EMPTIED`). The row
  stays, so that the unique key still makes a second enqueue of the same message a no-op.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.domain import DeliveryStatus
from storage import delivery_reports, kinds
from storage.kinds import Kind, Message
from storage.models import FINISHED_NOT_EMPTIED, Delivery, DeliveryReport, UTCDateTime

MAX_ATTEMPTS = 6
FIRST_BACKOFF = timedelta(seconds=30)
LONGEST_BACKOFF = timedelta(hours=1)

_table = cast(Table, Delivery.__table__)
_c = _table.c
_earlier = _table.alias("earlier").c
UNFINISHED = (DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value)
# What an emptied delivery says: nothing (no text, no options, no template variables). Every reader of a
# payload reads it as a message with nothing in it (`Message.from_json`); none is ever claimed, since only
# finished deliveries are emptied.
EMPTIED: dict[str, Any] = {}


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    source_id: int
    beneficiary_id: int | None  # a registered family's delivery,
    contact_id: int | None  # or an imported contact's (an invitation to register),
    thread_id: int | None  # or a thread's (her office's answer, where she wrote from),
    staff_id: int | None  # or a staff member's (in the staff chat)
    message: Message
    attempt: int  # 1 for the first try
    claim: int  # this claim's number: what the row must still say for the claim to be this worker's


def enqueue(
    session: Session,
    kind: Kind,
    source_id: int,
    audience: Select[Any],  # one column: the families' ids (or the contacts')
    message: Message,
    not_before: datetime,
    now: datetime,
    recipient: Literal["beneficiary_id", "contact_id", "thread_id", "staff_id"] = "beneficiary_id",
    *,
    distinct: bool = False,
) -> int:
    """A pending delivery for each family id the audience selects; how many were new.

    `distinct`: the audience names each recipient once, and nothing else enqueues this message meanwhile
    (an announcement, under its row's lock). Then a message none of whose deliveries is in the outbox yet is
    enqueued by a plain INSERT … SELECT, without the conflict check of each row (a third of the time of a
    million on PostgreSQL, decision 0118); the "once" keys still refuse a second of any."""
    if kind.time_bound != (message.expires_at is not None):
        raise ValueError(f"a {kind.name} message {'needs' if kind.time_bound else 'has no'} expires_at")
    families = audience.subquery()
    rows = select(
        literal(kind.name).label("kind"),
        literal(source_id).label("source_id"),
        families.c[0].label(recipient),
        literal(message.to_json(), JSON).label("payload"),
        literal(DeliveryStatus.PENDING.value).label("status"),
        literal(0).label("attempts"),
        literal(not_before, UTCDateTime()).label("next_attempt_at"),
        literal(now, UTCDateTime()).label("created_at"),
        literal(now, UTCDateTime()).label("updated_at"),
    ).where(true())  # SQLite parses "SELECT … FROM t ON CONFLICT" only with a WHERE before ON CONFLICT
    if session.get_bind().dialect.name == "sqlite":
        # In the order of their ids, so each index of the deliveries grows at its end: SQLite would otherwise
        # read the ids from the smallest index that holds them (the last four digits'), in no order at all,
        # and write a million rows all over its indexes (1,000,000: 66.8 s; in order, 11.5 s; a busy machine).
        rows = rows.order_by(families.c[0])
    columns = [
        "kind",
        "source_id",
        recipient,
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "updated_at",
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_table).from_select(columns, rows)
    if not (distinct and _first(session, kind, source_id)):
        # The other recipients' "once" keys hold only the rows that have one: named with their condition.
        statement = statement.on_conflict_do_nothing(
            index_elements=["kind", "source_id", recipient],
            index_where=_c[recipient].is_not(None) if recipient != "beneficiary_id" else None,
        )
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def _first(session: Session, kind: Kind, source_id: int) -> bool:
    """Nothing of this message is in the outbox yet (one look into its "once" key)."""
    return not session.scalar(select(exists().where(_c.kind == kind.name, _c.source_id == source_id)))


@dataclass(frozen=True)
class Only:
    """The deliveries of one person (a terminal chat's): her family's, and her threads' answers."""

    family_id: int | None
    thread_ids: tuple[int, ...] = ()

    def condition(self) -> ColumnElement[bool]:
        return or_(
            _c.beneficiary_id == self.family_id if self.family_id is not None else false(),
            _c.thread_id.in_(self.thread_ids) if self.thread_ids else false(),
        )


# The statuses a claim looks for, written into the statement (not bound): the partial indexes of what is due
# (`ix_deliveries_due`, `ix_deliveries_leased`) are chosen only where the query names their condition itself.
_PENDING: ColumnElement[str] = literal_column(f"'{DeliveryStatus.PENDING.value}'")
_SENDING: ColumnElement[str] = literal_column(f"'{DeliveryStatus.SENDING.value}'")


def _in_order(only: Only | None) -> list[ColumnElement[bool]]:
    """What every part of a claim keeps to: hers alone (with `only`), and a thread's answers one after
    another, in the order they were written (not while an earlier one of its own waits or is being sent)."""
    return [
        only.condition() if only is not None else true(),
        or_(
            _c.thread_id.is_(None),
            ~exists().where(
                _earlier.thread_id == _c.thread_id,
                # "+ 0": found through its thread's few rows (`ix_deliveries_thread_id`), never by walking
                # the ids before it, which SQLite could otherwise choose.
                _earlier.id + 0 < _c.id,
                _earlier.status.in_(UNFINISHED),
            ),
        ),
    ]


def _due(now: datetime, limit: int, kind: str) -> Select[Any]:
    """Pending and due, of one kind, the oldest first: read in the order of `ix_deliveries_due`."""
    return (
        select(_c.id, _c.next_attempt_at)
        .where(_c.status == _PENDING, _c.kind == kind, _c.next_attempt_at <= now, *_in_order(None))
        .order_by(_c.next_attempt_at, _c.id)
        .limit(limit)
    )


def _only_hers(
    now: datetime, limit: int, not_kinds: Sequence[str], only: Only, take_expired: bool
) -> Select[Any]:
    """Hers (a terminal chat's), pending and due or (`take_expired`) under a lease that ran out, none of
    `not_kinds`, the oldest first: a few rows, found through her family's and her threads' indexes."""
    due = and_(_c.status == _PENDING, _c.next_attempt_at <= now)
    if take_expired:
        due = or_(due, and_(_c.status == _SENDING, _c.claimed_until < now))
    return (
        select(_c.id, _c.next_attempt_at)
        .where(due, _c.kind.not_in(not_kinds) if not_kinds else true(), *_in_order(only))
        .order_by(_c.next_attempt_at, _c.id)
        .limit(limit)
    )


def _expired(now: datetime, limit: int, not_kinds: Sequence[str]) -> Select[Any]:
    """Claimed by a worker whose lease ran out (none of `not_kinds`), the longest ago first
    (`ix_deliveries_leased`)."""
    return (
        select(_c.id, _c.next_attempt_at)
        .where(
            _c.status == _SENDING,
            _c.claimed_until < now,
            _c.kind.not_in(not_kinds) if not_kinds else true(),
            *_in_order(None),
        )
        .order_by(_c.claimed_until, _c.id)
        .limit(limit)
    )


def claim(
    session: Session,
    now: datetime,
    limit: int,
    lease: timedelta,
    not_kinds: Sequence[str] = (),
    only: Only | None = None,
    take_expired: bool = True,
) -> list[Claimed]:
    """Up to `limit` due deliveries (none of `not_kinds`; only hers, with `only`), now this worker's
    until `now + lease`; with `take_expired`, also those whose worker's lease ran out.

    Each part of what is due is read from an index that holds only it, in its order, up to `limit` rows
    (decision 0118): the pending deliveries of each kind claimed now (`ix_deliveries_due`), and those whose
    lease ran out (`ix_deliveries_leased`); the parts are merged, the oldest first, and the first `limit`
    taken. What waits behind them, however much, is never read."""
    if only is not None:
        parts = [_only_hers(now, limit, not_kinds, only, take_expired)]
    else:
        parts = [_due(now, limit, kind) for kind in kinds.KINDS if kind not in not_kinds]
        if take_expired:
            parts.append(_expired(now, limit, not_kinds))
    if not parts:
        return []
    if session.get_bind().dialect.name == "postgresql":
        parts = [part.with_for_update(skip_locked=True) for part in parts]
    if len(parts) == 1:
        due = parts[0].with_only_columns(_c.id)
    else:
        merged = union_all(*(select(part.subquery()) for part in parts)).subquery()
        due = select(merged.c.id).order_by(merged.c.next_attempt_at, merged.c.id).limit(limit)
    claimed = session.execute(
        update(_table)
        .where(_c.id.in_(due.scalar_subquery()))
        .values(
            status=DeliveryStatus.SENDING.value,
            claimed_until=now + lease,
            attempts=_c.attempts + 1,
            claims=_c.claims + 1,
            updated_at=now,
        )
        .returning(
            _c.id,
            _c.kind,
            _c.source_id,
            _c.beneficiary_id,
            _c.contact_id,
            _c.thread_id,
            _c.staff_id,
            _c.payload,
            _c.attempts,
            _c.claims,
        )
    ).all()
    return sorted(
        (
            Claimed(
                row.id,
                row.kind,
                row.source_id,
                row.beneficiary_id,
                row.contact_id,
                row.thread_id,
                row.staff_id,
                Message.from_json(row.payload),
                row.attempts,
                row.claims,
            )
            for row in claimed
        ),
        key=lambda delivery: delivery.id,
    )


def renew(session: Session, held: Sequence[Claimed], now: datetime, lease: timedelta) -> set[int]:
    """The lease of the deliveries this worker holds, extended to `now + lease`; the ids of those that are
    still its own and unsent (a row whose lease ran out and that another worker took is not)."""
    if not held:
        return set()
    mine = (
        select(_c.id)
        .where(
            tuple_(_c.id, _c.claims).in_([(delivery.id, delivery.claim) for delivery in held]),
            _c.status == DeliveryStatus.SENDING.value,
        )
        .order_by(_c.id)  # rows locked in the order every writer of them takes: no deadlock
    )
    if session.get_bind().dialect.name == "postgresql":
        mine = mine.with_for_update()
    renewed = session.execute(
        update(_table)
        .where(_c.id.in_(mine.scalar_subquery()))
        .values(claimed_until=now + lease)
        .returning(_c.id)
    )
    return set(renewed.scalars())


def _answer(session: Session, delivery: Claimed, now: datetime, **values: Any) -> bool:
    """Record on the delivery, if it is still this claim's; False if the lease was lost meanwhile."""
    result = session.execute(
        update(_table)
        .where(
            _c.id == delivery.id,
            _c.status == DeliveryStatus.SENDING.value,
            _c.claims == delivery.claim,
        )
        .values(claimed_until=None, updated_at=now, **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def sent(
    session: Session, delivery: Claimed, channel: str, address: str, provider_message_id: str, now: datetime
) -> bool:
    return _answer(
        session,
        delivery,
        now,
        status=DeliveryStatus.SENT.value,
        channel=channel,
        address_sealed=address,  # the column's name: sealed by its type
        provider_message_id=provider_message_id,
        last_error=None,
    )


# Many sends recorded at once: one statement, prepared once, run for every row (executemany).
_SENT = (
    update(_table)
    .where(
        _c.id == bindparam("b_id"),
        _c.status == DeliveryStatus.SENDING.value,
        _c.claims == bindparam("b_claim"),
    )
    .values(
        status=DeliveryStatus.SENT.value,
        channel=bindparam("b_channel"),
        address_sealed=bindparam("b_address"),
        provider_message_id=bindparam("b_message"),
        last_error=None,
        claimed_until=None,
        updated_at=bindparam("b_now", type_=UTCDateTime()),
    )
)


@dataclass(frozen=True)
class SentRow:
    delivery: Claimed
    channel: str
    address: str
    provider_message_id: str


def sent_all(session: Session, rows: Sequence[SentRow], now: datetime) -> None:
    """`sent` for many deliveries in one go, in the order of their ids (as every writer of them locks
    them); a row whose claim was lost meanwhile is left as it is."""
    if rows:
        session.execute(
            _SENT,
            [
                {
                    "b_id": row.delivery.id,
                    "b_claim": row.delivery.claim,
                    "b_channel": row.channel,
                    "b_address": row.address,
                    "b_message": row.provider_message_id,
                    "b_now": now,
                }
                for row in sorted(rows, key=lambda row: row.delivery.id)
            ],
        )


def backoff(attempt: int) -> timedelta:
    """Exponential, capped, with jitter so that many failed sends do not all come back at once."""
    base = min(LONGEST_BACKOFF, FIRST_BACKOFF * (1 << min(max(attempt - 1, 0), 16)))
    return base * random.uniform(0.5, 1.0)


def retry(
    session: Session, delivery: Claimed, error: str, now: datetime, wait: timedelta | None = None
) -> bool:
    """Try again later (after `wait` when the platform named one); failed after the last attempt."""
    if delivery.attempt >= MAX_ATTEMPTS:
        return finish(session, delivery, DeliveryStatus.FAILED, error, now)
    later = now + max(wait or timedelta(0), backoff(delivery.attempt))
    return _answer(
        session,
        delivery,
        now,
        status=DeliveryStatus.PENDING.value,
        next_attempt_at=later,
        last_error=error[:500],
    )


def postpone(session: Session, delivery: Claimed, until: datetime, now: datetime) -> bool:
    """Not sent, and not an attempt: pending again from `until` (quiet hours hold it)."""
    return _answer(
        session,
        delivery,
        now,
        status=DeliveryStatus.PENDING.value,
        next_attempt_at=until,
        attempts=_c.attempts - 1,
    )


def finish(
    session: Session, delivery: Claimed, status: DeliveryStatus, error: str | None, now: datetime
) -> bool:
    """Blocked, needs template, failed or cancelled: nothing more will be tried."""
    return _answer(session, delivery, now, status=status.value, last_error=error[:500] if error else None)


def cancel_pending_to(session: Session, kinds: Sequence[Kind], beneficiary_id: int, now: datetime) -> int:
    """What of these kinds is not sent to her yet will not be (it no longer stands); how many stopped."""
    result = session.execute(
        update(_table)
        .where(
            _c.kind.in_([kind.name for kind in kinds]),
            _c.beneficiary_id == beneficiary_id,
            _c.status == DeliveryStatus.PENDING.value,
        )
        .values(status=DeliveryStatus.CANCELLED.value, updated_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def cancel_pending(
    session: Session, kind: Kind, source_ids: Sequence[int], now: datetime, *, to: int | None = None
) -> int:
    """What of these messages is not sent yet will not be (to family `to` alone, if given); how many
    deliveries that stopped."""
    if not source_ids:
        return 0
    pending = _c.status == DeliveryStatus.PENDING.value
    found = [_c.kind == kind.name, _c.source_id.in_(list(source_ids)), pending]
    if to is not None:
        found.append(_c.beneficiary_id == to)
    result = session.execute(
        update(_table).where(*found).values(status=DeliveryStatus.CANCELLED.value, updated_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def empty_old(session: Session, finished_before: datetime, now: datetime, limit: int) -> int:
    """Deliveries whose outcome was recorded before `finished_before` (`limit` of them, the oldest first):
    what they said and where they went, emptied; how many. Pending and sending ones are left as they are:
    a retry still has its text."""
    old = (
        select(_c.id)
        # The condition of `ix_deliveries_to_empty`, word for word (decision 0123).
        .where(FINISHED_NOT_EMPTIED, _c.updated_at < finished_before)
        .order_by(_c.updated_at)
        .limit(limit)
    )
    emptied = session.execute(
        update(_table)
        .where(_c.id.in_(old.scalar_subquery()))
        .values(payload=EMPTIED, address_sealed=None, emptied_at=now)
    )
    return int(emptied.rowcount)  # type: ignore[attr-defined]


def due_by_kind(session: Session, now: datetime) -> dict[str, tuple[int, datetime]]:
    """What waits to be sent now, by kind: how many, and since when the oldest (on `ix_deliveries_due`)."""
    query = (
        select(_c.kind, func.count(), func.min(_c.next_attempt_at))
        .where(_c.status == DeliveryStatus.PENDING.value, _c.next_attempt_at <= now)
        .group_by(_c.kind)
    )
    return {kind: (int(count), oldest) for kind, count, oldest in session.execute(query)}


def counts(session: Session, kind: Kind, source_id: int) -> dict[str, int]:
    """How many deliveries of one message are in each status."""
    rows = session.execute(
        select(_c.status, func.count())
        .where(_c.kind == kind.name, _c.source_id == source_id)
        .group_by(_c.status)
    ).all()
    return {status: number for status, number in rows}


def sent_to(session: Session, beneficiary_id: int, limit: int) -> list[tuple[Delivery, str | None]]:
    """The messages we started for her, the latest first, each with the platform's last report on it
    (delivered, read, failed …; None: none came)."""
    return _reported(
        session.scalars(
            select(Delivery)
            .where(Delivery.beneficiary_id == beneficiary_id)
            .order_by(Delivery.created_at.desc(), Delivery.id.desc())
            .limit(limit)
        ).all()
    )


def _hers(family_id: int, thread_ids: Sequence[int], contact_ids: Sequence[int]) -> ColumnElement[bool]:
    return or_(
        Delivery.beneficiary_id == family_id,
        Delivery.thread_id.in_(list(thread_ids)),
        Delivery.contact_id.in_(list(contact_ids)),
    )


def to_her(
    session: Session, family_id: int, thread_ids: Sequence[int], contact_ids: Sequence[int]
) -> list[tuple[Delivery, str | None]]:
    """Every message we started for her, the oldest first: to her family, on her questions (her office's
    answers), and to her as a family of an office's list; each with the platform's last report on it."""
    return _reported(
        session.scalars(
            select(Delivery)
            .where(_hers(family_id, thread_ids, contact_ids))
            .order_by(Delivery.created_at, Delivery.id)
        ).all()
    )


def forget_hers(
    session: Session, family_id: int, thread_ids: Sequence[int], contact_ids: Sequence[int]
) -> None:
    """Every message we started for her (what it said, where it went) and what the platforms reported of
    them, deleted."""
    hers = _hers(family_id, thread_ids, contact_ids)
    delivery_reports.forget(
        session,
        select(Delivery.channel, Delivery.provider_message_id).where(
            hers, Delivery.provider_message_id.is_not(None)
        ),
    )
    session.execute(delete(Delivery).where(hers))


def asked_since(
    session: Session, beneficiary_id: int, channel: str, address: str, since: datetime
) -> list[str]:
    """The options (packed) of the latest message sent her on this chat after `since` (her previous
    message), if it asked something: what a typed «ايه» answers now ([] if none, or it asked nothing)."""
    latest = session.execute(
        select(Delivery.payload, Delivery.address)
        .where(
            Delivery.beneficiary_id == beneficiary_id,
            Delivery.channel == channel,
            Delivery.status == DeliveryStatus.SENT.value,
            Delivery.updated_at > since,
        )
        .order_by(Delivery.updated_at.desc(), Delivery.id.desc())
        .limit(20)  # since her previous message: a few at most
    ).all()
    # Her address is sealed: compared once opened (on another chat of hers, it asked her nothing here).
    payload = next((row.payload for row in latest if row.address == address), None)
    return [str(option["payload"]) for option in (payload or {}).get("options", [])]


def answers_on(session: Session, thread_id: int) -> dict[int, tuple[Delivery, str | None]]:
    """Her office's answers on a thread, by the message each carries, with the platform's last report."""
    found = session.scalars(select(Delivery).where(Delivery.thread_id == thread_id)).all()
    return {delivery.source_id: (delivery, report) for delivery, report in _reported(found)}


def _reported(found: Sequence[Delivery]) -> list[tuple[Delivery, str | None]]:
    if not found:
        return []
    session = Session.object_session(found[0])
    assert session is not None
    sent_ids = [delivery.provider_message_id for delivery in found if delivery.provider_message_id]
    reported: dict[str, str] = {}
    if sent_ids:
        for message_id, status in session.execute(
            select(DeliveryReport.provider_message_id, DeliveryReport.status)
            .where(DeliveryReport.provider_message_id.in_(sent_ids))
            .order_by(DeliveryReport.id)
        ):
            reported[message_id] = status  # the last one wins
    return [(delivery, reported.get(delivery.provider_message_id or "")) for delivery in found]
