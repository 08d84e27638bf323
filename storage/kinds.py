"""Every kind of message the outbox carries, declared once with its policy, and the quiet hours it keeps.

- `quiet`: `WAITS` — not claimed in quiet hours, sent from the morning (what we send to many, and news that
  can wait); `UNLESS_LATE` — held until the morning unless the morning would bring it after its time (an
  event's reminder for a training that starts before then goes at once); `NEVER` — an answer she is waiting
  for.
- `stopped_by_stop`: what STOP stops — what we send to many. Answers about what she asked for (her event, her
  application, her registration) still go.
- `time_bound`: the message carries `expires_at` (the event's start): what is unsent then is never sent.

The dispatcher (`bot.delivery`) reads nothing else; a delivery of a kind not declared here cannot be queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dt_time
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.dates import RIYADH


class Quiet(StrEnum):
    WAITS = "waits"
    UNLESS_LATE = "unless_late"
    NEVER = "never"


@dataclass(frozen=True)
class Kind:
    name: str  # in the deliveries table, and the key of its WhatsApp template (USAR_WHATSAPP_TEMPLATES)
    quiet: Quiet
    stopped_by_stop: bool
    time_bound: bool = False


ANNOUNCEMENT = Kind("announcement", Quiet.WAITS, stopped_by_stop=True)
TIP = Kind("tip", Quiet.WAITS, stopped_by_stop=True)
# An invitation waits for the morning too, unless the morning is after the event's start: then it goes at once
# (otherwise an early training would never be announced).
INVITATION = Kind("invitation", Quiet.UNLESS_LATE, stopped_by_stop=True, time_bound=True)
EVENT_THANKS = Kind("event_thanks", Quiet.WAITS, stopped_by_stop=True)
REMINDER = Kind("reminder", Quiet.UNLESS_LATE, stopped_by_stop=False, time_bound=True)
EVENT_CHANGE = Kind("event_change", Quiet.UNLESS_LATE, stopped_by_stop=False, time_bound=True)
EVENT_CANCELLED = Kind("event_cancelled", Quiet.UNLESS_LATE, stopped_by_stop=False, time_bound=True)
EVENT_PROMOTED = Kind("event_promoted", Quiet.UNLESS_LATE, stopped_by_stop=False, time_bound=True)
CANTEEN_SHORTLISTED = Kind("canteen_shortlisted", Quiet.WAITS, stopped_by_stop=False)
CANTEEN_ACCEPTED = Kind("canteen_accepted", Quiet.WAITS, stopped_by_stop=False)
CANTEEN_REJECTED = Kind("canteen_rejected", Quiet.WAITS, stopped_by_stop=False)
REGISTRATION_VERIFIED = Kind("registration_verified", Quiet.WAITS, stopped_by_stop=False)
REGISTRATION_CORRECTION = Kind("registration_correction", Quiet.WAITS, stopped_by_stop=False)
# Her office's answer to her question: she asked for it, so it does not wait for the morning.
REPLY = Kind("reply", Quiet.NEVER, stopped_by_stop=False)
# To an office's staff, in the staff chat: a family's question waited too long for an answer.
STAFF_REMINDER = Kind("staff_reminder", Quiet.WAITS, stopped_by_stop=False)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        ANNOUNCEMENT,
        TIP,
        INVITATION,
        EVENT_THANKS,
        REMINDER,
        EVENT_CHANGE,
        EVENT_CANCELLED,
        EVENT_PROMOTED,
        CANTEEN_SHORTLISTED,
        CANTEEN_ACCEPTED,
        CANTEEN_REJECTED,
        REGISTRATION_VERIFIED,
        REGISTRATION_CORRECTION,
        REPLY,
        STAFF_REMINDER,
    )
}
WAITING_IN_QUIET_HOURS = tuple(name for name, kind in KINDS.items() if kind.quiet is Quiet.WAITS)


def of(name: str) -> Kind:
    """The kind a delivery row names (KeyError for one never declared)."""
    return KINDS[name]


# WhatsApp takes free text only within 24 hours of her last message (counted from its own receipt, a little
# before ours); outside it, an approved template for the kind.
WHATSAPP_WINDOW = timedelta(hours=24) - timedelta(minutes=15)


@dataclass(frozen=True)
class QuietHours:
    """Hours when families are not disturbed, in the offices' zone (every office is in Asia/Riyadh)."""

    start: dt_time = dt_time(22, 0)
    end: dt_time = dt_time(8, 0)
    zone: ZoneInfo = RIYADH

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """From "22:00-08:00"."""
        first, _, last = text.partition("-")
        return cls(dt_time.fromisoformat(first.strip()), dt_time.fromisoformat(last.strip()))

    def covers(self, moment: datetime) -> bool:
        return self._covers_time(moment.astimezone(self.zone).time())

    def holds(self, moment: datetime) -> datetime | None:
        """When what is due at `moment` may go, if quiet hours hold it; None if they do not."""
        return self.ends_after(moment) if self.covers(moment) else None

    def ends_after(self, moment: datetime) -> datetime:
        """The end of the quiet hours `moment` is in (the next morning, or this one)."""
        local = moment.astimezone(self.zone)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        return end if end > local else end + timedelta(days=1)

    def open_hours(self) -> list[int]:
        """The whole hours of the day outside quiet hours (8 to 21 for 22:00–08:00)."""
        return [hour for hour in range(24) if not self._covers_time(dt_time(hour, 0))]

    def _covers_time(self, local: dt_time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True)
class Senders:
    """What this installation sends on: the channels set up, and the kinds that have a WhatsApp template."""

    channels: frozenset[str]
    templates: frozenset[str] = frozenset()
