"""One person, several channels: a phone number the channel vouches for finds her registration.

WhatsApp's address is her number (Twilio signs every request); on Telegram, a contact she shares is
accepted only when it is her own. A number merely typed never links anything by itself:

    vouched number matches a family whose mobile was vouched for too → linked, her menu
    vouched number matches a family whose mobile was only typed      → "type the family's national ID"
        → the ID matches → linked, and that mobile now counts as vouched for
        → three wrong IDs, or cancel → not linked, told to see her office; not asked again for this number
"""

from __future__ import annotations

from conversations.engine.forms import Invalid
from conversations.engine.turn import FlowName, Turn
from core.channel import Channel, Inbound
from core.i18n import _
from core.validators import first_name, saudi_mobile
from office import threads
from storage import beneficiaries
from storage.models import Beneficiary

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
    if turn.registered or turn.conversation.flow == FlowName.CONFIRM_IDENTITY:
        return False
    mobile = vouched_mobile(turn.inbound)
    if mobile is None or turn.answers.get("unconfirmed_mobile") == mobile:
        return False
    family = beneficiaries.by_mobile(turn.session, mobile)
    if family is None:
        return False
    if family.mobile_verified_at is not None:
        link(turn, family)
        turn.go(FlowName.HOME)
    else:
        turn.clear_answers()
        turn.remember(confirming={"family": family.id, "mobile": mobile, "tries": 0})
        turn.go(FlowName.CONFIRM_IDENTITY)
    return True


def link(turn: Turn, family: Beneficiary) -> None:
    turn.conversation.beneficiary_id = family.id
    threads.hers_now(turn.session, turn.inbound.channel.value, turn.inbound.address, family.id)
    turn.clear_answers()  # a registration she had started here is not needed any more
    turn.switch_language(family.language)
    turn.say(
        _(
            "Welcome, %(name)s! Your number is registered with us, so you can use Usar here too.",
            name=first_name(family.full_name),
        )
    )
