"""What a delivery's payload becomes when it is sent: the text in her language, the options it offers
("Going" / "Not going"), whether it is too late to send, and whether quiet hours hold it until morning.

A payload is {"ar": text, "en": text, "options": [{"payload", "ar", "en"}], "expires_at": ISO time}; only
"ar" is required (an announcement without English goes to everyone in Arabic).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.channel import Option, Reply
from core.text import fold
from locales import LANGUAGES


def reply_for(payload: dict[str, Any], language: str) -> Reply:
    text = str(payload.get(language) or payload.get("ar") or "")
    options = tuple(
        Option(label=str(option.get(language) or option.get("ar") or ""), payload=str(option["payload"]))
        for option in payload.get("options", ())
    )
    return Reply(text=text, options=options)


def expires_at(payload: dict[str, Any]) -> datetime | None:
    """When the message stops making sense (an event's reminder once the event has started)."""
    value = payload.get("expires_at")
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def expired(payload: dict[str, Any], now: datetime) -> bool:
    ends = expires_at(payload)
    return ends is not None and now >= ends


def held_until(payload: dict[str, Any], quiet_ends: datetime) -> datetime | None:
    """In quiet hours: the morning, unless waiting for it would bring the message after its time — then
    None: it goes now (a reminder for an event that starts before the morning)."""
    ends = expires_at(payload)
    if ends is not None and ends <= quiet_ends:
        return None
    return quiet_ends


def offered(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The message's options as a conversation keeps them, so that a number or a label she types next
    (in either language) names one of them."""
    return [
        {
            "payload": str(option["payload"]),
            "labels": sorted({fold(str(option[language])) for language in LANGUAGES if option.get(language)}),
        }
        for option in payload.get("options", ())
    ]
