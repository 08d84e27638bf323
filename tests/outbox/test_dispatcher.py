"""The dispatcher sending an announcement through the real aiogram client to the fake Bot API server."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.outbox.dispatcher import LEASE, LONGEST_WAIT, OutboxDispatcher
from bot.service import Role, Service
from core.channel import Channel
from handlers.telegram.api import BotApi
from handlers.telegram.sender import TelegramSender
from storage import announcements, deliveries, kinds
from storage.audiences import Audience
from storage.beneficiaries import set_opted_out
from storage.db import Database
from storage.kinds import QuietHours
from storage.models import Beneficiary, Delivery
from tests.support.builders import TEXTS, announce, families_on_telegram, many_families_on_telegram
from tests.support.fake_telegram import TOKEN, FakeTelegram, settings_for
from tests.support.people import Clock
from tests.support.processes import start_usar
from tests.support.reads import announcement_statuses as statuses


@pytest.fixture
async def dispatcher(
    database: Database, fake_telegram: FakeTelegram, clock: Clock
) -> AsyncIterator[OutboxDispatcher]:
    """A worker sending on Telegram at 20 a second; its waits move the test's clock on at once."""
    api = BotApi(TOKEN, fake_telegram.url)
    yield OutboxDispatcher(
        database,
        {Channel.TELEGRAM: TelegramSender(api)},
        {Channel.TELEGRAM: 20},
        clock,
        batch=25,
        sleep=clock.sleep,
    )
    await api.close()


async def test_every_family_gets_the_announcement_once_in_her_language(
    database: Database, fake_telegram: FakeTelegram, clock: Clock, dispatcher: OutboxDispatcher
) -> None:
    sending = dispatcher
    await families_on_telegram(database, clock, 60, english=10)
    assert await announce(database, clock) == 60
    assert await sending.drain() == 60
    assert await announce(database, clock) == 0 and await sending.drain() == 0  # a second run sends nothing
    chats = [message["chat_id"] for message in fake_telegram.sent]
    assert sorted(chats) == [9000 + n for n in range(1, 61)]
    english = [m["text"] for m in fake_telegram.sent if m["chat_id"] <= 9010]
    assert set(english) == {TEXTS.texts["en"]}
    assert {m["text"] for m in fake_telegram.sent if m["chat_id"] > 9010} == {TEXTS.texts["ar"]}
    assert await statuses(database) == {"sent": 60}
    ids = await database.run(lambda s: s.scalars(select(Delivery.provider_message_id)).all())
    assert len(set(ids)) == 60


async def test_the_rate_is_never_exceeded(
    database: Database, clock: Clock, dispatcher: OutboxDispatcher
) -> None:
    sending = dispatcher
    await families_on_telegram(database, clock, 41)
    await announce(database, clock)
    start = clock.now
    await sending.drain()
    # 41 sends at 20 a second: two seconds between the first and the last.
    assert (clock.now - start).total_seconds() == pytest.approx(40 / 20)
    assert all(wait <= 1 / 20 + 1e-9 for wait in clock.slept)


async def test_faults_are_retried_or_classified(
    database: Database, fake_telegram: FakeTelegram, clock: Clock, dispatcher: OutboxDispatcher
) -> None:
    sending = dispatcher
    await families_on_telegram(database, clock, 6)
    await announce(database, clock)
    fake_telegram.fail_next_send(429, "Too Many Requests: retry after 35", retry_after=35)
    fake_telegram.fail_next_send(403, "Forbidden: bot was blocked by the user")
    fake_telegram.fail_next_send(500, "Internal Server Error")
    fake_telegram.fail_next_send(400, "Bad Request: chat not found")
    await sending.drain()
    # The whole channel waits as Telegram asked: what was not sent went back to the outbox until then,
    # and the worker did not sleep on its claims.
    assert await statuses(database) == {"pending": 6} and fake_telegram.sent == []
    assert all(wait <= LONGEST_WAIT.total_seconds() for wait in clock.slept)
    clock.advance(seconds=34)
    assert await sending.drain() == 0
    clock.advance(seconds=1)
    await sending.drain()
    assert await statuses(database) == {"sent": 3, "pending": 1, "blocked": 1, "failed": 1}
    clock.advance(minutes=2)
    await sending.drain()
    assert await statuses(database) == {"sent": 4, "blocked": 1, "failed": 1}
    assert len(fake_telegram.sent) == 4  # nobody got it twice


