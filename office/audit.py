"""The audit log: every office action records itself once, with who, which office, what, on what (by id,
never a family's name, ID or mobile), when and how it ended. Admins and the operator read it, each entry a
sentence in their language (`Reading`), the names of staff, offices and what it touched read at that time.

`action` makes a function an office action: it runs in a savepoint of the caller's unit of work, so that a
refusal raised halfway undoes what it began, and the surface (a chat turn) can go on in the same
transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from core.i18n import _, ngettext
from office.errors import NotFound
from office.rights import Actor, Rights, rights, staff_address
from office.words import ACTIONS, OUTCOMES, TARGETS, USUAL_OUTCOMES, said
from storage import audit, offices, staff
from storage.audit import Line
from storage.models import AuditEntry, StaffMember

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


# Signing in and out of the console, and a wrong password for a login: kept apart from what offices do.
SIGN_INS = ("staff.sign_in", "staff.sign_out", "staff.wrong_password")


class SignIns(StrEnum):
    """Which entries of signing in the log shows beside the office's actions."""

    WITHOUT = "without"  # the office's actions only (the console's page at first)
    ONLY = "only"
    WITH = "with"  # everything


def kinds() -> list[tuple[str, str]]:
    """The kinds of office action, (action, in the reader's words), to filter the log by; signing in apart."""
    return sorted(
        ((name, str(words)) for name, words in ACTIONS.items() if name not in SIGN_INS), key=lambda k: k[1]
    )


def history(
    session: Session,
    actor: Actor,
    *,
    office: str | None = None,
    staff_member: str | int | None = None,
    since: datetime | None = None,
    kind: str | None = None,
    sign_ins: SignIns = SignIns.WITH,
    newest_first: bool = False,
    limit: int | None = None,
) -> Iterator[Line]:
    """The entries an admin (or the operator) asks for: of an office, of a staff member (`staff_meant`), since
    a time, of one `kind` of action (an unknown kind is no filter), with or without (or only) the sign-ins."""
    rights(session, actor).require_admin()
    actions: tuple[str, ...] = (kind,) if kind in ACTIONS else ()
    leaving_out: tuple[str, ...] = ()
    if sign_ins is SignIns.WITHOUT:
        leaving_out = SIGN_INS
    elif sign_ins is SignIns.ONLY:
        actions = tuple(name for name in SIGN_INS if not actions or name in actions) or ("",)
    staff_id = None if staff_member is None else staff_meant(session, staff_member).id
    return audit.lines(
        session,
        office_code=office,
        staff_id=staff_id,
        since=since,
        actions=actions,
        leaving_out=leaving_out,
        newest_first=newest_first,
        limit=limit,
    )


@dataclass(frozen=True)
class StaffChoice:
    """A staff member to filter the log by, as the console's list names her."""

    id: int
    name: str
    removed: bool


def staff_choices(session: Session, actor: Actor) -> list[StaffChoice]:
    """Every staff member who ever was (the log names the removed too), by name: for admins."""
    rights(session, actor).require_admin()
    return sorted(
        (
            StaffChoice(member.id, member.name, member.removed_at is not None)
            for member in staff.everyone(session)
        ),
        key=lambda choice: (choice.removed, choice.name.casefold()),
    )


def staff_meant(session: Session, typed: str | int) -> StaffMember:
    """The staff member (removed or not) she means: by her number (the console's list), her login, her chat
    address, or her name as the console writes it (`StaffMember.name`, spaces and case aside). NotFound,
    said in the reader's words, if nobody (or more than one) is."""
    if isinstance(typed, int):
        member = staff.by_id(session, typed)
        if member is None:
            raise NotFound(_("“%(typed)s” is not one of the staff.", typed=typed))
        return member
    member = staff.by_login(session, typed.strip().lower()) or staff.by_address(session, staff_address(typed))
    if member is not None:
        return member
    called = staff.called(session, typed)
    if len(called) > 1:
        raise NotFound(
            _("More than one staff member is called “%(typed)s”: choose her from the list.", typed=typed)
        )
    if not called:
        raise NotFound(_("“%(typed)s” is not one of the staff.", typed=typed))
    return called[0]


def who(line: Line) -> str:
    """Who did it, in the reader's words: the staff member's name, the family, or the operator."""
    if line.by_family:
        return _("the family")
    return line.staff_name or _("the operator")


