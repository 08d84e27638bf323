"""Exports for office staff, Excel-ready, each as CSV or as an .xlsx workbook (`office.sheets` writes both,
formula-safe): headers and values in words in the language asked for, IDs and mobiles kept as text. A file
of families can be imported back as an imported list (`office.contacts`): its columns are those the import
reads.

Each export is an office action: scoped to her office, and recorded in the audit log (it carries personal
data).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, Protocol, TextIO, TypeVar, cast

from babel import Locale
from babel.lists import format_list
from sqlalchemy.orm import Session

from core.dates import RIYADH, hijri_date, short_stamp
from core.i18n import N_, LazyText, use_language
from office import audit as audit_log
from office import canteens as canteen_actions
from office import events as event_actions
from office.audit import SignIns, action, record
from office.registrations import Wanted, search_for
from office.rights import Actor, Rights, rights
from office.sheets import Column, Out, when, write
from office.words import APPLICATION_STATUSES, GUEST_ANSWERS, PRODUCT_LABELS, VERIFICATION, said
from storage import offices
from storage.audit import Line
from storage.beneficiaries import every_found
from storage.canteens import Applicant
from storage.events import GuestLine
from storage.models import Beneficiary

__all__ = ["Column", "applicants", "audit", "families", "guests", "language_name", "write"]


def _riyadh(moment: datetime | None) -> str:
    return when(moment)


def language_name(code: str) -> str:
    """A language by its own name, as she would write it: «العربية», "English"."""
    name = Locale.parse(code).get_display_name(code) if code else None
    return name or code


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

# National ID, name, mobile and office are the columns an imported list has (`office.contacts.COLUMNS`, by
# their headers in either language): the file imports back as it is.
FAMILY_COLUMNS = (
    Column("national_id", N_("National ID"), as_text=True),
    Column("full_name", N_("Name")),
    Column("mobile", N_("Mobile"), as_text=True),
    Column("office", N_("Office")),
    Column("id", N_("Number")),
    Column("products", N_("Products")),
    Column("health_certificate", N_("Health certificate")),
    Column("canteen_interest", N_("School canteen")),
    Column("language", N_("Language")),
    Column("registered_at", N_("Registered at (Riyadh time)")),
    Column("registered_on_hijri", N_("Registered on (Hijri)")),
    Column("verification", N_("Verification")),
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
    session: Session,
    actor: Actor,
    out: Out,
    language: str,
    now: datetime,
    *,
    wanted: Wanted = Wanted(),  # noqa: B008 (frozen: shared safely)
    as_json: bool = False,
) -> int:
    """The registered families she may see, as the list found them (`wanted`: her search and filters on
    screen; every family, by default), with full ID and mobile (staff call them and verify them)."""
    by = rights(session, actor)
    with use_language(language):
        found = every_found(session, search_for(session, actor, wanted))
        if as_json:
            rows = (_family_row(family, language) for family in found)
            count = _json_lines(cast(TextIO, out), rows)
        else:

            def spreadsheet(family: Beneficiary) -> dict[str, Any]:
                row = _family_row(family, language)
                labels = [str(PRODUCT_LABELS[product]) for product in family.products]
                row["products"] = format_list(labels, locale=language) if labels else ""
                row["language"] = language_name(family.language)
                row["registered_at"] = when(family.registered_at)
                row["verification"] = said(VERIFICATION, family.verification)
                return row

            count = write(out, FAMILY_COLUMNS, (spreadsheet(family) for family in found), N_("Families"))
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
    out: Out,
    language: str,
    columns: Sequence[Column],
    lines: Iterable[L],
    rest: Callable[[L], dict[str, Any]],
    title: LazyText,
) -> int:
    """Each family's `PERSON_COLUMNS`, full ID and mobile (staff call them), then the `rest` of her row."""
    with use_language(language):
        names = offices.names(session, language)
        return write(
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
            title,
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
def guests(session: Session, actor: Actor, number: int, out: Out, language: str, now: datetime) -> int:
    """The guests of an event she manages (her office's part), with full IDs and mobiles."""
    by = rights(session, actor)
    lines = event_actions.guests(session, actor, number)  # a refusal in the reader's language, not the file's
    count = _people(session, out, language, GUEST_COLUMNS, lines, _guest, N_("Guests"))
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
def applicants(session: Session, actor: Actor, number: int, out: Out, language: str, now: datetime) -> int:
    by = rights(session, actor)
    found = canteen_actions.opportunity(session, actor, number)  # refused in the reader's language
    found_applicants = canteen_actions.applicants(session, actor, number)
    count = _people(session, out, language, APPLICANT_COLUMNS, found_applicants, _applicant, N_("Applicants"))
    _exported(session, by, "applicants", "opportunity", number, found.office_code, count, now)
    return count


# -- the audit log ------------------------------------------------------------------------------------------

AUDIT_COLUMNS = (
    Column("at", N_("When (Riyadh time)")),
    Column("staff", N_("Who")),
    Column("office", N_("Office")),
    Column("entry", N_("What happened")),
)


def audit(
    session: Session,
    actor: Actor,
    out: Out,
    language: str,
    *,
    office: str | None = None,
    staff_member: str | int | None = None,
    since: datetime | None = None,
    kind: str | None = None,
    sign_ins: SignIns = SignIns.WITH,
) -> int:
    """The audit log, oldest first, for admins, each entry a sentence in `language` naming the staff
    member, the office and what it touched (reading it is not itself recorded)."""
    lines = audit_log.history(
        session, actor, office=office, staff_member=staff_member, since=since, kind=kind, sign_ins=sign_ins
    )
    with use_language(language):
        reading = audit_log.Reading(session, language)

        def rows() -> Iterator[dict[str, Any]]:
            for batch in _batches(lines, 500):
                reading.learn(batch)
                for line in batch:
                    yield {
                        "at": _riyadh(line.at),
                        "staff": reading.who(line),
                        "office": reading.office(line.office_code),
                        "entry": reading.sentence(line),
                    }

        return write(out, AUDIT_COLUMNS, rows(), N_("Audit log"))


def _batches(lines: Iterator[Line], size: int) -> Iterator[list[Line]]:
    while batch := list(islice(lines, size)):
        yield batch
