"""Dates as people here read them: the Gregorian date with the Umm al-Qura Hijri date beside it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date
from hijridate import Gregorian

from conversations.i18n import _, current_language

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
