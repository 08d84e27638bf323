"""Offices: the list families choose from."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Office


def active_offices(session: Session) -> Sequence[Office]:
    return session.scalars(select(Office).where(Office.active).order_by(Office.position, Office.code)).all()


def office(session: Session, code: str) -> Office | None:
    return session.get(Office, code)
