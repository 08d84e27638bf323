"""Telegram updates → Inbound.

What Telegram documents as the most a field holds is checked here, since a value beyond it can only come
from a forged update and could not be stored (`conversations.address` is 64 characters, `seen_messages`
100): such an update is logged, naming the field, and not answered. A text beyond Telegram's 4,096
characters is cut by `Inbound` itself, and she is told. Names and usernames are never read or stored.
"""

from __future__ import annotations

import logging
from datetime import datetime

from aiogram.types import Audio, CallbackQuery, Document, Message

from core.channel import Channel, Inbound, Media, Unreadable

log = logging.getLogger(__name__)

# Telegram's commands are its way of saying what our global words say.
COMMANDS = {"/start": "menu", "/menu": "menu", "/help": "help", "/language": "language", "/cancel": "cancel"}
LARGEST_ID = 2**52  # chat and user ids "have at most 52 significant bits" (Bot API); update ids are smaller
LONGEST_PHONE = 32  # a contact's phone_number, as her phone wrote it (E.164 has 15 digits at most)
LONGEST_CALLBACK_DATA = 64  # bytes (Bot API, InlineKeyboardButton.callback_data)


def _language(code: str | None) -> str | None:
    return code[:2].lower() if code else None


def _beyond_limits(
    update_id: int | None, chat_id: int, *, phone: str | None = None, data: str | None = None
) -> bool:
    """True, and logged, when a field holds more than Telegram ever sends (the value itself is not logged)."""
    field = _first_beyond_limits(update_id, chat_id, phone, data)
    if field is not None:
        log.warning("ignored a Telegram update whose %s is beyond what Telegram sends", field)
    return field is not None


def _first_beyond_limits(
    update_id: int | None, chat_id: int, phone: str | None, data: str | None
) -> str | None:
    if update_id is not None and abs(update_id) >= LARGEST_ID:
        return "update_id"
    if abs(chat_id) >= LARGEST_ID:
        return "chat id"
    if phone is not None and len(phone) > LONGEST_PHONE:
        return "contact's phone number"
    if data is not None and len(data.encode()) > LONGEST_CALLBACK_DATA:
        return "callback data"
    return None


def inbound_from_message(message: Message, now: datetime, update_id: int | None = None) -> Inbound | None:
    """None when a field is beyond what Telegram sends (a forged update: logged, not answered)."""
    sender = message.from_user
    contact = message.contact
    if _beyond_limits(update_id, message.chat.id, phone=contact.phone_number if contact else None):
        return None
    text = message.text or message.caption or ""
    command = text.split(maxsplit=1)[0].split("@", 1)[0].lower() if text.startswith("/") else None
    if command in COMMANDS:
        text = COMMANDS[command]
    own_contact = contact is not None and sender is not None and contact.user_id == sender.id
    return Inbound(
        channel=Channel.TELEGRAM,
        address=str(message.chat.id),
        received_at=now,
        text=text,
        contact_phone=contact.phone_number if contact is not None and own_contact else None,
        foreign_contact=contact is not None and not own_contact,
        has_media=not message.text and contact is None,
        media=_media(message),
        unreadable=_unreadable(message),
        language_hint=_language(sender.language_code if sender else None),
        platform_id=None if update_id is None else str(update_id),
    )


def _unreadable(message: Message) -> Unreadable | None:
    if message.sticker is not None:
        return Unreadable.STICKER
    if message.location is not None or message.venue is not None:
        return Unreadable.LOCATION
    return None


LONGEST_REFERENCE = 500  # a file_id is about 80 characters; more is not Telegram's


def _media(message: Message) -> tuple[Media, ...]:
    """What of the message we can keep for her office: a voice note, an audio file, a photo (its largest
    size), a video or a document, by its file_id (sizes as Telegram states them)."""
    found: list[Media] = []
    if message.voice is not None:
        voice = message.voice
        found.append(Media("voice", voice.file_id, voice.mime_type or "audio/ogg", voice.file_size))
    if message.audio is not None:
        found.append(_named("audio", message.audio, "audio/mpeg"))
    if message.photo:
        largest = message.photo[-1]
        found.append(Media("photo", largest.file_id, "image/jpeg", largest.file_size))
    if message.video is not None:
        video = message.video
        found.append(Media("video", video.file_id, video.mime_type or "video/mp4", video.file_size))
    if message.video_note is not None:
        note = message.video_note
        found.append(Media("video", note.file_id, "video/mp4", note.file_size))
    if message.document is not None:
        found.append(_named("document", message.document, "application/octet-stream"))
    return tuple(media for media in found if len(media.reference) <= LONGEST_REFERENCE)


def _named(kind: str, sent: Audio | Document, usual_type: str) -> Media:
    """An audio file or a document, with its file name (as much of it as a thread keeps)."""
    name = (sent.file_name or "")[:200]
    return Media(kind, sent.file_id, sent.mime_type or usual_type, sent.file_size, name)


def inbound_from_callback(
    query: CallbackQuery, now: datetime, update_id: int | None = None
) -> Inbound | None:
    """A pressed inline button; None when it is not from a private chat we can answer in, or a field is
    beyond what Telegram sends."""
    message = query.message
    if message is None or message.chat.type != "private" or query.data is None:
        return None
    if _beyond_limits(update_id, message.chat.id, data=query.data):
        return None
    return Inbound(
        channel=Channel.TELEGRAM,
        address=str(message.chat.id),
        received_at=now,
        payload=query.data,
        language_hint=_language(query.from_user.language_code),
        platform_id=None if update_id is None else str(update_id),
    )
