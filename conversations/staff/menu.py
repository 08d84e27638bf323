"""The staff menu, for people in the staff table only: their rights are read again on every turn.

staff menu → Questions from families (conversations.staff_questions)
           → Registrations (families per office, verified or waiting) → staff menu
           → Announcements (conversations.announcements)
           → Training events (conversations.staff_events)
           → Canteen opportunities and verifying registrations (conversations.staff_canteens)
           → admins: Staff of each office · Office log · Offices (conversations.staff_offices)
"""

from __future__ import annotations

from conversations.engine.turn import Answer, FlowName, Turn
from core.channel import Offer
from core.dates import short_stamp
from core.domain import StaffRole
from core.i18n import N_, _
from core.payloads import Options
from office import audit
from office import staff as office_staff
from office.errors import OfficeError
from office.words import ACTIONS, OUTCOMES, said
from storage import offices

AUDIT_SHOWN = 20
WAITING = "waiting"  # the step of conversations.staff_registrations that lists registrations waiting


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


class StaffHome:
    name = FlowName.STAFF

    def begin(self, turn: Turn) -> None:
        self.ask(turn)

    def ask(self, turn: Turn) -> None:
        member = turn.staff
        if member is None:  # rights are read again each time the menu is shown
            turn.go(FlowName.HOME)
            return
        turn.step = None
        admins = (
            [
                Offer(label=N_("Staff of each office"), payload=StaffOption.STAFF_LIST),
                Offer(label=N_("Office log"), payload=StaffOption.AUDIT),
                Offer(label=N_("Offices: phone, address, hours"), payload=StaffOption.OFFICES),
            ]
            if member.role == StaffRole.ADMIN.value
            else []
        )
        turn.say(
            _("Staff menu: what would you like to do?"),
            [
                Offer(label=N_("Questions from families"), payload=StaffOption.QUESTIONS),
                Offer(label=N_("Registrations"), payload=StaffOption.REGISTRATIONS),
                Offer(label=N_("Verify registrations"), payload=StaffOption.VERIFY),
                Offer(label=N_("Announcements"), payload=StaffOption.ANNOUNCEMENTS),
                Offer(label=N_("Training events"), payload=StaffOption.EVENTS),
                Offer(label=N_("Canteen opportunities"), payload=StaffOption.CANTEENS),
                *(admins if member.role == StaffRole.ADMIN.value else []),
            ],
        )

    def answer(self, turn: Turn, answer: Answer) -> None:
        member = turn.staff
        if member is None:  # no longer staff: she gets what everyone gets
            turn.go(FlowName.HOME)
        elif answer.choice == StaffOption.REGISTRATIONS:
            turn.go(FlowName.STAFF_REGISTRATIONS)
        elif answer.choice == StaffOption.QUESTIONS:
            turn.go(FlowName.STAFF_QUESTIONS)
        elif answer.choice == StaffOption.ANNOUNCEMENTS:
            turn.go(FlowName.ANNOUNCEMENTS)
        elif answer.choice == StaffOption.EVENTS:
            turn.go(FlowName.STAFF_EVENTS)
        elif answer.choice == StaffOption.CANTEENS:
            turn.go(FlowName.STAFF_CANTEENS)
        elif answer.choice == StaffOption.OFFICES:
            turn.go(FlowName.STAFF_OFFICES)
        elif answer.choice == StaffOption.VERIFY:
            turn.go(FlowName.STAFF_REGISTRATIONS, at=WAITING)  # also reached from Canteen opportunities
        elif answer.choice in (StaffOption.STAFF_LIST, StaffOption.AUDIT):
            try:
                turn.say(
                    staff_of_each_office(turn)
                    if answer.choice == StaffOption.STAFF_LIST
                    else office_log(turn)
                )
            except OfficeError as refused:  # no longer an admin
                turn.say(refused.message)
            self.ask(turn)
        else:
            turn.say(_("Sorry, I did not understand that. Please choose from the menu by typing a number."))
            self.ask(turn)

    def help(self, turn: Turn) -> str | None:
        return _("This is the staff menu. Type the number of what you would like to do.")

    def cancel(self, turn: Turn) -> None:
        turn.say(_("There is nothing to cancel."))
        self.ask(turn)


def staff_of_each_office(turn: Turn) -> str:
    """Admins: who acts for each office (and the admins, for every office)."""
    names = offices.names(turn.session, turn.language)
    lines = [_("Staff of each office:")]
    for member in office_staff.listing(turn.session, turn.actor):
        where = names.get(member.office_code or "", member.office_code) if member.office_code else None
        lines.append(
            _("%(address)s · administrator", address=member.address)
            if member.role == StaffRole.ADMIN.value
            else _("%(address)s · %(office)s", address=member.address, office=where or "")
        )
    return "\n".join(lines)


def office_log(turn: Turn) -> str:
    """Admins: the latest office actions, newest first, in words."""
    lines = [_("The latest office actions:")]
    names = offices.names(turn.session, turn.language)
    for line in audit.history(turn.session, turn.actor, newest_first=True, limit=AUDIT_SHOWN):
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
