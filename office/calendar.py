"""An event as an iCalendar file (RFC 5545) that her phone's calendar opens: one VEVENT, in UTC.

Its UID is stable and its SEQUENCE grows with each change of time or place, so a calendar that imported it
before updates the entry instead of adding a second one; a cancelled event is marked CANCELLED.
"""

from __future__ import annotations

from datetime import UTC, datetime

from storage.models import Event

PRODUCT = "-//Usar//Productive families//AR"
CALENDAR_PATH = "/calendar"  # on our web server: /calendar/event-<id>.ics?lang=ar|en


def escape(text: str) -> str:
    """TEXT values: backslash, semicolon, comma and line breaks escaped (RFC 5545, 3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space, never inside a character."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics(event: Event, language: str, now: datetime) -> str:
    description = event.description(language)
    if event.map_url:
        description = f"{description}\n{event.map_url}".strip()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:event-{event.id}@usar",
        f"SEQUENCE:{event.schedule - 1}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.ends_at)}",
        f"SUMMARY:{escape(event.title(language))}",
        f"LOCATION:{escape(event.venue(language))}",
        *([f"DESCRIPTION:{escape(description)}"] if description else []),
        *([f"URL:{event.map_url}"] if event.map_url else []),
        f"STATUS:{'CANCELLED' if event.cancelled_at else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
