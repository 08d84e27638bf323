"""My account: what we store about her, her language, and deleting everything after a confirmation.

account menu → My details → (details shown) → account menu
             → Change my details → the form of her details → account menu
             → My applications and trainings → (listed) → account menu
             → My office → (its phone, WhatsApp, address, map, hours) → account menu
             → Change language → account menu, in the other language
             → Delete my data → confirm → deleted (the conversation is forgotten too)
                                        → kept → account menu
             → Back → main menu
"""

from __future__ import annotations

from conversations.engine.forms import yes_or_no
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.family.canteens import her_applications
from conversations.family.my_details import change_details
from core.channel import Offer
from core.dates import long_date, long_time
from core.domain import GuestStatus, Verification
from core.i18n import N_, _
from core.payloads import Options
from office import registrations
from office.offices import her_office
from office.words import registration_lines
from storage import beneficiaries, events
from storage.models import Beneficiary

CONFIRM_DELETE = "confirm-delete"


class AccountOption(Options, prefix="account"):
    """My account's options."""

    DETAILS = "details"
    CHANGE = "change"
    MINE = "mine"  # her applications and trainings
    OFFICE = "office"  # how to reach her office
    LANGUAGE = "language"
    DELETE = "delete"
    BACK = "back"
    DELETE_YES = "delete-yes"  # its own payload: no other question's "yes" button can confirm a deletion
    DELETE_NO = "delete-no"
    SEND_BACK = "corrected"  # she corrected what her office asked: review it again


class Account:
    name = FlowName.ACCOUNT

    def begin(self, turn: Turn) -> None:
        self.ask(turn)

    def ask(self, turn: Turn) -> None:
        if turn.step == CONFIRM_DELETE:
            turn.say(
                _(
                    "This deletes everything we store about you: your name, ID number, mobile, office and "
                    "answers, and with them your canteen applications (an accepted place too) and your "
                    "answers to trainings. It cannot be undone. Delete your data?"
                ),
                [  # the safe answer first, as everywhere: a "1" typed out of habit keeps her data
                    Offer(label=N_("No, keep my data"), payload=AccountOption.DELETE_NO),
                    Offer(label=N_("Yes, delete everything"), payload=AccountOption.DELETE_YES),
                ],
            )
            return
        turn.step = None
        family = self._beneficiary(turn)
        corrections = family is not None and family.verification is Verification.CORRECTION
        turn.say(
            "\n".join(
                [
                    _("My account"),
                    _("Your office asks you to correct your registration:"),
                    family.correction_reason or "",
                ]
            )
            if corrections and family is not None
            else _("My account"),
            [  # last: the numbers of the others stay as they were once she has sent it
                Offer(label=N_("My details"), payload=AccountOption.DETAILS),
                Offer(label=N_("Change my details"), payload=AccountOption.CHANGE),
                Offer(label=N_("My applications and trainings"), payload=AccountOption.MINE),
                Offer(label=N_("My office"), payload=AccountOption.OFFICE),
                Offer(label=N_("Change language"), payload=AccountOption.LANGUAGE),
                Offer(label=N_("Delete my data"), payload=AccountOption.DELETE),
                Offer(label=N_("Back to the main menu"), payload=AccountOption.BACK),
                *(
                    [Offer(label=N_("Send my registration for review"), payload=AccountOption.SEND_BACK)]
                    if corrections
                    else []
                ),
            ],
        )

    def answer(self, turn: Turn, answer: Answer) -> None:
        family = self._beneficiary(turn)
        if family is None:
            turn.go(FlowName.HOME)
        elif turn.step == CONFIRM_DELETE:
            self._answer_delete(turn, answer, family)
        elif answer.choice == AccountOption.MINE:
            turn.say(applications_and_trainings(turn, family))
            self.ask(turn)
        elif answer.choice == AccountOption.OFFICE:
            turn.say(her_office(turn.session, family.office_code, turn.language))
            self.ask(turn)
        elif answer.choice == AccountOption.CHANGE:
            change_details.discard(turn)  # from her details as they are now
            turn.go(change_details.name)
        elif answer.choice == AccountOption.DETAILS:
            turn.say(details(family))
            self.ask(turn)
        elif answer.choice == AccountOption.LANGUAGE:
            language = "en" if turn.language == "ar" else "ar"
            turn.switch_language(language)
            family.language = language
            turn.say(_("From now on I will write to you in English."))
            self.ask(turn)
        elif answer.choice == AccountOption.DELETE:
            turn.step = CONFIRM_DELETE
            self.ask(turn)
        elif answer.choice == AccountOption.SEND_BACK:
            if registrations.sent_back(turn.session, family.id, turn.now):
                turn.say(_("Thank you. Your office will review your registration again."))
            elif family.verification is Verification.VERIFIED:  # as it is now: verified meanwhile
                turn.say(_("Your office has verified your registration meanwhile: there is nothing to send."))
            self.ask(turn)
        elif answer.choice == AccountOption.BACK:
            turn.go(FlowName.HOME)
        else:
            turn.say(_("Please choose one of the options by typing its number."))
            self.ask(turn)

    def _answer_delete(self, turn: Turn, answer: Answer, family: Beneficiary) -> None:
        choice = yes_or_no(
            turn, answer, AccountOption.DELETE_YES, AccountOption.DELETE_NO
        )  # "لا" typed keeps it, as "نعم" deletes
        if choice == AccountOption.DELETE_YES:
            beneficiaries.forget(turn.session, family.id)
            turn.forget_conversation()
            turn.say(
                _("All your data has been deleted. If you write to us again, we will welcome you as new.")
            )
        elif choice == AccountOption.DELETE_NO:
            turn.say(_("Nothing was deleted."))
            turn.step = None
            self.ask(turn)
        else:
            turn.say(_("Please choose one of the options by typing its number."))
            self.ask(turn)

    def help(self, turn: Turn) -> str | None:
        return _(
            "Here you can see and change what we store about you, follow your applications, find how to "
            "reach your office, change the language, or delete your data."
        )

    def cancel(self, turn: Turn) -> None:
        turn.say(_("Nothing was changed."))
        turn.go(FlowName.HOME)

    def _beneficiary(self, turn: Turn) -> Beneficiary | None:
        if turn.conversation.beneficiary_id is None:
            return None
        return beneficiaries.beneficiary(turn.session, turn.conversation.beneficiary_id)


