"""The dispatcher: sends what the outbox holds, at each channel's pace, and records what became of it.

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
import math
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.channel import (
    Blocked,
    Channel,
    NeedsTemplate,
    Outbound,
    RetryAfter,
    Sender,
    SendOutcome,
    Sent,
    TransientFailure,
)
from core.domain import DeliveryStatus
from storage import beneficiaries, contacts, conversations, deliveries, kinds, paces, threads
from storage.db import Database, is_unreachable
from storage.deliveries import Claimed, SentRow
from storage.kinds import Quiet, QuietHours
from storage.models import Beneficiary

log = logging.getLogger(__name__)
T = TypeVar("T")

LEASE = timedelta(seconds=30)  # how long a claim stands without being renewed
LONGEST_WAIT = timedelta(seconds=10)  # a longer wait for the channel's turn gives the claims back
FIRST_DATABASE_PAUSE = 0.5  # seconds before trying an unreachable database again, doubling up to
LONGEST_DATABASE_PAUSE = 5.0
OUTAGE_PATIENCE = 15 * 60.0  # seconds a round waits for the database before it gives up


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


class _Window:
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


ELSEWHERE = timedelta(
    minutes=1
)  # when a delivery for a channel this process cannot send on is looked at again
DEFAULT_CONCURRENCY = 20  # sends in flight at once on each channel (USAR_DISPATCH_CONCURRENCY)


@dataclass(frozen=True)
class Held:
    """Not sent, and not an attempt: pending again from `until` (quiet hours; a channel another process sends
    on; the database out of reach when it was to go)."""

    until: datetime


@dataclass(frozen=True)
class Paused(Held):
    """Not sent: the channel's next turn is further off than a worker waits holding a claim."""


@dataclass(frozen=True)
class TooLate:
    """Not sent: its time has passed (the event it is about has started)."""


Outcome = SendOutcome | Held | TooLate | None


@dataclass(frozen=True)
class Target:
    """Where and how one delivery goes, read at send time: she may have moved channel or stopped."""

    channel: Channel | None
    address: str | None
    language: str
    last_inbound_at: datetime | None
    opted_out: bool


Result = tuple[Claimed, tuple[Target | None, Outcome]]


class Dispatcher:
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
        self._windows: dict[Channel, _Window] = {}
        # Since when this worker has reached the database without a break (None: it has not, or lost it).
        self._connected_since: datetime | None = None
        self._stopping = False
        self._recorders: set[_Recorder] = set()  # those of the round in hand, one a channel

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
        waiting = kinds.WAITING_IN_QUIET_HOURS if self.quiet is not None and self.quiet.covers(now) else ()
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
            targets = await self._persist(lambda s: _targets(s, claimed))
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
        """Rounds until nothing is due now, or until `go_on` says stop; how many were handled."""
        handled = 0
        while go_on() and not self._stopping and (count := await self.round()):
            handled += count
        return handled

    def _not_to_send(self, delivery: Claimed, target: Target | None) -> Outcome | Literal["send"]:
        """What becomes of a delivery that is not to be sent now; "send" if it is to be sent."""
        if target is None or _stopped(delivery, target) or target.channel is None or target.address is None:
            return None
        now = self.clock()
        if delivery.message.expired(now):
            return TooLate()
        if (
            kinds.of(delivery.kind).quiet is Quiet.UNLESS_LATE
            and self.quiet is not None
            and self.quiet.covers(now)
        ):
            until = delivery.message.held_until(self.quiet.ends_after(now))
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
        window = self._windows.setdefault(target.channel, _Window(self.concurrency))
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

    def __init__(self, dispatcher: Dispatcher, claimed: Sequence[Claimed], claimed_at: datetime) -> None:
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
            await dispatcher._persist(lambda session: _record_all(session, results, dispatcher.clock()))
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


