"""The offices, as the office actions check them: which codes exist, and what is said of an unknown one."""

from __future__ import annotations

from sqlalchemy.orm import Session

from conversations.i18n import _
from conversations.text import fold
from office.errors import Problem
from storage import offices


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
