"""Messages you can trust: under faults, no message is lost or sent twice, and the channel keeps one pace.

Each test is a story a reliability engineer would tell: several workers share an announcement on PostgreSQL
while Telegram says "retry after" for longer than a lease, or the database goes away for 30 seconds, or a send
hangs. Time is the tests' (a worker's waits move its clock on at once); only the database and the fake servers
are real.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.outbox.dispatcher import DEFAULT_CONCURRENCY, LEASE, LONGEST_WAIT, OutboxDispatcher
from bot.outbox.pacing import Pace
from bot.service import DISPATCH_EVERY
from core.channel import Channel, Outbound, SendOutcome, Sent
from handlers.telegram.api import BotApi
from handlers.telegram.sender import TelegramSender
from storage.db import Database, is_unreachable
from storage.models import Delivery
from tests.support.builders import announce, many_families_on_telegram
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.outage import Outage
from tests.support.people import Clock
from tests.support.reads import announcement_statuses as statuses


@dataclass
class Workers:
    """Worker processes as the tests run them: each its own database connections and Telegram client."""

    url: str
    fake: FakeTelegram
    opened: list[Database] = field(default_factory=list)
    bots: list[BotApi] = field(default_factory=list)

    def start(
        self,
        clock: Clock,
        *,
        rate: float | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        url: str | None = None,
    ) -> OutboxDispatcher:
        database = Database(url or self.url)
        bot = BotApi(TOKEN, self.fake.url)
        self.opened.append(database)
        self.bots.append(bot)
        return OutboxDispatcher(
            database,
            {Channel.TELEGRAM: TelegramSender(bot)},
            {Channel.TELEGRAM: rate} if rate is not None else {},
            clock,
            sleep=sleep or clock.sleep,
        )

    async def close(self) -> None:
        for bot in self.bots:
            await bot.close()
        for database in self.opened:
            await database.dispose()


@pytest.fixture
async def workers(
    postgres_url: str, postgres: Database, fake_telegram: FakeTelegram
) -> AsyncIterator[Workers]:
    started = Workers(postgres_url, fake_telegram)
    yield started
    await started.close()


async def as_the_scheduler_runs(worker: OutboxDispatcher) -> int:
    """`drain` as the service's job runs it: a round that could not claim (the database away) is tried
    again at the next run, two seconds later."""
    while True:
        try:
            return await worker.drain()
        except Exception as exc:
            if not is_unreachable(exc):
                raise
            await worker.sleep(DISPATCH_EVERY)


def sent_twice(fake: FakeTelegram) -> int:
    chats = [message["chat_id"] for message in fake.sent]
    return len(chats) - len(set(chats))


@pytest.mark.postgres
async def test_a_retry_after_longer_than_the_lease_sends_nobody_twice(
    postgres: Database, workers: Workers, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    await many_families_on_telegram(postgres, clock, 1000)
    await announce(postgres, clock)
    first, second = workers.start(clock, rate=30), workers.start(clock, rate=30)
    fake_telegram.fail_next_send(429, "Too Many Requests: retry after 400", retry_after=400)  # > the lease

    await asyncio.gather(first.drain(), second.drain())
    # Telegram paused the bot, not one worker: both gave their claims back until then, and neither slept on
    # them (a sleep past the lease is what let another worker send the same rows again). Only a send that
    # had its turn before Telegram's answer went.
    before_the_pause = len(fake_telegram.sent)
    assert before_the_pause <= 1
    counted = await statuses(postgres)
    assert counted.get("pending") == 1000 - before_the_pause and counted.get("sent", 0) == before_the_pause
    assert all(wait <= LONGEST_WAIT.total_seconds() for wait in clock.slept)

    clock.advance(seconds=400)
    await asyncio.gather(first.drain(), second.drain())
    assert len(fake_telegram.sent) == 1000 and sent_twice(fake_telegram) == 0
    assert await statuses(postgres) == {"sent": 1000}


@pytest.mark.postgres
async def test_a_database_outage_mid_announcement_loses_nothing_and_doubles_nothing(
    postgres_url: str, postgres: Database, workers: Workers, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    """The database goes away for 30 seconds with both workers sending; the first to reach it again must not
    take the other's claims before that one has recorded what it sent meanwhile."""
    await many_families_on_telegram(postgres, clock, 1000)
    await announce(postgres, clock)
    first_line, second_line = Outage(postgres_url), Outage(postgres_url)
    first_url, second_url = await first_line.start(), await second_line.start()
    cut_at: list[datetime] = []
    first_done = asyncio.Event()

    sent_when_cut: list[int] = []

    def cut_after_300() -> None:
        if len(fake_telegram.sent) >= 300 and not cut_at:
            cut_at.append(clock.now)
            sent_when_cut.append(len(fake_telegram.sent))
            first_line.cut()
            second_line.cut()
        elif first_line.is_cut and second_line.is_cut:
            sent_when_cut.append(len(fake_telegram.sent))

    def back(after: float) -> bool:
        return bool(cut_at) and clock.now >= cut_at[0] + timedelta(seconds=after)

    async def first_sleeps(seconds: float) -> None:  # its database is back 30 s after the cut
        await clock.sleep(seconds)
        if first_line.is_cut and back(30):
            first_line.restore()

    async def second_sleeps(seconds: float) -> None:  # its is back once the first has done all it could
        await clock.sleep(seconds)
        if second_line.is_cut and back(30):
            await first_done.wait()
            second_line.restore()

    fake_telegram.on_send = cut_after_300
    first = workers.start(clock, sleep=first_sleeps, url=first_url)
    second = workers.start(clock, sleep=second_sleeps, url=second_url)
    try:
        second_sending = asyncio.create_task(as_the_scheduler_runs(second))
        await as_the_scheduler_runs(first)
        first_done.set()
        await second_sending
        await asyncio.gather(first.drain(), second.drain())  # nothing left
        # Unless the cut fell on a claim's commit: the worker could not know its claim was made, and those
        # rows wait out their lease. The scheduler's next runs a lease later send them.
        clock.advance(seconds=LEASE.total_seconds() + DISPATCH_EVERY)
        await asyncio.gather(first.drain(), second.drain())
    finally:
        await first_line.stop()
        await second_line.stop()

    assert cut_at and clock.now - cut_at[0] >= timedelta(seconds=30)  # the database was away for 30 s
    # Meanwhile each worker sent at most its concurrency of messages it could not record.
    assert sent_when_cut[-1] - sent_when_cut[0] <= 2 * DEFAULT_CONCURRENCY
    assert len({message["chat_id"] for message in fake_telegram.sent}) == 1000  # none lost
    assert sent_twice(fake_telegram) == 0  # none twice
    assert await statuses(postgres) == {"sent": 1000}


