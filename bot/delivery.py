"""The dispatcher: sends what the outbox holds, at each channel's rate, and records what became of it.

One round: claim a batch of due deliveries (committed before any send), look up for each family the
channel she used last, her language and whether she stopped announcements, send through that channel's
sender, and record every outcome in one transaction. A send that a dead worker left half-done is taken
again after its lease; the unique key of the outbox keeps every family to one row per message.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outbox_content import expired, held_until, offered, reply_for
from conversations.messages import (
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
from storage import beneficiaries, contacts, conversations, deliveries, kinds
from storage.db import Database
from storage.deliveries import Claimed, SentRow
from storage.kinds import Quiet, QuietHours
from storage.models import Beneficiary, DeliveryStatus

log = logging.getLogger(__name__)


@dataclass
class RateLimit:
    """At most `per_second` sends, spread evenly; a platform's "retry after" pauses the whole channel."""

    per_second: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _next: float = field(default=0.0, init=False)
    # Concurrent senders take their turns one at a time, in order of arrival.
    _turn: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False, compare=False)
    # When the last sends went: never more than per_second of them within a second.
    _recent: deque[float] = field(default_factory=deque, init=False, repr=False, compare=False)

    async def wait(self) -> None:
        """Until this send may go: in its turn, 1/per_second after the one before, and not while the
        channel is paused (a pause that comes while it waits makes it wait longer)."""
        async with self._turn:
            now = self.clock()
            while (earliest := self._earliest()) > now:
                await self.sleep(earliest - now)
                now = self.clock()
            interval = 1 / self.per_second
            # On time or a little late (a sleep wakes up late on a busy machine): the next turn keeps to the
            # schedule, so lateness is not lost from the rate; later than a whole turn (idle, or starved), the
            # schedule starts again from now. `_recent` keeps any second from getting more than its share.
            self._next = (self._next if now - self._next < interval else now) + interval
            self._recent.append(now)
            if len(self._recent) > self._per_whole_second:
                self._recent.popleft()

    def pause(self, seconds: float) -> None:
        self._next = max(self._next, self.clock() + seconds)

    @property
    def _per_whole_second(self) -> int:
        return max(1, int(self.per_second))

    def _earliest(self) -> float:
        if len(self._recent) < self._per_whole_second:
            return self._next
        return max(self._next, self._recent[0] + 1.0)


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
    """Not sent: quiet hours keep it until `until`."""

    until: datetime


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


