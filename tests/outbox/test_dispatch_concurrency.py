"""Sending a group several at a time: never faster than the channel's pace, and a 429 still pauses the rest.

The pace runs on the test's clock (a wait moves it on at once); the sender answers after a moment of real time
(a network's), so that sends really overlap.
"""

from __future__ import annotations

import asyncio

from bot.outbox.dispatcher import LONGEST_WAIT, OutboxDispatcher
from core.channel import Channel, Outbound, RetryAfter, SendOutcome, Sent
from storage.db import Database
from tests.support.builders import announce, families_on_telegram
from tests.support.people import Clock
from tests.support.reads import announcement_statuses as statuses

RATE = 20
LATENCY = 0.02  # seconds of real time a send takes


class OverlappingSender:
    """Answers after LATENCY; writes down when each message went (on the test's clock) and how many
    overlapped."""

    channel = Channel.TELEGRAM

    def __init__(self, clock: Clock, answers: list[SendOutcome] | None = None) -> None:
        self.clock = clock
        self.answers = answers or []
        self.went: list[float] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._start = clock.now

    async def send(self, message: Outbound) -> SendOutcome:
        self.went.append((self.clock.now - self._start).total_seconds())
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(LATENCY)
        self.in_flight -= 1
        return self.answers.pop(0) if self.answers else Sent(str(len(self.went)))


def dispatcher(
    database: Database, clock: Clock, sender: OverlappingSender, concurrency: int, rate: float | None = RATE
) -> OutboxDispatcher:
    return OutboxDispatcher(
        database,
        {Channel.TELEGRAM: sender},
        {Channel.TELEGRAM: rate} if rate is not None else {},
        clock,
        batch=50,
        concurrency=concurrency,
        sleep=clock.sleep,
    )


async def test_a_batch_sent_several_at_a_time_keeps_to_the_rate(database: Database, clock: Clock) -> None:
    await families_on_telegram(database, clock, 60)
    await announce(database, clock)
    sender = OverlappingSender(clock)
    # Without a pace, up to the concurrency are in flight.
    assert await dispatcher(database, clock, sender, concurrency=8, rate=None).drain() == 60
    assert await statuses(database) == {"sent": 60}  # every claimed row recorded with its outcome
    assert sender.most_in_flight == 8  # they did overlap, never more than allowed


async def test_sends_are_never_closer_than_the_rate_allows(database: Database, clock: Clock) -> None:
    await families_on_telegram(database, clock, 60)
    await announce(database, clock)
    sender = OverlappingSender(clock)
    assert await dispatcher(database, clock, sender, concurrency=8).drain() == 60
    gaps = [later - earlier for earlier, later in zip(sender.went, sender.went[1:], strict=False)]
    assert min(gaps) >= 1 / RATE - 1e-9
    assert sender.went[-1] == 59 / RATE  # and no slower


async def test_one_at_a_time_is_still_possible(database: Database, clock: Clock) -> None:
    await families_on_telegram(database, clock, 5)
    await announce(database, clock)
    sender = OverlappingSender(clock)
    assert await dispatcher(database, clock, sender, concurrency=1, rate=None).drain() == 5
    assert sender.most_in_flight == 1


async def test_a_429_gives_back_what_is_not_yet_sent(database: Database, clock: Clock) -> None:
    await families_on_telegram(database, clock, 30)
    await announce(database, clock)
    sender = OverlappingSender(clock, answers=[Sent("1"), RetryAfter(35)])
    sending = dispatcher(database, clock, sender, concurrency=8)
    assert await sending.drain() == 30
    # The first send goes alone and opens the window; the second was one of the sends already in flight when
    # Telegram said "retry after 35". Whatever had not yet had its turn went back to the outbox until then:
    # the worker does not sleep on its claims.
    assert 2 <= len(sender.went) <= 1 + 8
    assert all(wait <= LONGEST_WAIT.total_seconds() for wait in clock.slept)
    before = len(sender.went)
    assert await statuses(database) == {"sent": before - 1, "pending": 30 - before + 1}
    clock.advance(seconds=35)
    assert await sending.drain() == 30 - before + 1
    assert await statuses(database) == {"sent": 30}
    assert len(sender.went) == 31  # the one refused, sent again; nobody twice


async def test_a_429_first_pauses_every_later_send(database: Database, clock: Clock) -> None:
    await families_on_telegram(database, clock, 10)
    await announce(database, clock)
    sender = OverlappingSender(clock, answers=[RetryAfter(35)])
    sending = dispatcher(database, clock, sender, concurrency=8)
    assert await sending.drain() == 10
    assert sender.went == [0]  # nothing else was in flight
    assert await statuses(database) == {"pending": 10}
    clock.advance(seconds=35)
    assert await sending.drain() == 10
    assert all(at >= 35 for at in sender.went[1:]) and await statuses(database) == {"sent": 10}


async def test_a_short_retry_after_is_waited_out_holding_the_claims(database: Database, clock: Clock) -> None:
    await families_on_telegram(database, clock, 3)
    await announce(database, clock)
    sender = OverlappingSender(clock, answers=[RetryAfter(3)])
    sending = dispatcher(database, clock, sender, concurrency=1)
    assert await sending.drain() == 3
    assert sender.went[1] == 3  # the next one waited the 3 seconds out
    assert await statuses(database) == {"sent": 2, "pending": 1}  # the refused one is tried again later
    clock.advance(minutes=1)
    await sending.drain()
    assert await statuses(database) == {"sent": 3}


class OneSendHangs:
    """Telegram answers every send but the second, which hangs (a slow platform during a deploy)."""

    channel = Channel.TELEGRAM

    def __init__(self) -> None:
        self.answered = 0
        self.hanging = asyncio.Event()
        self._never = asyncio.Event()

    async def send(self, message: Outbound) -> SendOutcome:
        self.answered += 1
        if self.answered == 2:
            self.hanging.set()
            await self._never.wait()
        await asyncio.sleep(0)
        return Sent(str(self.answered))


async def test_a_worker_stopped_during_a_hanging_send_records_what_went_at_once(
    database: Database, clock: Clock
) -> None:
    """At a stop, the service waits for the round (10 s) and then goes down whatever it is doing: what was
    sent must be recorded by then, not wait for the hanging send's group, or it goes again after the lease."""
    await families_on_telegram(database, clock, 3)
    await announce(database, clock)
    sender = OneSendHangs()  # outcomes are written three at a time with six in flight: two wait for a third
    worker = OutboxDispatcher(
        database, {Channel.TELEGRAM: sender}, {}, clock, concurrency=6, sleep=clock.sleep
    )
    round_in_hand = asyncio.create_task(worker.drain())
    try:
        await sender.hanging.wait()
        async with asyncio.timeout(10):
            while sender.answered < 3:  # noqa: ASYNC110 (the round's own tasks)
                await asyncio.sleep(0.01)
        worker.stop()
        async with asyncio.timeout(10):
            while (await statuses(database)).get("sent", 0) < 2:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
    finally:
        round_in_hand.cancel()  # the service went down: the process ends
        await asyncio.gather(round_in_hand, return_exceptions=True)
    assert await statuses(database) == {"sent": 2, "sending": 1}  # only the hanging one waits out its lease
