"""Sending a reply to a Telegram chat, with every Bot API failure mapped to a send outcome."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from core.channel import (
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
        """Send every part of the reply; the outcome of the first part that fails, or the last id sent."""
        outcome: SendOutcome = PermanentFailure("empty reply")
        for part in messages(message.reply):
            outcome = await self._send_part(message.address, part.text, part.reply_markup)
            if not isinstance(outcome, Sent):
                return outcome
        return outcome

    async def _send_part(self, address: str, text: str, markup: Markup) -> SendOutcome:
        if not address.lstrip("-").isdigit():
            return PermanentFailure("not a Telegram chat id")
        try:
            sent = await self.bot.send_message(chat_id=int(address), text=text, reply_markup=markup)
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
