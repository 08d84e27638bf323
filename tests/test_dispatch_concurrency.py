"""Sending a batch several at a time: never faster than the channel's rate, and a 429 still pauses the rest.

The rate limiter runs on a fake clock (sleeping moves it on at once); the sender answers after giving the
event loop a few turns, so that sends really overlap.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.delivery import Dispatcher, RateLimit
from conversations.messages import Channel, Outbound, RetryAfter, SendOutcome, Sent
from storage.db import Database
from tests.people import Clock
from tests.test_dispatcher import FakeTime, announce, families_on_telegram, statuses

RATE = 20


class OverlappingSender:
    """Answers a few event-loop turns later; writes down when each message went and how many overlapped."""

    channel = Channel.TELEGRAM

    def __init__(self, time: FakeTime, answers: list[SendOutcome] | None = None) -> None:
        self.time = time
        self.answers = answers or []
        self.went: list[float] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def send(self, message: Outbound) -> SendOutcome:
        self.went.append(self.time.now)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        for _ in range(3):
            await asyncio.sleep(0)
        self.in_flight -= 1
        return self.answers.pop(0) if self.answers else Sent(str(len(self.went)))


def dispatcher(database: Database, clock: Clock, sender: OverlappingSender, concurrency: int) -> Dispatcher:
    limit = RateLimit(per_second=RATE, clock=sender.time, sleep=sender.time.sleep)
    return Dispatcher(
        database,
        {Channel.TELEGRAM: sender},
        {Channel.TELEGRAM: limit},
        clock,
        batch=50,
        concurrency=concurrency,
    )


async def test_a_batch_sent_several_at_a_time_keeps_to_the_rate(database: Database, clock: Clock) -> None:
    await families_on_telegram(database, clock, 60)
    await announce(database, clock)
    sender = OverlappingSender(FakeTime())
    assert await dispatcher(database, clock, sender, concurrency=8).drain() == 60
    assert await statuses(database) == {"sent": 60}  # every claimed row recorded with its outcome
    assert sender.most_in_flight == 8  # they did overlap, never more than allowed
    gaps = [later - earlier for earlier, later in zip(sender.went, sender.went[1:], strict=False)]
    assert min(gaps) >= 1 / RATE - 1e-9  # and never closer than the rate allows
    assert sender.time.now == pytest.approx(59 / RATE)


async def test_one_at_a_time_is_still_possible(database: Database, clock: Clock) -> None:
    await families_on_telegram(database, clock, 5)
    await announce(database, clock)
    sender = OverlappingSender(FakeTime())
    assert await dispatcher(database, clock, sender, concurrency=1).drain() == 5
    assert sender.most_in_flight == 1


async def test_a_429_holds_back_what_is_not_yet_sent(database: Database, clock: Clock) -> None:
    await families_on_telegram(database, clock, 30)
    await announce(database, clock)
    sender = OverlappingSender(FakeTime(), answers=[Sent("1"), RetryAfter(35)])
    sending = dispatcher(database, clock, sender, concurrency=8)
    assert await sending.drain() == 30
    # The first send goes alone and opens the window; the second was one of the sends already in flight when
    # Telegram said "retry after 35": whatever had not yet passed the limiter waited the 35 s out.
    before_pause = [at for at in sender.went if at < 35]
    assert 2 <= len(before_pause) <= 1 + 8  # the first, then at most a window's worth in flight
    assert len(sender.went) == 30
    assert await statuses(database) == {"sent": 29, "pending": 1}


async def test_a_429_first_pauses_every_later_send(database: Database, clock: Clock) -> None:
    await families_on_telegram(database, clock, 10)
    await announce(database, clock)
    sender = OverlappingSender(FakeTime(), answers=[RetryAfter(35)])
    assert await dispatcher(database, clock, sender, concurrency=8).drain() == 10
    assert sender.went[0] == 0 and all(at >= 35 for at in sender.went[1:])  # nothing else was in flight
    assert await statuses(database) == {"sent": 9, "pending": 1}


class SteppingTime(FakeTime):
    """A fake clock whose sleep first lets everything else run (a pause may come meanwhile), then moves on."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)
        await super().sleep(seconds)


async def test_a_pause_that_comes_while_sends_wait_holds_them_all() -> None:
    time = SteppingTime()
    limit = RateLimit(per_second=10, clock=time, sleep=time.sleep)
    await limit.wait()  # a send at 0
    went: list[float] = []

    async def send() -> None:
        await limit.wait()
        went.append(time.now)

    waiting = [asyncio.create_task(send()) for _ in range(3)]
    await asyncio.sleep(0)  # the first of them is asleep until 0.1; the others queue behind it
    limit.pause(30)  # Telegram said "retry after 30"
    await asyncio.gather(*waiting)
    assert went == pytest.approx([30, 30.1, 30.2])


class LateTime(FakeTime):
    """A busy machine: every other sleep wakes up late by 40 % of a turn at 20 a second."""

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds + (0.02 if len(self.slept) % 2 else 0.0))


async def test_late_wake_ups_neither_lower_the_rate_nor_crowd_a_second() -> None:
    time = LateTime()
    limit = RateLimit(per_second=20, clock=time, sleep=time.sleep)
    went: list[float] = []
    for _ in range(201):
        await limit.wait()
        went.append(time.now)
    # Within 5 % of 20 a second (counting each turn from a late wake-up would take 12 s instead of 10).
    assert went[-1] <= 200 / 20 * 1.05
    assert all(later - earlier >= 1 - 1e-9 for earlier, later in zip(went, went[20:], strict=False))
