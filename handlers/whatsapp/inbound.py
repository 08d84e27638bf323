"""Twilio's WhatsApp webhook form → Inbound. Every field is treated as optional: Twilio adds fields.

Read: From (her address); Body (the text, cut by `Inbound` beyond what we read); a tap: a button's
ButtonPayload and ButtonText, or a list item's ListId and ListTitle (both pairs are read, whichever Twilio
sends); NumMedia with each MediaUrlN and MediaContentTypeN (kept for her office; the URL is fetched only from
the configured Twilio API's host, with our credentials; a sticker or a contact card is not kept, and said to
be unreadable, as is a location pin: Latitude and Longitude), MessageSid. Never read or stored: To, WaId,
ProfileName, and whatever else Twilio adds, so their length is nobody's business.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from core.channel import Channel, Inbound, Media, Unreadable
from core.payloads import parse
from handlers.whatsapp.taps import more_page

PREFIX = "whatsapp:"
_TWILIO_MEDIA = re.compile(r"https?://[^\s]{1,490}")
_NUMBER = re.compile(r"\+[0-9]{1,15}")  # E.164: a plus and at most 15 digits, as Twilio writes `whatsapp:+…`


def address_of(sender: str) -> str:
    """`whatsapp:+966551234567` → `+966551234567`: her number is her address on this channel."""
    return sender.removeprefix(PREFIX).strip()


def is_number(address: str) -> bool:
    """Whether a sender's address is a number as Twilio writes it (anything else is forged: it would not
    fit `conversations.address`, and could not be answered on WhatsApp)."""
    return _NUMBER.fullmatch(address) is not None


MEDIA_KINDS = {"audio": "voice", "image": "photo", "video": "video"}  # else a document
# Files with no words or picture for her office: a sticker (WhatsApp sends them as WebP), a contact card.
UNREADABLE = {
    "image/webp": Unreadable.STICKER,
    "text/vcard": Unreadable.CONTACT_CARD,
    "text/x-vcard": Unreadable.CONTACT_CARD,
}
MOST_MEDIA = 10  # WhatsApp sends one file a message; Twilio numbers them up to 10


def _media(form: Mapping[str, str], count: int) -> tuple[Media, ...]:
    """Each file of the message, by Twilio's URL for it (fetched later with our credentials; its size is
    known only then). A URL that is not Twilio's is not kept."""
    found = []
    for number in range(min(max(count, 0), MOST_MEDIA)):
        url = form.get(f"MediaUrl{number}", "")
        content_type = form.get(f"MediaContentType{number}", "")[:100]
        if not _TWILIO_MEDIA.fullmatch(url) or content_type.lower() in UNREADABLE:
            continue
        kind = MEDIA_KINDS.get(content_type.partition("/")[0], "document")
        found.append(Media(kind, url, content_type))
    return tuple(found)


def _unreadable(form: Mapping[str, str], count: int) -> Unreadable | None:
    """A location pin (Twilio sends its Latitude and Longitude), or a sticker or contact card alone."""
    if form.get("Latitude") and form.get("Longitude"):
        return Unreadable.LOCATION
    kinds = {form.get(f"MediaContentType{n}", "").lower() for n in range(min(max(count, 0), MOST_MEDIA))}
    found = [UNREADABLE[kind] for kind in kinds if kind in UNREADABLE]
    return found[0] if found and len(found) == len(kinds) else None


def tapped(form: Mapping[str, str]) -> tuple[str, str]:
    """What she tapped: its id (the option's payload, as we sent it) and its title; ("", "") for none."""
    return (
        form.get("ListId") or form.get("ButtonPayload") or "",
        form.get("ListTitle") or form.get("ButtonText") or "",
    )


def inbound_from_form(form: Mapping[str, str], now: datetime) -> Inbound | None:
    """None when the form names no sender (not a message we can answer). A tap is her choice of an option,
    as a Telegram button is (`payload`, the engine checks it is on her screen); a tap we did not make (an
    approved template's button, which sends its own words) reads as the words she chose. A tap on "more"
    is no answer: nothing in it is read (the question on her screen is asked again, at the next page)."""
    sender = address_of(form.get("From", ""))
    if not sender:
        return None
    try:
        media = int(form.get("NumMedia", "0") or 0)
    except ValueError:
        media = 0
    body = form.get("Body", "")
    tap, title = tapped(form)
    payload = tap if parse(tap) is not None else None
    page = more_page(tap)
    if page is not None:
        body = title = tap = ""
    return Inbound(
        channel=Channel.WHATSAPP,
        address=sender,
        received_at=now,
        text="" if payload else (body or title or tap),  # a tap's words are its option's: as on Telegram
        payload=payload,
        has_media=media > 0,
        media=_media(form, media),
        unreadable=_unreadable(form, media),
        page=page or 0,
        platform_id=form.get("MessageSid") or None,
    )
