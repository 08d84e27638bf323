"""Dates and times, read and shown in one place.

- `RIYADH`, the offices' zone;
- for people: the Gregorian date with the Umm al-Qura Hijri date beside it (`long_date`, `long_time`);
- for staff's lists, logs and files: `short_time`, `short_stamp`, `short_day`;
- what staff type (`parse_day`, `parse_local_time`, `parse_deadline`, `parse_end`);
- offices' opening hours, and hours as families say them («بعد العصر»)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names
from hijridate import Gregorian

from core.i18n import _, current_language
from core.text import fold, normalise

RIYADH = ZoneInfo("Asia/Riyadh")


def hijri_date(day: date, language: str) -> str | None:
    """15 شعبان 1439 هـ / 15 Sha'ban 1439 AH; None outside the Umm al-Qura tables (1343–1500 AH)."""
    try:
        hijri = Gregorian(day.year, day.month, day.day).to_hijri()
    except OverflowError:
        return None
    names: Literal["ar", "en"] = "ar" if language == "ar" else "en"
    return f"{hijri.day} {hijri.month_name(names)} {hijri.year} {hijri.notation(names)}"


def long_date(moment: datetime | date, zone: ZoneInfo = RIYADH) -> str:
    """The day in the reader's language, Gregorian then Hijri: "1 May 2018 (15 Sha'ban 1439 AH)"."""
    day = moment.astimezone(zone).date() if isinstance(moment, datetime) else moment
    language = current_language()
    gregorian = format_date(day, format="long", locale=language)
    hijri = hijri_date(day, language)
    return _("%(gregorian)s (%(hijri)s)", gregorian=gregorian, hijri=hijri) if hijri else gregorian


# Staff type dates and times in many ways, and spreadsheets give them as cells: every surface (the chat, the
# command line, imported files) reads them here. Riyadh time; digits of any script.
_DAY_FORMATS = ("%Y-%m-%d", "%d-%m-%Y")
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%d-%m-%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
)
END_OF_DAY = time(23, 59)


def _cleaned(text: str) -> str:
    cleaned = normalise(text).replace("،", " ").replace(",", " ").replace("/", "-")
    return " ".join(cleaned.split())


def parse_day(text: str) -> date | None:
    """A day as staff type it: "2027-01-10", "10/1/2027", "2027/1/10", any digits; None if it is not one."""
    cleaned = _cleaned(text)
    for pattern in _DAY_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    return None


def parse_local_time(text: str, zone: ZoneInfo = RIYADH) -> datetime | None:
    """A date and time as staff type them, in `zone`: "2026-12-03 09:00", "3/12/2026 9:00", ISO, digits of
    any script; None if it is not one."""
    cleaned = _cleaned(text)
    for pattern in _TIME_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    return None


def parse_deadline(text: str, zone: ZoneInfo = RIYADH) -> datetime | None:
    """A last day ("2026-12-15": until 23:59 that day) or a day and time."""
    moment = parse_local_time(text, zone)
    if moment is None and (day := parse_day(text)) is not None:
        moment = datetime.combine(day, END_OF_DAY, tzinfo=zone)
    return moment


def parse_end(text: str, start: datetime, zone: ZoneInfo = RIYADH) -> datetime | None:
    """The end of something that starts at `start`: a time the same day ("12:00"), or a day and time."""
    cleaned = _cleaned(text)
    hours, colon, minutes = cleaned.partition(":")
    if colon and hours.isdigit() and minutes.isdigit() and len(cleaned) <= 5:
        try:
            return datetime.combine(
                start.astimezone(zone).date(), time(int(hours), int(minutes)), tzinfo=zone
            )
        except ValueError:
            return None
    return parse_local_time(cleaned, zone)


def long_time(moment: datetime, zone: ZoneInfo = RIYADH) -> str:
    """The day (Gregorian and Hijri) and the hour in `zone`: "3 December 2026 (…), 09:00 Riyadh time"."""
    return _("%(day)s, %(time)s Riyadh time", day=long_date(moment, zone), time=short_time(moment, zone))


# The short forms staff read in lists, logs and files, digits as typed: "09:00", "2026-12-03 09:00",
# "2026-12-03". A moment is shown in `zone` (Riyadh's); a moment without a zone is taken as already there.


def short_time(moment: datetime, zone: ZoneInfo = RIYADH) -> str:
    return f"{_local(moment, zone):%H:%M}"


def short_stamp(moment: datetime, zone: ZoneInfo = RIYADH) -> str:
    return f"{_local(moment, zone):%Y-%m-%d %H:%M}"


def short_day(moment: datetime | date, zone: ZoneInfo = RIYADH) -> str:
    return f"{_local(moment, zone) if isinstance(moment, datetime) else moment:%Y-%m-%d}"


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment if moment.tzinfo is None else moment.astimezone(zone)


