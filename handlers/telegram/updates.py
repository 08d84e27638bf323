"""Telegram updates → Inbound."""

from __future__ import annotations

from datetime import datetime

from aiogram.types import CallbackQuery, Message

from conversations.messages import Channel, Inbound

# Telegram's commands are its way of saying what our global words say.
COMMANDS = {"/start": "menu", "/menu": "menu", "/help": "help", "/language": "language", "/cancel": "cancel"}


def _language(code: str | None) -> str | None:
    return code[:2].lower() if code else None


def inbound_from_message(message: Message, now: datetime, update_id: int | None = None) -> Inbound:
    sender = message.from_user
    text = message.text or message.caption or ""
    command = text.split(maxsplit=1)[0].split("@", 1)[0].lower() if text.startswith("/") else None
    if command in COMMANDS:
        text = COMMANDS[command]
    contact = message.contact
    own_contact = contact is not None and sender is not None and contact.user_id == sender.id
    return Inbound(
        channel=Channel.TELEGRAM,
        address=str(message.chat.id),
        received_at=now,
        text=text,
        contact_phone=contact.phone_number if contact is not None and own_contact else None,
        foreign_contact=contact is not None and not own_contact,
        has_media=not message.text and contact is None,
        language_hint=_language(sender.language_code if sender else None),
        platform_id=None if update_id is None else str(update_id),
    )


def inbound_from_callback(
    query: CallbackQuery, now: datetime, update_id: int | None = None
) -> Inbound | None:
    """A pressed inline button; None when it is not from a private chat we can answer in."""
    message = query.message
    if message is None or message.chat.type != "private" or query.data is None:
        return None
    return Inbound(
        channel=Channel.TELEGRAM,
        address=str(message.chat.id),
        received_at=now,
        payload=query.data,
        language_hint=_language(query.from_user.language_code),
        platform_id=None if update_id is None else str(update_id),
    )
