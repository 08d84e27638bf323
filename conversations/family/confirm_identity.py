"""Her number was typed by whoever registered it: the family's national ID shows it is hers before her
registration is shown on this chat (`conversations.engine.identity` starts it).

    "type the family's national ID" → it matches → linked, and that mobile now counts as vouched for
                                    → three wrong IDs, or cancel → not linked, told to see her office (not
                                      asked again for this number)
"""

from __future__ import annotations

from typing import Any

from conversations.engine.identity import TRIES, link
from conversations.engine.screens import TYPED, On, Screens
from conversations.engine.turn import Answer, FlowName, Turn
from core.i18n import N_, _
from core.validators import Invalid, saudi_national_id
from office import registrations
from storage import beneficiaries


def registered_here(turn: Turn) -> None:
    turn.say(_("This mobile number is registered with us."))
    ask_for_id(turn)


def ask_for_id(turn: Turn) -> None:
    turn.say(_("To link it to this chat, please type the national ID number of the registered family."))


def check_id(turn: Turn, answer: Answer) -> None:
    pending: dict[str, Any] = dict(turn.answers.get("confirming", {}))
    family = beneficiaries.beneficiary(turn.session, int(pending.get("family", 0)))
    if family is None:
        _give_up(turn, pending, None)
        return
    try:
        typed = saudi_national_id(answer.text)
    except Invalid as problem:
        turn.say(problem.message)
        ask_for_id(turn)
        return
    if typed == family.national_id:
        registrations.confirm_mobile(turn.session, family.id, turn.now)
        link(turn, family)
        turn.go(FlowName.HOME)
        return
    pending["tries"] = int(pending.get("tries", 0)) + 1
    if pending["tries"] >= TRIES:
        _give_up(turn, pending, _("This number is registered to another family."))
        return
    turn.remember(confirming=pending)
    turn.say(_("That is not the ID number registered with this mobile."))
    ask_for_id(turn)


def not_linked(turn: Turn) -> None:
    """ "cancel": she is not linked, and not asked again for this number."""
    _give_up(turn, dict(turn.answers.get("confirming", {})), None)


def _give_up(turn: Turn, pending: dict[str, Any], reason: str | None) -> None:
    turn.clear_answers()
    turn.remember(unconfirmed_mobile=pending.get("mobile"))  # not asked again for this number
    turn.say(
        " ".join(
            filter(None, [reason, _("If this number is yours, please contact your office to update it.")])
        )
    )
    turn.go(FlowName.HOME)


confirm_identity = Screens(
    FlowName.CONFIRM_IDENTITY,
    first=registered_here,
    screens={None: ask_for_id},
    routes=(On(TYPED, then=check_id),),
    otherwise=check_id,  # nothing is offered here: whatever reaches the flow is read as the ID
    help_text=N_("We ask for the ID number to be sure the registration is yours before showing it here."),
    on_cancel=not_linked,
)