class Reading:
    """The names an admin reads entries by, in her language: of offices, and of what the entries touched
    (a family, a staff member, a training, a school); read again for each batch of entries."""

    def __init__(self, session: Session, language: str, *, isolated: bool = False) -> None:
        """`isolated`: each name set apart in its own direction (a Latin login inside an Arabic sentence),
        for a page; a file keeps the names as they are."""
        self.session, self.language, self.isolated = session, language, isolated
        self.offices = offices.names(session, language)
        self.targets: dict[tuple[str, int], str] = {}

    def learn(self, lines: Sequence[Line]) -> None:
        self.targets = audit.target_names(self.session, lines, self.language)

    def office(self, code: str | None) -> str:
        return self.offices.get(code, code) if code else ""

    def who(self, line: Line) -> str:
        """The staff member's name, or the family's own (when she did it herself), or the operator."""
        if line.by_family and line.target_id is not None:
            return self.targets.get((line.target, line.target_id)) or who(line)
        return who(line)

    def sentence(self, line: Line) -> str:
        return sentence(line, self.targets, self.offices, isolated=self.isolated)


def sentence(
    line: Line,
    targets: Mapping[tuple[str, int], str],
    office_names: Mapping[str, str],
    *,
    isolated: bool = False,
) -> str:
    """The entry as one sentence in the reader's language: who did what, to whom, how it ended and what
    she gave: «noura وثّقت تسجيلاً: فاطمة العتيبي», "Amal changed her details"."""
    named = targets.get((line.target, line.target_id)) if line.target_id is not None else None

    def name(text: str) -> str:
        return f"\u2068{text}\u2069" if isolated else text  # Unicode's first-strong isolate

    what = line.action
    if what == "staff.add" and line.outcome in ("changed", "restored"):  # kept so before "staff.change"
        what = "staff.change"
    did = said(ACTIONS, what)
    if USUAL_OUTCOMES.get(what) != line.outcome:
        did = _("%(did)s (%(outcome)s)", did=did, outcome=said(OUTCOMES, line.outcome))
    if line.by_family:
        text = _("%(who)s %(did)s", who=name(named) if named else _("the family"), did=did)
    else:
        text = _("%(who)s %(did)s", who=name(who(line)) if line.staff_name else who(line), did=did)
        if line.target_id is not None and not (line.target == "staff" and named == line.staff_name):
            thing = name(named) if named else f"{said(TARGETS, line.target)} {line.target_id}"
            text = _("%(sentence)s: %(what)s", sentence=text, what=thing)
    more = details(line.details or {}, office_names, isolated=isolated, targets=targets)
    return _("%(sentence)s (%(details)s)", sentence=text, details=more) if more else text


def details(
    given: Mapping[str, Any],
    office_names: Mapping[str, str],
    *,
    isolated: bool = False,
    targets: Mapping[tuple[str, int], str] | None = None,
) -> str:
    """What an entry keeps beside it, in words (never its JSON): the reason she gave, where a question
    went (`to`: another office, by its code), whom it was given to (`staff`: a colleague, by her id, named
    as `targets` names staff now), how many rows or families."""
    said_here: list[str] = []

    def apart(text: str) -> str:
        return f"\u2068{text}\u2069" if isolated else text

    if given.get("reason"):
        said_here.append(apart(f"«{given['reason']}»"))
    if given.get("to"):  # an office's code; before issue 27, a question given to a colleague kept her login
        said_here.append(_("to %(office)s", office=office_names.get(given["to"], given["to"])))
    colleague = given.get("staff")
    if isinstance(colleague, int) and not isinstance(colleague, bool):
        name = (targets or {}).get(("staff", colleague))
        said_here.append(_("to %(name)s", name=apart(name)) if name else _("to a colleague"))
    counted: tuple[tuple[str, Callable[[int], str]], ...] = (
        ("rows", lambda n: ngettext("%(count)d row", "%(count)d rows", n)),
        ("added", lambda n: ngettext("%(count)d added", "%(count)d added", n)),
        ("updated", lambda n: ngettext("%(count)d updated", "%(count)d updated", n)),
        ("registered", lambda n: ngettext("%(count)d already registered", "%(count)d already registered", n)),
        (
            "failures",
            lambda n: ngettext("%(count)d wrong try forgotten", "%(count)d wrong tries forgotten", n),
        ),
        ("families", lambda n: ngettext("%(count)d family", "%(count)d families", n)),
        ("changed", lambda n: ngettext("%(count)d detail changed", "%(count)d details changed", n)),
    )
    for key, words in counted:
        value = given.get(key)
        if isinstance(value, list):
            value = len(value)
        if isinstance(value, int) and not isinstance(value, bool):
            said_here.append(words(value))
    if given.get("role") in ("admin", "staff"):
        said_here.append(_("as an administrator") if given["role"] == "admin" else _("as office staff"))
    return _(", ").join(said_here)
