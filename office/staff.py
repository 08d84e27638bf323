"""Staff: add one (or change her name, role and office), remove one, list them, set a console password,
unlock a login. Admins and the operator; a staff member changes her own password (`change_own_password`,
her current one first), and may see her own account (`own_account`).

An address is normalised on entry (`rights.staff_address`): a mobile however typed is the WhatsApp address
+9665…; anything else (a Telegram user id) is kept as typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from core.domain import StaffRole
from core.i18n import _
from core.text import normalise
from core.validators import Invalid
from office import offices, passwords
from office.audit import action, record
from office.errors import NotFound, Problem, Refused
from office.rights import Actor, Rights, mobile_address, rights, staff_address
from storage import console_sessions, staff
from storage.models import StaffMember

LOGIN = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
LONGEST_NAME = 64  # characters: what she creates keeps her name in a column this wide (`created_by`)


def login_name(text: str) -> str:
    """A login as kept: lower case, with its spaces trimmed."""
    return text.strip().lower()


def _checked(
    session: Session,
    address: str | None,
    role: StaffRole,
    office: str | None,
    login: str | None,
    name: str | None,
) -> tuple[str | None, str | None, str | None, list[Problem]]:
    """Her chat address and login as kept, her full name, and what is wrong with what was given."""
    normalised = staff_address(address) if address is not None else None
    named = login_name(login) if login is not None else None
    wrong = []
    full_name = " ".join(normalise(name).split()) if name is not None else None
    if full_name is not None and len(full_name) > LONGEST_NAME:
        wrong.append(
            Problem(
                "name", _("Her name is too long: write it in %(count)d letters or fewer.", count=LONGEST_NAME)
            )
        )
    elif full_name and not any(letter.isalpha() for letter in full_name):
        wrong.append(Problem("name", _("A name is written in letters: write her full name.")))
    if not normalised and not named:
        wrong.append(Problem("address", _("give her chat address, her console login, or both")))
    if normalised:
        try:
            mobile_address(normalise(address or "").strip())
        except Invalid as problem:  # it looks like a mobile, but is not one
            wrong.append(Problem("address", problem.message))
    if named is not None and not LOGIN.fullmatch(named):
        wrong.append(
            Problem(
                "login",
                _("3 to 64 Latin letters, digits, dots, dashes or underscores, from a letter or digit"),
            )
        )
    if role is StaffRole.STAFF and not office:
        wrong.append(Problem("office", _("A staff member belongs to one office: choose hers.")))
    if role is StaffRole.ADMIN and office:
        wrong.append(Problem("office", _("an administrator acts for every office: give no office")))
    if office and office not in offices.codes(session):
        wrong.append(offices.unknown(session, office))
    return normalised or None, named or None, full_name or None, wrong


def _held(holder: StaffMember, field: str, typed: str) -> Problem:
    """Her login (or chat address) is another staff member's: who has it, and what to do instead. Each set
    apart in its own direction (a Latin login inside an Arabic sentence)."""
    value, name = f"\u2068{typed}\u2069", f"\u2068{holder.name}\u2069"
    if holder.removed_at is not None:
        if field == "login":
            text = _(
                "The login %(login)s was %(name)s's, who was removed: choose another, or bring her back "
                "with “Bring her back”.",
                login=value,
                name=name,
            )
        else:
            text = _(
                "The chat address %(address)s was %(name)s's, who was removed: choose another, or bring her "
                "back with “Bring her back”.",
                address=value,
                name=name,
            )
    elif field == "login":
        text = _(
            "The login %(login)s is %(name)s's: choose another, or change her details with the “Change” "
            "button in her row.",
            login=value,
            name=name,
        )
    else:
        text = _(
            "The chat address %(address)s is %(name)s's: choose another, or change her details with the "
            "“Change” button in her row.",
            address=value,
            name=name,
        )
    return Problem(field, text)


class Held(Refused):
    """Refused: a login or chat address is another staff member's (`holder`), perhaps a removed one."""

    def __init__(self, problems: list[Problem], holder: StaffMember) -> None:
        super().__init__(problems)
        self.holder_id, self.holder_removed = holder.id, holder.removed_at is not None


def _not_held(
    session: Session, wrong: list[Problem], address: str | None, login: str | None, member_id: int | None
) -> None:
    """Refused if her login or chat address is another staff member's (removed or not) than `member_id`."""
    for field, value, holder in (
        ("login", login, staff.by_login(session, login) if login else None),
        ("address", address, staff.by_address(session, address) if address else None),
    ):
        if holder is not None and holder.id != member_id and value is not None:
            raise Held([*wrong, _held(holder, field, value)], holder)
    if wrong:
        raise Refused(wrong)


