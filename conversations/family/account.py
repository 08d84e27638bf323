"""My account: what we store about her, her language, and deleting everything after a confirmation.

account menu → My details → (details shown) → account menu
             → Change my details → the form of her details → account menu
             → My applications and trainings → (listed) → account menu
             → My office → (its phone, WhatsApp, address, map, hours) → account menu
             → Change language → account menu, in the other language
             → Send me my data → everything stored about her, in parts (and a file on Telegram) → account menu
             → Delete my data → confirm (no/yes) → deleted (the conversation is forgotten too)
                                                 → kept → account menu
             → Send my registration for review (when her office asked for corrections) → account menu
             → Back → main menu
Anything else: she is asked to choose again (unlike the other family flows, it is not offered to her office).
"""

from __future__ import annotations

from enum import StrEnum

from conversations.engine.screens import ANYTHING, Confirm, On, Screens
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.family import ask_office, my_data
from conversations.family.canteens import her_applications
from conversations.family.my_details import change_details
from core.channel import Meaning, Offer
from core.dates import long_date, long_time
from core.domain import GuestStatus, Verification
from core.i18n import N_, _
from core.payloads import Options, Payload
from office import registrations
from office.offices import her_office
from office.words import registration_lines
from storage import beneficiaries, events
from storage.models import Beneficiary


class Step(StrEnum):
    CONFIRM_DELETE = "confirm-delete"


class AccountOption(Options, prefix="account"):
    """My account's options."""

    DETAILS = "details"
    CHANGE = "change"
    MINE = "mine"  # her applications and trainings
    OFFICE = "office"  # how to reach her office
    LANGUAGE = "language"
    MY_DATA = "data"  # a copy of everything stored about her
    DELETE = "delete"
    BACK = "back"
    DELETE_YES = "delete-yes"  # its own payload: no other question's "yes" button can confirm a deletion
    DELETE_NO = "delete-no"
    SEND_BACK = "corrected"  # she corrected what her office asked: review it again


def _beneficiary(turn: Turn) -> Beneficiary | None:
    if turn.conversation.beneficiary_id is None:
        return None
    return beneficiaries.beneficiary(turn.session, turn.conversation.beneficiary_id)


def her_family(turn: Turn) -> Beneficiary:
    """Her registration, for the rows after the first (which sends her home when there is none)."""
    family = _beneficiary(turn)
    assert family is not None, "the first row sends her home without a registration"
    return family


def no_family(turn: Turn, chosen: object) -> bool:
    return _beneficiary(turn) is None


# -- screens -------------------------------------------------------------------------------------------


def menu(turn: Turn) -> None:
    turn.step = None
    family = _beneficiary(turn)
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
            Offer(label=N_("Send me my data"), payload=AccountOption.MY_DATA),
            Offer(label=N_("Delete my data"), payload=AccountOption.DELETE),
            Offer(label=N_("Back to the main menu"), payload=AccountOption.BACK, means=Meaning.BACK),
            *(
                [Offer(label=N_("Send my registration for review"), payload=AccountOption.SEND_BACK)]
                if corrections
                else []
            ),
        ],
    )


DELETING = Confirm(
    Step.CONFIRM_DELETE,
    N_(
        "This deletes everything we store about you: your name, ID number, mobile, office and "
        "answers, and with them your canteen applications (an accepted place too) and your "
        "answers to trainings. It cannot be undone. Delete your data?"
    ),
    yes=Offer(label=N_("Yes, delete everything"), payload=AccountOption.DELETE_YES),
    no=Offer(label=N_("No, keep my data"), payload=AccountOption.DELETE_NO),
    safe_first=True,  # as everywhere: a "1" typed out of habit keeps her data
)


# -- what she chose ------------------------------------------------------------------------------------


def show_mine(turn: Turn, chosen: AccountOption) -> None:
    turn.say(applications_and_trainings(turn, her_family(turn)))
    menu(turn)


def show_office(turn: Turn, chosen: AccountOption) -> None:
    turn.say(her_office(turn.session, her_family(turn).office_code, turn.language))
    menu(turn)


def change(turn: Turn, chosen: AccountOption) -> None:
    change_details.discard(turn)  # from her details as they are now
    turn.go(change_details.name)


def show_details(turn: Turn, chosen: AccountOption) -> None:
    turn.say(details(her_family(turn)))
    menu(turn)


def send_my_data(turn: Turn, chosen: AccountOption) -> None:
    my_data.send(turn, her_family(turn).id)
    menu(turn)


def other_language(turn: Turn, chosen: AccountOption) -> None:
    family = her_family(turn)
    language = "en" if turn.language == "ar" else "ar"
    turn.switch_language(language)
    registrations.change_language(turn.session, family.id, language)
    turn.say(_("From now on I will write to you in English."))
    menu(turn)


def send_back(turn: Turn, chosen: AccountOption) -> None:
    family = her_family(turn)
    if registrations.sent_back(turn.session, family.id, turn.now):
        turn.say(_("Thank you. Your office will review your registration again."))
    elif family.verification is Verification.VERIFIED:  # as it is now: verified meanwhile
        turn.say(_("Your office has verified your registration meanwhile: there is nothing to send."))
    menu(turn)


def delete(turn: Turn, chosen: AccountOption) -> None:
    registrations.forget(turn.session, her_family(turn).id, turn.now)
    turn.forget_conversation()
    turn.say(_("All your data has been deleted. If you write to us again, we will welcome you as new."))


def keep(turn: Turn, chosen: AccountOption) -> None:
    turn.say(_("Nothing was deleted."))
    menu(turn)


def choose_again(turn: Turn, chosen: Payload | Answer) -> None:
    turn.say(_("Please choose one of the options below."))
    account.ask(turn)  # the question she is at: the deletion's, or the menu


def leave(turn: Turn) -> None:
    turn.say(_("Nothing was changed."))
    turn.go(FlowName.HOME)


account = Screens(
    FlowName.ACCOUNT,
    screens={None: menu},
    confirms=(DELETING,),
    routes=(
        On(*ANYTHING, when=no_family, go=FlowName.HOME),  # whatever she chose
        On(AccountOption.DELETE_YES, at=Step.CONFIRM_DELETE, then=delete),
        On(AccountOption.DELETE_NO, at=Step.CONFIRM_DELETE, then=keep),
        On(*ANYTHING, at=Step.CONFIRM_DELETE, then=choose_again),  # nothing else answers it
        On(AccountOption.MINE, then=show_mine),
        On(AccountOption.OFFICE, then=show_office),
        On(AccountOption.CHANGE, then=change),
        On(AccountOption.DETAILS, then=show_details),
        On(AccountOption.LANGUAGE, then=other_language),
        On(AccountOption.MY_DATA, then=send_my_data),
        On(AccountOption.DELETE, show=DELETING.ask),
        On(AccountOption.SEND_BACK, then=send_back),
        On(AccountOption.BACK, go=FlowName.HOME),
    ),
    otherwise=ask_office.not_understood,  # her words: a wish, her reply to her office, a question for it
    help_text=N_(
        "Here you can see and change what we store about you, follow your applications, find how to "
        "reach your office, change the language, have a copy of your data sent to you, or delete your data."
    ),
    on_cancel=leave,
)


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
