"""Every kind of message the outbox carries, declared once with its policy, and the quiet hours it keeps.

- `quiet`: `WAITS` — not claimed in quiet hours, sent from the morning (what we send to many, and news that
  can wait); `UNLESS_LATE` — held until the morning unless the morning would bring it after its time (an
  event's reminder for a training that starts before then goes at once); `NEVER` — an answer she is waiting
  for.
- `stopped_by_stop`: what STOP stops — what we send to many. Answers about what she asked for (her event, her
  application, her registration) still go.
- `time_bound`: the message carries `expires_at` (the event's start): what is unsent then is never sent.

The dispatcher (`bot.outbox`) reads nothing else; a delivery of a kind not declared here cannot be queued.
What every kind carries is a `Message`: its text in each language, the options it offers, when it stops making
sense, and what WhatsApp's template for the kind is filled with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dt_time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from core.channel import Option, Reply
from core.dates import RIYADH
from core.i18n import LazyText, use_language
from core.text import fold
from locales import LANGUAGES


class Quiet(StrEnum):
    WAITS = "waits"
    UNLESS_LATE = "unless_late"
    NEVER = "never"


@dataclass(frozen=True)
class Button:
    """An option a message offers: its payload (packed) and its label in each language."""

    payload: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class Message:
    """What a delivery says: the outbox's payload, kept as JSON in the deliveries table
    ({"ar", "en", "options": [{"payload", "ar", "en"}], "expires_at", "template_variables"}). Only Arabic is
    required: an announcement without English goes to everyone in Arabic."""

    texts: Mapping[str, str]
    options: tuple[Button, ...] = ()
    expires_at: datetime | None = None  # when it stops making sense (its event's start): not sent after
    template_variables: Mapping[str, str] | None = None  # WhatsApp's template's; None: the text is its {{1}}

    @classmethod
    def written(
        cls,
        render: Callable[[str], str],
        options: Sequence[tuple[str, LazyText]] = (),
        expires_at: datetime | None = None,
        template_variables: Mapping[str, str] | None = None,
    ) -> Message:
        """Written in every language we speak: `render(language)` runs with that language current, and each
        option (its payload packed, its label) is labelled in each."""
        texts = {}
        for language in LANGUAGES:
            with use_language(language):
                texts[language] = render(language)
        buttons = tuple(
            Button(payload, {language: label.in_language(language) for language in LANGUAGES})
            for payload, label in options
        )
        return cls(texts, buttons, expires_at, template_variables)

    def to_json(self) -> dict[str, Any]:
        stored: dict[str, Any] = dict(self.texts)
        if self.options:
            stored["options"] = [{"payload": button.payload, **button.labels} for button in self.options]
        if self.expires_at is not None:
            stored["expires_at"] = self.expires_at.isoformat()
        if self.template_variables is not None:
            stored["template_variables"] = dict(self.template_variables)
        return stored

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> Message:
        expires = stored.get("expires_at")
        variables = stored.get("template_variables")
        return cls(
            texts={language: str(stored[language]) for language in LANGUAGES if stored.get(language)},
            options=tuple(
                Button(
                    str(option["payload"]),
                    {language: str(option[language]) for language in LANGUAGES if option.get(language)},
                )
                for option in stored.get("options", ())
            ),
            expires_at=datetime.fromisoformat(expires) if isinstance(expires, str) else None,
            template_variables={str(k): str(v) for k, v in variables.items()}
            if isinstance(variables, dict)
            else None,
        )

    def reply(self, language: str) -> Reply:
        """The message in her language (Arabic where it has none in hers)."""
        options = tuple(
            Option(label=button.labels.get(language) or button.labels.get("ar", ""), payload=button.payload)
            for button in self.options
        )
        text = self.texts.get(language) or self.texts.get("ar", "")
        return Reply(text=text, options=options, language=language)

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def held_until(self, quiet_ends: datetime) -> datetime | None:
        """In quiet hours: the morning, unless waiting for it would bring the message after its time — then
        None: it goes now (a reminder for an event that starts before the morning)."""
        if self.expires_at is not None and self.expires_at <= quiet_ends:
            return None
        return quiet_ends

    def offered(self) -> list[dict[str, Any]]:
        """Its options as a conversation keeps them, so that a number or a label she types next (in either
        language) names one of them."""
        return [
            {"payload": button.payload, "labels": sorted({fold(label) for label in button.labels.values()})}
            for button in self.options
        ]

    def filling(self, text: str) -> tuple[tuple[str, str], ...]:
        """What WhatsApp's template for the kind is filled with: the message's own variables (her office's
        answer: its name), else its text; then what each of its buttons sends back when tapped, its options'
        payloads in order (an invitation: {{2}} "✅ Going", {{3}} "❌ Not going"; README's template table)."""
        own = (
            tuple(self.template_variables.items()) if self.template_variables is not None else (("1", text),)
        )
        first = len(own) + 1
        return own + tuple((str(first + n), button.payload) for n, button in enumerate(self.options))


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
