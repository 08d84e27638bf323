"""What families read about a training event, in each language, as outbox messages: the invitation (with
"Going" / "Not going"), reminders, a change of time or place, a cancellation, a place from the waitlist,
thanks. The dispatcher sends each family her language, and nothing after the event's start.
"""

from __future__ import annotations

from collections.abc import Callable

from core.dates import RIYADH, long_time, short_time
from core.i18n import N_, LazyText, _
from core.payloads import Rsvp, YesNo
from storage.kinds import Message
from storage.models import Event

GOING_LABEL = N_("✅ Going")
NOT_GOING_LABEL = N_("❌ Not going")


def details(event: Event, language: str) -> str:
    """When, where, the map link and the description, in the reader's language."""
    start = event.starts_at.astimezone(RIYADH)
    end = event.ends_at.astimezone(RIYADH)
    until = short_time(end) if end.date() == start.date() else long_time(event.ends_at)
    lines = [
        _("📅 %(when)s, until %(until)s", when=long_time(event.starts_at), until=until),
        _("📍 %(venue)s", venue=event.venue(language)),
    ]
    if event.map_url:
        lines.append(f"🗺️ {event.map_url}")
    if event.description(language):
        lines.append(event.description(language))
    return "\n".join(lines)


def _message(event: Event, render: Callable[[str], str], answerable: bool) -> Message:
    options = [
        (Rsvp(event.id, YesNo.YES).pack(), GOING_LABEL),
        (Rsvp(event.id, YesNo.NO).pack(), NOT_GOING_LABEL),
    ]
    return Message.written(render, options if answerable else (), expires_at=event.starts_at)


def _with_details(event: Event, intro: LazyText, after: LazyText | None = None) -> Message:
    """`intro` (which names the event: %(title)s), the event's details, then `after` if any; with "Going" /
    "Not going"."""

    def render(language: str) -> str:
        said = [intro.render(title=event.title(language)), details(event, language)]
        return "\n\n".join([*said, str(after)] if after is not None else said)

    return _message(event, render, answerable=True)


def invitation(event: Event) -> Message:
    return _with_details(
        event,
        N_("You are invited to a training: %(title)s"),
        N_("Will you come? Choose an answer below, or later under “Trainings” in the menu."),
    )


def reminder(event: Event) -> Message:
    return _with_details(
        event,
        N_("Reminder: you are expected at %(title)s."),
        N_("If you can no longer come, please answer “Not going” so that someone else can have your place."),
    )


def changed(event: Event) -> Message:
    return _with_details(event, N_("Change: %(title)s has a new time or place."))


def cancelled(event: Event) -> Message:
    def render(language: str) -> str:
        return _(
            "We are sorry: %(title)s, planned for %(when)s, is cancelled.",
            title=event.title(language),
            when=long_time(event.starts_at),
        )

    return _message(event, render, answerable=False)


def promoted(event: Event) -> Message:
    return _with_details(
        event,
        N_("Good news: a place opened at %(title)s, and it is yours. You are registered as going."),
        N_("If you can no longer come, please answer “Not going”."),
    )


def thanks(event: Event) -> Message:
    def render(language: str) -> str:
        return _(
            "Thank you for attending %(title)s! We hope it helps your family's work.",
            title=event.title(language),
        )

    return Message.written(render)
