"""How values read on a console page: times in Riyadh with the Hijri date beside, IDs masked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from conversations.dates import RIYADH, long_date
from conversations.i18n import LazyText, _, current_language
from office import offices, words
from office.errors import Refused
from storage.audit import Line
from storage.models import Beneficiary, Event, Product


def riyadh(moment: datetime | None) -> str:
    """«30 نوفمبر 2026 (19 جمادى الآخرة 1448 هـ) 09:15»; empty for no time."""
    if moment is None:
        return ""
    return f"{long_date(moment)} {moment.astimezone(RIYADH):%H:%M}"


def masked(national_id: str) -> str:
    """The last four digits only, as the chat shows it."""
    return "******" + national_id[-4:] if national_id else ""


FILTERS: dict[str, Callable[..., Any]] = {"riyadh": riyadh, "masked": masked}


def problems(refused: Refused) -> str:
    """What is wrong, in her words (without the names of fields, which are the code's)."""
    return " ".join(problem.message for problem in refused.problems)


def office_choices(session: Session) -> list[tuple[str, str]]:
    """The active offices, (code, name in her language), for a filter."""
    language = current_language()
    return [(office.code, office.name(language)) for office in offices.listing(session) if office.active]


def verification(family: Beneficiary) -> str:
    return str(words.VERIFICATION[family.verification])


def product(code: str) -> str:
    return str(words.PRODUCT_LABELS[Product(code)])


def office_name(family: Beneficiary) -> str:
    return family.office.name(current_language())


def changed(asked: Mapping[str, str], **changes: object) -> str:
    """The page's query with some values changed: a link to another page or order of the same list."""
    kept = {name: value for name, value in asked.items() if name != "verified_now"}  # said once
    return urlencode({**kept, **{name: str(value) for name, value in changes.items()}})


def who(line: Line) -> str:
    """Who made a change of her history: the staff member's name, the family, or the operator, in words."""
    if line.by_family:
        return _("the family")
    return line.staff_name or _("the operator")


def what(line: Line) -> str:
    """An entry of her history in words: the action, how it ended, and the reason given."""
    said = f"{words.said(words.ACTIONS, line.action)}: {words.said(words.OUTCOMES, line.outcome)}"
    reason = (line.details or {}).get("reason")
    return f"{said} («{reason}»)" if reason else said


def title(event: Event) -> str:
    return event.title_en if current_language() == "en" and event.title_en else event.title_ar


def _words(table: Mapping[str, LazyText]) -> Callable[[str], str]:
    return lambda value: words.said(dict(table), value)


FILTERS.update(
    {
        "verification": verification,
        "product": product,
        "office_name": office_name,
        "changed": changed,
        "who": who,
        "what": what,
        "title": title,
        "guest_answer": _words(words.GUEST_ANSWERS),
        "application_status": _words(words.APPLICATION_STATUSES),
        "message_kind": _words(words.MESSAGE_KINDS),
        "message_outcome": _words(words.MESSAGE_OUTCOMES),
    }
)