async def test_families_who_stopped_announcements_are_not_sent_them(
    database: Database, fake_telegram: FakeTelegram, clock: Clock, dispatcher: OutboxDispatcher
) -> None:
    sending = dispatcher
    await families_on_telegram(database, clock, 3)
    await database.run(lambda s: set_opted_out(s, 2, clock.now))
    await announce(database, clock)
    await sending.drain()
    assert await statuses(database) == {"sent": 2, "cancelled": 1}
    assert 9002 not in [m["chat_id"] for m in fake_telegram.sent]


async def test_a_dead_workers_claim_is_sent_by_the_next_one(
    database: Database, fake_telegram: FakeTelegram, clock: Clock, dispatcher: OutboxDispatcher
) -> None:
    sending = dispatcher
    await families_on_telegram(database, clock, 5)
    await announce(database, clock)
    await database.run(
        lambda s: deliveries.claim(s, clock.now, 3, timedelta(minutes=5))
    )  # claimed, then it died
    assert await sending.drain() == 2
    clock.advance(minutes=6)
    assert await sending.drain() == 3
    assert sorted(m["chat_id"] for m in fake_telegram.sent) == [9001, 9002, 9003, 9004, 9005]


async def test_a_scheduled_announcement_survives_a_restart_and_goes_at_its_time(
    database: Database, database_url: str, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    await families_on_telegram(database, clock, 4)
    first = Service(
        settings_for(database_url, fake_telegram),
        clock=clock,
        role=Role.WORKER,
        run_jobs=False,
        sleep=clock.sleep,
    )
    await first.start()
    assert first.scheduler is not None
    job = first.scheduler.get_job("dispatch")
    assert job.coalesce is True and job.max_instances == 1
    assert first.scheduler.get_job("due") is None  # not this role's
    send_at = clock.now + timedelta(hours=2)
    created = await database.run(
        lambda s: announcements.create(s, "تذكير", None, Audience(), "cli", send_at, clock.now)
    )
    await first.stop()  # the service goes down before the announcement's time

    clock.advance(hours=3)
    second = Service(
        settings_for(database_url, fake_telegram),
        clock=clock,
        role=Role.ALL,
        run_jobs=False,
        sleep=clock.sleep,
    )
    await second.start()
    try:
        assert (await second.run_due_work())["announcements"] == [created.id]  # found again in the tables
        assert await second.dispatch_due() == 4
    finally:
        await second.stop()
    assert sorted(m["chat_id"] for m in fake_telegram.sent) == [9001, 9002, 9003, 9004]
    assert "getupdates" in fake_telegram.calls  # the second one, with the web role, also polls


async def test_a_worker_does_not_poll_telegram(
    database: Database, database_url: str, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    worker = Service(
        settings_for(database_url, fake_telegram),
        clock=clock,
        role=Role.WORKER,
        run_jobs=False,
        sleep=clock.sleep,
    )
    await worker.start()
    await worker.stop()
    assert "getupdates" not in fake_telegram.calls and "deletewebhook" not in fake_telegram.calls


async def test_who_blocked_the_bot_is_left_out_until_she_writes_again(
    database: Database, fake_telegram: FakeTelegram, clock: Clock, dispatcher: OutboxDispatcher
) -> None:
    from conversations.engine.engine import Engine
    from conversations.flows import all_flows
    from storage import audiences
    from tests.support.people import Person

    sending = dispatcher
    await families_on_telegram(database, clock, 3)
    await announce(database, clock)
    fake_telegram.fail_next_send(403, "Forbidden: bot was blocked by the user")
    await sending.drain()
    count = await database.run(lambda s: audiences.count(s, Audience()))
    assert (count.reached, count.blocked) == (2, 1)
    blocked_chat = next(n for n in (9001, 9002, 9003) if n not in [m["chat_id"] for m in fake_telegram.sent])
    she = Person(Engine(database, all_flows()), clock, address=str(blocked_chat), channel=Channel.TELEGRAM)
    await she.says("مرحبا")
    count = await database.run(lambda s: audiences.count(s, Audience()))
    assert (count.reached, count.blocked) == (3, 0)


async def test_announcements_wait_for_morning_in_quiet_hours(
    database: Database, fake_telegram: FakeTelegram, clock: Clock, dispatcher: OutboxDispatcher
) -> None:
    sending = dispatcher
    sending.quiet = QuietHours.parse("22:00-08:00")
    clock.now = datetime(2026, 11, 28, 20, 30, tzinfo=UTC)  # 23:30 in Riyadh
    await families_on_telegram(database, clock, 2)
    await announce(database, clock)
    assert await sending.drain() == 0 and fake_telegram.sent == []
    clock.now = datetime(2026, 11, 29, 4, 59, tzinfo=UTC)  # 07:59 in Riyadh
    assert await sending.drain() == 0
    clock.now = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)  # 08:00 in Riyadh: good morning
    assert await sending.drain() == 2


async def test_a_reminder_waits_for_morning_unless_the_event_starts_first(
    database: Database, fake_telegram: FakeTelegram, clock: Clock, dispatcher: OutboxDispatcher
) -> None:
    sending = dispatcher
    sending.quiet = QuietHours.parse("22:00-08:00")
    clock.now = datetime(2026, 11, 28, 20, 30, tzinfo=UTC)  # 23:30 in Riyadh
    await families_on_telegram(database, clock, 1)
    early = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)  # an event at 07:00 in Riyadh: before the morning
    late = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)  # one at 10:00: the reminder can wait for 08:00
    over = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)  # one that has started: never
    for number, starts in ((1, early), (2, late), (3, over)):
        payload = replace(TEXTS, expires_at=starts)
        await database.run(
            lambda s, n=number, p=payload: deliveries.enqueue(  # type: ignore[misc]
                s, kinds.REMINDER, n, select(Beneficiary.id), p, clock.now, clock.now
            )
        )
    assert await sending.drain() == 3
    rows = await database.run(
        lambda s: s.execute(
            select(Delivery.source_id, Delivery.status, Delivery.attempts, Delivery.next_attempt_at).order_by(
                Delivery.source_id
            )
        ).all()
    )
    morning = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)
    assert [tuple(row) for row in rows] == [
        (1, "sent", 1, clock.now),
        (2, "pending", 0, morning),  # held, and it was not an attempt
        (3, "cancelled", 1, clock.now),
    ]
    assert len(fake_telegram.sent) == 1
    clock.now = morning
    assert await sending.drain() == 1 and len(fake_telegram.sent) == 2