def _targets(session: Session, claimed: Sequence[Claimed]) -> dict[int, Target]:
    """Where each claimed delivery goes, by its id: a family by the channel she used last, in her
    language; an imported contact by WhatsApp at her mobile, in Arabic; a thread's answer where she wrote
    from; a staff member where she uses the staff chat."""
    family_ids = [d.beneficiary_id for d in claimed if d.beneficiary_id is not None]
    reaches = conversations.reach_all(session, family_ids)
    families = session.execute(
        select(Beneficiary.id, Beneficiary.language, Beneficiary.opted_out_at).where(
            Beneficiary.id.in_(family_ids)
        )
    ).all()
    by_family = {}
    for family_id, language, opted_out_at in families:
        reach = reaches.get(family_id)
        by_family[family_id] = Target(
            channel=Channel(reach.channel) if reach else None,
            address=reach.address if reach else None,
            language=language,
            last_inbound_at=reach.last_inbound_at if reach else None,
            opted_out=opted_out_at is not None,
        )
    by_contact = {
        contact_id: Target(Channel.WHATSAPP, reach.mobile, "ar", None, reach.opted_out)
        for contact_id, reach in contacts.reach_all(
            session, [d.contact_id for d in claimed if d.contact_id is not None]
        ).items()
    }
    by_thread = {
        thread_id: Target(Channel(reach.channel), reach.address, reach.language, reach.last_inbound_at, False)
        for thread_id, reach in threads.reach_all(
            session, [d.thread_id for d in claimed if d.thread_id is not None]
        ).items()
    }
    by_staff = {
        staff_id: Target(Channel(reach.channel), reach.address, reach.language, reach.last_inbound_at, False)
        for staff_id, reach in conversations.staff_reach_all(
            session, [d.staff_id for d in claimed if d.staff_id is not None]
        ).items()
    }
    targets = {}
    for delivery in claimed:
        if delivery.beneficiary_id is not None:
            found = by_family.get(delivery.beneficiary_id)
        elif delivery.contact_id is not None:
            found = by_contact.get(delivery.contact_id)
        elif delivery.thread_id is not None:
            found = by_thread.get(delivery.thread_id)
        else:
            found = by_staff.get(delivery.staff_id or 0)
        if found is not None:
            targets[delivery.id] = found
    return targets


def _stopped(delivery: Claimed, target: Target) -> bool:
    return target.opted_out and kinds.of(delivery.kind).stopped_by_stop


def _record_all(session: Session, results: Sequence[Result], now: datetime) -> None:
    """Every outcome, row by row in the order of their ids, the order in which a renewal locks them too (two
    transactions that lock the same rows in different orders can deadlock on PostgreSQL)."""
    plainly_sent: list[SentRow] = []  # the common case, recorded in one statement
    threads.mark_unread(
        session,
        [
            delivery.source_id
            for delivery, (_, outcome) in results
            if delivery.kind == kinds.REPLY.name and isinstance(outcome, Sent) and outcome.template
        ],
    )
    for delivery, (target, outcome) in sorted(results, key=lambda result: result[0].id):
        if isinstance(outcome, Sent) and target is not None and not delivery.message.options:
            assert target.channel is not None and target.address is not None
            plainly_sent.append(SentRow(delivery, target.channel.value, target.address, outcome.message_id))
        else:
            deliveries.sent_all(session, plainly_sent, now)
            plainly_sent = []
            _record(session, delivery, target, outcome, now)
    deliveries.sent_all(session, plainly_sent, now)


def _record(
    session: Session, delivery: Claimed, target: Target | None, outcome: Outcome, now: datetime
) -> None:
    if isinstance(outcome, Held):
        deliveries.postpone(session, delivery, outcome.until, now)
    elif isinstance(outcome, TooLate):
        deliveries.finish(session, delivery, DeliveryStatus.CANCELLED, "too late: its event has started", now)
    elif target is None:
        deliveries.finish(session, delivery, DeliveryStatus.CANCELLED, "the family is gone", now)
    elif _stopped(delivery, target):
        deliveries.finish(session, delivery, DeliveryStatus.CANCELLED, "she stopped announcements", now)
    elif outcome is None:
        deliveries.finish(
            session, delivery, DeliveryStatus.FAILED, "she never wrote to us on any channel", now
        )
    elif isinstance(outcome, Sent):
        assert target.channel is not None and target.address is not None
        deliveries.sent(session, delivery, target.channel.value, target.address, outcome.message_id, now)
        if delivery.message.options:  # what she types next ("1") answers this message
            conversations.offer(session, target.channel.value, target.address, delivery.message.offered())
    elif isinstance(outcome, RetryAfter):
        deliveries.retry(
            session, delivery, f"retry after {outcome.seconds:g} s", now, timedelta(seconds=outcome.seconds)
        )
    elif isinstance(outcome, TransientFailure):
        deliveries.retry(session, delivery, outcome.reason, now)
    elif isinstance(outcome, Blocked):
        deliveries.finish(session, delivery, DeliveryStatus.BLOCKED, outcome.reason, now)
        if delivery.beneficiary_id is not None:
            beneficiaries.set_blocked(session, delivery.beneficiary_id, now)  # left out of later audiences
    elif isinstance(outcome, NeedsTemplate):
        deliveries.finish(
            session, delivery, DeliveryStatus.NEEDS_TEMPLATE, f"no template for {outcome.kind}", now
        )
    else:
        deliveries.finish(session, delivery, DeliveryStatus.FAILED, outcome.reason, now)
