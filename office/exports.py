"""Exports for office staff, Excel-ready: CSV in UTF-8 with a BOM (Excel keeps the Arabic), headers and
values in words in the language asked for, IDs and mobiles kept as text, and every other cell that a
spreadsheet would run as a formula neutralised (OWASP's rule: a leading = + - @ tab or CR gets a '). Staff
type school names, reasons and titles; a file must never run what they typed.

Each export is an office action: scoped to her office, and recorded in the audit log (it carries personal
data).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TextIO, TypeVar

from babel.lists import format_list
from sqlalchemy.orm import Session

from core.dates import RIYADH, hijri_date, short_stamp
from core.i18n import N_, LazyText, _, use_language
from office import audit as audit_log
from office import canteens as canteen_actions
from office import events as event_actions
from office.audit import action, record
from office.rights import Actor, Rights, rights
from office.tables import neutralised
from office.words import ACTIONS, APPLICATION_STATUSES, GUEST_ANSWERS, OUTCOMES, PRODUCT_LABELS, said
from storage import offices
from storage.beneficiaries import all_beneficiaries
from storage.canteens import Applicant
from storage.events import GuestLine
from storage.models import Beneficiary


@dataclass(frozen=True)
class Column:
    name: str
    header: LazyText
    as_text: bool = False  # validated digits (an ID, a mobile) that Excel must keep exactly as written


def _cell(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    text = str(value)
    if column.as_text and text and all(char.isdigit() or char == "+" for char in text):
        # Excel reads "+966551234567" as a formula and 1000000008 as a number to reformat; this form keeps
        # both exactly as written. Only validated digits take it, so nothing else can be injected.
        return f'="{text}"'
    return neutralised(text)


def write_csv(out: TextIO, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> int:
    """The rows under translated headers; how many were written."""
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow([neutralised(str(column.header)) for column in columns])
    count = 0
    for row in rows:
        writer.writerow([_cell(column, row.get(column.name)) for column in columns])
        count += 1
    return count


def _riyadh(moment: datetime | None) -> str:
    return short_stamp(moment) if moment is not None else ""


def _exported(
    session: Session,
    by: Rights,
    what: str,
    target: str,
    target_id: int | None,
    office: str | None,
    count: int,
    now: datetime,
) -> None:
    record(
        session,
        by,
        f"exports.{what}",
        office=office,
        target=target,
        target_id=target_id,
        outcome="exported",
        now=now,
        details={"rows": count},
    )


# -- registered families ------------------------------------------------------------------------------------

FAMILY_COLUMNS = (
    Column("id", N_("Number")),
    Column("full_name", N_("Name")),
    Column("national_id", N_("National ID"), as_text=True),
    Column("mobile", N_("Mobile"), as_text=True),
    Column("office", N_("Office")),
    Column("products", N_("Products")),
    Column("health_certificate", N_("Health certificate")),
    Column("canteen_interest", N_("School canteen")),
    Column("language", N_("Language")),
    Column("registered_at", N_("Registered at (Riyadh time)")),
    Column("registered_on_hijri", N_("Registered on (Hijri)")),
    Column("verified", N_("Verified")),
)


def _family_row(family: Beneficiary, language: str) -> dict[str, Any]:
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
        "registered_at": short_stamp(registered),
        "registered_on_hijri": hijri_date(registered.date(), language) or "",
        "verified": family.verified_at is not None,
    }


@action
def families(
    session: Session, actor: Actor, out: TextIO, language: str, now: datetime, *, as_json: bool = False
) -> int:
    """Every registered family she may see, with full ID and mobile (staff call them and verify them)."""
    by = rights(session, actor)
    with use_language(language):
        found = all_beneficiaries(session, by.scope)
        if as_json:
            count = _json_lines(out, (_family_row(family, language) for family in found))
        else:

            def spreadsheet(family: Beneficiary) -> dict[str, Any]:
                row = _family_row(family, language)
                labels = [str(PRODUCT_LABELS[product]) for product in family.products]
                row["products"] = format_list(labels, locale=language) if labels else ""
                return row

            count = write_csv(out, FAMILY_COLUMNS, (spreadsheet(family) for family in found))
    _exported(session, by, "families", "families", None, by.scope, count, now)
    return count


def _json_lines(out: TextIO, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    out.write("[")
    for row in rows:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


# -- the families of an event or an opportunity --------------------------------------------------------------

# Every list of an event's guests or an opportunity's applicants starts with who she is and how to reach her.
PERSON_COLUMNS = (
    Column("name", N_("Name")),
    Column("national_id", N_("National ID"), as_text=True),
    Column("mobile", N_("Mobile"), as_text=True),
    Column("office", N_("Office")),
)


class _Person(Protocol):
    @property
    def full_name(self) -> str: ...
    @property
    def national_id(self) -> str: ...
    @property
    def mobile(self) -> str: ...
    @property
    def office_code(self) -> str: ...


L = TypeVar("L", bound=_Person)


def _people(
    session: Session,
    out: TextIO,
    language: str,
    columns: Sequence[Column],
    lines: Iterable[L],
    rest: Callable[[L], dict[str, Any]],
) -> int:
    """Each family's `PERSON_COLUMNS`, full ID and mobile (staff call them), then the `rest` of her row."""
    with use_language(language):
        names = offices.names(session, language)
        return write_csv(
            out,
            columns,
            (
                {
                    "name": line.full_name,
                    "national_id": line.national_id,
                    "mobile": line.mobile,
                    "office": names.get(line.office_code, line.office_code),
                    **rest(line),
                }
                for line in lines
            ),
        )


