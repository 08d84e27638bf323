"""Staff members: who may act for an office."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.models import StaffMember, StaffRole
from storage.prepared import Prepared


def add_or_update(
    session: Session, address: str, role: StaffRole, office_code: str | None, now: datetime
) -> StaffMember:
    if role is StaffRole.STAFF and office_code is None:
        raise ValueError("a staff member belongs to an office")
    member = session.scalar(select(StaffMember).where(StaffMember.address == address))
    if member is None:
        member = StaffMember(address=address, created_at=now)
        session.add(member)
    member.role = role.value
    member.office_code = office_code
    session.flush()
    return member


# Asked on every menu of every person, nearly always of someone who is not staff: a query of the id,
# prepared once (`storage.prepared`), and the member loaded only when there is one.
_STAFF_ID = Prepared(select(StaffMember.id).where(StaffMember.address == bindparam("address")))


def staff_member(session: Session, address: str) -> StaffMember | None:
    found = _STAFF_ID.scalar(session, {"address": address})
    return None if found is None else session.get(StaffMember, found)
