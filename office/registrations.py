"""Registrations: the families of an office, those waiting for verification, and verifying them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from conversations.i18n import _
from conversations.text import normalise
from conversations.validators import Invalid, saudi_mobile, saudi_national_id
from office.audit import action, record
from office.errors import NotFound
from office.rights import Actor, rights
from storage import beneficiaries, offices
from storage.beneficiaries import Identifier
from storage.models import Beneficiary


@dataclass(frozen=True)
class OfficeFamilies:
    code: str
    name_ar: str
    name_en: str
    registered: int
    waiting: int  # not yet verified

    def name(self, language: str) -> str:
        return self.name_ar if language == "ar" else self.name_en


def overview(session: Session, actor: Actor) -> list[OfficeFamilies]:
    """Families per office (an office's staff: their own): how many registered, how many waiting."""
    scope = rights(session, actor).scope
    counts = {count.office_code: count for count in beneficiaries.counts_by_office(session, scope)}
    found = []
    for office in offices.active_offices(session):
        if scope is not None and office.code != scope:
            continue
        count = counts.get(office.code)
        registered, verified = (count.registered, count.verified) if count else (0, 0)
        found.append(
            OfficeFamilies(office.code, office.name_ar, office.name_en, registered, registered - verified)
        )
    return found


def waiting(session: Session, actor: Actor, limit: int) -> Sequence[Beneficiary]:
    """Registrations waiting for verification, oldest first: of her office, or of all for admins."""
    return beneficiaries.pending(session, rights(session, actor).scope, limit)


def _unknown() -> NotFound:
    return NotFound(_("No registered family with this national ID or mobile."))


def family(session: Session, actor: Actor, family_id: int) -> Beneficiary:
    """A registered family she may see; another office's answers exactly as an unknown one."""
    found = beneficiaries.beneficiary(session, family_id)
    if found is None or not rights(session, actor).sees(found.office_code):
        raise _unknown()
    return found


def find(session: Session, actor: Actor, typed: str) -> Beneficiary:
    """The family a national ID or a mobile names (as staff type them, any digits)."""
    value = normalise(typed)
    for identifier, parse in ((Identifier.NATIONAL_ID, saudi_national_id), (Identifier.MOBILE, saudi_mobile)):
        try:
            parsed = parse(value)
        except Invalid:
            continue
        found = beneficiaries.find_by(session, identifier, parsed)
        if found is not None:
            return family(session, actor, found)
    raise _unknown()


@action
def verify(session: Session, actor: Actor, family_id: int, now: datetime) -> bool:
    """Her office checked her registration (canteen eligibility needs it); False if it already was."""
    by = rights(session, actor)
    found = family(session, actor, family_id)
    done = found.verified_at is None
    if done:
        beneficiaries.verify(session, found, now)
    record(
        session,
        by,
        "registrations.verify",
        office=found.office_code,
        target="family",
        target_id=found.id,
        outcome="verified" if done else "unchanged",
        now=now,
    )
    return done
