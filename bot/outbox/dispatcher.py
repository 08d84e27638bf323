"""The dispatcher: sends what the outbox holds, at each channel's pace (bot.outbox.pacing), outside quiet
hours (bot.outbox.quiet), and records what became of it (bot.outbox.outcomes).

One round claims a batch of due deliveries under a short lease (committed before any send), looks up for each
family the channel she used last, her language and whether she stopped announcements, and sends channel by
channel in groups of `concurrency`. Before each group goes, the round renews its lease on everything it still
holds and learns which rows are still its own and unsent; after it, the group's outcomes are recorded. So a
worker that dies leaves at most one group sent and unrecorded, and its other rows go to another worker once
the lease runs out (the guarantees are in docs/DESIGN-NOTES.md, "Delivery").

A channel's pace is shared by every worker through the database (`Pace`). A wait longer than `LONGEST_WAIT`
(a platform's "retry after", a long queue) is never slept holding a claim: the rows go back to the outbox
with the time they can go. If the database goes away in the middle of a round, what was sent is kept in
memory and recorded once it is back, and nothing more is sent meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Literal, TypeVar

from sqlalchemy.orm import Session

from bot.outbox import outcomes
from bot.outbox import quiet as quiet_hours
from bot.outbox.outcomes import Held, Outcome, Paused, Result, Target, TooLate
from bot.outbox.pacing import Pace, Window
from core.channel import (
    Blocked,
    Channel,
    NeedsTemplate,
    Outbound,
    PermanentFailure,
    RetryAfter,
    Sender,
    SendOutcome,
    Sent,
    TransientFailure,
)
from core.domain import DeliveryStatus
from core.metrics import RATE_LIMITED, SENDS
from storage import deliveries, kinds
from storage.db import Database, is_unreachable
from storage.deliveries import Claimed
from storage.kinds import QuietHours

log = logging.getLogger(__name__)
T = TypeVar("T")

LEASE = timedelta(seconds=30)  # how long a claim stands without being renewed
LONGEST_WAIT = timedelta(seconds=10)  # a longer wait for the channel's turn gives the claims back
FIRST_DATABASE_PAUSE = 0.5  # seconds before trying an unreachable database again, doubling up to
LONGEST_DATABASE_PAUSE = 5.0
OUTAGE_PATIENCE = 15 * 60.0  # seconds a round waits for the database before it gives up
ELSEWHERE = timedelta(minutes=1)  # when a delivery for a channel not sent on here is looked at again
DEFAULT_CONCURRENCY = 20  # sends in flight at once on each channel (USAR_DISPATCH_CONCURRENCY)


# How /metrics names what became of a send (core.metrics.SENDS).
_OUTCOME_NAMES: dict[type, str] = {
    Sent: "sent",
    RetryAfter: "retry_after",
    Blocked: "blocked",
    TransientFailure: "transient",
    PermanentFailure: "permanent",
    NeedsTemplate: "needs_template",
}


class OutboxDispatcher:
    def __init__(
        self,
        database: Database,
        senders: Mapping[Channel, Sender],
        rates: Mapping[Channel, float],
        clock: Callable[[], datetime],
        batch: int = 100,
        lease: timedelta = LEASE,
        quiet: QuietHours | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        only_for: Callable[[Session], deliveries.Only | None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        heartbeat: float | None = None,
    ) -> None:
        """`rates`: sends a second on each channel, by all workers together (a channel without one is not
        paced); `sleep` waits for a channel's turn or for the database (tests pass a fake clock's);
        `heartbeat`: seconds of real time between renewals of a round's lease (a third of it by default)."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.quiet = quiet
        self.database = database
        self.senders = dict(senders)
        self.clock = clock
        self.sleep = sleep
        self.paces = {channel: Pace(database, channel, rate, clock, sleep) for channel, rate in rates.items()}
        self.batch = batch
        self.lease = lease
        self.heartbeat = lease.total_seconds() / 3 if heartbeat is None else heartbeat
        self.concurrency = concurrency  # sends in flight at once on each channel
        # A terminal chat delivers to the one person it speaks for (her family's and her questions'; None:
        # nothing for her yet).
        self.only_for = only_for
        self._windows: dict[Channel, Window] = {}
        # Since when this worker has reached the database without a break (None: it has not, or lost it).
        self._connected_since: datetime | None = None
        self._stopping = False
        self._recorders: set[_Recorder] = set()  # those of the round in hand, one a channel
        self._tally: Counter[tuple[str, str]] = Counter()  # this drain's sends, by channel and outcome
        self._announcements: set[int] = set()  # the announcements this drain sent messages of

    def stop(self) -> None:
        """The round in hand sends no more: the sends in flight finish and are recorded, the rest go back to
        the outbox due now, for the next worker (not after their lease). What was sent is recorded at once,
        not with the group a send still in flight would complete: the service waits only so long."""
        self._stopping = True
        for recorder in self._recorders:
            recorder.write_soon()

    async def round(self) -> int:
        """Send one batch; how many deliveries it handled (0: nothing was due)."""
        now = self.clock()
        waiting = quiet_hours.waiting(self.quiet, now)
        try:
            claimed: list[Claimed] = await self.database.run(lambda s: self._claim(s, now, waiting))
        except Exception as exc:
            if is_unreachable(exc):
                self._connected_since = None
            raise
        self._reached(now)
        if not claimed:
            return 0
        lease = _Lease(self, claimed, now)
        heartbeat = asyncio.create_task(lease.keep_alive())
        try:
            targets = await self._persist(lambda s: outcomes.targets(s, claimed))
            settled: list[Result] = []
            to_send: dict[Channel, list[tuple[Claimed, Target]]] = {}
            for delivery in claimed:
                target = targets.get(delivery.id)
                why_not = self._not_to_send(delivery, target)
                if not isinstance(why_not, str):
                    settled.append((delivery, (target, why_not)))
                else:
                    assert target is not None and target.channel is not None
                    to_send.setdefault(target.channel, []).append((delivery, target))
            await lease.record(settled)
            await _together([self._send_on(rows, lease) for rows in to_send.values()])
        finally:
            heartbeat.cancel()
        return len(claimed)

    def _claim(self, session: Session, now: datetime, waiting: Sequence[str]) -> list[Claimed]:
        # Another worker's claim is taken only once its lease ran out, and only by a worker that has been
        # in touch with the database for a whole lease: one that was itself cut off gives the others as
        # long to come back and record what they sent meanwhile.
        take_expired = self._connected_since is not None and now - self._connected_since >= self.lease
        only = None
        if self.only_for is not None:
            only = self.only_for(session)
            if only is None:
                return []
        return deliveries.claim(
            session, now, self.batch, self.lease, waiting, only=only, take_expired=take_expired
        )

    async def drain(self, go_on: Callable[[], bool] = lambda: True) -> int:
        """Rounds until nothing is due now, or until `go_on` says stop; how many were handled. What they did
        is one line in the log (none when there was nothing to send), and each announcement they finished
        another."""
        handled = 0
        self._tally.clear()
        self._announcements.clear()
        while go_on() and not self._stopping and (count := await self.round()):
            handled += count
        if self._tally:
            said = ", ".join(
                f"{count} {outcome} on {channel}" for (channel, outcome), count in sorted(self._tally.items())
            )
            log.info("sending: %s", said)
        if self._announcements:
            await self._say_finished(sorted(self._announcements))
        return handled

    async def _say_finished(self, announcements: Sequence[int]) -> None:
        try:
            counted = await self.database.run(
                lambda session: {n: deliveries.counts(session, kinds.ANNOUNCEMENT, n) for n in announcements}
            )
        except Exception as exc:
            if not is_unreachable(exc):
                raise
            return
        for number, statuses in counted.items():
            if not {DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value} & set(statuses):
                said = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
                log.info("announcement %d finished: %s", number, said)

    def _not_to_send(self, delivery: Claimed, target: Target | None) -> Outcome | Literal["send"]:
        """What becomes of a delivery that is not to be sent now; "send" if it is to be sent."""
        if (
            target is None
            or outcomes.stopped(delivery, target)
            or target.channel is None
            or target.address is None
        ):
            return None
        now = self.clock()
        if delivery.message.expired(now):
            return TooLate()
        until = quiet_hours.held_until(self.quiet, delivery, now)
        if until is not None:
            return Held(until)
        if target.channel not in self.senders:  # another process sends on that channel (a terminal chat)
            return Held(now + ELSEWHERE)
        return "send"

    async def _send_on(self, rows: Sequence[tuple[Claimed, Target]], lease: _Lease) -> None:
        """One channel's share of the round: up to `concurrency` sends at once, each confirmed as still this
        worker's just before it goes. At most `concurrency` deliveries are ever sent and not yet recorded:
        what a crash can send twice."""
        unrecorded = asyncio.Semaphore(self.concurrency)
        recorder = _Recorder(lease, unrecorded, self.concurrency)
        self._recorders.add(recorder)
        queue = deque(rows)
        paused: Paused | None = None

        async def sending() -> None:
            nonlocal paused
            while queue:
                await unrecorded.acquire()
                if recorder.failed is not None or not queue:
                    unrecorded.release()
                    if recorder.failed is not None:
                        raise recorder.failed
                    return
                delivery, target = queue.popleft()
                if paused is not None:  # the channel's turn is far off: back to the outbox until then
                    recorder.add((delivery, (target, paused)))
                elif self._stopping:  # the worker stops: back to the outbox, due now
                    recorder.add((delivery, (target, Held(self.clock()))))
                elif not await lease.still_mine(delivery):  # its lease ran out and another worker took it
                    unrecorded.release()
                else:
                    outcome = await self._send(delivery, target)
                    if isinstance(outcome[1], Paused):
                        paused = outcome[1]
                    recorder.add((delivery, outcome))

        try:  # if one send raises, the round fails: its rows not recorded go again after the lease
            await _together([sending() for _ in range(min(self.concurrency, len(rows)))])
        finally:
            self._recorders.discard(recorder)
            await recorder.close()

    async def _send(self, delivery: Claimed, target: Target) -> tuple[Target | None, Outcome]:
        assert target.channel is not None and target.address is not None
        sender = self.senders[target.channel]
        pace = self.paces.get(target.channel)
        window = self._windows.setdefault(target.channel, Window(self.concurrency))
        reply = delivery.message.reply(target.language)
        outcome: SendOutcome | None = None
        await window.enter()
        try:
            if pace is not None:
                try:
                    due = await pace.turn(LONGEST_WAIT)
                except Exception as exc:
                    if not is_unreachable(exc):
                        raise
                    self._connected_since = None
                    return target, Held(self.clock())  # not sent: it goes when the database is back
                if due is not None:
                    return target, Paused(due)
            if self._stopping:  # while it waited for its turn
                return target, Held(self.clock())
            outcome = await sender.send(
                Outbound(
                    address=target.address,
                    reply=reply,
                    kind=delivery.kind,
                    template_variables=delivery.message.filling(reply.text),
                    last_inbound_at=target.last_inbound_at,
                )
            )
            named = _OUTCOME_NAMES.get(type(outcome), "other")
            SENDS.labels(target.channel.value, named).inc()
            self._tally[(target.channel.value, named)] += 1
            if delivery.kind == kinds.ANNOUNCEMENT.name:
                self._announcements.add(delivery.source_id)
            if isinstance(outcome, RetryAfter):
                RATE_LIMITED.labels(target.channel.value).inc()
            if isinstance(outcome, RetryAfter) and pace is not None:
                # Before anyone waiting for the window goes; if the database is away, this worker's
                # window (one at a time now) and the retry of this row still hold the channel back.
                try:
                    await pace.pause(outcome.seconds)
                except Exception as exc:
                    if not is_unreachable(exc):
                        raise
        finally:
            window.leave(outcome)
        return target, outcome

    async def _persist(self, work: Callable[[Session], T]) -> T:
        """`work` in a transaction of its own, waited for while the database is out of reach (what was sent
        meanwhile is recorded then; nothing is sent without it)."""
        waited, pause = 0.0, FIRST_DATABASE_PAUSE
        while True:
            try:
                result = await self.database.run(work)
            except Exception as exc:
                if not is_unreachable(exc) or waited >= OUTAGE_PATIENCE:
                    raise
                self._connected_since = None
                log.warning("the database is out of reach in a dispatch round: trying again in %g s", pause)
                await self.sleep(pause)
                waited, pause = waited + pause, min(pause * 2, LONGEST_DATABASE_PAUSE)
                continue
            self._reached(self.clock())
            return result

    def _reached(self, now: datetime) -> None:
        if self._connected_since is None:
            self._connected_since = now


