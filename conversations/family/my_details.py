"""Change my details, from "My account": her name, mobile, office, products, health certificate and canteen
interest, starting from what is stored. Her national ID is her office's to correct. A new name or office
sends her registration back to her office for review, and she is told so before she saves.

My account → Change my details → her details as they are → Change an answer … → Save → My account
"""

from __future__ import annotations

from typing import Any

from conversations.engine.choices import OfficeChoice, ProductChoice
from conversations.engine.forms import Form, Invalid, asked_again
from conversations.engine.identity import vouched_mobile
from conversations.engine.turn import FlowName, Turn
from conversations.family.registration import (
    CANTEEN_INTEREST,
    FULL_NAME,
    HEALTH_CERTIFICATE,
    OFFICE,
    PRODUCTS,
    Mobile,
    her_answers,
)
from core.i18n import N_, _
from core.validators import saudi_mobile
from office import registrations
from office.errors import Refused
from office.offices import her_office
from storage import beneficiaries
from storage.beneficiaries import Identifier, OwnChanges
from storage.models import Beneficiary


def _hers(turn: Turn) -> Beneficiary | None:
    number = turn.conversation.beneficiary_id
    return beneficiaries.beneficiary(turn.session, number) if number is not None else None


def own_mobile(text: str, turn: Turn) -> str:
    """A Saudi mobile nobody else registered (hers is hers to keep)."""
    number = saudi_mobile(text)
    holder = beneficiaries.find_by(turn.session, Identifier.MOBILE, number)
    if holder is not None and holder != turn.conversation.beneficiary_id:
        raise Invalid(
            _(
                "This mobile number is already registered with us. If it is yours, please contact your "
                "office. Otherwise, type another mobile number."
            )
        )
    return number


def as_stored(turn: Turn) -> dict[str, Any]:
    family = _hers(turn)
    if family is None:
        return {}
    return {
        "full_name": family.full_name,
        "mobile": {"number": family.mobile, "vouched": family.mobile_verified_at is not None},
        "office": OfficeChoice(family.office_code).pack(),
        "products": [ProductChoice(product).pack() for product in family.products],
        "health_certificate": family.health_certificate,
        "canteen_interest": family.canteen_interest,
    }


def _changes(turn: Turn, answers: dict[str, Any], family: Beneficiary) -> OwnChanges:
    number = answers["mobile"]["number"]
    unchanged = number == family.mobile and family.mobile_verified_at is not None
    vouched = bool(answers["mobile"]["vouched"]) or unchanged or vouched_mobile(turn.inbound) == number
    return her_answers(answers, number, vouched)


def here_are_your_details(turn: Turn) -> str:
    family = _hers(turn)
    contact = her_office(turn.session, family.office_code, turn.language) if family is not None else ""
    said = _(
        "Here are your details. Your national ID cannot be changed here: your office corrects it if it is "
        "wrong."
    )
    return "\n\n".join(filter(None, [said, contact]))


def before_saving(turn: Turn, draft: dict[str, Any]) -> None:
    family = _hers(turn)
    if family is not None and registrations.changes_that_need_review(family, _changes(turn, draft, family)):
        turn.say(
            _(
                "A new name or office sends your registration back to your office, which checks it again "
                "before it is verified."
            )
        )


def save(turn: Turn, answers: dict[str, Any]) -> None:
    family = _hers(turn)
    if family is None:
        turn.go(FlowName.HOME)
        return
    try:
        changed = registrations.change_own(turn.session, family.id, _changes(turn, answers, family), turn.now)
    except Refused as refused:
        raise asked_again(refused, {"mobile": "mobile", "office": "office"}, "full_name") from refused
    if not changed.fields:
        turn.say(_("Nothing was changed."))
    elif changed.back_to_office:
        turn.say(_("Saved. Your office will check your registration again."))
    else:
        turn.say(_("Saved."))
    turn.go(FlowName.ACCOUNT)


change_details = Form(
    name=FlowName.CHANGE_DETAILS,
    intro=N_("Change my details."),
    resumed=N_("Let us continue changing your details."),
    cancelled=N_("Nothing was changed."),
    review_intro=N_("Your details as they will be (choose “Change an answer” to change one):"),
    prefill=as_stored,
    prefilled=here_are_your_details,
    leave_to=FlowName.ACCOUNT,
    leaving=N_("Leave without saving your changes? Your details stay as they were."),
    leave_label=N_("Yes, leave without saving"),
    before_review=before_saving,
    on_complete=save,
    fields=[
        FULL_NAME,
        Mobile(parse=own_mobile),
        OFFICE,
        PRODUCTS,
        HEALTH_CERTIFICATE,
        CANTEEN_INTEREST,
    ],
)
