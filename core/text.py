"""What people type and what we write, as text: digits of every script, the marks phones insert, Arabic's
interchangeable letters (hamza forms, taa marbuta, alif maqsura) and its diacritics; "none" typed for an
optional answer; lists and numbers as they read inside Arabic text.

`fold` is the one key for comparing words: what people type (options, intents) and what staff search for
(`storage.beneficiaries`' search keys) are folded the same way."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
# Marks that phones insert around numbers and mixed-direction text, and the decorative tatweel.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u0640\u200b"),
    None,
)
_SPACES = re.compile(r"\s+")
_KEYCAP = re.compile("([0-9#*])\ufe0f?\u20e3")  # «1️⃣»: a digit, a variation mark, the keycap around it
# Spelling variants that people use interchangeably when typing a word we match.
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_HARAKAT = re.compile("[\u064b-\u0652\u0670]")
# Any character that `normalise` changes besides spaces: found in a few µs, where translating a name takes 20.
_CHANGED = re.compile("[" + re.escape("".join(map(chr, [*_DIGITS, *_INVISIBLE]))) + "\u20e3\U0001f51f]")


def normalise(text: str) -> str:
    """What a person typed, with ASCII digits (a keycap «1️⃣» too), no invisible marks and single spaces."""
    if text.isascii() or not _CHANGED.search(text):  # most names and numbers: their spaces alone
        return _SPACES.sub(" ", text).strip()
    typed = _KEYCAP.sub(r"\1", text.translate(_DIGITS)).replace("🔟", "10")
    return _SPACES.sub(" ", typed.translate(_INVISIBLE)).strip()


def fold(text: str) -> str:
    """A key for comparing words: case, hamza forms, taa marbuta, diacritics and punctuation ignored."""
    return _fold_short(text) if len(text) <= _KEPT_FOLDED else _fold(text)


_KEPT_FOLDED = 200  # characters: an option's label, a word, a short message are folded once, kept in memory


def _fold(text: str) -> str:
    folded = _HARAKAT.sub("", normalise(text).casefold()).translate(_LETTERS)
    folded = re.sub(r"[^\w\s+]", "", folded)
    return _SPACES.sub(" ", folded).strip()


_fold_short = lru_cache(maxsize=16384)(_fold)


def ascii_digits_only(text: str) -> bool:
    """True when text is one or more of 0-9 (str.isdigit also accepts superscripts and other scripts)."""
    return text.isascii() and text.isdigit()  # of ASCII, 0-9 alone are digits


# What people type to skip an optional question instead of pressing its "No …" button.
_NOTHING = frozenset(
    fold(word)
    for word in (
        "none",
        "no",
        "nothing",
        "n/a",
        "no thanks",
        "لا",
        "لا يوجد",
        "لايوجد",
        "لا شيء",
        "لاشيء",
        "بدون",
        "ما في",
        "مافي",
        "ولا شي",
    )
)


def says_none(text: str) -> bool:
    """She typed "none", "لا يوجد", "-" … for an optional answer."""
    return text.strip() in ("-", "–", "—") or fold(text) in _NOTHING


def comma_list(items: Iterable[str], language: str) -> str:
    """Items one after another with the comma of the language (، in Arabic), as a name list reads."""
    return ("، " if language == "ar" else ", ").join(items)


# -- what we write: numbers that read as typed inside Arabic text ------------------------------------------

LRM = "\u200e"  # left-to-right mark: the widest supported of the direction marks (Telegram, WhatsApp)
_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
_LINK = re.compile(r"(https?://\S+)")
# A number as people read it: a mobile (+966…), a masked ID (******0008), a time or a span (08:00–14:00), a
# date (2026-12-01), a long number (an ID). Punctuation that ends a sentence is not part of it.
_NUMBER = re.compile(r"(?<![\w\u200e])[+*]*\d[\d*+\-–:/.]*(?<![.:/\-–])")


def directed(text: str) -> str:
    """Arabic text with each number that holds a sign, a star or a span, or five digits or more, between
    left-to-right marks: "+966551234567" and "******0008" display as typed, not "966551234567+" or
    "0008******"; "08:00–14:00" not "14:00–08:00". Links, short numbers and text without Arabic stay as
    they are."""
    if not _ARABIC_LETTER.search(text):
        return text
    return "".join(
        piece if index % 2 else _NUMBER.sub(_marked, piece) for index, piece in enumerate(_LINK.split(text))
    )


def _marked(found: re.Match[str]) -> str:
    number = found.group()
    if number.isdigit() and len(number) < 5:
        return number
    return f"{LRM}{number}{LRM}"
