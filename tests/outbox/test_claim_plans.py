"""A claim reads what is due from its indexes, however much waits behind it (decision 0118).

The outbox is seeded as a busy one is: thousands of deliveries sent long ago, thousands pending and due,
thousands more waiting for tomorrow, some claimed by a worker whose lease ran out. Once the table is analysed,
the claim's statement is explained as the worker ran it (with its own parameters): on PostgreSQL no part of it
is a sequential scan of the deliveries, on SQLite none scans them or sorts what it read of them; the only sort
is the merge of the parts, at most a batch from each.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from core.domain import DeliveryStatus
from storage import deliveries, kinds
from storage.db import Database
from storage.kinds import Message
from storage.models import Beneficiary, Delivery, numbers
from tests.support.builders import national_id

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
FAMILIES = 2_000
BATCH = 100
TEXT = Message({"ar": "ملتقى الأسر المنتجة يوم الثلاثاء", "en": "The forum is on Tuesday"})


def seed(session: Session) -> None:
    """2,000 families; for each, four announcements sent long ago, one due now, one due tomorrow, a tip due
    now and an invitation due now; fifty of the tips, due earlier, claimed by a worker whose lease ran out."""
    session.execute(
        insert(Beneficiary),
        [
            {
                "full_name": f"أسرة {n}",
                **numbers(national_id(n), f"+9665{n:08d}"),
                "office_code": "makkah",
                "health_certificate": True,
                "canteen_interest": True,
                "language": "ar",
                "consented_at": NOW,
                "registered_at": NOW,
            }
            for n in range(1, FAMILIES + 1)
        ],
    )
    everyone = select(Beneficiary.id)
    for number in range(1, 5):
        deliveries.enqueue(session, kinds.ANNOUNCEMENT, number, everyone, TEXT, NOW - timedelta(days=9), NOW)
    session.execute(
        update(Delivery).values(status=DeliveryStatus.SENT.value, updated_at=NOW - timedelta(days=9))
    )
    deliveries.enqueue(session, kinds.ANNOUNCEMENT, 5, everyone, TEXT, NOW - timedelta(minutes=5), NOW)
    deliveries.enqueue(session, kinds.ANNOUNCEMENT, 6, everyone, TEXT, NOW + timedelta(days=1), NOW)
    deliveries.enqueue(session, kinds.TIP, NOW.toordinal(), everyone, TEXT, NOW - timedelta(minutes=1), NOW)
    invitation = Message(TEXT.texts, expires_at=NOW + timedelta(days=2))
    deliveries.enqueue(session, kinds.INVITATION, 1, everyone, invitation, NOW - timedelta(minutes=2), NOW)
    session.execute(
        update(Delivery)
        .where(Delivery.kind == kinds.TIP.name, Delivery.beneficiary_id <= 50)
        .values(
            status=DeliveryStatus.SENDING.value,
            next_attempt_at=NOW - timedelta(minutes=10),
            claimed_until=NOW - timedelta(minutes=1),
            attempts=1,
            claims=1,
        )
    )


@contextmanager
def claims_seen(
    session: Session, start: str = "UPDATE deliveries SET status"
) -> Iterator[list[tuple[str, Any]]]:
    """The claim statements (or those that begin with `start`) this session runs, as the driver got them
    (its SQL and its parameters)."""
    seen: list[tuple[str, Any]] = []

    def before(conn: Connection, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().startswith(start):
            seen.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def explained(session: Session, not_kinds: tuple[str, ...] = ()) -> tuple[list[deliveries.Claimed], str]:
    """A worker's claim, and how the database ran its statement."""
    with claims_seen(session) as seen:
        claimed = deliveries.claim(session, NOW, BATCH, LEASE, not_kinds)
    [(statement, parameters)] = seen
    return claimed, plan_of(session, statement, parameters)


