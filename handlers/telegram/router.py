"""The aiogram router: every private message and button press goes through the conversation engine.

Handlers receive `handle` (the engine), `sender` and `clock` from the dispatcher's workflow data.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, Update

from core.channel import Inbound, Outbound, Reply, RetryAfter, Sent
from handlers.splitting import combine
from handlers.telegram.polling import turn_saved
from handlers.telegram.sender import TelegramSender
from handlers.telegram.updates import inbound_from_callback, inbound_from_message

log = logging.getLogger(__name__)
Respond = Callable[[list[Reply]], Awaitable[None]]
Handle = Callable[[Inbound, Respond], Awaitable[list[Reply]]]
Clock = Callable[[], datetime]
LONGEST_WAIT = 30.0  # seconds we hold an answer back when Telegram asks us to slow down


def build_router() -> Router:
    router = Router(name="usar")
    router.message.filter(_in_private_chat)

    # Each handler reaches the engine before its first await, so one person's updates, run as
    # concurrent tasks by aiogram, take her turn lock in the order they arrived.

    # `event_update` is aiogram's: its update_id makes the same update, delivered again, answered once.

    @router.message()
    async def on_message(
        message: Message, handle: Handle, sender: TelegramSender, clock: Clock, event_update: Update
    ) -> None:
        await _take_turn(handle, sender, inbound_from_message(message, clock(), event_update.update_id))

    @router.callback_query()
    async def on_button(
        query: CallbackQuery, handle: Handle, sender: TelegramSender, clock: Clock, event_update: Update
    ) -> None:
        await _take_turn(handle, sender, inbound_from_callback(query, clock(), event_update.update_id))
        try:
            await query.answer()  # stops the button's spinner; the answer came as messages
        except TelegramAPIError as problem:
            # Too late or unreachable: the press was handled all the same, and failing here would have
            # Telegram deliver it again and run the turn twice.
            log.info("a button press was not acknowledged: %s", type(problem).__name__)

    return router


async def _take_turn(handle: Handle, sender: TelegramSender, inbound: Inbound | None) -> None:
    """Her message or press, if it is one we answer, through the engine; its answer back to her chat."""
    if inbound is not None:
        await handle(inbound, partial(answer, sender, inbound.address))


async def _in_private_chat(message: Message) -> bool:
    # A coroutine, not `F.chat.type == "private"`: aiogram runs a plain-function filter, magic ones
    # included, in a worker thread, a thread hop for every message.
    return message.chat.type == "private"


async def answer(sender: TelegramSender, address: str, replies: list[Reply]) -> None:
    turn_saved()  # the engine answers once her turn is saved
    for reply in combine(replies):
        outcome = await sender.send(Outbound(address, reply))
        if isinstance(outcome, RetryAfter) and outcome.seconds <= LONGEST_WAIT:
            await asyncio.sleep(outcome.seconds)
            outcome = await sender.send(Outbound(address, reply))
        if not isinstance(outcome, Sent):
            log.warning("a Telegram answer was not delivered: %s", outcome)
            return
