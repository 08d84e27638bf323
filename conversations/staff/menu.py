"""The staff menu, for people in the staff table only: their rights are read once a turn.

staff menu → Questions from families (conversations.staff.questions)
           → Registrations (families per office, verified or waiting) → staff menu
           → Announcements (conversations.staff.announcements)
           → Training events (conversations.staff.events)
           → Canteen opportunities and verifying registrations (conversations.staff.canteens)
           → admins: Staff of each office · Office log · Offices (conversations.staff.offices)
"""

from __future__ import annotations

from collections.abc import Callable

from conversations.engine.screens import On, Screens, is_admin, is_staff, refusal_said
from conversations.engine.turn import FlowName, Turn
from conversations.staff.registrations import Step as RegistrationsStep
from core.channel import Offer
from core.dates import short_stamp
from core.domain import StaffRole
from core.i18n import N_, _
from core.payloads import Options
from office import audit, offices
from office import staff as office_staff
from office.words import ACTIONS, OUTCOMES, said

AUDIT_PAGE = 20


class StaffOption(Options, prefix="staff"):
    """The staff menu's options."""

    REGISTRATIONS = "registrations"
    ANNOUNCEMENTS = "announcements"
    EVENTS = "events"
    CANTEENS = "canteens"
    VERIFY = "verify"
    STAFF_LIST = "list"  # admins: the staff of each office
    AUDIT = "audit"  # admins: the latest office actions
    OFFICES = "offices"  # admins: how families reach each office
    QUESTIONS = "questions"  # families' questions to her office


def menu(turn: Turn) -> None:
    """Her options; an admin's include the staff, the log and the offices."""
    turn.step = None
    admin = is_admin(turn)
    admins = [
        Offer(label=N_("Staff of each office"), payload=StaffOption.STAFF_LIST),
        Offer(label=N_("Office log"), payload=StaffOption.AUDIT),
        Offer(label=N_("Offices: phone, address, hours"), payload=StaffOption.OFFICES),
    ]
    turn.say(
        _("Staff menu: what would you like to do?"),
        [
            Offer(label=N_("Questions from families"), payload=StaffOption.QUESTIONS),
            Offer(label=N_("Registrations"), payload=StaffOption.REGISTRATIONS),
            Offer(label=N_("Verify registrations"), payload=StaffOption.VERIFY),
            Offer(label=N_("Announcements"), payload=StaffOption.ANNOUNCEMENTS),
            Offer(label=N_("Training events"), payload=StaffOption.EVENTS),
            Offer(label=N_("Canteen opportunities"), payload=StaffOption.CANTEENS),
            *(admins if admin else []),
        ],
    )


def show_staff(turn: Turn, chosen: StaffOption) -> None:
    _admins_see(turn, staff_of_each_office)


def show_log(turn: Turn, chosen: StaffOption) -> None:
    _admins_see(turn, office_log)


def _admins_see(turn: Turn, lines: Callable[[Turn], str]) -> None:
    with refusal_said(turn):  # no longer an admin
        turn.say(lines(turn))
    menu(turn)


def staff_of_each_office(turn: Turn) -> str:
    """Admins: who acts for each office (and the admins, for every office)."""
    names = offices.names(turn.session, turn.language)
    lines = [_("Staff of each office:")]
    for member in office_staff.listing(turn.session, turn.actor):
        where = names.get(member.office_code or "", member.office_code) if member.office_code else None
        lines.append(
            _("%(name)s · administrator", name=member.name)
            if member.role == StaffRole.ADMIN.value
            else _("%(name)s · %(office)s", name=member.name, office=where or "")
        )
    return "\n".join(lines)


def office_log(turn: Turn) -> str:
    """Admins: the latest office actions, newest first, in words."""
    lines = [_("The latest office actions:")]
    names = offices.names(turn.session, turn.language)
    for line in audit.history(turn.session, turn.actor, newest_first=True, limit=AUDIT_PAGE):
        lines.append(
            " · ".join(
                part
                for part in [
                    short_stamp(line.at),
                    names.get(line.office_code, line.office_code) if line.office_code else "",
                    _("the family") if line.by_family else line.staff_name or _("the operator"),
                    said(ACTIONS, line.action),
                    f"#{line.target_id}" if line.target_id is not None else "",
                    said(OUTCOMES, line.outcome),
                ]
                if part
            )
        )
    if len(lines) == 1:
        lines.append(_("Nothing yet."))
    return "\n".join(lines)


staff_home = Screens(
    FlowName.STAFF,
    allowed=is_staff,
    screens={None: menu},
    routes=(
        On(StaffOption.REGISTRATIONS, go=FlowName.STAFF_REGISTRATIONS),
        On(StaffOption.QUESTIONS, go=FlowName.STAFF_QUESTIONS),
        On(StaffOption.ANNOUNCEMENTS, go=FlowName.ANNOUNCEMENTS),
        On(StaffOption.EVENTS, go=FlowName.STAFF_EVENTS),
        On(StaffOption.CANTEENS, go=FlowName.STAFF_CANTEENS),
        On(StaffOption.OFFICES, go=FlowName.STAFF_OFFICES),
        On(StaffOption.VERIFY, go=FlowName.STAFF_REGISTRATIONS, go_at=RegistrationsStep.WAITING),
        On(StaffOption.STAFF_LIST, then=show_staff),
        On(StaffOption.AUDIT, then=show_log),
    ),
    help_text=N_("This is the staff menu. Type the number of what you would like to do."),
)
