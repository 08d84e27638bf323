"""The audit log's rows: one per office action (`office.audit` writes and reads them)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import (
    AuditEntry,
    Beneficiary,
    CanteenOpportunity,
    Contact,
    Event,
    StaffMember,
)


def add(session: Session, entry: AuditEntry) -> None:
    session.add(entry)
    session.flush()


@dataclass(frozen=True)
class Line:
    id: int
    at: datetime
    staff_name: str | None  # her name (`StaffMember.name`); None: the operator
    office_code: str | None
    action: str
    target: str
    target_id: int | None
    outcome: str
    details: dict[str, Any] | None
    by_family: bool


def lines(
    session: Session,
    *,
    office_code: str | None = None,
    staff_id: int | None = None,
    since: datetime | None = None,
    target: tuple[str, int] | None = None,
    actions: Sequence[str] = (),
    leaving_out: Sequence[str] = (),
    newest_first: bool = False,
    limit: int | None = None,
    batch: int = 1000,
) -> Iterator[Line]:
    """Entries oldest first (or the newest first), filtered (of these `actions` only, if any are given; none
    of those `leaving_out`), read in batches so that an export of a year never holds it all."""
    query = select(
        AuditEntry.id,
        AuditEntry.at,
        StaffMember,
        AuditEntry.office_code,
        AuditEntry.action,
        AuditEntry.target,
        AuditEntry.target_id,
        AuditEntry.outcome,
        AuditEntry.details,
        AuditEntry.by_family,
    ).outerjoin(StaffMember, StaffMember.id == AuditEntry.staff_id)
    if office_code is not None:
        query = query.where(AuditEntry.office_code == office_code)
    if staff_id is not None:
        query = query.where(AuditEntry.staff_id == staff_id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if target is not None:
        query = query.where(AuditEntry.target == target[0], AuditEntry.target_id == target[1])
    if actions:
        query = query.where(AuditEntry.action.in_(list(actions)))
    if leaving_out:
        query = query.where(AuditEntry.action.not_in(list(leaving_out)))
    order = AuditEntry.id.desc() if newest_first else AuditEntry.id
    given = 0
    last: int | None = None
    while limit is None or given < limit:
        page = query
        if last is not None:
            page = page.where(AuditEntry.id < last if newest_first else AuditEntry.id > last)
        size = batch if limit is None else min(batch, limit - given)
        rows = session.execute(page.order_by(order).limit(size)).all()
        if not rows:
            return
        for entry_id, at, member, *rest in rows:
            yield Line(entry_id, at, None if member is None else member.name, *rest)
        given += len(rows)
        last = rows[-1][0]


# What an entry's target is called, by the kind of thing it is: its name, read when the log is.
_NAMED_BY: dict[str, tuple[Any, Any]] = {
    "family": (Beneficiary.id, Beneficiary.full_name),
    "contact": (Contact.id, Contact.full_name),
    "event": (Event.id, Event.title_ar),
    "opportunity": (CanteenOpportunity.id, CanteenOpportunity.school_name),
}


def target_names(session: Session, lines: Sequence[Line], language: str) -> dict[tuple[str, int], str]:
    """What the entries touched, by name (a family's, a staff member's, an event's title, a school's), and
    the colleagues they name (`details["staff"]`), for an admin reading the log; a target gone since (her
    data deleted) is not named."""
    wanted: dict[str, set[int]] = {}
    for line in lines:
        if line.target_id is not None:
            wanted.setdefault(line.target, set()).add(line.target_id)
        given = (line.details or {}).get("staff")  # a colleague a question was given to, by her id
        if isinstance(given, int) and not isinstance(given, bool):
            wanted.setdefault("staff", set()).add(given)
    names: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        if kind == "staff":
            for member in session.scalars(select(StaffMember).where(StaffMember.id.in_(ids))):
                names[kind, member.id] = member.name
        elif kind == "event":
            for event_id, title_ar, title_en in session.execute(
                select(Event.id, Event.title_ar, Event.title_en).where(Event.id.in_(ids))
            ):
                names[kind, event_id] = title_en if language == "en" and title_en else title_ar
        elif kind in _NAMED_BY:
            key, name = _NAMED_BY[kind]
            for found_id, found_name in session.execute(select(key, name).where(key.in_(ids))):
                names[kind, found_id] = found_name
    return names


def forget_details(session: Session, target: str, target_ids: Sequence[int]) -> None:
    """Drop what staff typed about these (a reason may name her): her data is being deleted. The entries
    stay, by id only."""
    if target_ids:
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.target == target, AuditEntry.target_id.in_(list(target_ids)))
            .values(details=None)
        )
