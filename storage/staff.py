"""Staff members: who may act for an office. A removed member keeps her row (the audit log names her) and
has no rights."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from core.domain import StaffRole
from storage.models import StaffMember
from storage.prepared import Prepared


def _belongs(role: StaffRole, office_code: str | None) -> None:
    if role is StaffRole.STAFF and office_code is None:
        raise ValueError("a staff member belongs to an office")


def add_or_update(
    session: Session,
    address: str | None,
    role: StaffRole,
    office_code: str | None,
    now: datetime,
    login: str | None = None,
    name: str | None = None,
) -> StaffMember:
    """Add her, or change her role and office (and bring her back if she was removed). She is found by her
    address or her login; one given (and her full name) is hers from now on, one not given is left as it
    was."""
    _belongs(role, office_code)
    member = by_address(session, address) if address is not None else None
    if member is None and login is not None:
        member = by_login(session, login)
    if member is None:
        return add_new(session, address, role, office_code, now, login=login, name=name)
    return update(session, member, address, role, office_code, login=login, name=name)


def add_new(
    session: Session,
    address: str | None,
    role: StaffRole,
    office_code: str | None,
    now: datetime,
    login: str | None = None,
    name: str | None = None,
) -> StaffMember:
    """A new row: whoever calls has made sure that her login and address are nobody's."""
    _belongs(role, office_code)
    member = StaffMember(created_at=now)
    session.add(member)
    return update(session, member, address, role, office_code, login=login, name=name)


def update(
    session: Session,
    member: StaffMember,
    address: str | None,
    role: StaffRole,
    office_code: str | None,
    login: str | None = None,
    name: str | None = None,
) -> StaffMember:
    """Her role and office; her address, login and full name when given; brought back if she was removed."""
    _belongs(role, office_code)
    if address is not None:
        member.address = address
    if login is not None:
        member.login = login
    if name is not None:
        member.full_name = name
    member.role = role.value
    member.office_code = office_code
    member.removed_at = None
    session.flush()
    return member


def by_login(session: Session, login: str) -> StaffMember | None:
    """Removed or not."""
    return session.scalar(select(StaffMember).where(StaffMember.login == login))


def current_by_id(session: Session, staff_id: int) -> StaffMember | None:
    """The staff member with this id, unless she was removed."""
    member = session.get(StaffMember, staff_id)
    return None if member is None or member.removed_at is not None else member


def set_password_hash(session: Session, member: StaffMember, password_hash: str) -> None:
    member.password_hash = password_hash
    session.flush()


def remove(session: Session, member: StaffMember, now: datetime) -> None:
    """No rights, and no password: brought back, she is given a new one."""
    member.removed_at = now
    member.password_hash = None
    session.flush()


# Asked on every menu of every person, nearly always of someone who is not staff: a query of the id,
# prepared once (`storage.prepared`), and the member loaded only when there is one.
_STAFF_ID = Prepared(
    select(StaffMember.id).where(
        StaffMember.address == bindparam("address"), StaffMember.removed_at.is_(None)
    )
)


def staff_member(session: Session, address: str) -> StaffMember | None:
    """The staff member with this address, unless she was removed."""
    found = _STAFF_ID.scalar(session, {"address": address})
    return None if found is None else session.get(StaffMember, found)


def by_id(session: Session, staff_id: int) -> StaffMember | None:
    return session.get(StaffMember, staff_id)


def by_address(session: Session, address: str) -> StaffMember | None:
    """Removed or not."""
    return session.scalar(select(StaffMember).where(StaffMember.address == address))


def current(session: Session, office_code: str | None = None) -> Sequence[StaffMember]:
    """Every staff member not removed (of one office, and the admins), by office, role, then name."""
    query = select(StaffMember).where(StaffMember.removed_at.is_(None))
    if office_code is not None:
        query = query.where(StaffMember.office_code == office_code)
    return session.scalars(
        query.order_by(StaffMember.office_code, StaffMember.role, StaffMember.name, StaffMember.id)
    ).all()


def everyone(session: Session) -> Sequence[StaffMember]:
    """Every staff member who ever was, removed or not."""
    return session.scalars(select(StaffMember).order_by(StaffMember.id)).all()


def called(session: Session, name: str) -> Sequence[StaffMember]:
    """Those (removed or not) whose name, as the console writes it, is `name`, spaces and case aside."""
    wanted = " ".join(name.split()).lower()
    return session.scalars(select(StaffMember).where(func.lower(StaffMember.name) == wanted)).all()