async def test_stop_stops_announcements_not_the_answers_to_what_she_asked(
    database: Database, fake_telegram: FakeTelegram, clock: Clock, dispatcher: OutboxDispatcher
) -> None:
    sending = dispatcher
    await families_on_telegram(database, clock, 1)
    await database.run(lambda s: set_opted_out(s, 1, clock.now))
    tomorrow = clock.now + timedelta(days=1)
    for kind in (kinds.ANNOUNCEMENT, kinds.REMINDER, kinds.CANTEEN_ACCEPTED):
        payload = replace(TEXTS, expires_at=tomorrow) if kind.time_bound else TEXTS
        await database.run(
            lambda s, k=kind, p=payload: deliveries.enqueue(  # type: ignore[misc]
                s, k, 1, select(Beneficiary.id), p, clock.now, clock.now
            )
        )
    assert await sending.drain() == 3
    rows = await database.run(
        lambda s: s.execute(select(Delivery.kind, Delivery.status).order_by(Delivery.id)).all()
    )
    assert [tuple(row) for row in rows] == [
        ("announcement", "cancelled"),
        ("reminder", "sent"),
        ("canteen_accepted", "sent"),
    ]


def test_quiet_hours_that_do_not_cross_midnight() -> None:
    siesta = QuietHours.parse("13:00-16:00")
    assert siesta.covers(datetime(2026, 11, 28, 10, 30, tzinfo=UTC))  # 13:30 in Riyadh
    assert not siesta.covers(datetime(2026, 11, 28, 13, 0, tzinfo=UTC))  # 16:00 in Riyadh


