"""Quiet hours in the outbox: during them, the kinds that wait for the morning are not even claimed, and
those that wait unless the morning would be too late are held until the hours end (storage.kinds: which is
which)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage import kinds
from storage.deliveries import Claimed
from storage.kinds import Quiet, QuietHours


def waiting(quiet: QuietHours | None, now: datetime) -> Sequence[str]:
    """The kinds not claimed now: those that wait for the end of quiet hours, while they last."""
    return kinds.WAITING_IN_QUIET_HOURS if quiet is not None and quiet.covers(now) else ()


def held_until(quiet: QuietHours | None, delivery: Claimed, now: datetime) -> datetime | None:
    """In quiet hours, when a delivery of a kind that waits unless that is too late goes; None: now."""
    if kinds.of(delivery.kind).quiet is Quiet.UNLESS_LATE and quiet is not None and quiet.covers(now):
        return delivery.message.held_until(quiet.ends_after(now))
    return None