class Dispatcher:
    def __init__(
        self,
        database: Database,
        senders: Mapping[Channel, Sender],
        limits: Mapping[Channel, RateLimit],
        clock: Callable[[], datetime],
        batch: int = 100,
        lease: timedelta = timedelta(minutes=5),
        quiet: QuietHours | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        only_for: Callable[[Session], int | None] | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.quiet = quiet
        self.database = database
        self.senders = dict(senders)
        self.limits = dict(limits)
        self.clock = clock
        self.batch = batch
        self.lease = lease
        self.concurrency = concurrency  # sends in flight at once on each channel
        # A terminal chat delivers to the one family it speaks for (the family id, now; None: nobody yet).
        self.only_for = only_for
        self._windows: dict[Channel, _Window] = {}

    async def round(self) -> int:
        """Send one batch; how many deliveries it handled (0: nothing was due)."""
        now = self.clock()
        waiting = kinds.WAITING_IN_QUIET_HOURS if self.quiet is not None and self.quiet.covers(now) else ()
        claimed: list[Claimed] = await self.database.run(lambda s: self._claim(s, now, waiting))
        if not claimed:
            return 0
        targets = await self.database.run(lambda s: _targets(s, claimed))
        outcomes = await self._send_all([(d, targets.get(d.id)) for d in claimed])
        results = list(zip(claimed, outcomes, strict=True))
        done = self.clock()
        await self.database.run(lambda session: _record_all(session, results, done))
        return len(claimed)

    def _claim(self, session: Session, now: datetime, waiting: Sequence[str]) -> list[Claimed]:
        if self.only_for is None:
            return deliveries.claim(session, now, self.batch, self.lease, waiting)
        family = self.only_for(session)
        if family is None:
            return []
        return deliveries.claim(session, now, self.batch, self.lease, waiting, for_family=family)

    async def drain(self, go_on: Callable[[], bool] = lambda: True) -> int:
        """Rounds until nothing is due now, or until `go_on` says stop; how many were handled."""
        handled = 0
        while go_on() and (count := await self.round()):
            handled += count
        return handled

    async def _send_all(
        self, sends: Sequence[tuple[Claimed, Target | None]]
    ) -> list[tuple[Target | None, Outcome]]:
        """Every claimed delivery sent, up to `concurrency` at once; their outcomes in the claim's order.
        If one send raises, the others are stopped and the round fails (its rows go again after the lease)."""
        outcomes: list[tuple[Target | None, Outcome]] = [(None, None)] * len(sends)
        queue = iter(enumerate(sends))

        async def sending() -> None:
            for index, (delivery, target) in queue:
                outcomes[index] = await self._send(delivery, target)

        tasks = [asyncio.create_task(sending()) for _ in range(min(self.concurrency, len(sends)))]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return outcomes

    def _not_now(self, delivery: Claimed) -> Held | TooLate | None:
        """Why this delivery is not to be sent now, if it is not."""
        now = self.clock()
        if expired(delivery.payload, now):
            return TooLate()
        if (
            kinds.of(delivery.kind).quiet is Quiet.UNLESS_LATE
            and self.quiet is not None
            and self.quiet.covers(now)
        ):
            until = held_until(delivery.payload, self.quiet.ends_after(now))
            return None if until is None else Held(until)
        return None

    async def _send(self, delivery: Claimed, target: Target | None) -> tuple[Target | None, Outcome]:
        if target is None or _stopped(delivery, target) or target.channel is None or target.address is None:
            return target, None
        if (not_now := self._not_now(delivery)) is not None:
            return target, not_now
        sender = self.senders.get(target.channel)
        if sender is None:  # another process sends on that channel (a terminal chat, say): it stays for it
            return target, Held(self.clock() + ELSEWHERE)
        limit = self.limits.get(target.channel)
        window = self._windows.setdefault(target.channel, _Window(self.concurrency))
        reply = reply_for(delivery.payload, target.language)
        outcome: SendOutcome | None = None
        await window.enter()
        try:
            if limit is not None:
                await limit.wait()
            outcome = await sender.send(
                Outbound(
                    address=target.address,
                    reply=reply,
                    kind=delivery.kind,
                    template_variables=(("1", reply.text),),
                    last_inbound_at=target.last_inbound_at,
                )
            )
            if isinstance(outcome, RetryAfter) and limit is not None:
                limit.pause(outcome.seconds)  # before anyone waiting for the window goes
        finally:
            window.leave(outcome)
        return target, outcome


def _targets(session: Session, claimed: Sequence[Claimed]) -> dict[int, Target]:
    """Where each claimed delivery goes, by its id: a family by the channel she used last, in her
    language; an imported contact by WhatsApp at her mobile, in Arabic."""
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
    targets = {}
    for delivery in claimed:
        found = (
            by_family.get(delivery.beneficiary_id)
            if delivery.beneficiary_id is not None
            else by_contact.get(delivery.contact_id or 0)
        )
        if found is not None:
            targets[delivery.id] = found
    return targets


def _stopped(delivery: Claimed, target: Target) -> bool:
    return target.opted_out and kinds.of(delivery.kind).stopped_by_stop


def _record_all(
    session: Session,
    results: list[tuple[Claimed, tuple[Target | None, Outcome]]],
    now: datetime,
) -> None:
    plainly_sent = []  # the common case, recorded in one statement
    for delivery, (target, outcome) in results:
        if isinstance(outcome, Sent) and target is not None and not delivery.payload.get("options"):
            assert target.channel is not None and target.address is not None
            plainly_sent.append(SentRow(delivery, target.channel.value, target.address, outcome.message_id))
        else:
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
        if delivery.payload.get("options"):  # what she types next ("1") answers this message
            conversations.offer(session, target.channel.value, target.address, offered(delivery.payload))
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
