"""How values read on a console page: times in Riyadh with the Hijri date beside, IDs masked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from conversations.dates import RIYADH, long_date


def riyadh(moment: datetime | None) -> str:
    """«30 نوفمبر 2026 (19 جمادى الآخرة 1448 هـ) 09:15»; empty for no time."""
    if moment is None:
        return ""
    return f"{long_date(moment)} {moment.astimezone(RIYADH):%H:%M}"


def masked(national_id: str) -> str:
    """The last four digits only, as the chat shows it."""
    return "******" + national_id[-4:] if national_id else ""


FILTERS: dict[str, Callable[..., Any]] = {"riyadh": riyadh, "masked": masked}
