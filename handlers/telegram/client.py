"""The aiogram Bot (Telegram's API or another host) and the Dispatcher with our router."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods.base import Response
from aiogram.types import Message, Update, User

from handlers.telegram.router import Handle, build_router
from handlers.telegram.sender import TelegramSender

# aiogram reads every answer of the Bot API as `Response[T]`, a pydantic generic model that pydantic builds
# on first use and caches only weakly: once the garbage collector drops it, the next answer builds it again,
# at milliseconds of CPU. Sending 10,000 messages rebuilt it about 500 times (a third of the sending
# process's time, bench/broadcast.py under cProfile). Holding the ones we use keeps them built.
ANSWERS = (Response[Message], Response[bool], Response[User], Response[list[Update]])


def create_bot(token: str, api_base: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else AiohttpSession()
    return Bot(token=token, session=session)


def create_dispatcher(
    handle: Handle,
    sender: TelegramSender,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Dispatcher:
    # No aiogram FSM: conversation state is ours (storage.conversations), and so is the per-person
    # ordering (the engine's turn locks); its middleware would only cost every update a lookup.
    dispatcher = Dispatcher(disable_fsm=True, handle=handle, sender=sender, clock=clock)
    dispatcher.include_router(build_router())
    return dispatcher