async def _together(work: Sequence[Awaitable[None]]) -> None:
    """All of it at once; if one part raises, the others are stopped and waited for before it is raised
    (nothing of the round goes on behind the caller's back)."""
    tasks = [asyncio.ensure_future(part) for part in work]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


class _Lease:
    """What one round holds: its claims, renewed together (by the heartbeat every third of a lease, and
    whenever a send finds the last renewal half a lease old), and which of them are still its own."""

    def __init__(
        self, dispatcher: OutboxDispatcher, claimed: Sequence[Claimed], claimed_at: datetime
    ) -> None:
        self.dispatcher = dispatcher
        self.held = {delivery.id: delivery for delivery in claimed}  # claimed, not yet recorded
        self.mine = set(self.held)
        # The claim itself was the first renewal, at the time it was made.
        self.confirmed_until = claimed_at + dispatcher.lease / 2
        self._renewing = asyncio.Lock()

    async def still_mine(self, delivery: Claimed) -> bool:
        """True if this delivery is this round's to send: its claim was renewed less than half a lease ago
        (nobody else can take it for at least another half), or is renewed now."""
        if self.dispatcher.clock() >= self.confirmed_until:
            async with self._renewing:
                if self.dispatcher.clock() >= self.confirmed_until:
                    await self._renew(self.dispatcher._persist)
        return delivery.id in self.mine

    async def keep_alive(self) -> None:
        """The claims renewed every `heartbeat` seconds of real time, whatever the round is waiting for (a
        slow send, the channel's turn): a live worker keeps its claims, a dead one loses them in a lease."""
        dispatcher = self.dispatcher
        while True:
            await asyncio.sleep(dispatcher.heartbeat)
            try:
                async with self._renewing:
                    await self._renew(dispatcher.database.run)
            except Exception as exc:  # it beats again: a live worker must not lose its claims to a hiccup
                if is_unreachable(exc):
                    dispatcher._connected_since = None
                else:
                    log.warning("a lease renewal failed (%s); trying again", type(exc).__name__)

    async def _renew(self, run: Callable[[Callable[[Session], set[int]]], Awaitable[set[int]]]) -> None:
        dispatcher = self.dispatcher
        now = dispatcher.clock()
        renewal = partial(deliveries.renew, held=list(self.held.values()), now=now, lease=dispatcher.lease)
        self.mine = await run(renewal)
        self.confirmed_until = now + dispatcher.lease / 2

    async def record(self, results: Sequence[Result]) -> None:
        """What became of these deliveries, recorded (waiting for the database if it is away)."""
        if results:
            dispatcher = self.dispatcher
            await dispatcher._persist(
                lambda session: outcomes.record_all(session, results, dispatcher.clock())
            )
            for delivery, _ in results:
                self.held.pop(delivery.id, None)


