"""The offices: which codes exist, what is said of an unknown one, and how families reach each (phone,
WhatsApp, address, map, opening hours), which admins keep."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.dates import hours_text, parse_hours, unreadable_hours
from core.i18n import _
from core.text import ascii_digits_only, fold, normalise
from core.validators import Invalid
from office.audit import action, record
from office.errors import Problem, Refused
from office.rights import Actor, mobile_address, rights
from storage import offices
from storage.models import Office, length_of


def names(session: Session, language: str) -> dict[str, str]:
    """Each office's name by its code, in the reader's language (people read names, never codes)."""
    return offices.names(session, language)


def active(session: Session) -> Sequence[offices.OfficeEntry]:
    """The offices families may choose now, in the list's order."""
    return offices.active_offices(session)


def codes(session: Session) -> list[str]:
    """The codes of the offices on the list, in its order."""
    return [office.code for office in offices.active_offices(session)]


def by_any_name(session: Session) -> dict[str, str]:
    """Every way a staff's file may name an office (its code, its Arabic and English names, folded) → its
    code."""
    return {
        fold(name): office.code
        for office in offices.active_offices(session)
        for name in (office.code, office.name_ar, office.name_en)
    }


def unknown(session: Session, code: str) -> Problem:
    return Problem(
        "office",
        _(
            "unknown office “%(office)s”; the offices are: %(known)s",
            office=code,
            known=", ".join(codes(session)),
        ),
    )


TEXT_LENGTH = 500  # an address or a note on the hours, which families read (stored as text: any length fits)
CONTACT_FIELDS = (
    "phone",
    "whatsapp",
    "address_ar",
    "address_en",
    "map_url",
    "hours",
    "hours_note_ar",
    "hours_note_en",
)


def listing(session: Session) -> list[Office]:
    """Every office, active or not, with how it is reached."""
    return offices.every_office(session)


def listing_for(session: Session, actor: Actor) -> list[Office]:
    """Every office with how it is reached, for an administrator to keep."""
    rights(session, actor).require_admin()
    return listing(session)


def dialled(text: str) -> str:
    """A number as it is dialled: a Saudi mobile as +9665…, another number as its digits (+ kept); "" for
    none. Invalid if it cannot be dialled."""
    typed = normalise(text).replace(" ", "").replace("-", "")
    if not typed:
        return ""
    try:
        mobile = mobile_address(typed)
    except Invalid:
        mobile = None
    if mobile:
        return mobile
    digits = typed.removeprefix("+")
    if not ascii_digits_only(digits) or not 5 <= len(digits) <= 15:
        raise Invalid(_("a phone number: digits, with + first for an international one"))
    return typed


def map_link(text: str) -> str:
    """A map link as families open it; "" for none. Invalid if it is not a web address."""
    link = text.strip()
    if link and (not link.startswith("https://") or " " in link):
        raise Invalid(_("a link that starts with https://"))
    if len(link) > (limit := length_of(Office, "map_url")):
        raise Invalid(_("a link of at most %(limit)s characters", limit=limit))
    return link


def read_hours(text: str) -> list[dict[str, Any]]:
    """Opening hours as staff type them ("sun-thu 08:00-14:00; sat 09:00-12:00", or in Arabic) as data;
    an empty text is no hours. Refused, naming the part that cannot be read."""
    if not text.strip():
        return []
    hours = parse_hours(text)
    if hours is None:
        part = unreadable_hours(text) or text
        raise Refused(
            [
                Problem(
                    "hours",
                    _("cannot read “%(part)s”; write like “sun-thu 08:00-14:00; sat 09:00-12:00”", part=part),
                )
            ]
        )
    return hours


@action
def edit(session: Session, actor: Actor, code: str, changes: Mapping[str, Any], now: datetime) -> Office:
    """Admins change how families reach an office; what is not given stays, an empty text clears it."""
    by = rights(session, actor)
    by.require_admin()
    found = _office(session, code)
    unknown_fields = set(changes) - set(CONTACT_FIELDS)
    if unknown_fields:
        raise ValueError(f"not an office's contact: {', '.join(sorted(unknown_fields))}")
    problems: list[Problem] = []
    values = dict(changes)
    for field, check in (("phone", dialled), ("whatsapp", dialled), ("map_url", map_link)):
        if field in values:
            try:
                values[field] = check(values[field])
            except Invalid as wrong:
                problems.append(Problem(field, wrong.message))
    texts = ("address_ar", "address_en", "hours_note_ar", "hours_note_en")
    problems += [
        Problem(name, _("at most %(limit)s characters", limit=TEXT_LENGTH))
        for name in texts
        if len(values.get(name) or "") > TEXT_LENGTH
    ]
    for period in values.get("hours", []):
        if not (set(period["days"]) <= set(range(7)) and period["opens"] < period["closes"]):
            problems.append(Problem("hours", _("days and times that can be read")))
    if problems:
        raise Refused(problems)
    changed = sorted(name for name, value in values.items() if getattr(found, name) != value)
    for name, value in values.items():
        setattr(found, name, value)
    session.flush()
    if changed:  # saving what was already there is not an action
        record(session, by, "offices.edit", office=found.code, target="office", target_id=None,
               outcome="changed", now=now, details={"changed": changed})  # fmt: skip
    return found


@action
def set_active(session: Session, actor: Actor, code: str, active: bool, now: datetime) -> Office:
    """Admins take an office off the families' list or put it back. An inactive office is not offered to a
    family registering or applying, nor to new staff or audiences; its families, staff, trainings and
    history stay as they are, and its staff go on serving them. The last active office stays."""
    by = rights(session, actor)
    by.require_admin()
    found = _office(session, code)
    if found.active == active:
        return found
    if not active and codes(session) == [found.code]:
        raise Refused(
            [Problem(None, _("families must have an office to choose: this is the last active one"))]
        )
    found.active = active
    session.flush()
    record(session, by, "offices.active", office=found.code, target="office", target_id=None,
           outcome="active" if active else "inactive", now=now)  # fmt: skip
    return found


def _office(session: Session, code: str) -> Office:
    found = offices.contact(session, code)
    if found is None:
        raise Refused([Problem(None, unknown(session, code).message)])
    return found


def contact_lines(office: Office | offices.OfficeContact, language: str) -> list[str]:
    ar = language == "ar"
    lines = [_("Your office: %(name)s", name=office.name(language))]
    if office.phone:
        lines.append(f"📞 {office.phone}")
    if office.whatsapp:
        lines.append(_("💬 WhatsApp: %(number)s", number=office.whatsapp))
    address = (office.address_ar or office.address_en) if ar else (office.address_en or office.address_ar)
    if address:
        lines.append(f"📍 {address}")
    if office.map_url:
        lines.append(f"🗺️ {office.map_url}")
    if office.hours:
        note = (
            (office.hours_note_ar or office.hours_note_en)
            if ar
            else (office.hours_note_en or office.hours_note_ar)
        )
        lines.append(f"🕘 {hours_text(office.hours, language)}" + (f" ({note})" if note else ""))
    if len(lines) == 1:
        lines.append(_("Its phone and address are not listed here yet: ask at the office itself."))
    return lines


def her_office(session: Session, office_code: str, language: str, *, only_if_listed: bool = False) -> str:
    """How she reaches her office, as lines to read; with `only_if_listed`, nothing when none is listed."""
    found = offices.contact_of(session, office_code)
    if found is None or (only_if_listed and not any(getattr(found, name) for name in CONTACT_FIELDS)):
        return ""
    return "\n".join(contact_lines(found, language))
