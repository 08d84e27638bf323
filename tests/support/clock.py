"""The tests' clock: time moves only when a test moves it; a person takes time to read between messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 28, 6, 0, tzinfo=UTC))
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    async def sleep(self, seconds: float) -> None:
        """What a dispatcher's wait does on this clock: the time moves on at once, and the wait is written
        down in `slept`."""
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


READING = 5  # seconds between our answer and her next message: time to read it (a double send is quicker)


def reads(clock: object) -> None:
    """She reads what we said before she answers: the test's clock moves on `READING` seconds (a frozen
    clock would make every message a double send of the one before)."""
    if isinstance(clock, Clock):
        clock.advance(seconds=READING)