# Opening hours as staff type them: "sun-thu 08:00-14:00; sat 09:00-12:00" (English or Arabic day names,
# «الأحد إلى الخميس 08:00 - 14:00؛ السبت …»); stored as data, days numbered as Python's (Monday 0 … Sunday 6).
_ENGLISH_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ARABIC_DAYS = ("الاثنين", "الثلاثاء", "الاربعاء", "الخميس", "الجمعه", "السبت", "الاحد")
_DAYS = {
    **{name: number for number, name in enumerate(_ENGLISH_DAYS)},
    **{name[:3]: number for number, name in enumerate(_ENGLISH_DAYS)},
    **{name: number for number, name in enumerate(_ARABIC_DAYS)},
    **{name.removeprefix("ال"): number for number, name in enumerate(_ARABIC_DAYS)},
    "اثنين": 0,
}
_PERIODS_APART = re.compile("[;؛,،]")
_TO = r"\s*(?:-|–|—|\bto\b|الى|إلى|حتى)\s*"
_PERIOD = re.compile(
    rf"(?P<days>.+?)\s+(?P<opens>\d{{1,2}}(?::\d{{2}})?){_TO}(?P<closes>\d{{1,2}}(?::\d{{2}})?)"
)


def parse_hours(text: str) -> list[dict[str, Any]] | None:
    """Opening hours, "sun-thu 08:00-14:00; sat 09:00-12:00"; [] for none typed; None if unreadable."""
    periods = [_period(part) for part in _hours_parts(text)]
    return None if None in periods else [period for period in periods if period is not None]


def unreadable_hours(text: str) -> str | None:
    """The first part of opening hours that cannot be read ("sat 14:00-09:00"); None if all can."""
    return next((part for part in _hours_parts(text) if _period(part) is None), None)


def _hours_parts(text: str) -> list[str]:
    return [part.strip() for part in _PERIODS_APART.split(normalise(text)) if part.strip()]


def _period(part: str) -> dict[str, Any] | None:
    found = _PERIOD.fullmatch(part)
    if found is None:
        return None
    names = [fold(name) for name in re.split(_TO, found["days"]) if name.strip()]
    days = _day_range(*(_DAYS.get(name) for name in names)) if 1 <= len(names) <= 2 else None
    opening, closing = _clock(found["opens"]), _clock(found["closes"])
    if days is None or opening is None or closing is None or closing <= opening:
        return None
    return {"days": days, "opens": f"{opening:%H:%M}", "closes": f"{closing:%H:%M}"}


def _day_range(start: int | None, end: int | None = -1) -> list[int] | None:
    """The days from `start` to `end` (one day when no end is given), through the end of the week."""
    end = start if end == -1 else end
    if start is None or end is None:
        return None
    return [(start + step) % 7 for step in range((end - start) % 7 + 1)]


def _clock(text: str) -> time | None:
    hours, _sep, minutes = text.strip().partition(":")
    minutes = minutes or "0"
    if not (hours.isdigit() and minutes.isdigit()):
        return None
    try:
        return time(int(hours), int(minutes))
    except ValueError:
        return None


def hours_text(hours: list[dict[str, Any]], language: str) -> str:
    """ "Sunday–Thursday 08:00–14:00; Saturday 09:00–12:00", in the reader's language."""
    names = get_day_names("wide", locale=language)
    parts = []
    for period in hours:
        days = period["days"]
        span = names[days[0]] if len(days) == 1 else f"{names[days[0]]}–{names[days[-1]]}"
        parts.append(f"{span} {period['opens']}–{period['closes']}")
    return "؛ ".join(parts) if language == "ar" else "; ".join(parts)


def is_open(hours: list[dict[str, Any]], moment: datetime, zone: ZoneInfo = RIYADH) -> bool | None:
    """Whether opening hours cover `moment` (in the office's zone); None when no hours are known."""
    if not hours:
        return None
    local = moment.astimezone(zone)
    now = f"{local:%H:%M}"
    return any(
        local.weekday() in period["days"] and period["opens"] <= now < period["closes"] for period in hours
    )


def working_hours_between(
    hours: list[dict[str, Any]], start: datetime, end: datetime, zone: ZoneInfo = RIYADH
) -> float:
    """How many of an office's opening hours passed between two moments (every hour, when none are known)."""
    if end <= start:
        return 0.0
    if not hours:
        return (end - start).total_seconds() / 3600
    total, day = 0.0, start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        for period in hours:
            if day.weekday() not in period["days"]:
                continue
            opens = datetime.combine(day, time.fromisoformat(period["opens"]), tzinfo=zone)
            closes = datetime.combine(day, time.fromisoformat(period["closes"]), tzinfo=zone)
            overlap = min(closes, end) - max(opens, start)
            total += max(overlap.total_seconds(), 0.0) / 3600
        day += timedelta(days=1)
    return total


# -- an hour as she says it ("٤ العصر", "بعد المغرب", "9 ونص", "4 pm", "noon") ------------------------------