def _recorded(
    session: Session, by: Rights, member: StaffMember, what: str, outcome: str, now: datetime
) -> None:
    record(
        session,
        by,
        what,
        office=member.office_code,
        target="staff",
        target_id=member.id,
        outcome=outcome,
        now=now,
        details={"role": member.role},
    )


@action
def add(
    session: Session,
    actor: Actor,
    address: str | None,
    role: StaffRole,
    office: str | None,
    now: datetime,
    login: str | None = None,
    name: str | None = None,
) -> StaffMember:
    """The operator's `usar staff add`: a new staff member, or a new role and office for one (who was removed
    comes back). She is known by her chat address (the staff chat), her login (the web console) or both: at
    least one is given. `name`: her full name as people read it; not given, an existing one is kept. The
    console never changes a colleague by her login: it adds (`add_new`) or changes one by her id (`change`).
    """
    by = rights(session, actor)
    by.require_admin()
    normalised, named, full_name, wrong = _checked(session, address, role, office, login, name)
    by_address = staff.by_address(session, normalised) if normalised else None
    by_login = staff.by_login(session, named) if named else None
    if by_address is not None and by_login is not None and by_address.id != by_login.id:
        wrong.append(Problem("login", _("that login is another staff member's")))
    if wrong:
        raise Refused(wrong)
    existing = by_address or by_login
    member = staff.add_or_update(session, normalised, role, office or None, now, login=named, name=full_name)
    if existing is None:
        _recorded(session, by, member, "staff.add", "added", now)
    elif existing.removed_at is not None:
        _recorded(session, by, member, "staff.change", "restored", now)
    else:
        _recorded(session, by, member, "staff.change", "changed", now)
    return member


@action
def add_new(
    session: Session,
    actor: Actor,
    address: str | None,
    role: StaffRole,
    office: str | None,
    now: datetime,
    login: str | None = None,
    name: str | None = None,
) -> StaffMember:
    """A new staff member (the console's staff page). A login or chat address that is already someone's,
    even a removed colleague's, is refused naming her (`Held`): she is changed, or brought back, only with
    `change`, never by typing her login again (decision 0110)."""
    by = rights(session, actor)
    by.require_admin()
    normalised, named, full_name, wrong = _checked(session, address, role, office, login, name)
    _not_held(session, wrong, normalised, named, None)
    member = staff.add_new(session, normalised, role, office, now, login=named, name=full_name)
    _recorded(session, by, member, "staff.add", "added", now)
    return member


@action
def change(
    session: Session,
    actor: Actor,
    member_id: int,
    address: str | None,
    role: StaffRole,
    office: str | None,
    now: datetime,
    login: str | None = None,
    name: str | None = None,
) -> StaffMember:
    """One staff member's details, by her id (the "Change" button in her row): her name, login, chat address,
    role and office; one not given is left as it was. A removed one is brought back by it ("restored"),
    without a password. Another's login or chat address is refused naming her."""
    by = rights(session, actor)
    by.require_admin()
    member = staff.by_id(session, member_id)
    if member is None:
        raise NotFound(_("No such staff member."))
    normalised, named, full_name, wrong = _checked(
        session, address, role, office, login or member.login, name
    )
    if member.id == by.staff_id and role is not StaffRole.ADMIN:
        wrong.append(Problem("place", _("You cannot take away your own administrator's role: another can.")))
    _not_held(session, wrong, normalised, named, member.id)
    was_removed = member.removed_at is not None
    staff.update(session, member, normalised, role, office, login=named, name=full_name)
    _recorded(session, by, member, "staff.change", "restored" if was_removed else "changed", now)
    return member


def one(session: Session, actor: Actor, member_id: int) -> StaffMember:
    """A staff member by her id, removed or not, for an admin to change her details or bring her back."""
    rights(session, actor).require_admin()
    member = staff.by_id(session, member_id)
    if member is None:
        raise NotFound(_("No such staff member."))
    return member


def _member(session: Session, who: str) -> StaffMember:
    """A current staff member by her login or her chat address."""
    member = staff.by_login(session, login_name(who)) or staff.by_address(session, staff_address(who))
    if member is None or member.removed_at is not None:
        raise NotFound(_("“%(address)s” is not a staff member.", address=who))
    return member