def applications_and_trainings(turn: Turn, family: Beneficiary) -> str:
    """Every canteen application she made, where it stands; the trainings she will attend, and those she
    attended."""
    applications = her_applications(turn, family.id)
    attended = events.attended_by(turn.session, family.id)
    coming = events.coming_to(turn.session, family.id, turn.now)
    lines = (
        [_("Your canteen applications:"), *applications]
        if applications
        else [_("You have not applied to a canteen yet.")]
    )
    if coming:
        lines += [
            _("Trainings you are coming to:"),
            *(
                f"• {event.title(turn.language)} ({long_time(event.starts_at)})"
                + ("" if status == GuestStatus.GOING.value else " · " + _("on the waiting list"))
                for event, status in coming
            ),
        ]
    if attended:
        lines += [
            _("Trainings you attended:"),
            *(f"• {event.title(turn.language)} ({long_date(event.starts_at)})" for event in attended),
        ]
    return "\n".join(lines)


def details(family: Beneficiary) -> str:
    lines = [
        _("This is what we store about you:"),
        _("Name: %(value)s", value=family.full_name),
        *registration_lines(family),
        _("Consent given on: %(value)s", value=long_date(family.consented_at)),
        _("Verified by your office: %(value)s", value=_("Yes") if family.verified_at else _("Not yet")),
        *(
            [_("Your office asks you to correct: %(reason)s", reason=family.correction_reason or "")]
            if family.verification is Verification.CORRECTION
            else []
        ),
    ]
    return "\n".join(lines)
