"""An office's list of families (CSV or XLSX, Arabic welcome) imported as contacts: the bot recognises each by
her mobile when she first writes, and asks only what the office did not know.

Columns, by header in English or Arabic, in any order: national ID (رقم الهوية), name (الاسم), mobile
(الجوال), office (المكتب: its code or its name in either language). Every bad line is reported with its
number, and nothing is imported from a file with one. An office's staff import their own office's families
only, and never touch another office's: a line naming one is bad ("belongs to another office").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.i18n import _, ngettext
from core.text import ascii_digits_only, fold, normalise
from core.validators import Invalid, person_name, saudi_mobile, saudi_national_id
from office import offices
from office.audit import action, record
from office.errors import NotFound, Problem, Refused, RejectedFile
from office.rights import Actor, Rights, mobile_address, rights
from office.tables import Line
from storage import contacts
from storage.contacts import KnownContact, Saved
from storage.models import Contact

COLUMNS = {
    "national_id": (
        "national id",
        "national_id",
        "id",
        "id number",
        "رقم الهويه",
        "الهويه",
        "رقم السجل المدني",
    ),
    "name": ("name", "full name", "full_name", "الاسم", "اسم المستفيده", "الاسم الكامل"),
    "mobile": ("mobile", "phone", "mobile number", "الجوال", "رقم الجوال", "الهاتف", "رقم الهاتف"),
    "office": ("office", "office code", "المكتب", "مكتب الضمان"),
}


@action
def import_list(
    session: Session, actor: Actor, lines: Sequence[Line], now: datetime, *, dry_run: bool = False
) -> Saved:
    """Check every line, then save them all (or, for a dry run, only say what saving would do)."""
    by = rights(session, actor)
    families = _checked(session, by, lines)
    if dry_run:
        return contacts.plan(session, families)
    saved = contacts.save_all(session, families, by.name, now)
    record(
        session,
        by,
        "families.import",
        office=by.scope,
        target="list",
        target_id=None,
        outcome="imported",
        now=now,
        details={"added": saved.added, "updated": saved.updated, "registered": saved.already_registered},
    )
    return saved


def _checked(session: Session, by: Rights, lines: Sequence[Line]) -> list[KnownContact]:
    """Each line as a family, or RejectedFile listing every bad line."""
    office_codes = offices.by_any_name(session)
    problems: list[tuple[int, str]] = []
    checked: list[tuple[int, KnownContact]] = []
    first_seen: dict[tuple[str, str], int] = {}
    # Said once for the whole list, not at each of its 50,000 lines.
    columns = _Columns.said()
    for line in lines:
        family, wrong = _family(line, office_codes, columns)
        problems.extend((line.number, message) for message in wrong)
        if family is None:
            continue
        if not by.sees(family.office_code):
            problems.append((line.number, _("office: you can only import families of your office")))
        for column, value in ((columns.national_id, family.national_id), (columns.mobile, family.mobile)):
            earlier = first_seen.setdefault((column, value), line.number)
            if earlier != line.number:
                problems.append(
                    (line.number, _("the same %(column)s as line %(line)s", column=column, line=earlier))
                )
        checked.append((line.number, family))
    families = [family for _number, family in checked]
    held = contacts.mobiles_held_by_others(session, families)
    problems.extend(
        (number, _("mobile: another imported family has this number"))
        for number, family in checked
        if family.mobile in held
    )
    if by.scope is not None:
        elsewhere = contacts.held_by_other_offices(session, families, by.scope)
        problems.extend(
            (number, _("belongs to another office"))
            for number, family in checked
            if family.national_id in elsewhere
        )
    if problems:
        raise RejectedFile.at_lines(sorted(problems))
    return families


@dataclass(frozen=True)
class _Columns:
    """The columns' names as staff read them."""

    national_id: str
    name: str
    mobile: str
    office: str

    @classmethod
    def said(cls) -> _Columns:
        """In the reader's language."""
        return cls(_("national ID"), _("name"), _("mobile"), _("office"))


def _family(
    line: Line, office_codes: dict[str, str], columns: _Columns
) -> tuple[KnownContact | None, list[str]]:
    """The family on the line, or what is wrong with each of its columns, said to staff with the value as
    the file has it (the page shows it to her; it is never logged)."""
    values = line.values
    parsed: dict[str, str] = {}
    wrong: list[str] = []
    for column, label, parse, said_to_staff in (
        ("national_id", columns.national_id, saudi_national_id, _wrong_national_id),
        ("name", columns.name, person_name, _wrong_name),
        ("mobile", columns.mobile, saudi_mobile, _wrong_mobile),
    ):
        if not values[column]:
            wrong.append(_("%(column)s: empty", column=label))
            continue
        try:
            parsed[column] = parse(values[column])
        except Invalid:
            wrong.append(said_to_staff(values[column]))
    office = office_codes.get(fold(values["office"]))
    if office is None:
        wrong.append(
            _("office: unknown office “%(office)s”", office=values["office"])
            if values["office"]
            else _("%(column)s: empty", column=columns.office)
        )
    if wrong or office is None:
        return None, wrong
    return KnownContact(parsed["national_id"], parsed["name"], parsed["mobile"], office), []


# What is wrong with a value, as staff are told it (the validators speak to the family typing her own).
_NUMBER_JUNK = re.compile(r"[\s\-().]")
_NOT_IN_A_NAME = re.compile(r"[^\w\s'’\-\u064b-\u0652\u0670]|[\d_]")