@dataclass
class StampingSender:
    """A worker's sender that writes down, on that worker's own clock, when each message went."""

    clock: Clock
    sends: list[datetime]  # every worker's
    answers: list[SendOutcome] = field(default_factory=list)
    went: list[datetime] = field(default_factory=list)  # this worker's
    channel = Channel.TELEGRAM

    async def send(self, message: Outbound) -> SendOutcome:
        self.sends.append(self.clock.now)
        self.went.append(self.clock.now)
        await asyncio.sleep(0)
        return self.answers.pop(0) if self.answers else Sent(str(len(self.sends)))


def busiest_second(times: list[datetime]) -> int:
    ordered = sorted(times)
    return max(
        sum(1 for later in ordered[i:] if later - at < timedelta(seconds=1)) for i, at in enumerate(ordered)
    )


@pytest.mark.postgres
@pytest.mark.parametrize("number", [2, 3])
async def test_workers_together_keep_to_the_channels_rate(
    number: int, postgres_url: str, postgres: Database, clock: Clock
) -> None:
    """Each worker is a process with its own clock (they start together); the rate is the bot's."""
    await many_families_on_telegram(postgres, clock, 120)
    await announce(postgres, clock)
    sends: list[datetime] = []
    clocks = [Clock(clock.now) for _ in range(number)]
    databases = [Database(postgres_url) for _ in range(number)]
    senders = [StampingSender(own, sends) for own in clocks]
    try:
        dispatchers = [
            OutboxDispatcher(
                database, {Channel.TELEGRAM: sender}, {Channel.TELEGRAM: 10}, own, batch=20, sleep=own.sleep
            )
            for database, sender, own in zip(databases, senders, clocks, strict=True)
        ]
        await asyncio.gather(*(dispatcher.drain() for dispatcher in dispatchers))
    finally:
        for database in databases:
            await database.dispose()
    assert len(sends) == 120 and await statuses(postgres) == {"sent": 120}
    assert all(sender.went for sender in senders)  # every worker had a share
    assert busiest_second(sends) == 10  # never more than 10 in a second, together
    assert max(sends) - min(sends) <= timedelta(seconds=119 / 10 * 1.05)  # and not much slower


@pytest.mark.postgres
async def test_a_429_pauses_the_channel_for_every_worker(
    postgres_url: str, postgres: Database, clock: Clock
) -> None:
    telling, other = Clock(clock.now), Clock(clock.now)  # two workers, each its own clock and connections
    databases = [Database(postgres_url) for _ in range(2)]
    told, waiting = (
        Pace(database, Channel.TELEGRAM, 10, own, own.sleep)
        for database, own in zip(databases, (telling, other), strict=True)
    )
    try:
        assert await told.turn(LONGEST_WAIT) is None  # its send goes at once; Telegram says "retry after 5"
        await told.pause(5)
        assert await waiting.turn(LONGEST_WAIT) is None  # the other worker's next send waits it out
        assert other.now - clock.now == timedelta(seconds=5)
        other.advance(seconds=1)
        await told.pause(35)  # longer than a worker waits holding its claims: it is told until when instead
        assert await waiting.turn(LONGEST_WAIT) == telling.now + timedelta(seconds=35)
        assert other.slept == [5.0]
    finally:
        for database in databases:
            await database.dispose()


