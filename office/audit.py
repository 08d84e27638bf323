"""The audit log: every office action records itself once, with who, which office, what, on what (by id,
never a family's name, ID or mobile), when and how it ended. Admins and the operator read it.

`action` makes a function an office action: it runs in a savepoint of the caller's unit of work, so that a
refusal raised halfway undoes what it began, and the surface (a chat turn) can go on in the same
transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from core.i18n import _
from office.errors import NotFound
from office.rights import Actor, Rights, rights, staff_address
from storage import audit, staff
from storage.audit import Line
from storage.models import AuditEntry

P = ParamSpec("P")
T = TypeVar("T")


def action(function: Callable[Concatenate[Session, P], T]) -> Callable[Concatenate[Session, P], T]:
    """An office action: all or nothing within the caller's unit of work."""

    @functools.wraps(function)
    def run(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> T:
        with session.begin_nested():
            return function(session, *args, **kwargs)

    return run


def record(
    session: Session,
    by: Rights | None,
    what: str,
    *,
    office: str | None,
    target: str,
    target_id: int | None,
    outcome: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> int:
    """One entry: `what` is the action ("canteens.decide"), `target` the kind of thing it touched; its id.
    `by` is who did it: staff (or the operator) by their rights; None, a family herself (`record_her_own`)."""
    entry = AuditEntry(
        at=now,
        staff_id=by.staff_id if by is not None else None,
        office_code=office,
        action=what,
        target=target,
        target_id=target_id,
        outcome=outcome,
        details=details,
        by_family=by is None,
    )
    audit.add(session, entry)
    return entry.id


def record_her_own(
    session: Session,
    what: str,
    office: str,
    family_id: int,
    outcome: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> int:
    """An entry for what a family did herself to what her office keeps (she sent her registration back,
    she changed her details)."""
    return record(
        session, None, what, office=office, target="family", target_id=family_id, outcome=outcome, now=now,
        details=details,
    )  # fmt: skip


def history(
    session: Session,
    actor: Actor,
    *,
    office: str | None = None,
    staff_member: str | None = None,
    since: datetime | None = None,
    newest_first: bool = False,
    limit: int | None = None,
) -> Iterator[Line]:
    """The entries an admin (or the operator) asks for: of an office, of a staff member, since a time."""
    rights(session, actor).require_admin()
    staff_id = None
    if staff_member is not None:
        member = staff.by_login(session, staff_member.strip().lower()) or staff.by_address(
            session, staff_address(staff_member)
        )
        if member is None:
            raise NotFound(_("“%(address)s” is not a staff member.", address=staff_member))
        staff_id = member.id
    return audit.lines(
        session, office_code=office, staff_id=staff_id, since=since, newest_first=newest_first, limit=limit
    )


def who(line: Line) -> str:
    """Who did it, in the reader's words: the staff member's name, the family, or the operator."""
    if line.by_family:
        return _("the family")
    return line.staff_name or _("the operator")
