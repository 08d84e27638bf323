"""Who acts, and what she may touch: the one place office scope is decided.

The operator (the `usar` command line without `--as`) and admins act for every office; a staff member for
her own office only. Rights are read from the staff table at every action, never from a name on screen;
a removed staff member has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.domain import StaffRole
from core.i18n import _
from core.text import normalise
from core.validators import Invalid, saudi_mobile
from office.errors import NotAllowed, NotFound, NotStaff
from storage import staff


def staff_address(text: str) -> str:
    """An address as the channels write it: a Saudi mobile, however typed (0551234567, 966551234567,
    "+966 55 123 4567"), is the WhatsApp address +966551234567; anything else (a Telegram user id) is kept
    as typed."""
    typed = normalise(text).strip()
    try:
        return mobile_address(typed) or typed
    except Invalid:
        return typed


def mobile_address(typed: str) -> str | None:
    """The WhatsApp address of what looks like a mobile (it starts with 0, + or 966); None if it does not
    look like one; Invalid if it looks like one but is not a Saudi mobile."""
    compact = typed.replace(" ", "").replace("-", "")
    if not compact.startswith(("0", "+", "966")):
        return None
    digits = compact.removeprefix("+")
    if digits.startswith("966"):
        digits = "0" + digits.removeprefix("966")
    return saudi_mobile(digits)


@dataclass(frozen=True)
class Actor:
    """Who asks for an office action: a staff member by her chat address (the staff chat, `--as`) or by her
    id (signed in to the web console), or the operator (neither)."""

    address: str | None = None
    staff_id: int | None = None

    @classmethod
    def staff(cls, address: str) -> Actor:
        return cls(staff_address(address))

    @classmethod
    def signed_in(cls, staff_id: int) -> Actor:
        return cls(staff_id=staff_id)

    @property
    def is_operator(self) -> bool:
        return self.address is None and self.staff_id is None


OPERATOR = Actor()


@dataclass(frozen=True)
class Rights:
    """What the actor may touch, as the staff table says now."""

    actor: Actor
    staff_id: int | None  # None: the operator
    admin: bool  # an admin or the operator: every office
    office_code: str | None  # a staff member's office; None for admins and the operator
    name: str = "operator"  # how what she creates names her (`StaffMember.name`)

    @property
    def scope(self) -> str | None:
        """The one office she acts for; None: every office."""
        return None if self.admin else self.office_code

    def sees(self, office_code: str) -> bool:
        return self.admin or office_code == self.office_code

    def sees_any(self, offices: Sequence[str]) -> bool:
        """Something addressed to these offices (none: every office) concerns her office."""
        return self.admin or not offices or self.office_code in offices

    def runs(self, offices: Sequence[str]) -> bool:
        """Something addressed to these offices is hers to change: admins all, staff their office's alone."""
        return self.admin or tuple(offices) == (self.office_code,)

    def require_admin(self) -> None:
        if not self.admin:
            raise NotAllowed(_("Only an administrator can do this."))

    def require_sees(self, office_code: str, unknown: str) -> None:
        """Another office's thing answers exactly as an unknown one (`unknown`, already translated)."""
        if not self.sees(office_code):
            raise NotFound(unknown)


def rights(session: Session, actor: Actor) -> Rights:
    """The actor's rights, read from the database now."""
    if actor.is_operator:
        return Rights(actor, staff_id=None, admin=True, office_code=None)
    if actor.staff_id is not None:
        member = staff.current_by_id(session, actor.staff_id)
    else:
        assert actor.address is not None
        member = staff.staff_member(session, actor.address)
    if member is None:
        raise NotStaff(_("“%(address)s” is not a staff member.", address=actor.address or actor.staff_id))
    admin = member.role == StaffRole.ADMIN.value
    return Rights(
        actor,
        staff_id=member.id,
        admin=admin,
        office_code=None if admin else member.office_code,
        name=member.name,
    )
