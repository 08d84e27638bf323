"""How values read on a console page: times in Riyadh with the Hijri date beside, IDs masked."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_timedelta
from sqlalchemy.orm import Session

from core.dates import RIYADH, hijri_date, hours_text, long_date, long_time, short_stamp, short_time
from core.domain import Product
from core.i18n import LazyText, _, current_language, npgettext
from office import audit, offices, words
from office.errors import Refused
from storage.audit import Line
from storage.models import Beneficiary, Event


def riyadh(moment: datetime | None) -> str:
    """«30 نوفمبر 2026 (19 جمادى الآخرة 1448 هـ) 09:15»; empty for no time."""
    if moment is None:
        return ""
    return f"{long_date(moment)} {short_time(moment)}"


def hijri(moment: datetime) -> str:
    """Its day in the Hijri calendar, in her language (empty outside the tables)."""
    return hijri_date(moment.astimezone(RIYADH).date(), current_language()) or ""


def local_mobile(mobile: str) -> str:
    """A Saudi mobile as staff write it: 0551234567 (stored +966551234567)."""
    return "0" + mobile.removeprefix("+966") if mobile.startswith("+9665") else mobile


def masked(national_id: str) -> str:
    """The last four digits only, as the chat shows it."""
    return "******" + national_id[-4:] if national_id else ""


FILTERS: dict[str, Callable[..., Any]] = {
    "riyadh": riyadh,
    "hijri": hijri,
    "masked": masked,
    "local_mobile": local_mobile,
}


def problems(refused: Refused) -> str:
    """What is wrong, in her words (without the names of fields, which are the code's)."""
    return " ".join(problem.message for problem in refused.problems)


def by_field(refused: Refused) -> tuple[dict[str, str], str | None]:
    """What is wrong, beside each field of a form it is about (named as the office action names it), and
    what is about none of them."""
    beside: dict[str, str] = {}
    for problem in refused.problems:
        if problem.field is not None:
            beside.setdefault(problem.field, problem.message)
    general = " ".join(problem.message for problem in refused.problems if problem.field is None)
    return beside, general or None


def office_choices(session: Session) -> list[tuple[str, str]]:
    """Every office, active or not, (code, name in her language): for filters and names."""
    language = current_language()
    return [(office.code, office.name(language)) for office in offices.listing(session)]


def active_office_choices(session: Session) -> list[tuple[str, str]]:
    """The active offices, (code, name in her language): for choosing one to give something to."""
    language = current_language()
    return [(office.code, office.name(language)) for office in offices.listing(session) if office.active]


def verification(family: Beneficiary) -> str:
    return str(words.VERIFICATION[family.verification])


def school_stage(code: str) -> str:
    return str(words.STAGES[code]) if code in words.STAGES else code


def product(code: str) -> str:
    return str(words.PRODUCT_LABELS[Product(code)])


def office_name(family: Beneficiary) -> str:
    return family.office.name(current_language())


def changed(asked: Mapping[str, str], **changes: object) -> str:
    """The page's query with some values changed: a link to another page or order of the same list."""
    return urlencode({**asked, **{name: str(value) for name, value in changes.items()}})


def what(line: Line) -> str:
    """An entry of her history in words: the action, how it ended, and the reason given."""
    said = words.said(words.ACTIONS, line.action)
    if words.USUAL_OUTCOMES.get(line.action) != line.outcome:
        said += f": {words.said(words.OUTCOMES, line.outcome)}"
    reason = (line.details or {}).get("reason")
    return f"{said} («{reason}»)" if reason else said


def duration(delta: timedelta) -> str:
    """A wait as people say it: "3 hours", "20 minutes", in her language."""
    if delta < timedelta(minutes=1):
        return _("a moment")
    return format_timedelta(delta, granularity="minute", threshold=1.5, locale=current_language())


# After a word like "for" or "within" («منذ», «في أقل من»), Arabic says a wait in the genitive («منذ ساعتين»,
# not CLDR's «ساعتان»): our own words for each unit, the largest that is at least 1.5 of it, as `duration`.
_UNITS: tuple[tuple[timedelta, Callable[[int], str]], ...] = (
    (timedelta(days=365), lambda n: npgettext("after for", "%(count)d year", "%(count)d years", n)),
    (timedelta(days=30), lambda n: npgettext("after for", "%(count)d month", "%(count)d months", n)),
    (timedelta(days=7), lambda n: npgettext("after for", "%(count)d week", "%(count)d weeks", n)),
    (timedelta(days=1), lambda n: npgettext("after for", "%(count)d day", "%(count)d days", n)),
    (timedelta(hours=1), lambda n: npgettext("after for", "%(count)d hour", "%(count)d hours", n)),
    (timedelta(minutes=1), lambda n: npgettext("after for", "%(count)d minute", "%(count)d minutes", n)),
)


def duration_after(delta: timedelta) -> str:
    """A wait as said after "for" or "within": "for 2 hours", «منذ ساعتين», «في أقل من 3 أيام»."""
    if delta < timedelta(minutes=1):
        return _("a moment")
    for unit, counted in _UNITS:
        if delta / unit >= 1.5 or unit == _UNITS[-1][0]:
            return counted(max(1, round(delta / unit)))
    raise AssertionError("the last unit is always taken")


def bidi(text: str) -> str:
    """A name of unknown direction (a Latin login) isolated inside a line of the other direction (Unicode's
    first-strong isolate: plain text, so it goes through a translated sentence and its escaping)."""
    return f"\u2068{text}\u2069"


def channel_name(channel: str) -> str:
    return words.said(words.CHANNEL_NAMES, channel)


def target(line: Line) -> str:
    """What an entry of the audit log touched, in words, with its number."""
    named = words.said(words.TARGETS, line.target)
    return f"{named} {line.target_id}" if line.target_id is not None else named


def title(event: Event) -> str:
    return event.title_en if current_language() == "en" and event.title_en else event.title_ar


_TIME_RANGE = re.compile(r"\d{1,2}:\d{2}\s*[–-]\s*\d{1,2}:\d{2}")


def left_to_right(text: str) -> str:
    """Each "08:00–14:00" of the text kept in its order inside Arabic (isolated left to right: the bidi
    algorithm would otherwise show "14:00–08:00"); the marks are invisible, and ignored when read back."""
    return _TIME_RANGE.sub(lambda found: f"\u2066{found.group()}\u2069", text)


def hours(periods: list[dict[str, Any]]) -> str:
    """Opening hours as they can be typed back (in her language)."""
    return left_to_right(hours_text(periods, current_language())) if periods else ""


def _words(table: Mapping[str, LazyText]) -> Callable[[str], str]:
    return lambda value: words.said(dict(table), value)


FILTERS.update(
    {
        "verification": verification,
        "product": product,
        "school_stage": school_stage,
        "office_name": office_name,
        "changed": changed,
        "who": audit.who,
        "hours": hours,
        "what": what,
        "target": target,
        "duration": duration,
        "duration_after": duration_after,
        "topic": _words(words.TOPICS),
        "file_kind": _words(words.FILE_KINDS),
        "channel_name": channel_name,
        "bidi": bidi,
        "title": title,
        "guest_answer": _words(words.GUEST_ANSWERS),
        "application_status": _words(words.APPLICATION_STATUSES),
        "message_kind": _words(words.MESSAGE_KINDS),
        "message_outcome": _words(words.MESSAGE_OUTCOMES),
        "stage": _words(words.ANNOUNCEMENT_STAGES),
        "long_time": long_time,
        "clock": short_time,
        "day": long_date,
        "short_stamp": lambda moment: f"\u2066{short_stamp(moment)}\u2069",  # kept left to right
    }
)
