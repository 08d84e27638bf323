"""The staff menu, for people in the staff table only: their rights are read again on every turn.

staff menu → Registrations (families per office, verified or waiting) → staff menu
           → Announcements (conversations.announcements)
           → Training events (conversations.staff_events)
           → Canteen opportunities and verifying registrations (conversations.staff_canteens)
"""

from __future__ import annotations

from collections.abc import Mapping

from conversations.forms import SendBack
from conversations.i18n import N_, _
from conversations.turn import Answer, Offer, Turn
from office.errors import Refused
from office.rights import Actor
from storage import staff
from storage.models import StaffMember

REGISTRATIONS = "staff:registrations"
ANNOUNCEMENTS = "staff:announcements"
EVENTS = "staff:events"
CANTEENS = "staff:canteens"
VERIFY = "staff:verify"
WAITING = "waiting"  # the step of conversations.staff_registrations that lists registrations waiting


def staff_member(turn: Turn) -> StaffMember | None:
    return staff.staff_member(turn.session, turn.inbound.address)


def actor(turn: Turn) -> Actor:
    """Who acts in the office actions: the person writing, by the address her channel gives."""
    return Actor(turn.inbound.address)


def asked_again(refused: Refused, fields: Mapping[str, str], otherwise: str) -> SendBack:
    """A form's answer the office action refused, asked again: the question of the value it was about."""
    problem = refused.problems[0]
    return SendBack(fields.get(problem.field or "", otherwise), problem.message)


class StaffHome:
    name = "staff"

    def begin(self, turn: Turn) -> None:
        self.ask(turn)

    def ask(self, turn: Turn) -> None:
        if staff_member(turn) is None:  # rights are read again each time the menu is shown
            turn.go("home")
            return
        turn.step = None
        turn.say(
            _("Staff menu: what would you like to do?"),
            [
                Offer(label=N_("Registrations"), payload=REGISTRATIONS),
                Offer(label=N_("Verify registrations"), payload=VERIFY),
                Offer(label=N_("Announcements"), payload=ANNOUNCEMENTS),
                Offer(label=N_("Training events"), payload=EVENTS),
                Offer(label=N_("Canteen opportunities"), payload=CANTEENS),
            ],
        )

    def answer(self, turn: Turn, answer: Answer) -> None:
        member = staff_member(turn)
        if member is None:  # no longer staff: she gets what everyone gets
            turn.go("home")
        elif answer.choice == REGISTRATIONS:
            turn.go("staff_registrations")
        elif answer.choice == ANNOUNCEMENTS:
            turn.go("announcements")
        elif answer.choice == EVENTS:
            turn.go("staff_events")
        elif answer.choice == CANTEENS:
            turn.go("staff_canteens")
        elif answer.choice == VERIFY:
            turn.go("staff_registrations", at=WAITING)  # also reached from Canteen opportunities
        else:
            turn.say(_("Sorry, I did not understand that. Please choose from the menu by typing a number."))
            self.ask(turn)

    def help(self, turn: Turn) -> str | None:
        return _("This is the staff menu. Type the number of what you would like to do.")

    def cancel(self, turn: Turn) -> None:
        turn.say(_("There is nothing to cancel."))
        self.ask(turn)
