"""The delivery outbox, on SQLite and PostgreSQL: once per family, claimed once, retried with care."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain import DeliveryStatus
from storage import deliveries, kinds
from storage.db import Database
from storage.deliveries import MAX_ATTEMPTS, Claimed
from storage.kinds import Message
from storage.models import Beneficiary, Delivery
from tests.support.builders import national_id

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
ANNOUNCEMENT = 7


async def add_families(database: Database, count: int, office: str = "makkah") -> None:
    def add(session: Session) -> None:
        session.add_all(
            Beneficiary(
                full_name=f"أسرة {n}",
                national_id=national_id(n),
                mobile=f"+9665{n:08d}",
                office_code=office,
                health_certificate=n % 2 == 0,
                canteen_interest=True,
                language="ar",
                consented_at=NOW,
                registered_at=NOW,
            )
            for n in range(1, count + 1)
        )

    await database.run(add)


def everyone() -> object:
    return select(Beneficiary.id)


async def enqueue(database: Database, audience: object = None, not_before: datetime = NOW) -> int:
    query = everyone() if audience is None else audience
    payload = Message({"ar": "ملتقى الأسر المنتجة يوم الثلاثاء", "en": "The forum is on Tuesday"})
    return await database.run(
        lambda s: deliveries.enqueue(s, kinds.ANNOUNCEMENT, ANNOUNCEMENT, query, payload, not_before, NOW)  # type: ignore[arg-type]
    )


async def row_of(database: Database, delivery_id: int) -> Delivery:
    row = await database.run(lambda s: s.get(Delivery, delivery_id))
    assert row is not None
    return row


async def claim(database: Database, now: datetime = NOW, limit: int = 100) -> list[Claimed]:
    return await database.run(lambda s: deliveries.claim(s, now, limit, LEASE))


async def test_an_audience_is_enqueued_once_whatever_runs_twice(database: Database) -> None:
    await add_families(database, 30)
    assert await enqueue(database) == 30
    assert await enqueue(database) == 0  # the job ran again: nobody gets it twice
    certified = select(Beneficiary.id).where(Beneficiary.health_certificate)
    assert await enqueue(database, certified) == 0
    statuses = await database.run(lambda s: deliveries.counts(s, kinds.ANNOUNCEMENT, ANNOUNCEMENT))
    assert statuses == {"pending": 30}


async def test_due_rows_are_claimed_once_and_later_ones_wait(database: Database) -> None:
    await add_families(database, 25)
    await enqueue(database, select(Beneficiary.id).where(Beneficiary.id <= 20))
    tomorrow = NOW + timedelta(days=1)
    await database.run(
        lambda s: deliveries.enqueue(
            s,
            kinds.REMINDER,
            1,
            select(Beneficiary.id).where(Beneficiary.id > 20),
            Message({"ar": "تذكير"}, expires_at=tomorrow + timedelta(days=1)),
            tomorrow,
            NOW,
        )
    )
    first, second, third = (
        await claim(database, limit=8),
        await claim(database, limit=8),
        await claim(database),
    )
    ids = [d.id for d in first + second + third]
    assert len(ids) == 20 and len(set(ids)) == 20  # each once; the reminders are not due yet
    assert all(d.kind == "announcement" and d.attempt == 1 for d in first)
    assert await claim(database) == []
    for delivery in first + second + third:
        await database.run(
            partial(
                deliveries.sent,
                delivery=delivery,
                channel="telegram",
                address="1",
                provider_message_id=str(delivery.id),
                now=NOW,
            )
        )
    assert [d.kind for d in await claim(database, now=tomorrow)] == ["reminder"] * 5  # their time has come


async def test_a_postponement_run_again_after_another_worker_claimed_the_row_changes_nothing(
    database: Database,
) -> None:
    """A worker gives a row back (quiet hours, the channel paused), the database's answer to its commit is
    lost, and it runs the same write again: meanwhile another worker has claimed the row. A postponement gives
    the attempt back, so the attempt count alone would say the claim is still the first worker's."""
    await add_families(database, 1)
    await enqueue(database)
    (first,) = await claim(database)
    assert await database.run(lambda s: deliveries.postpone(s, first, NOW, NOW))  # committed; the answer lost
    (second,) = await claim(database)
    assert second.attempt == first.attempt  # the same attempt, given back and taken again
    assert not await database.run(lambda s: deliveries.postpone(s, first, NOW, NOW))  # the same write again
    row = await row_of(database, second.id)
    assert row.status == "sending"  # still the second worker's, to send once
    assert await database.run(lambda s: deliveries.sent(s, second, "telegram", "1", "m1", NOW))


