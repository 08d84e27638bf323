"""What families read about a training event, in each language, as outbox payloads: the invitation (with
"Going" / "Not going"), reminders, a change of time or place, a cancellation, a place from the waitlist,
thanks.

A payload is {"ar": text, "en": text, "options": [{"payload", "ar", "en"}], "expires_at": ISO time}: the
dispatcher sends each family her language, and nothing after `expires_at` (the event's start).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.dates import RIYADH, long_time, short_time
from core.i18n import N_, LazyText, _, use_language
from core.payloads import Rsvp, YesNo
from locales import LANGUAGES
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


def _in_every_language(render: Callable[[str], str]) -> dict[str, str]:
    texts = {}
    for language in LANGUAGES:
        with use_language(language):
            texts[language] = render(language)
    return texts


def _options(event: Event) -> list[dict[str, str]]:
    return [
        {"payload": Rsvp(event.id, YesNo.YES if going else YesNo.NO).pack(), **_labels(label)}
        for going, label in ((True, GOING_LABEL), (False, NOT_GOING_LABEL))
    ]


def _labels(label: LazyText) -> dict[str, str]:
    return {language: label.in_language(language) for language in LANGUAGES}


def _payload(event: Event, render: Callable[[str], str], answerable: bool) -> dict[str, Any]:
    payload: dict[str, Any] = _in_every_language(render)
    if answerable:
        payload["options"] = _options(event)
    payload["expires_at"] = event.starts_at.isoformat()
    return payload


def invitation(event: Event) -> dict[str, Any]:
    def render(language: str) -> str:
        intro = _("You are invited to a training: %(title)s", title=event.title(language))
        ask = _("Will you come? Choose an answer below, or later under “Trainings” in the menu.")
        return "\n\n".join([intro, details(event, language), ask])

    return _payload(event, render, answerable=True)


def reminder(event: Event) -> dict[str, Any]:
    def render(language: str) -> str:
        intro = _("Reminder: you are expected at %(title)s.", title=event.title(language))
        after = _(
            "If you can no longer come, please answer “Not going” so that someone else can have your place."
        )
        return "\n\n".join([intro, details(event, language), after])

    return _payload(event, render, answerable=True)


def changed(event: Event) -> dict[str, Any]:
    def render(language: str) -> str:
        intro = _("Change: %(title)s has a new time or place.", title=event.title(language))
        return "\n\n".join([intro, details(event, language)])

    return _payload(event, render, answerable=True)


def cancelled(event: Event) -> dict[str, Any]:
    def render(language: str) -> str:
        return _(
            "We are sorry: %(title)s, planned for %(when)s, is cancelled.",
            title=event.title(language),
            when=long_time(event.starts_at),
        )

    return _payload(event, render, answerable=False)


def promoted(event: Event) -> dict[str, Any]:
    def render(language: str) -> str:
        intro = _(
            "Good news: a place opened at %(title)s, and it is yours. You are registered as going.",
            title=event.title(language),
        )
        after = _("If you can no longer come, please answer “Not going”.")
        return "\n\n".join([intro, details(event, language), after])

    return _payload(event, render, answerable=True)


def thanks(event: Event) -> dict[str, Any]:
    def render(language: str) -> str:
        return _(
            "Thank you for attending %(title)s! We hope it helps your family's work.",
            title=event.title(language),
        )

    payload = _in_every_language(render)
    return dict(payload)
