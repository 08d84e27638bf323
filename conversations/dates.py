"""Dates as people here read them: the Gregorian date with the Umm al-Qura Hijri date beside it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date
from hijridate import Gregorian

from conversations.i18n import _, current_language
from conversations.text import normalise

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


_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%Y/%m/%d %H:%M", "%d-%m-%Y %H:%M")


def parse_local_time(text: str, zone: ZoneInfo = RIYADH) -> datetime | None:
    """A date and time as staff type them, in `zone`: "2026-12-03 09:00" or "3/12/2026 9:00", digits of
    any script; None if it is not one."""
    cleaned = normalise(text).replace("،", " ").replace(",", " ")
    cleaned = " ".join(cleaned.split())
    for pattern in _TIME_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    return None


def long_time(moment: datetime, zone: ZoneInfo = RIYADH) -> str:
    """The day (Gregorian and Hijri) and the hour in `zone`: "3 December 2026 (…), 09:00 Riyadh time"."""
    return _(
        "%(day)s, %(time)s Riyadh time", day=long_date(moment, zone), time=f"{moment.astimezone(zone):%H:%M}"
    )
