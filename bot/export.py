"""`usar export beneficiaries`: every family as CSV (UTF-8 with BOM, so Excel keeps the Arabic) or JSON.

The file carries full national IDs and mobiles, which staff need to verify families: it is written only
by the command line on the server, and a file it creates is readable by its owner alone.
"""

from __future__ import annotations

import csv
import json
from typing import Any, TextIO

from babel.lists import format_list
from sqlalchemy.orm import Session

from conversations.dates import RIYADH, hijri_date
from conversations.i18n import _, use_language
from conversations.registration import PRODUCT_LABELS
from storage.beneficiaries import all_beneficiaries
from storage.models import Beneficiary

AS_TEXT = ("national_id", "mobile")
FIELDS = (
    "id",
    "full_name",
    "national_id",
    "mobile",
    "office",
    "products",
    "health_certificate",
    "canteen_interest",
    "language",
    "registered_at",
    "registered_on_hijri",
    "verified",
)


def _headers() -> dict[str, str]:
    return {
        "id": _("Number"),
        "full_name": _("Name"),
        "national_id": _("National ID"),
        "mobile": _("Mobile"),
        "office": _("Office"),
        "products": _("Products"),
        "health_certificate": _("Health certificate"),
        "canteen_interest": _("School canteen"),
        "language": _("Language"),
        "registered_at": _("Registered at (Riyadh time)"),
        "registered_on_hijri": _("Registered on (Hijri)"),
        "verified": _("Verified"),
    }


def _row(family: Beneficiary, language: str) -> dict[str, Any]:
    registered = family.registered_at.astimezone(RIYADH)
    return {
        "id": family.id,
        "full_name": family.full_name,
        "national_id": family.national_id,
        "mobile": family.mobile,
        "office": family.office.name(language),
        "products": [product.value for product in family.products],
        "health_certificate": family.health_certificate,
        "canteen_interest": family.canteen_interest,
        "language": family.language,
        "registered_at": registered.strftime("%Y-%m-%d %H:%M"),
        "registered_on_hijri": hijri_date(registered.date(), language) or "",
        "verified": family.verified_at is not None,
    }


def _spreadsheet_cell(name: str, value: Any) -> Any:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name in AS_TEXT:
        # Excel reads "+966551234567" as a formula and 1000000008 as a number to reformat; this form keeps
        # both exactly as written. The values are validated digits, so nothing else can be injected.
        return f'="{value}"'
    return value


def write_csv(session: Session, out: TextIO, language: str) -> int:
    count = 0
    with use_language(language):
        writer = csv.writer(out)
        out.write("\ufeff")
        headers = _headers()
        writer.writerow([headers[name] for name in FIELDS])
        for family in all_beneficiaries(session):
            row = _row(family, language)
            row["products"] = format_list([str(PRODUCT_LABELS[p]) for p in family.products], locale=language)
            writer.writerow([_spreadsheet_cell(name, row[name]) for name in FIELDS])
            count += 1
    return count


def write_json(session: Session, out: TextIO, language: str) -> int:
    count = 0
    with use_language(language):
        out.write("[")
        for family in all_beneficiaries(session):
            out.write(",\n" if count else "\n")
            out.write(json.dumps(_row(family, language), ensure_ascii=False))
            count += 1
        out.write("\n]\n" if count else "]\n")
    return count