GUEST_COLUMNS = (
    *PERSON_COLUMNS,
    Column("answer", N_("Answer")),
    Column("answered_at", N_("Answered at (Riyadh time)")),
    Column("attended", N_("Attended")),
)


def _guest(line: GuestLine) -> dict[str, Any]:
    return {
        "answer": said(GUEST_ANSWERS, "walk_in" if line.walked_in else line.status),
        "answered_at": _riyadh(line.answered_at),
        "attended": line.attended_at is not None,
    }


@action
def guests(session: Session, actor: Actor, number: int, out: TextIO, language: str, now: datetime) -> int:
    """The guests of an event she manages (her office's part), with full IDs and mobiles."""
    by = rights(session, actor)
    lines = event_actions.guests(session, actor, number)  # a refusal in the reader's language, not the file's
    count = _people(session, out, language, GUEST_COLUMNS, lines, _guest)
    _exported(session, by, "guests", "event", number, by.scope, count, now)
    return count


APPLICANT_COLUMNS = (
    Column("application", N_("Application")),
    *PERSON_COLUMNS,
    Column("verified", N_("Verified")),
    Column("certificate", N_("Health certificate")),
    Column("status", N_("Status")),
    Column("reason", N_("Reason")),
    Column("applied_at", N_("Applied at (Riyadh time)")),
)


def _applicant(a: Applicant) -> dict[str, Any]:
    return {
        "application": a.application_id,
        "verified": a.verified,
        "certificate": a.health_certificate,
        "status": said(APPLICATION_STATUSES, a.status),
        "reason": a.reason or "",
        "applied_at": _riyadh(a.applied_at),
    }


@action
def applicants(session: Session, actor: Actor, number: int, out: TextIO, language: str, now: datetime) -> int:
    by = rights(session, actor)
    found = canteen_actions.opportunity(session, actor, number)  # refused in the reader's language
    found_applicants = canteen_actions.applicants(session, actor, number)
    count = _people(session, out, language, APPLICANT_COLUMNS, found_applicants, _applicant)
    _exported(session, by, "applicants", "opportunity", number, found.office_code, count, now)
    return count


# -- the audit log ------------------------------------------------------------------------------------------

AUDIT_COLUMNS = (
    Column("at", N_("When (Riyadh time)")),
    Column("staff", N_("Who")),
    Column("office", N_("Office")),
    Column("action", N_("Action")),
    Column("target", N_("On what")),
    Column("target_id", N_("Its number")),
    Column("outcome", N_("Outcome")),
    Column("details", N_("Details")),
)


def audit(
    session: Session,
    actor: Actor,
    out: TextIO,
    language: str,
    *,
    office: str | None = None,
    staff_member: str | None = None,
    since: datetime | None = None,
) -> int:
    """The audit log, oldest first, for admins (reading it is not itself recorded)."""
    lines = audit_log.history(session, actor, office=office, staff_member=staff_member, since=since)
    with use_language(language):
        return write_csv(
            out,
            AUDIT_COLUMNS,
            (
                {
                    "at": _riyadh(line.at),
                    "staff": audit_log.who(line),
                    "office": line.office_code or "",
                    "action": said(ACTIONS, line.action),
                    "target": line.target,
                    "target_id": line.target_id,
                    "outcome": said(OUTCOMES, line.outcome),
                    "details": json.dumps(line.details, ensure_ascii=False) if line.details else "",
                }
                for line in lines
            ),
        )
