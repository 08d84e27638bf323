"""How fast a channel goes: at most so many sends a second by every worker together (`Pace`, shared through
the database), and so many in flight at once in this worker (`Window`), fewer while the channel is in
trouble."""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

from core.channel import Channel, RetryAfter, SendOutcome, TransientFailure
from storage import paces
from storage.db import Database


class Pace:
    """At most `per_second` sends on one channel by all workers together, through `storage.paces`; a
    platform's "retry after" pauses the channel for every worker."""

    def __init__(
        self,
        database: Database,
        channel: Channel,
        per_second: float,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("a pace needs a positive rate")
        self.database = database
        self.channel = channel
        # Rounded up to the microsecond, so that a second never holds more than `per_second` turns.
        self.interval = timedelta(microseconds=math.ceil(1_000_000 / per_second))
        self.clock = clock
        self.sleep = sleep
        self._turn = asyncio.Lock()  # this worker's sends ask one at a time, in order of arrival

    async def turn(self, longest_wait: timedelta) -> datetime | None:
        """Wait for this send's turn: None when it may go. If the turn is further than `longest_wait`,
        when it is, without waiting."""
        async with self._turn:
            slept_until: datetime | None = None
            while True:
                # After a wait, it is at least the time waited for, whatever the clock says (a clock that
                # does not move in a test, a wall clock slewed back a little).
                now = self.clock() if slept_until is None else max(self.clock(), slept_until)
                due = await self.database.run(
                    partial(paces.take, channel=self.channel.value, now=now, interval=self.interval)
                )
                if due is None:
                    return None
                if due - now > longest_wait:
                    return due
                await self.sleep((due - now).total_seconds())
                slept_until = due

    async def pause(self, seconds: float) -> None:
        until = self.clock() + timedelta(seconds=seconds)
        await self.database.run(partial(paces.pause, channel=self.channel.value, until=until))


class Window:
    """How many sends of one channel are in flight at once: one at first, and again after the channel said
    "slow down" or failed (so that what is not yet sent waits out a 429 instead of meeting it too); up to
    `widest` once a send got an answer about its recipient (sent, blocked, refused)."""

    def __init__(self, widest: int) -> None:
        self.widest = widest
        self.width = 1
        self.busy = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def enter(self) -> None:
        while self.busy >= self.width:
            woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting.append(woken)
            try:
                await woken
            except asyncio.CancelledError:
                if woken.done() and not woken.cancelled():
                    self._wake()  # woken, then cancelled: its turn goes to the next
                elif woken in self._waiting:
                    self._waiting.remove(woken)
                raise
        self.busy += 1

    def leave(self, outcome: SendOutcome | None) -> None:
        self.busy -= 1
        trouble = outcome is None or isinstance(outcome, RetryAfter | TransientFailure)
        self.width = 1 if trouble else self.widest
        self._wake()

    def _wake(self) -> None:
        free = self.width - self.busy
        while free > 0 and self._waiting:
            woken = self._waiting.popleft()
            if not woken.done():
                woken.set_result(None)
                free -= 1
