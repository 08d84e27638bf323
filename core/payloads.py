"""The data an option carries, typed: `prefix:value:value`, packed and unpacked here alone (aiogram's
CallbackData is the model). A flow declares what its buttons carry as a small frozen type and reads a choice
with `unpack`, which gives None for anything else; the Telegram limit (1-64 bytes of ASCII) is checked when a
payload is packed.

Stale and forged payloads are refused before a flow sees them: the engine accepts a button's payload only if
it is among the options offered with the question on screen (`Turn.say` keeps them), so a flow only ever
unpacks what it offered.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum, StrEnum
from typing import Any, ClassVar, Self, get_type_hints

from core.domain import ApplicationStatus, SchoolStage

SEP = ":"
LIMIT = 64  # Telegram's callback_data, in bytes


class Payload:
    """Base of the payload types: a prefix, then each field's value in order."""

    prefix: ClassVar[str]
    _prefixes: ClassVar[dict[str, type[Payload]]] = {}

    def __init_subclass__(cls, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if prefix in Payload._prefixes:
            raise TypeError(f"payload prefix {prefix!r} is {Payload._prefixes[prefix].__name__}'s already")
        Payload._prefixes[prefix] = cls
        cls.prefix = prefix

    def pack(self) -> str:
        values = [_text(getattr(self, field.name)) for field in fields(self)]  # type: ignore[arg-type]
        if any(not value or SEP in value for value in values):
            raise ValueError(f"a {type(self).__name__} value is empty or holds {SEP!r}: {values}")
        packed = SEP.join([self.prefix, *values])
        if not packed.isascii() or len(packed.encode()) > LIMIT:
            raise ValueError(f"payload {packed!r} is not 1-{LIMIT} bytes of ASCII")
        return packed

    def __str__(self) -> str:
        return self.pack()

    @classmethod
    def unpack(cls, payload: str | None) -> Self | None:
        """This type's values from a payload; None if it is not one of this type."""
        if not payload or not payload.startswith(cls.prefix + SEP):
            return None
        values = payload[len(cls.prefix) + 1 :].split(SEP)
        declared = fields(cls)  # type: ignore[arg-type]
        if len(values) != len(declared):
            return None
        types = get_type_hints(cls)
        parsed = {}
        for field, value in zip(declared, values, strict=True):
            converted = _value(types[field.name], value)
            if converted is None:
                return None
            parsed[field.name] = converted
        return cls(**parsed)


def _text(value: object) -> str:
    return value.value if isinstance(value, Enum) else str(value)


def _value(kind: type, text: str) -> object | None:
    if kind is int:
        return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else None
    if kind is str:
        return text or None
    if isinstance(kind, type) and issubclass(kind, Enum):
        return next((member for member in kind if member.value == text), None)
    raise TypeError(f"payload fields are int, str or an enum, not {kind!r}")


class Going(StrEnum):
    YES = "yes"
    NO = "no"


# -- what families' buttons carry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rsvp(Payload, prefix="rsvp"):
    """An answer to an invitation, from anywhere: its buttons come with invitations and reminders."""

    event: int
    going: Going


@dataclass(frozen=True)
class ShowTraining(Payload, prefix="training"):
    event: int


@dataclass(frozen=True)
class ShowCanteen(Payload, prefix="canteen"):
    opportunity: int


@dataclass(frozen=True)
class TipTopic(Payload, prefix="tips:topic"):
    topic: str


@dataclass(frozen=True)
class TipHour(Payload, prefix="tips:hour"):
    hour: int


@dataclass(frozen=True)
class QuizChoice(Payload, prefix="quiz"):
    question: str
    choice: int


# -- what the staff chat's buttons carry --------------------------------------------------------------------


@dataclass(frozen=True)
class ShowAnnouncement(Payload, prefix="announcement"):
    announcement: int


@dataclass(frozen=True)
class ShowEvent(Payload, prefix="event"):
    event: int


@dataclass(frozen=True)
class Came(Payload, prefix="event:came"):
    family: int


@dataclass(frozen=True)
class NotCame(Payload, prefix="event:not-came"):
    """A family marked as having come by mistake: choosing her again takes the mark back."""

    family: int


@dataclass(frozen=True)
class ShowOpportunity(Payload, prefix="canteens:show"):
    opportunity: int


@dataclass(frozen=True)
class ShowApplication(Payload, prefix="canteens:applicant"):
    application: int


@dataclass(frozen=True)
class Decide(Payload, prefix="canteens:decide"):
    status: ApplicationStatus


@dataclass(frozen=True)
class ShowFamily(Payload, prefix="registration"):
    family: int


@dataclass(frozen=True)
class OfficeChoice(Payload, prefix="office"):
    """An office chosen in a form (its code); "office:all" is every office, a choice of its own."""

    code: str


@dataclass(frozen=True)
class StageChoice(Payload, prefix="stage"):
    stage: SchoolStage
