"""How our languages are written, for comparing what people type: digits of every script, the marks phones
insert, Arabic's interchangeable letters (hamza forms, taa marbuta, alif maqsura) and its diacritics.

Here, below every other package, because both what people type (`conversations.text`) and what staff search
for (`storage.beneficiaries`' search keys) are folded the same way.
"""

from __future__ import annotations

import re

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
# Marks that phones insert around numbers and mixed-direction text, and the decorative tatweel.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u0640\u200b"),
    None,
)
_SPACES = re.compile(r"\s+")
# Spelling variants that people use interchangeably when typing a word we match.
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_HARAKAT = re.compile("[\u064b-\u0652\u0670]")


def normalise(text: str) -> str:
    """What a person typed, with ASCII digits, no invisible marks and single spaces."""
    return _SPACES.sub(" ", text.translate(_DIGITS).translate(_INVISIBLE)).strip()


def fold(text: str) -> str:
    """A key for comparing words: case, hamza forms, taa marbuta, diacritics and punctuation ignored."""
    folded = _HARAKAT.sub("", normalise(text).casefold()).translate(_LETTERS)
    folded = re.sub(r"[^\w\s+]", "", folded)
    return _SPACES.sub(" ", folded).strip()
