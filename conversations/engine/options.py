"""Recognising which offered option a person meant: "1", "١", the label in either language, or a button."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from core.text import ascii_digits_only, fold, normalise

_LISTS = re.compile(r"[,،;؛/&+]+")  # what separates the items of a list
_WORDS = re.compile(r"\s+(?:and|و)\s+|\s+")  # and, within an item, "1 3" or "1 and 3"


def offered_payloads(offered: Sequence[dict[str, Any]]) -> list[str]:
    return [str(option["payload"]) for option in offered]


def match_one(offered: Sequence[dict[str, Any]], text: str, *, partial: bool = True) -> str | None:
    """The payload of the option `text` names, by number, label or payload (or, with `partial`, by words of
    one label); None if it names none."""
    cleaned = normalise(text).rstrip(".)-")
    if ascii_digits_only(cleaned):
        if offered and offered[0].get("unnumbered"):
            return None  # the screen said a number is an answer of its own
        number = int(cleaned)
        return str(offered[number - 1]["payload"]) if 1 <= number <= len(offered) else None
    key = fold(cleaned)
    if not key:
        return None
    for option in offered:
        if key in option["labels"] or key == fold(str(option["payload"])):
            return str(option["payload"])
    return _by_its_words(offered, key) if partial else None


SHORTEST_WORD = 3  # shorter ones ("no", "و") say too little to pick an option by
# An option that says "not", or deletes, is chosen by its number or whole label only: "أحضر" must not pick
# "لن أحضر", nor «حسابي», typed again on the account screen, pick «امسحي حسابي».
DELETING = ("delete", "erase", "احذف", "احذفي", "حذف", "امسح", "امسحي", "مسح")  # an option that deletes
_WHOLE_LABEL_ONLY = frozenset(
    fold(word) for word in ("not", "no", "don't", "لن", "لا", "لم", "ما", "غير", "بلا", "بدون", *DELETING)
)


def _by_its_words(offered: Sequence[dict[str, Any]], key: str) -> str | None:
    """The one option whose label has every word she typed, or a word each typed word begins: "primary"
    for "Primary school", "التالي" for "النصيحة التالية". None when no option, or more than one, fits."""
    typed = key.split(" ")
    if any(len(word) < SHORTEST_WORD for word in typed):
        return None
    fitting = {
        str(option["payload"])
        for option in offered
        if not any(_WHOLE_LABEL_ONLY.intersection(label.split(" ")) for label in option["labels"])
        for label in option["labels"]
        if all(any(word.startswith(part) for word in label.split(" ")) for part in typed)
    }
    return fitting.pop() if len(fitting) == 1 else None


def match_many(offered: Sequence[dict[str, Any]], text: str) -> list[str] | None:
    """Several options named at once ("1 3", "١،٣", "drinks, sewing"); None if any part names nothing."""
    chosen: list[str] = []
    for item in (part.strip() for part in _LISTS.split(normalise(text))):
        if not item:
            continue
        whole = match_one(offered, item)  # a label may itself contain "and": "Baked goods and sweets"
        named = (
            [whole]
            if whole is not None
            else [match_one(offered, word) for word in _WORDS.split(item) if word]
        )
        if not named or None in named:
            return None
        chosen.extend(choice for choice in named if choice is not None)
    return list(dict.fromkeys(chosen)) or None