async def test_a_live_worker_keeps_its_claim_through_a_send_longer_than_the_lease(
    database: Database, database_url: str, clock: Clock
) -> None:
    await many_families_on_telegram(database, clock, 1)
    sends: list[datetime] = []
    hanging, answered = asyncio.Event(), asyncio.Event()

    class SlowSender(StampingSender):
        async def send(self, message: Outbound) -> SendOutcome:
            self.sends.append(self.clock.now)
            hanging.set()
            await answered.wait()
            return Sent("1")

    # The heartbeat runs on real time: every 5 ms here, every 10 s in a worker.
    slow = OutboxDispatcher(
        database, {Channel.TELEGRAM: SlowSender(clock, sends)}, {}, clock, heartbeat=0.005
    )
    other = OutboxDispatcher(
        Database(database_url), {Channel.TELEGRAM: StampingSender(clock, sends)}, {}, clock, sleep=clock.sleep
    )
    try:
        assert await other.round() == 0  # a worker that has been running all along
        await announce(database, clock)
        sending = asyncio.create_task(slow.round())
        await hanging.wait()
        for _ in range(6):  # the send hangs for three leases; the heartbeat renews the claim meanwhile
            clock.advance(seconds=LEASE.total_seconds() / 2)
            await renewed(database, since=clock.now)
            assert await other.round() == 0  # so nobody takes it
        answered.set()
        assert await sending == 1
    finally:
        await other.database.dispose()
    assert len(sends) == 1 and await statuses(database) == {"sent": 1}


async def renewed(database: Database, since: datetime) -> None:
    """Until the heartbeat renewed the claim at `since` or later (a few milliseconds of real time)."""
    for _ in range(1000):
        until = await database.run(lambda s: s.scalar(select(Delivery.claimed_until)))
        if until is not None and until >= since + LEASE:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the claim was not renewed")


async def test_a_worker_that_lost_its_claim_does_not_send_what_another_took(
    database: Database, database_url: str, clock: Clock
) -> None:
    """A worker stalls on a send longer than its lease (no heartbeat: its event loop was blocked, say);
    another takes its rows and sends them. When the first goes on, each of its sends first confirms the row
    is still its own: only the send that was already in flight goes twice."""
    await many_families_on_telegram(database, clock, 10)
    sends: list[datetime] = []
    stalled, going_on = asyncio.Event(), asyncio.Event()
    chats: list[str] = []

    class StallingSender(StampingSender):
        async def send(self, message: Outbound) -> SendOutcome:
            chats.append(message.address)
            if not stalled.is_set():
                stalled.set()
                await going_on.wait()
            return Sent(str(len(chats)))

    class CountingSender(StampingSender):
        async def send(self, message: Outbound) -> SendOutcome:
            chats.append(message.address)
            return Sent(str(len(chats)))

    first = OutboxDispatcher(
        database, {Channel.TELEGRAM: StallingSender(clock, sends)}, {}, clock, concurrency=1, heartbeat=3600
    )
    other = Database(database_url)
    second = OutboxDispatcher(
        other, {Channel.TELEGRAM: CountingSender(clock, sends)}, {}, clock, sleep=clock.sleep
    )
    try:
        assert await second.round() == 0  # running all along
        await announce(database, clock)
        stalling = asyncio.create_task(first.round())
        await stalled.wait()
        clock.advance(seconds=LEASE.total_seconds() + 1)
        assert await second.drain() == 10  # the first's lease ran out: all ten are the second's now
        going_on.set()
        await stalling
    finally:
        await other.dispose()
    assert len(chats) == 11 and len(set(chats)) == 10  # the stalled send alone went twice
    assert await statuses(database) == {"sent": 10}


@dataclass
class StoppedAfter:
    """Telegram as one worker sends to it, until the worker is told to stop (a deploy, a scale-down)."""

    sender: TelegramSender
    sends: int
    worker: OutboxDispatcher | None = None
    channel: Channel = Channel.TELEGRAM

    async def send(self, message: Outbound) -> SendOutcome:
        outcome = await self.sender.send(message)
        self.sends -= 1
        if self.sends == 0 and self.worker is not None:
            self.worker.stop()
        return outcome


@pytest.mark.postgres
async def test_a_worker_stopped_mid_announcement_gives_back_what_it_has_not_sent(
    postgres: Database, workers: Workers, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    await many_families_on_telegram(postgres, clock, 300)
    await announce(postgres, clock)
    leaving = workers.start(clock)
    telegram = StoppedAfter(TelegramSender(workers.bots[-1]), sends=50, worker=leaving)
    leaving.senders[Channel.TELEGRAM] = telegram

    await leaving.drain()
    # The sends in flight when it was told finished and were recorded; nothing more went.
    stopped_with = len(fake_telegram.sent)
    assert 50 <= stopped_with <= 50 + DEFAULT_CONCURRENCY
    assert await statuses(postgres) == {"sent": stopped_with, "pending": 300 - stopped_with}

    # The rest is due at once for another worker: not held until the leaving one's lease runs out.
    await workers.start(clock).drain()
    assert len(fake_telegram.sent) == 300 and sent_twice(fake_telegram) == 0
    assert await statuses(postgres) == {"sent": 300}
