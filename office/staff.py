"""Staff: add one (or change her role and office), remove one, list them. Admins and the operator only.

An address is normalised on entry (`rights.staff_address`): a mobile however typed is the WhatsApp address
+9665…; anything else (a Telegram user id) is kept as typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from conversations.i18n import _
from conversations.text import normalise
from conversations.validators import Invalid
from office import offices
from office.audit import action, record
from office.errors import NotFound, Problem, Refused
from office.rights import Actor, mobile_address, rights, staff_address
from storage import staff
from storage.models import StaffMember, StaffRole


@action
def add(
    session: Session, actor: Actor, address: str, role: StaffRole, office: str | None, now: datetime
) -> StaffMember:
    """A new staff member, or a new role and office for one (who was removed comes back)."""
    by = rights(session, actor)
    by.require_admin()
    normalised = staff_address(address)
    wrong = []
    if not normalised:
        wrong.append(Problem("address", _("empty")))
    else:
        try:
            mobile_address(normalise(address).strip())
        except Invalid as problem:  # it looks like a mobile, but is not one
            wrong.append(Problem("address", problem.message))
    if role is StaffRole.STAFF and not office:
        wrong.append(Problem("office", _("required for the staff role")))
    if role is StaffRole.ADMIN and office:
        wrong.append(Problem("office", _("an administrator acts for every office: give no office")))
    if office and office not in offices.codes(session):
        wrong.append(offices.unknown(session, office))
    if wrong:
        raise Refused(wrong)
    existing = staff.by_address(session, normalised)
    member = staff.add_or_update(session, normalised, role, office or None, now)
    record(
        session,
        by,
        "staff.add",
        office=member.office_code,
        target="staff",
        target_id=member.id,
        outcome="added" if existing is None or existing.removed_at is not None else "changed",
        now=now,
        details={"role": member.role},
    )
    return member


@action
def remove(session: Session, actor: Actor, address: str, now: datetime) -> StaffMember:
    """She loses every right at once; her row stays, so that the audit log still names her."""
    by = rights(session, actor)
    by.require_admin()
    member = staff.staff_member(session, staff_address(address))
    if member is None:
        raise NotFound(_("“%(address)s” is not a staff member.", address=address))
    if member.id == by.staff_id:
        raise Refused([Problem(None, _("You cannot remove yourself: another administrator can."))])
    staff.remove(session, member, now)
    record(
        session,
        by,
        "staff.remove",
        office=member.office_code,
        target="staff",
        target_id=member.id,
        outcome="removed",
        now=now,
    )
    return member


def listing(session: Session, actor: Actor) -> Sequence[StaffMember]:
    """Every current staff member, by office (admins first)."""
    rights(session, actor).require_admin()
    return staff.current(session)
