"""Twilio's WhatsApp webhook form → Inbound. Every field is treated as optional: Twilio adds fields.

Read: From (her address), Body or a template button's payload (the text, cut by `Inbound` beyond what we
read), NumMedia, MessageSid. Never read or stored: To, WaId, ProfileName, MediaUrl/MediaContentType, and
whatever else Twilio adds, so their length is nobody's business.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from conversations.messages import Channel, Inbound

PREFIX = "whatsapp:"
_NUMBER = re.compile(r"\+[0-9]{1,15}")  # E.164: a plus and at most 15 digits, as Twilio writes `whatsapp:+…`


def address_of(sender: str) -> str:
    """`whatsapp:+966551234567` → `+966551234567`: her number is her address on this channel."""
    return sender.removeprefix(PREFIX).strip()


def is_number(address: str) -> bool:
    """Whether a sender's address is a number as Twilio writes it (anything else is forged: it would not
    fit `conversations.address`, and could not be answered on WhatsApp)."""
    return _NUMBER.fullmatch(address) is not None


def inbound_from_form(form: Mapping[str, str], now: datetime) -> Inbound | None:
    """None when the form names no sender (not a message we can answer)."""
    sender = address_of(form.get("From", ""))
    if not sender:
        return None
    try:
        media = int(form.get("NumMedia", "0") or 0)
    except ValueError:
        media = 0
    body = form.get("Body", "")
    # A quick-reply button of a template sends its payload; we treat it as the words she chose.
    typed = body or form.get("ButtonPayload", "") or form.get("ButtonText", "")
    return Inbound(
        channel=Channel.WHATSAPP,
        address=sender,
        received_at=now,
        text=typed,
        has_media=media > 0,
        platform_id=form.get("MessageSid") or None,
    )
