"""What an option carries, typed: `prefix:value:value`, packed and read here alone (aiogram's CallbackData is
the model). Every option a flow offers has a type:

- a small frozen dataclass for an option about something (`ShowEvent(4)` packs as "event:4");
- `Options`, an enum of a screen's fixed options (`StaffMenu.EVENTS` packs as "staff:events").

Each type has a prefix of its own, checked when it is declared. `parse` reads any payload back as the type it
was packed from, and gives None for anything else; the Telegram limit (1-64 bytes of ASCII) is checked when a
payload is packed.

Stale and forged payloads are refused before a flow sees them: the engine accepts a button's payload only if
it is among the options offered with the question on screen (`Turn.say` keeps them), so a flow only ever
reads what it offered.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum, StrEnum
from functools import lru_cache
from typing import Any, ClassVar, Self, TypeVar, dataclass_transform, get_type_hints

P = TypeVar("P", bound="Payload")
SEP = ":"
LIMIT = 64  # Telegram's callback_data, in bytes


@dataclass_transform(frozen_default=True)
class Payload:
    """Base of the payload types: a prefix, then each field's value in order. A payload type is a frozen
    dataclass without saying so, as aiogram's CallbackData is: `class ShowEvent(Payload, prefix="event")`
    with its fields."""

    prefix: ClassVar[str]
    _prefixes: ClassVar[dict[str, type[Payload]]] = {}

    def __init_subclass__(cls, prefix: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if prefix is None:  # a kind of payload (`Options`), not one of its own
            return
        if not prefix or not prefix.isascii():
            raise TypeError(f"a payload prefix is ASCII, not {prefix!r}")
        if prefix in Payload._prefixes:
            raise TypeError(f"payload prefix {prefix!r} is {Payload._prefixes[prefix].__name__}'s already")
        Payload._prefixes[prefix] = cls
        cls.prefix = prefix
        if not issubclass(cls, Enum):
            dataclass(frozen=True)(cls)
        parse.cache_clear()  # a payload no type read before may be this one's

    def pack(self) -> str:
        return _packed(self.prefix, [_text(getattr(self, name)) for name, _kind in _fields(type(self))])

    @classmethod
    def unpack(cls, payload: Payload | str | None) -> Self | None:
        """This type's values from a payload (packed, or already read); None if it is not one of this type."""
        if isinstance(payload, Payload):
            return payload if isinstance(payload, cls) else None
        if not payload or not payload.startswith(cls.prefix + SEP):
            return None
        return cls._read(payload[len(cls.prefix) + 1 :])

    @classmethod
    def _read(cls, packed: str) -> Self | None:
        """This type's values from what follows the prefix; None if they are not its."""
        values = packed.split(SEP)
        declared = _fields(cls)
        if len(values) != len(declared):
            return None
        parsed = {}
        for (name, kind), value in zip(declared, values, strict=True):
            converted = _value(kind, value)
            if converted is None:
                return None
            parsed[name] = converted
        return cls(**parsed)


_FIELDS: dict[type, tuple[tuple[str, type], ...]] = {}
_PACKED: dict[Payload, str] = {}  # each option of a screen, packed once


def _fields(kind: type) -> tuple[tuple[str, type], ...]:
    """A payload type's fields and their types, in order (worked out once: `get_type_hints` is slow)."""
    if kind not in _FIELDS:
        types = get_type_hints(kind)
        _FIELDS[kind] = tuple((field.name, types[field.name]) for field in fields(kind))
    return _FIELDS[kind]


def kept(kind: type[P], packed: str) -> P:
    """A payload kept packed (a form's answer), read back as the type it must be (else a ValueError)."""
    found = kind.unpack(packed)
    if found is None:
        raise ValueError(f"{packed!r} is not a {kind.__name__}")
    return found


class Options(Payload, StrEnum):
    """A screen's fixed options, as an enum with a prefix: `class StaffMenu(Options, prefix="staff")`."""

    def pack(self) -> str:
        return _PACKED.get(self) or _PACKED.setdefault(self, _packed(self.prefix, [self.value]))

    # One screen's option is never another's, though both may be "back": its type is part of what it is.
    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__

    @classmethod
    def _read(cls, packed: str) -> Self | None:
        return next((member for member in cls if member.value == packed), None)


@lru_cache(maxsize=8192)  # payloads are immutable, and the same few are read again and again
def parse(payload: str | None) -> Payload | None:
    """Any payload, as the type it was packed from; None for what no type packs (longer prefixes first:
    "event:came:4" is `Came`'s, before "event"'s)."""
    if not payload:
        return None
    for prefix in _by_first_word().get(payload.partition(SEP)[0], ()):
        if payload.startswith(prefix + SEP):
            found = Payload._prefixes[prefix].unpack(payload)
            if found is not None:
                return found
    return None


# A prefix's first word → the prefixes it starts, longest first; worked out again when a type is declared,
# whole and then swapped in (a turn may read payloads on the event loop's thread or the database's).
_first_words: tuple[int, dict[str, list[str]]] = (0, {})


def _by_first_word() -> dict[str, list[str]]:
    global _first_words
    counted, index = _first_words
    if counted != len(Payload._prefixes):
        index = {}
        for prefix in sorted(Payload._prefixes, key=len, reverse=True):
            index.setdefault(prefix.partition(SEP)[0], []).append(prefix)
        _first_words = (len(Payload._prefixes), index)
    return index


def _packed(prefix: str, values: list[str]) -> str:
    if any(not value or SEP in value for value in values):
        raise ValueError(f"a {prefix!r} payload value is empty or holds {SEP!r}: {values}")
    packed = SEP.join([prefix, *values])
    if not packed.isascii() or len(packed.encode()) > LIMIT:
        raise ValueError(f"payload {packed!r} is not 1-{LIMIT} bytes of ASCII")
    return packed


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


class YesNo(StrEnum):
    """Yes or no, wherever a payload carries one (an invitation's answer, a form's yes/no question)."""

    YES = "yes"
    NO = "no"


# -- what the messages we send first carry: they answer from anywhere --------------------------------------


class Rsvp(Payload, prefix="rsvp"):
    """An answer to an invitation, from anywhere: its buttons come with invitations and reminders."""

    event: int
    going: YesNo