@pytest.mark.postgres
async def test_two_worker_processes_send_5000_once_each(
    postgres_url: str, postgres: Database, fake_telegram: FakeTelegram, clock: Clock, tmp_path: Path
) -> None:
    database = postgres  # several workers share the sending on PostgreSQL
    recipients = 5000
    await many_families_on_telegram(database, clock, recipients)
    await database.run(
        lambda s: deliveries.enqueue(
            s, kinds.ANNOUNCEMENT, 1, select(Beneficiary.id), TEXTS, clock.now, clock.now
        )
    )
    settings = worker_settings(postgres_url, fake_telegram)
    workers = [await start_usar("run", "--role", "worker", cwd=tmp_path, settings=settings) for _ in range(2)]
    try:
        await asyncio.wait_for(
            fake_telegram_waits_for(fake_telegram, lambda: len(fake_telegram.sent) >= recipients), timeout=240
        )
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            await asyncio.wait_for(worker.communicate(), timeout=60)
    chats = [message["chat_id"] for message in fake_telegram.sent]
    print(f"{len(chats)} messages for {len(set(chats))} families from two workers")
    assert len(chats) == recipients and len(set(chats)) == recipients  # every one once, none twice
    assert await statuses(database) == {"sent": recipients}


def worker_settings(database_url: str, fake: FakeTelegram) -> dict[str, str]:
    """A worker sending to the fake Bot API as fast as it can, at any hour."""
    return {
        "USAR_DATABASE_URL": database_url,
        "USAR_TELEGRAM_TOKEN": TOKEN,
        "USAR_TELEGRAM_API_BASE": fake.url,
        "USAR_TELEGRAM_RATE": "5000",
        "USAR_QUIET_HOURS": "off",
        "USAR_HTTP_PORT": "0",
        "USAR_LOG_LEVEL": "WARNING",
    }


async def fake_telegram_waits_for(fake: FakeTelegram, condition: Callable[[], bool]) -> None:
    while not condition():  # each sendMessage wakes the fake's condition; its own wait is bounded
        with contextlib.suppress(TimeoutError):
            await fake.wait_for(condition)


async def test_a_worker_killed_mid_announcement_loses_nothing(
    database: Database, database_url: str, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    recipients, concurrency = 2000, 20
    now = datetime.now(UTC)
    await many_families_on_telegram(database, Clock(now), recipients)
    await database.run(
        lambda s: deliveries.enqueue(s, kinds.ANNOUNCEMENT, 1, select(Beneficiary.id), TEXTS, now, now)
    )
    api = BotApi(TOKEN, fake_telegram.url)
    survivor_clock = Clock(now)
    survivor = OutboxDispatcher(
        database,
        {Channel.TELEGRAM: TelegramSender(api)},
        {},
        survivor_clock,
        concurrency=concurrency,
        sleep=survivor_clock.sleep,
    )
    try:
        assert await survivor.round() == 100  # two workers share the announcement
        worker = await start_usar(
            "run", "--role", "worker", cwd=tmp_path, settings=worker_settings(database_url, fake_telegram)
        )
        try:
            await asyncio.wait_for(
                fake_telegram_waits_for(fake_telegram, lambda: len(fake_telegram.sent) >= recipients // 3),
                timeout=120,
            )
        finally:
            worker.kill()  # SIGKILL: no goodbye, a batch claimed and a group perhaps sent and not recorded
            await worker.wait()
        killed_at = datetime.now(UTC)
        before = len(fake_telegram.sent)

        # The survivor takes the dead worker's rows once their lease ran out, not before: within half a
        # minute of the kill (its clock is moved on to then).
        survivor_clock.now = killed_at + LEASE / 2
        await survivor.drain()
        assert (await statuses(database)).get("sending", 0) > 0  # the dead worker's claims still stand
        survivor_clock.now = killed_at + LEASE + timedelta(seconds=1)
        await survivor.drain()
    finally:
        await api.close()

    chats = [message["chat_id"] for message in fake_telegram.sent]
    twice = len(chats) - len(set(chats))
    print(f"killed after {before} sends; {twice} sent twice (at most the sends in flight: {concurrency})")
    assert len(set(chats)) == recipients  # nothing lost
    assert twice <= concurrency
    assert await statuses(database) == {"sent": recipients}