async def test_a_dead_workers_rows_are_taken_again_after_its_lease(database: Database) -> None:
    await add_families(database, 3)
    await enqueue(database)
    taken = await claim(database)
    assert await claim(database, now=NOW + LEASE / 2) == []  # still its own
    again = await claim(database, now=NOW + LEASE + timedelta(seconds=1))
    assert [d.id for d in again] == [d.id for d in taken] and all(d.attempt == 2 for d in again)
    late = await database.run(lambda s: deliveries.sent(s, taken[0], "telegram", "1", "m1", NOW + LEASE * 2))
    assert late is False  # the first worker woke up too late: the second one's claim stands
    assert await database.run(lambda s: deliveries.sent(s, again[0], "telegram", "1", "m2", NOW + LEASE * 2))
    row = await row_of(database, again[0].id)
    assert (row.status, row.provider_message_id) == ("sent", "m2")


async def test_retries_back_off_honour_the_platform_and_stop_after_the_last_attempt(
    database: Database,
) -> None:
    await add_families(database, 1)
    await enqueue(database)
    now = NOW
    [delivery] = await claim(database, now)
    await database.run(lambda s: deliveries.retry(s, delivery, "429", now, wait=timedelta(seconds=35)))
    row = await row_of(database, delivery.id)
    assert row.status == "pending" and row.next_attempt_at >= now + timedelta(seconds=35)
    assert await claim(database, now + timedelta(seconds=34)) == []
    waits = []
    for _ in range(MAX_ATTEMPTS - 1):
        now = (await row_of(database, delivery.id)).next_attempt_at
        [delivery] = await claim(database, now)
        await database.run(
            partial(deliveries.retry, delivery=delivery, error="503 Service Unavailable", now=now)
        )
        waits.append((await row_of(database, delivery.id)).next_attempt_at - now)
    row = await row_of(database, delivery.id)
    assert row.status == DeliveryStatus.FAILED.value and row.attempts == MAX_ATTEMPTS
    assert row.last_error == "503 Service Unavailable"
    assert all(later > earlier / 2 for earlier, later in pairwise(waits[:-1]))  # growing, with jitter


async def test_blocked_and_needs_template_are_final(database: Database) -> None:
    await add_families(database, 2)
    await enqueue(database)
    blocked, outside = await claim(database)
    await database.run(lambda s: deliveries.finish(s, blocked, DeliveryStatus.BLOCKED, "403 blocked", NOW))
    await database.run(lambda s: deliveries.finish(s, outside, DeliveryStatus.NEEDS_TEMPLATE, None, NOW))
    assert await claim(database, NOW + timedelta(days=30)) == []
    statuses = await database.run(lambda s: deliveries.counts(s, kinds.ANNOUNCEMENT, ANNOUNCEMENT))
    assert statuses == {"blocked": 1, "needs_template": 1}


async def test_workers_claiming_at_once_never_share_a_row(database: Database, database_url: str) -> None:
    await add_families(database, 300)
    await enqueue(database)
    workers = [Database(database_url) for _ in range(3)]
    try:

        async def work(worker: Database) -> list[int]:
            mine: list[int] = []
            while batch := await worker.run(lambda s: deliveries.claim(s, NOW, 7, LEASE)):
                mine.extend(d.id for d in batch)
                await asyncio.sleep(0)
            return mine

        shares = await asyncio.gather(*(work(worker) for worker in workers))
    finally:
        for worker in workers:
            await worker.dispose()
    everything = [delivery_id for share in shares for delivery_id in share]
    assert len(everything) == 300 and len(set(everything)) == 300
