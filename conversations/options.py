"""Recognising which offered option a person meant: "1", "١", the label in either language, or a button."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from conversations.text import ascii_digits_only, fold, normalise

_SEPARATORS = re.compile(r"[\s,،;؛/&+-]+|\band\b|\bو\b")


def payloads(offered: Sequence[dict[str, Any]]) -> list[str]:
    return [str(option["payload"]) for option in offered]


def match_one(offered: Sequence[dict[str, Any]], text: str) -> str | None:
    """The payload of the option `text` names, by number, label or payload; None if it names none."""
    cleaned = normalise(text).rstrip(".)-")
    if ascii_digits_only(cleaned):
        number = int(cleaned)
        return str(offered[number - 1]["payload"]) if 1 <= number <= len(offered) else None
    key = fold(cleaned)
    if not key:
        return None
    for option in offered:
        if key in option["labels"] or key == fold(str(option["payload"])):
            return str(option["payload"])
    return None


def match_many(offered: Sequence[dict[str, Any]], text: str) -> list[str] | None:
    """Several options named at once ("1 3", "١،٣", "drinks, sewing"); None if any part names nothing."""
    whole = match_one(offered, text)
    if whole is not None:
        return [whole]
    parts = [part for part in _SEPARATORS.split(normalise(text)) if part]
    chosen = [match_one(offered, part) for part in parts]
    if not chosen or any(choice is None for choice in chosen):
        return None
    return list(dict.fromkeys(choice for choice in chosen if choice is not None))
