"""One person, several channels: a phone number the channel vouches for finds her registration.

WhatsApp's address is her number (Twilio signs every request); on Telegram, a contact she shares is
accepted only when it is her own. A number merely typed never links anything by itself:

    vouched number matches a family whose mobile was vouched for too → linked, her menu
    vouched number matches a family whose mobile was only typed      → "type the family's national ID"
        → the ID matches → linked, and that mobile now counts as vouched for
        → three wrong IDs, or cancel → not linked, told to see her office; not asked again for this number
"""

from __future__ import annotations

from typing import Any

from conversations.forms import Invalid
from conversations.turn import Answer, Turn
from core.channel import Channel, Inbound
from core.i18n import _
from core.validators import saudi_mobile, saudi_national_id
from office import inbox
from storage import beneficiaries
from storage.models import Beneficiary

CONFIRM = "confirm"
TRIES = 3


def vouched_mobile(inbound: Inbound) -> str | None:
    """Her Saudi mobile in E.164, when the channel itself vouches for it; None otherwise."""
    if inbound.channel is Channel.WHATSAPP:
        number = inbound.address
    elif inbound.channel is Channel.TELEGRAM and inbound.contact_phone:
        number = inbound.contact_phone
    else:
        return None
    try:
        return saudi_mobile(number)
    except Invalid:
        return None


def recognise(turn: Turn) -> bool:
    """Link, or start confirming, when a vouched-for number is a registered family's; True if it did."""
    if turn.registered or turn.conversation.flow == CONFIRM:
        return False
    mobile = vouched_mobile(turn.inbound)
    if mobile is None or turn.answers.get("unconfirmed_mobile") == mobile:
        return False
    family = beneficiaries.by_mobile(turn.session, mobile)
    if family is None:
        return False
    if family.mobile_verified_at is not None:
        _link(turn, family)
        turn.go("home")
    else:
        turn.clear_answers()
        turn.remember(confirming={"family": family.id, "mobile": mobile, "tries": 0})
        turn.go(CONFIRM)
    return True


def _link(turn: Turn, family: Beneficiary) -> None:
    turn.conversation.beneficiary_id = family.id
    inbox.hers_now(turn.session, turn.inbound.channel.value, turn.inbound.address, family.id)
    turn.clear_answers()  # a registration she had started here is not needed any more
    turn.switch_language(family.language)
    turn.say(
        _(
            "Welcome, %(name)s! Your number is registered with us, so you can use Usar here too.",
            name=family.full_name.split(" ")[0],
        )
    )


class ConfirmIdentity:
    """Her number was typed by whoever registered it: the family's national ID shows it is hers."""

    name = CONFIRM

    def begin(self, turn: Turn) -> None:
        turn.say(_("This mobile number is registered with us."))
        self.ask(turn)

    def ask(self, turn: Turn) -> None:
        turn.say(_("To link it to this chat, please type the national ID number of the registered family."))

    def answer(self, turn: Turn, answer: Answer) -> None:
        pending: dict[str, Any] = dict(turn.answers.get("confirming", {}))
        family = beneficiaries.beneficiary(turn.session, int(pending.get("family", 0)))
        if family is None:
            self._give_up(turn, pending, None)
            return
        try:
            typed = saudi_national_id(answer.text)
        except Invalid as problem:
            turn.say(problem.message)
            self.ask(turn)
            return
        if typed == family.national_id:
            beneficiaries.mark_mobile_verified(turn.session, family.id, turn.now)
            _link(turn, family)
            turn.go("home")
            return
        pending["tries"] = int(pending.get("tries", 0)) + 1
        if pending["tries"] >= TRIES:
            self._give_up(turn, pending, _("This number is registered to another family."))
            return
        turn.remember(confirming=pending)
        turn.say(_("That is not the ID number registered with this mobile."))
        self.ask(turn)

    def help(self, turn: Turn) -> str | None:
        return _("We ask for the ID number to be sure the registration is yours before showing it here.")

    def cancel(self, turn: Turn) -> None:
        self._give_up(turn, dict(turn.answers.get("confirming", {})), None)

    def _give_up(self, turn: Turn, pending: dict[str, Any], reason: str | None) -> None:
        turn.clear_answers()
        turn.remember(unconfirmed_mobile=pending.get("mobile"))  # not asked again for this number
        turn.say(
            " ".join(
                filter(None, [reason, _("If this number is yours, please contact your office to update it.")])
            )
        )
        turn.go("home")