def _with_login(session: Session, who: str) -> tuple[StaffMember, str]:
    """A current staff member who signs in to the console, and her login."""
    member = _member(session, who)
    if member.login is None:
        no_login = _("she has no console login yet: add one for her first, with her chat address")
        raise Refused([Problem("login", no_login)])
    return member, member.login


@action
def remove(session: Session, actor: Actor, who: str, now: datetime) -> StaffMember:
    """She loses every right at once and is signed out of the console; her row stays, so that the audit log
    still names her."""
    by = rights(session, actor)
    by.require_admin()
    member = _member(session, who)
    if member.id == by.staff_id:
        raise Refused([Problem(None, _("You cannot remove yourself: another administrator can."))])
    staff.remove(session, member, now)
    console_sessions.end_all_of(session, member.id, now)
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


def acceptable(password: str, login: str | None, field: str = "password") -> None:
    """Refused, saying why, unless it may be a console password (`passwords.refusal`): the one policy of
    the console and the command line."""
    why = passwords.refusal(password, login)
    if why is not None:
        raise Refused([Problem(field, why)])


@action
def set_password(session: Session, actor: Actor, who: str, password: str, now: datetime) -> StaffMember:
    """A new console password for her (admins for anyone, a staff member for herself); every session of hers
    ends, so that an old password signs nobody in any more."""
    by = rights(session, actor)
    member, login = _with_login(session, who)
    if member.id != by.staff_id:
        by.require_admin()
    acceptable(password, login)
    _new_password(session, member, login, password, now)
    record(
        session,
        by,
        "staff.password",
        office=member.office_code,
        target="staff",
        target_id=member.id,
        outcome="set",
        now=now,
    )
    return member


@action
def change_own_password(
    session: Session,
    actor: Actor,
    current: str,
    new: str,
    again: str,
    now: datetime,
    keeping: str | None = None,
) -> StaffMember:
    """She changes her own console password: her current one first (so that a browser left signed in does
    not let someone else make it theirs), then the new one twice. Her other sessions end, as with any new
    password; `keeping`, the hash of the session she changed it from, stays signed in: she just proved who
    she is (decision 0110). The console counts a wrong current password as a wrong sign-in try first
    (`office.sign_in.attempt`), so that it cannot be guessed here faster than at sign-in."""
    by = rights(session, actor)
    member = staff.current_by_id(session, by.staff_id) if by.staff_id is not None else None
    if member is None or member.login is None:
        raise Refused([Problem(None, _("Only a staff member who signs in to the console has a password."))])
    login = member.login
    if not passwords.matches(member.password_hash, current):
        raise Refused([Problem("current", _("That is not your current password: nothing was changed."))])
    acceptable(new, login, "new")
    if again != new:
        raise Refused([Problem("again", _("The two new passwords differ: write the same one twice."))])
    if new == current:
        raise Refused([Problem("new", _("That is your current password: choose a new one."))])
    _new_password(session, member, login, new, now, keeping)
    record(
        session,
        by,
        "staff.own_password",
        office=member.office_code,
        target="staff",
        target_id=member.id,
        outcome="changed",
        now=now,
    )
    return member


def _new_password(
    session: Session,
    member: StaffMember,
    login: str,
    password: str,
    now: datetime,
    keeping: str | None = None,
) -> None:
    """Her new password's hash kept; her sessions (but `keeping`) ended; her wrong tries forgotten."""
    staff.set_password_hash(session, member, passwords.hashed(password))
    console_sessions.end_all_of(session, member.id, now, keeping=keeping)
    console_sessions.clear_failures(session, login)


def own_account(session: Session, actor: Actor) -> StaffMember:
    """Her own row, for her account's page."""
    by = rights(session, actor)
    member = staff.current_by_id(session, by.staff_id) if by.staff_id is not None else None
    if member is None:
        raise NotFound(_("Only a staff member has an account."))
    return member


@action
def unlock(session: Session, actor: Actor, who: str, now: datetime) -> int:
    """Her login may be tried again at once (it was locked by wrong passwords); how many failures were
    forgotten."""
    by = rights(session, actor)
    by.require_admin()
    member, login = _with_login(session, who)
    forgotten = console_sessions.clear_failures(session, login)
    record(
        session,
        by,
        "staff.unlock",
        office=member.office_code,
        target="staff",
        target_id=member.id,
        outcome="unlocked",
        now=now,
        details={"failures": forgotten},
    )
    return forgotten


def listing(session: Session, actor: Actor) -> Sequence[StaffMember]:
    """Every current staff member, by office (admins first)."""
    rights(session, actor).require_admin()
    return staff.current(session)