_Period = tuple[str, int]  # which half of the day a word puts a number in ("am", "pm"), and its hour alone
_PERIODS: dict[str, _Period] = {
    **dict.fromkeys(
        ("am", "ص", "صباحا", "صباح", "الصبح", "الصباح", "صبح", "morning", "الضحى", "ضحى"), ("am", 9)
    ),
    **dict.fromkeys(("الفجر", "فجر", "fajr"), ("am", 5)),
    **dict.fromkeys(("noon", "midday", "الظهر", "ظهرا", "ظهر", "الظهريه", "dhuhr"), ("noon", 12)),
    **dict.fromkeys(("afternoon", "العصر", "عصرا", "عصر", "asr"), ("pm", 16)),
    **dict.fromkeys(("المغرب", "مغرب", "مغربا", "maghrib"), ("pm", 18)),
    **dict.fromkeys(("العشاء", "العشا", "عشاء", "isha"), ("pm", 20)),
    **dict.fromkeys(("pm", "م", "مساء", "المساء", "مساءا", "evening"), ("pm", 20)),
    **dict.fromkeys(("بالليل", "الليل", "ليلا", "night"), ("night", 21)),
}
_CLOCK = re.compile(r"^\d{1,2}(?:[:.]\d{2})?$")  # 9, 16:00, 9.30
_AFTER = {5: 6, 12: 13, 16: 16, 18: 19, 20: 21}  # "after" a prayer: «بعد العصر» is about 16:00
_BEFORE = {5: 4, 12: 11, 16: 15, 18: 17, 20: 19}  # "before" one: «قبل المغرب» is about 17:00
_FILLER = frozenset(
    fold(word)
    for word in ("الساعة", "ساعة", "الساعه", "ساعه", "at", "around", "about", "حوالي", "تقريبا", "على", "في",
                 "the", "in", "o'clock", "oclock", "صلاة", "صلاه", "الصلاة", "الصلاه", "وقت", "prayer")
)  # fmt: skip
_HALF = frozenset(
    fold(word) for word in ("ونص", "ونصف", "نص", "نصف", "half", "and a half", "وربع", "الا ربع")
)
_NUMBER_WORDS = {
    fold(word): number
    for number, words in {
        1: ("واحد", "وحده", "one"), 2: ("ثنتين", "اثنين", "two"), 3: ("ثلاث", "ثلاثه", "three"),
        4: ("اربع", "اربعه", "four"), 5: ("خمس", "خمسه", "five"), 6: ("ست", "سته", "six"),
        7: ("سبع", "سبعه", "seven"), 8: ("ثمان", "ثمانيه", "ثمنيه", "eight"), 9: ("تسع", "تسعه", "nine"),
        10: ("عشر", "عشره", "ten"), 11: ("احدعش", "حداش", "احد عشر", "eleven"),
        12: ("اثنعش", "طنعش", "اثنا عشر", "twelve"),
    }.items()
    for word in words
}  # fmt: skip


def spoken_hour(text: str, open_hours: list[int]) -> int | None:
    """The hour of the day she means, 0-23, from how people say it: «٩», «الساعة ٥», «٤ العصر», «بعد العصر»,
    «بعد صلاة العشاء», «قبل المغرب»,
    «الظهر», «٩ ونص» (the hour it starts), «٧ المغرب», «8 الصبح», "at 9", "4 pm", "noon". A number alone
    is the hour of `open_hours` it can be (5 is 17:00 when 05:00 is in the quiet hours). None if unreadable;
    an hour outside `open_hours` is returned, for the caller to say what is allowed."""
    spaced = re.sub(r"(\d)(?=[^\d\s:.])", r"\1 ", normalise(text).lower()).replace("after", "بعد")
    tokens = spaced.replace("و نص", "ونص").split()
    words = [token if _CLOCK.match(token) else fold(token) for token in tokens]
    words = [word for word in words if word and word not in _FILLER]
    after = bool(words) and words[0] == "بعد"
    before = bool(words) and words[0] in ("قبل", "before")
    words = words[1:] if after or before else words
    number = period = None
    for word in words:
        if word in _HALF or (number is not None and word in ("و", "and", "a")):
            continue
        if _CLOCK.match(word) and number is None:
            number = int(re.split("[:.]", word)[0])
        elif word in _NUMBER_WORDS and number is None:
            number = _NUMBER_WORDS[word]
        elif word in _PERIODS and period is None:
            period = _PERIODS[word]
        else:
            return None  # a word that is not part of an hour
    if number is None:
        if period is None:
            return None
        alone = period[1]
        if before:
            return _BEFORE.get(alone, alone)
        return _AFTER.get(alone, alone) if after else alone
    if after or before or number > 24:
        return None
    if period is not None:
        half, _hour = period
        if half == "am" or (half == "noon" and number >= 11):
            return 0 if number == 12 and half == "am" else number
        if number == 12:
            return 0 if half == "night" else 12
        return number + 12 if number < 12 else number % 24
    if number in open_hours or number >= 12:
        return number % 24
    return number + 12 if number + 12 in open_hours else number


def off_the_hour(text: str) -> bool:
    """She named a time past the hour («٩ ونص», "9:30"), which `spoken_hour` reads as the hour it starts."""
    typed = normalise(text).lower()
    return bool(re.search(r"\d[:.](?!00)\d\d", typed)) or any(
        word in _HALF for word in fold(typed.replace("و نص", "ونص")).split()
    )
