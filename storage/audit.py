"""The audit log's rows: one per office action (`office.audit` writes and reads them)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import AuditEntry, StaffMember


def add(session: Session, entry: AuditEntry) -> None:
    session.add(entry)
    session.flush()


@dataclass(frozen=True)
class Line:
    id: int
    at: datetime
    staff_name: str | None  # `StaffMember.name`; None: the operator
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
    newest_first: bool = False,
    limit: int | None = None,
    batch: int = 1000,
) -> Iterator[Line]:
    """Entries oldest first (or the newest first), filtered, read in batches so that an export of a year
    never holds it all."""
    query = select(
        AuditEntry.id,
        AuditEntry.at,
        StaffMember.name,
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
        for row in rows:
            yield Line(*row)
        given += len(rows)
        last = rows[-1][0]


def forget_details(session: Session, target: str, target_ids: Sequence[int]) -> None:
    """Drop what staff typed about these (a reason may name her): her data is being deleted. The entries
    stay, by id only."""
    if target_ids:
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.target == target, AuditEntry.target_id.in_(list(target_ids)))
            .values(details=None)
        )