def plan_of(session: Session, statement: str, parameters: Any) -> str:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
        return "\n".join(row[0] for row in rows)
    rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return "\n".join(f"{row[0]} {row[1]} {row[3]}" for row in rows)


async def seeded(database: Database) -> None:
    await database.run(seed)
    await database.run(
        lambda s: s.execute(text("ANALYZE deliveries" if not database.is_sqlite else "ANALYZE"))
    )


def assert_indexed(plan: str, is_sqlite: bool) -> None:
    """Each part read from its index in the index's order, a batch at most; the one sort is the merge of the
    parts (not of every due row, as an OR of the statuses read through both indexes would need)."""
    if is_sqlite:
        lines = plan.splitlines()
        reads = [line for line in lines if " deliveries" in line]
        assert reads and all(
            "USING INDEX ix_deliveries_due (kind=? AND next_attempt_at<?)" in line
            or "USING INDEX ix_deliveries_leased" in line
            or "USING INTEGER PRIMARY KEY" in line
            for line in reads
        ), plan
        assert "COMPOUND QUERY" in plan and "MULTI-INDEX OR" not in plan, plan
        # A thread's earlier answers are found by its thread, not by walking the ids before them.
        earlier = [line for line in lines if " earlier" in line]
        assert all("USING INDEX ix_deliveries_thread_id" in line for line in earlier), plan
        assert sum("TEMP B-TREE FOR ORDER BY" in line for line in lines) <= 1, plan
    else:
        assert "Seq Scan on deliveries" not in plan, plan
        assert "Bitmap" not in plan, plan  # a bitmap scan reads every due row, in no order, then sorts
        scans = [line for line in plan.splitlines() if "ix_deliveries_due" in line]
        assert scans and all("Index Scan using ix_deliveries_due" in line for line in scans), plan
        assert "Append" in plan, plan


async def test_a_claim_reads_what_is_due_through_its_indexes(database: Database) -> None:
    await seeded(database)

    claimed, plan = await database.run(explained)

    assert "ix_deliveries_leased" in plan, plan
    assert_indexed(plan, database.is_sqlite)
    # What it took, the oldest due first: the tips whose lease ran out (taken again), then today's
    # announcement; none of tomorrow's.
    tips = [one for one in claimed if one.kind == kinds.TIP.name]
    announced = [one for one in claimed if one.kind == kinds.ANNOUNCEMENT.name]
    assert {one.beneficiary_id for one in tips} == set(range(1, 51))
    assert {one.claim for one in tips} == {2}
    assert len(announced) == 50
    assert {one.source_id for one in announced} == {5}


async def test_in_quiet_hours_a_claim_does_not_read_what_waits_for_the_morning(database: Database) -> None:
    await seeded(database)

    claimed, plan = await database.run(lambda s: explained(s, kinds.WAITING_IN_QUIET_HOURS))

    assert_indexed(plan, database.is_sqlite)
    # Announcements and tips wait for the morning (those whose lease ran out too): the invitations go.
    assert [one.kind for one in claimed] == [kinds.INVITATION.name] * BATCH


async def test_retention_reads_what_it_may_empty_through_its_index(database: Database) -> None:
    """`ix_deliveries_to_empty` holds the finished deliveries alone (decision 0123: an announcement's pending
    million are not written into it); retention's statement names its condition, so both databases use it."""
    await seeded(database)

    def emptied(session: Session) -> tuple[int, str]:
        with claims_seen(session, "UPDATE deliveries SET payload") as seen:
            count = deliveries.empty_old(session, NOW - timedelta(days=1), NOW, BATCH)
        [(statement, parameters)] = seen
        return count, plan_of(session, statement, parameters)

    count, plan = await database.run(emptied)

    assert count == BATCH  # of the 8,000 sent long ago; none of those pending or being sent
    assert "ix_deliveries_to_empty" in plan, plan
    if not database.is_sqlite:
        assert "Seq Scan on deliveries" not in plan, plan
