"""How values read on a console page: times in Riyadh with the Hijri date beside, IDs masked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from conversations.dates import RIYADH, long_date
from conversations.i18n import current_language
from office import offices, words
from storage.models import Beneficiary, Product


def riyadh(moment: datetime | None) -> str:
    """«30 نوفمبر 2026 (19 جمادى الآخرة 1448 هـ) 09:15»; empty for no time."""
    if moment is None:
        return ""
    return f"{long_date(moment)} {moment.astimezone(RIYADH):%H:%M}"


def masked(national_id: str) -> str:
    """The last four digits only, as the chat shows it."""
    return "******" + national_id[-4:] if national_id else ""


FILTERS: dict[str, Callable[..., Any]] = {"riyadh": riyadh, "masked": masked}


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
    return urlencode({**asked, **{name: str(value) for name, value in changes.items()}})


FILTERS.update(
    {"verification": verification, "product": product, "office_name": office_name, "changed": changed}
)
