"""What crosses the edge between a channel and the conversation engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    CONSOLE = "console"


@dataclass(frozen=True)
class Inbound:
    """One message from a person, whatever channel it came through."""

    channel: Channel
    address: str
    received_at: datetime
    text: str = ""
    payload: str | None = None  # the option a button carried
    contact_phone: str | None = None  # a shared contact, already checked to be her own
    has_media: bool = False
    language_hint: str | None = None  # used only to greet a person we have never seen


@dataclass(frozen=True)
class Option:
    label: str
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str
    options: tuple[Option, ...] = field(default=())
    request_contact: bool = False
