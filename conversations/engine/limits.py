"""How fast one sender may write: more than `LIMIT` messages within `WINDOW` from one address of a channel,
and she is told once, politely, to wait; for `SILENCE` after that her messages are set aside (neither
answered nor stored); then she is served as before. Nothing within the limit is lost: the `LIMIT`-th message
is answered like any other.

The engine asks here first, as a message arrives (`InboundLimits.admit`), before it waits for her turn or the
database: every channel that reaches the engine is limited alike, and a flood costs no transaction. The
count lives in this process's memory (decision 0115): each web process counts what reaches it. Time is the
message's own `received_at`, which each channel reads from the clock it was given (tests move it by hand): a
message that waited in the spool for the database is counted at the time she sent it, not at its replay.

Staff are limited by the same rule: a staff member's chat is a sender like any other, and nobody types
twenty messages in ten seconds. The terminal chat (`usar chat`) is not: a script piped into it is faster
than anyone, and whoever runs it holds the database already."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from core.channel import Channel, Inbound
from core.metrics import INBOUND_LIMITED

log = logging.getLogger(__name__)

LIMIT = 20  # messages one sender may send within WINDOW, every one answered
WINDOW = timedelta(seconds=10)
SILENCE = timedelta(minutes=1)  # what the notice asks her to wait ("a minute")
LIMITED = frozenset({Channel.TELEGRAM, Channel.WHATSAPP})  # the terminal chat is the operator's own


class Verdict(Enum):
    ANSWER = "answer"  # within the limit: her turn, as always
    NOTICE = "notice"  # the first beyond it: told once to wait, nothing else done
    SET_ASIDE = "set aside"  # while she waits: neither answered nor stored


@dataclass
class _Sender:
    arrived: deque[datetime] = field(default_factory=deque)  # within the window, oldest first
    quiet_until: datetime | None = None
    language: str | None = None  # of her last turn answered: the notice is said in it


class InboundLimits:
    """The senders' recent messages, in this process's memory. A sender is forgotten once her window and
    any silence are over, so the memory held is that of the senders of the last few seconds."""

    def __init__(
        self,
        limit: int = LIMIT,
        window: timedelta = WINDOW,
        silence: timedelta = SILENCE,
        channels: frozenset[Channel] = LIMITED,
    ) -> None:
        self.limit, self.window, self.silence, self.channels = limit, window, silence, channels
        self._senders: dict[tuple[Channel, str], _Sender] = {}
        self._swept: datetime | None = None
        # Logs name a sender by a digest keyed for this process alone: her lines can be followed, but a
        # phone number cannot be found from its digest by trying every number.
        self._key = secrets.token_bytes(16)

    def admit(self, inbound: Inbound) -> Verdict:
        """What is done with this message, counted as it arrives."""
        if inbound.channel not in self.channels:
            return Verdict.ANSWER
        now = inbound.received_at
        self._sweep(now)
        sender = self._senders.setdefault((inbound.channel, inbound.address), _Sender())
        if sender.quiet_until is not None:
            if now < sender.quiet_until:
                INBOUND_LIMITED.labels(inbound.channel.value).inc()
                return Verdict.SET_ASIDE
            sender.quiet_until = None  # the minute is over: counted afresh
            sender.arrived.clear()
        while sender.arrived and sender.arrived[0] <= now - self.window:
            sender.arrived.popleft()
        if len(sender.arrived) < self.limit:
            sender.arrived.append(now)
            return Verdict.ANSWER
        sender.quiet_until = now + self.silence
        sender.arrived.clear()
        INBOUND_LIMITED.labels(inbound.channel.value).inc()
        log.warning(
            "a %s sender (%s) sent more than %d messages in %g s: her messages are set aside for %g s",
            inbound.channel.value,
            self.digest(inbound),
            self.limit,
            self.window.total_seconds(),
            self.silence.total_seconds(),
        )
        return Verdict.NOTICE

    def not_taken(self, inbound: Inbound) -> None:
        """A message admitted but not handled (it waits for the database, and comes again): not counted."""
        sender = self._senders.get((inbound.channel, inbound.address))
        if sender is not None and inbound.received_at in sender.arrived:
            sender.arrived.remove(inbound.received_at)

    def answered_in(self, inbound: Inbound, language: str) -> None:
        """The language her turn was answered in: the one her notice will be said in."""
        sender = self._senders.get((inbound.channel, inbound.address))
        if sender is not None:
            sender.language = language

    def language_of(self, inbound: Inbound) -> str | None:
        sender = self._senders.get((inbound.channel, inbound.address))
        return None if sender is None else sender.language

    def digest(self, inbound: Inbound) -> str:
        """Eight hex characters standing for the sender in this process's logs; never her address."""
        named = f"{inbound.channel.value}:{inbound.address}".encode()
        return hashlib.blake2s(named, key=self._key, digest_size=4).hexdigest()

    def _sweep(self, now: datetime) -> None:
        """Senders whose window and silence are over, forgotten (at most once a window)."""
        if self._swept is not None and now - self._swept < self.window:
            return
        self._swept = now
        over = [
            key
            for key, sender in self._senders.items()
            if (sender.quiet_until is None or sender.quiet_until <= now)
            and (not sender.arrived or sender.arrived[-1] <= now - self.window)
        ]
        for key in over:
            del self._senders[key]

    def __len__(self) -> int:
        return len(self._senders)
