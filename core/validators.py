"""Checking what people type for a name, a Saudi national ID and a Saudi mobile number.

Each parser takes normalised text (ASCII digits) and returns the value to store, or raises Invalid
with a short message in the person's language that says what is wrong.
"""

from __future__ import annotations

import re

from core.i18n import _, ngettext
from core.text import ascii_digits_only, normalise


class Invalid(Exception):
    """An answer we cannot accept; the message (already translated) says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_LETTER = r"(?:[^\W\d_]|[\u064b-\u0652\u0670])"  # a letter, or an Arabic vowel mark on it
_NAME_PART = re.compile(rf"^{_LETTER}+(?:['’-]{_LETTER}+)*$")
_NUMBER_JUNK = re.compile(r"[\s\-().]")


# What she writes before her name to introduce it, and marks around it: «اسمي نورة», "my name is Amal 🌸".
_INTRODUCED = re.compile(
    r"^(?:(?:السلام عليكم|مرحبا|هلا)\S*\s+)?(?:(?:انا|أنا)\s+)?"
    r"(?:(?:اكتبوا|اكتبي|اكتب|سجلوا|سجلي|سجل)\s+(?=(?:اسمي|إسمي)\s))?"
    r"(?:(?:اسمي|إسمي)(?:\s+(?:الكامل|هو))?\s+)?"
    r"|^(?:hi\s+)?(?:my (?:full )?name is|i am|i'm)\s+",
    re.IGNORECASE,
)
_AROUND = re.compile(r"^[^\w]+|[^\w]+$")
KUNYA = ("ام", "أم", "ابو", "أبو", "بنت", "ابن")  # «أم فهد»: mother of Fahd, a name she is called by


def person_name(text: str) -> str:
    """A full name: at least two words of letters (Arabic or Latin), up to 100 characters; what she wrote to
    introduce it («اسمي», "my name is") and marks around it (🌸) are not part of it."""
    name = _AROUND.sub("", _INTRODUCED.sub("", normalise(text))).strip() or normalise(text)
    parts = name.split(" ")
    if any(not _NAME_PART.match(part) for part in parts):
        raise Invalid(_("A name can only contain letters. Please type your full name."))
    if len(parts) < 2:
        raise Invalid(_("Please type your full name: your first name and your family name at least."))
    if len(name) > 100:
        raise Invalid(_("That name is too long. Please type it in 100 letters or fewer."))
    return name


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def with_check_digit(body: str) -> str:
    """The nine digits with the Luhn check digit that makes them a valid ten-digit ID (for test data)."""
    return body + next(digit for digit in "0123456789" if luhn_valid(body + digit))


def the_number(text: str) -> str:
    """The one number in what she wrote, if words surround it («جوالي ٠٥٥٥١٢٣٤٥٦», "رقم الهوية 1…"); else
    the whole of it (two numbers, or none: the question says what is wrong)."""
    typed = normalise(text)
    found = _A_NUMBER.findall(typed)
    return found[0] if len(found) == 1 and re.search(r"[^\W\d_]", typed) else typed


_A_NUMBER = re.compile(r"(?:\+|00)?\d[\d\s\-().]*\d")


def first_name(full_name: str) -> str:
    """The name to greet her by: her first, or her kunya whole («أم فهد», not «أم»)."""
    parts = full_name.split(" ")
    first = " ".join(parts[:2]) if len(parts) > 1 and parts[0] in KUNYA else parts[0]
    return first[:1].upper() + first[1:]  # "mary" → "Mary"; Arabic has no capitals


def saudi_national_id(text: str) -> str:
    """Ten digits, starting with 1 (citizen) or 2 (resident), with a valid check digit (Luhn)."""
    digits = _NUMBER_JUNK.sub("", the_number(text))
    if not ascii_digits_only(digits):
        raise Invalid(_("The ID number should contain digits only. Please type the 10 digits."))
    if len(digits) != 10:
        raise Invalid(
            ngettext(
                "You typed %(count)d digit; the ID number has 10.",
                "You typed %(count)d digits; the ID number has 10.",
                len(digits),
            )
        )
    if digits[0] not in "12":
        raise Invalid(_("A Saudi ID number starts with 1, and a residence (iqama) number with 2."))
    if not luhn_valid(digits):
        raise Invalid(_("This ID number is not valid. Please check the digits and type it again."))
    return digits


def saudi_mobile(text: str) -> str:
    """A Saudi mobile number in any usual form (05…, 5…, 9665…, +9665…, 009665…) → +9665XXXXXXXX."""
    digits = _NUMBER_JUNK.sub("", the_number(text))
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if not ascii_digits_only(digits):
        raise Invalid(_("The mobile number should contain digits only, like 05XXXXXXXX."))
    if digits.startswith("966"):
        national = digits[3:]
    elif digits.startswith("05"):
        national = digits[1:]
    else:
        national = digits
    if len(national) != 9 or not national.startswith("5"):
        raise Invalid(_("Please type a Saudi mobile number: 10 digits starting with 05, like 05XXXXXXXX."))
    return f"+966{national}"


LARGEST_COUNT = 100_000  # of places, of students: more is a slip of the keyboard (the columns hold 2**31)


def count_of(text: str, wrong: str) -> int:
    """A count typed in any digits, up to LARGEST_COUNT; Invalid with `wrong` if it is not a whole number."""
    cleaned = normalise(text)
    if not ascii_digits_only(cleaned):
        raise Invalid(wrong)
    if len(cleaned.lstrip("0")) > len(str(LARGEST_COUNT)) or int(cleaned) > LARGEST_COUNT:
        raise Invalid(_("Please type a number of at most %(largest)s.", largest=LARGEST_COUNT))
    return int(cleaned)


def mask(identifier: str, visible: int = 4) -> str:
    """An ID or number shown without its first digits: ******1234."""
    return "*" * max(len(identifier) - visible, 0) + identifier[-visible:]
