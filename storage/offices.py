"""Offices: the list families choose from.

Read during registration and on many staff screens, so the two queries are prepared once
(`storage.prepared`) and give plain values, not ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.models import Office
from storage.prepared import Prepared


@dataclass(frozen=True)
class OfficeEntry:
    code: str
    name_ar: str
    name_en: str

    def name(self, language: str) -> str:
        return self.name_ar if language == "ar" else self.name_en


_COLUMNS = (Office.code, Office.name_ar, Office.name_en)
_ACTIVE = Prepared(select(*_COLUMNS).where(Office.active).order_by(Office.position, Office.code))
_BY_CODE = Prepared(select(*_COLUMNS).where(Office.code == bindparam("code")))


def active_offices(session: Session) -> list[OfficeEntry]:
    return [OfficeEntry(**row) for row in _ACTIVE.rows(session)]


def office(session: Session, code: str) -> OfficeEntry | None:
    """The office with this code, whether or not it is still on the list."""
    found = _BY_CODE.first(session, {"code": code})
    return None if found is None else OfficeEntry(**found)


@dataclass(frozen=True)
class OfficeContact:
    """How families reach an office, as they read it."""

    code: str
    name_ar: str
    name_en: str
    phone: str
    whatsapp: str
    address_ar: str
    address_en: str
    map_url: str
    hours: list[dict[str, Any]]
    hours_note_ar: str
    hours_note_en: str

    def name(self, language: str) -> str:
        return self.name_ar if language == "ar" else self.name_en


# Read wherever a family is told how to reach her office ("Useful services" among them): prepared once.
_CONTACT = Prepared(
    select(*(Office.__table__.c[name] for name in OfficeContact.__dataclass_fields__)).where(
        Office.code == bindparam("code")
    )
)


def contact(session: Session, code: str) -> Office | None:
    """The office, to change how families reach it."""
    return session.get(Office, code)


def contact_of(session: Session, code: str) -> OfficeContact | None:
    """How families reach the office with this code."""
    found = _CONTACT.first(session, {"code": code})
    return None if found is None else OfficeContact(**found)


def names(session: Session, language: str) -> dict[str, str]:
    """Each office's name in `language`, by code (for lists that name an office beside each line), whether
    or not it is still on the list."""
    return {office.code: office.name(language) for office in every_office(session)}


def every_office(session: Session) -> list[Office]:
    """Every office, active or not, in the list's order: for administrators to keep."""
    return list(session.scalars(select(Office).order_by(Office.position, Office.code)))
