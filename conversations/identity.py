"""One person, several channels: a phone number the channel vouches for finds her registration.

WhatsApp's address is her number (Twilio signs every request); on Telegram, a contact she shares is
accepted only when it is her own. A number she merely types never links anything.
"""

from __future__ import annotations

from conversations.forms import Invalid
from conversations.i18n import _
from conversations.messages import Channel, Inbound
from conversations.turn import Turn
from conversations.validators import saudi_mobile
from storage import beneficiaries


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
    """Link this conversation to the family registered with the vouched-for mobile; True if it did."""
    if turn.registered:
        return False
    mobile = vouched_mobile(turn.inbound)
    family = beneficiaries.by_mobile(turn.session, mobile) if mobile else None
    if family is None:
        return False
    turn.conversation.beneficiary_id = family.id
    turn.clear_answers()  # a registration she had started here is not needed any more
    turn.switch_language(family.language)
    turn.say(
        _(
            "Welcome, %(name)s! Your number is registered with us, so you can use Usar here too.",
            name=family.full_name.split(" ")[0],
        )
    )
    return True