class _Recorder:
    """Outcomes recorded in groups while the sends go on: a group is written once it holds half the
    concurrency (or at once when the worker stops), one write at a time; each recorded delivery gives back
    its place in `unrecorded`."""

    def __init__(self, lease: _Lease, unrecorded: asyncio.Semaphore, concurrency: int) -> None:
        self.lease = lease
        self.unrecorded = unrecorded
        self.group = max(1, concurrency // 2)
        self.ready: list[Result] = []
        self.failed: BaseException | None = None
        self._writing: asyncio.Task[None] | None = None

    def add(self, result: Result) -> None:
        self.ready.append(result)
        self.write_soon()

    def write_soon(self) -> None:
        if self._due() and (self._writing is None or self._writing.done()):
            self._writing = asyncio.create_task(self._write())

    def _due(self) -> bool:
        stopping = self.lease.dispatcher._stopping
        return len(self.ready) >= (1 if stopping else self.group)

    async def _write(self) -> None:
        while self._due():
            await self._write_ready()

    async def _write_ready(self) -> None:
        results, self.ready = self.ready, []
        try:
            await self.lease.record(results)
        except BaseException as exc:
            self.failed = exc  # the senders stop at their next send; the round fails
            raise
        finally:
            for _ in results:
                self.unrecorded.release()

    async def close(self) -> None:
        """Everything recorded: the write under way, then what is left, even when that write failed (they
        were sent: not recording them would send them again after the lease)."""
        failed: BaseException | None = None
        if self._writing is not None:
            try:
                await self._writing
            except Exception as exc:
                failed = exc
        if self.ready:
            self.failed = None
            await self._write_ready()
        if failed is not None:
            raise failed
