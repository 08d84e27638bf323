"""Sending a reply to a Telegram chat, with every Bot API failure mapped to a send outcome."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, Message

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
from handlers.telegram.replies import Markup, messages

log = logging.getLogger(__name__)


class TelegramSender:
    channel = Channel.TELEGRAM

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

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

    def _text(self, text: str, markup: Markup, chat_id: int) -> Awaitable[Message]:
        return self.bot.send_message(chat_id=chat_id, text=text, reply_markup=markup)

    def _document(self, attachment: Attachment, chat_id: int) -> Awaitable[Message]:
        """A file uploaded with the message (sendDocument): it never sits at an address of ours."""
        document = BufferedInputFile(attachment.content, filename=attachment.name)
        return self.bot.send_document(chat_id=chat_id, document=document)

    async def _call(self, address: str, send: Callable[[int], Awaitable[Message]]) -> SendOutcome:
        if not address.lstrip("-").isdigit():
            return PermanentFailure("not a Telegram chat id")
        try:
            sent = await send(int(address))
        except TelegramRetryAfter as wait:
            return RetryAfter(float(wait.retry_after))
        except TelegramForbiddenError as refused:
            return Blocked(refused.message)
        except (TimeoutError, TelegramServerError, TelegramNetworkError) as problem:
            return TransientFailure(f"{type(problem).__name__}: {problem}")
        except TelegramBadRequest as bad:
            return PermanentFailure(bad.message)
        except TelegramAPIError as other:
            return PermanentFailure(f"{type(other).__name__}: {other.message}")
        return Sent(str(sent.message_id))