def _wrong_national_id(value: str) -> str:
    digits = _NUMBER_JUNK.sub("", normalise(value))
    if not ascii_digits_only(digits):
        return _("national ID “%(value)s” is not a number", value=value)
    if len(digits) != 10:
        return ngettext(
            "national ID %(value)s has %(count)d digit, not 10",
            "national ID %(value)s has %(count)d digits, not 10",
            len(digits),
            value=value,
        )
    if digits[0] not in "12":
        return _("national ID %(value)s starts with neither 1 nor 2", value=value)
    return _("national ID %(value)s is not valid (check digit)", value=value)


def _wrong_name(value: str) -> str:
    name = normalise(value)
    if _NOT_IN_A_NAME.search(name):
        return _("name “%(value)s” has more than letters in it", value=value)
    if len(name) > 100:
        return _("name longer than 100 characters")
    return _("name “%(value)s” is one word: the full name is needed", value=value)


def _wrong_mobile(value: str) -> str:
    return _("mobile %(value)s is not a Saudi mobile such as 0551234567", value=value)


# -- through the console: a list checked, then confirmed ---------------------------------------------------

PAGE = 50  # imported families on a page


@dataclass(frozen=True)
class Waiting:
    """A page of the families an office imported that have not registered yet."""

    contacts: Sequence[Contact]
    total: int
    page: int
    pages: int


def waiting(session: Session, actor: Actor, page: int = 1) -> Waiting:
    """Her office's imported families not yet registered (admins: every office's), newest first."""
    scope = rights(session, actor).scope
    page = max(page, 1)
    found, total = contacts.waiting(session, scope, (page - 1) * PAGE, PAGE)
    return Waiting(found, total, page, max((total + PAGE - 1) // PAGE, 1))


def _on_list(session: Session, by: Rights, contact_id: int) -> Contact:
    found = contacts.contact(session, contact_id)
    if found is None or not by.sees(found.office_code):
        raise NotFound(_("There is no such family on the list."))
    return found


def listed(session: Session, actor: Actor, contact_id: int) -> Contact:
    """A family of an office's list that she may see, on it or taken off it: what her page shows, and
    what she confirms before taking her off. Another office's answers as an unknown one."""
    return _on_list(session, rights(session, actor), contact_id)


@action
def remove(session: Session, actor: Actor, contact_id: int, now: datetime) -> None:
    """An imported family taken off the list (she is not invited, nor recognised when she writes). She is
    kept, taken off, so that her office can put her back (`restore`); she goes when she registers."""
    by = rights(session, actor)
    found = _on_list(session, by, contact_id)
    if found.removed_at is not None:
        raise Refused([Problem(None, _("She was taken off the list already."))])
    contacts.take_off(session, found, now)
    record(
        session, by, "families.remove", office=found.office_code, target="contact", target_id=contact_id,
        outcome="removed", now=now,
    )  # fmt: skip


@action
def restore(session: Session, actor: Actor, contact_id: int, now: datetime) -> None:
    """A family taken off the list put back on it, as she was (invited again, recognised when she writes)."""
    by = rights(session, actor)
    found = _on_list(session, by, contact_id)
    if found.removed_at is None:
        raise Refused([Problem(None, _("She is on the list already."))])
    contacts.take_off(session, found, None)
    record(
        session, by, "families.restore", office=found.office_code, target="contact", target_id=contact_id,
        outcome="restored", now=now,
    )  # fmt: skip


TAKEN_OFF_SHOWN = 20  # the latest taken off the list, on its page


def taken_off(session: Session, actor: Actor) -> Sequence[Contact]:
    """The families her office (admins: any) took off its list, the latest first: to put one back."""
    return contacts.taken_off(session, rights(session, actor).scope, TAKEN_OFF_SHOWN)


@dataclass(frozen=True)
class Wanted:
    """What a search of the lists asks for: part of a name, or a whole national ID, or a mobile."""

    name_key: str | None = None
    national_id: str | None = None
    mobile: str | None = None

    @property
    def one_family(self) -> bool:
        """A whole ID or mobile: searched by POST only, never in an address (decision 0088)."""
        return self.national_id is not None or self.mobile is not None


def wanted(typed: str) -> Wanted:
    """What she typed, read as the families' search reads it; refused saying what may be searched."""
    value = normalise(typed)
    digits = value.replace(" ", "").replace("-", "")
    if not value:
        return Wanted()
    if not digits.lstrip("+").isdigit():
        return Wanted(name_key=fold(value))
    if len(digits) == 10 and digits[0] in "12":
        return Wanted(national_id=digits)
    try:
        mobile = mobile_address(digits)
    except Invalid:
        mobile = None
    if mobile is None:
        raise Refused([Problem("search", _("a name, a whole ID, or a mobile such as 0551234567"))])
    return Wanted(mobile=mobile)


def search(session: Session, actor: Actor, typed: str, page: int = 1) -> Waiting:
    """Her office's families on the lists (admins: every office's) found by part of a name, a whole ID or
    a mobile; every one on the lists for nothing typed."""
    scope = rights(session, actor).scope
    asked, page = wanted(typed), max(page, 1)
    found, total = contacts.found(
        session,
        scope,
        (page - 1) * PAGE,
        PAGE,
        name_key=asked.name_key,
        national_id=asked.national_id,
        mobile=asked.mobile,
    )
    return Waiting(found, total, page, max((total + PAGE - 1) // PAGE, 1))


@action
def stop_messages(session: Session, mobile: str, now: datetime, *, stop: bool) -> bool:
    """STOP (`stop`) or START from someone not registered, at a mobile her office's list has: its
    invitations to register stop, or start again. False if no list has this mobile."""
    return contacts.set_opted_out(session, mobile, now if stop else None)
