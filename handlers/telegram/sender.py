"""Sending a reply to a Telegram chat, with every Bot API failure mapped to a send outcome: through our own
client of the Bot API (`api.BotApi`), so that a process that only sends never imports aiogram (decision
0119)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial

import aiohttp

from core.channel import (
    Attachment,
    Blocked,
    Channel,
    Outbound,
    PermanentFailure,
    RetryAfter,
    SendOutcome,
    Sent,
    TransientFailure,
)
from handlers.telegram.api import BotApi, BotApiError
from handlers.telegram.replies import messages

log = logging.getLogger(__name__)

FORBIDDEN = 403  # she blocked the bot, or never started it
FLOOD = 429  # too many messages: wait as long as Telegram says


class TelegramSender:
    channel = Channel.TELEGRAM

    def __init__(self, api: BotApi) -> None:
        self.api = api

    async def send(self, message: Outbound) -> SendOutcome:
        """Send every part of the reply, then its file if it has one; the outcome of the first part that
        fails, or the last id sent."""
        reply = message.reply
        outcome: SendOutcome = PermanentFailure("empty reply")
        parts = messages(reply) if reply.text or reply.attachment is None else []
        for part in parts:
            outcome = await self._call(message.address, partial(self._text, part.text, part.reply_markup))
            if not isinstance(outcome, Sent):
                return outcome
        if reply.attachment is not None:
            outcome = await self._call(message.address, partial(self._document, reply.attachment))
        return outcome

    def _text(self, text: str, markup: str | None, chat_id: int) -> Awaitable[int]:
        return self.api.send_message(chat_id, text, markup)

    def _document(self, attachment: Attachment, chat_id: int) -> Awaitable[int]:
        """A file uploaded with the message (sendDocument): it never sits at an address of ours."""
        return self.api.send_document(chat_id, attachment.content, attachment.name)

    async def _call(self, address: str, send: Callable[[int], Awaitable[int]]) -> SendOutcome:
        if not address.lstrip("-").isdigit():
            return PermanentFailure("not a Telegram chat id")
        try:
            sent = await send(int(address))
        except BotApiError as refused:
            if refused.retry_after is not None:
                return RetryAfter(refused.retry_after)
            if refused.code == FORBIDDEN:
                return Blocked(refused.description)
            if refused.code >= 500 or refused.code == FLOOD:
                return TransientFailure(f"Telegram's server: {refused.code} {refused.description}")
            return PermanentFailure(refused.description)
        except (TimeoutError, aiohttp.ClientError) as problem:
            return TransientFailure(f"{type(problem).__name__}: {problem}")
        return Sent(str(sent))
