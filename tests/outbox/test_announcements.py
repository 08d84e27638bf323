"""Announcements to segments: who is reached, once each, at the set time, and what became of it."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from storage import announcements, audiences, delivery_reports
from storage.audiences import Audience
from storage.db import Database
from tests.support.builders import town
from tests.support.people import Clock


async def reached(database: Database, audience: Audience) -> audiences.Count:
    return await database.run(lambda s: audiences.count(s, audience))


async def test_segments_combine_and_those_who_stopped_are_left_out(database: Database, clock: Clock) -> None:
    await town(database, clock)
    assert await reached(database, Audience()) == audiences.Count(reached=11, stopped=1)
    assert await reached(database, Audience(offices=("makkah",))) == audiences.Count(reached=3, stopped=1)
    assert await reached(database, Audience(offices=("jumum", "jeddah"))) == audiences.Count(
        reached=8, stopped=0
    )
    assert (await reached(database, Audience(verified=True))).reached == 6
    assert (await reached(database, Audience(verified=False))).reached == 5
    assert await reached(database, Audience(canteen_interest=True)) == audiences.Count(reached=2, stopped=1)
    assert (await reached(database, Audience(health_certificate=True, offices=("makkah",)))).reached == 1
    assert (await reached(database, Audience(products=("sewing",)))).reached == 2
    assert (await reached(database, Audience(channel="whatsapp"))).reached == 0


async def test_a_scheduled_announcement_waits_for_its_time_then_goes_once(
    database: Database, clock: Clock
) -> None:
    await town(database, clock)
    later = clock.now + timedelta(hours=3)
    created = await database.run(
        lambda s: announcements.create(
            s, "ملتقى يوم الثلاثاء", None, Audience(offices=("makkah",)), "cli", later, clock.now
        )
    )
    assert await database.run(lambda s: announcements.enqueue_due(s, clock.now)) == []
    assert await database.run(lambda s: announcements.enqueue_due(s, later)) == [created.id]
    assert await database.run(lambda s: announcements.enqueue_due(s, later)) == []  # a job that runs twice
    progress = await database.run(lambda s: announcements.progress(s, created.id))
    assert (progress.total, progress.pending) == (3, 3)


async def test_cancelling_stops_what_is_not_yet_sent(database: Database, clock: Clock) -> None:
    await town(database, clock)
    scheduled = await database.run(
        lambda s: announcements.create(
            s, "a", None, Audience(), "cli", clock.now + timedelta(days=1), clock.now
        )
    )
    assert await database.run(lambda s: announcements.cancel(s, scheduled.id, clock.now))
    assert await database.run(lambda s: announcements.enqueue_due(s, clock.now + timedelta(days=2))) == []
    running = await database.run(
        lambda s: announcements.create(s, "b", None, Audience(), "cli", clock.now, clock.now)
    )
    await database.run(lambda s: announcements.enqueue_due(s, clock.now))
    await database.run(lambda s: announcements.cancel(s, running.id, clock.now))
    progress = await database.run(lambda s: announcements.progress(s, running.id))
    assert (progress.total, progress.cancelled, progress.pending) == (11, 11, 0)
    assert not await database.run(lambda s: announcements.cancel(s, 999, clock.now))


async def test_progress_counts_whatsapp_deliveries_reported(database: Database, clock: Clock) -> None:
    from storage import deliveries

    await town(database, clock)
    sent = await database.run(
        lambda s: announcements.create(
            s, "c", None, Audience(offices=("jeddah",)), "cli", clock.now, clock.now
        )
    )
    await database.run(lambda s: announcements.enqueue_due(s, clock.now))
    claimed = await database.run(lambda s: deliveries.claim(s, clock.now, 10, timedelta(minutes=5)))
    for number, delivery in enumerate(claimed):
        mark_sent = partial(
            deliveries.sent,
            delivery=delivery,
            channel="whatsapp",
            address="+9665",
            provider_message_id=f"SM{number}",
        )
        await database.run(partial(mark_sent, now=clock.now))
    await database.run(lambda s: delivery_reports.record(s, "whatsapp", "SM0", "delivered", None, clock.now))
    await database.run(lambda s: delivery_reports.record(s, "whatsapp", "SM0", "read", None, clock.now))
    progress = await database.run(lambda s: announcements.progress(s, sent.id))
    assert (progress.total, progress.sent, progress.delivered) == (4, 4, 1)
