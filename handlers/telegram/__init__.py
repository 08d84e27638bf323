"""Telegram through aiogram 3: updates become Inbound, replies become Bot API calls. Nothing else.

`mount` sets Telegram up in a process: the Bot and its sender; where the process answers Telegram, the
dispatcher with our router, fed by our webhook (with a public address) or by long polling."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import datetime

from aiogram import Bot, Dispatcher
from aiohttp import web

from core.channel import Channel
from handlers.mounting import Mounted
from handlers.telegram.client import create_bot, create_dispatcher
from handlers.telegram.files import TelegramFiles
from handlers.telegram.polling import Polling
from handlers.telegram.router import Handle
from handlers.telegram.sender import TelegramSender
from handlers.telegram.webhook import TELEGRAM_WEBHOOK, TelegramWebhook

log = logging.getLogger(__name__)


def mount(
    app: web.Application | None,
    handle: Handle,
    *,
    token: str,
    api_base: str | None,
    public: Callable[[str], str] | None,
    secret: str,
    clock: Callable[[], datetime],
    sleep: Callable[[float], Awaitable[None]],
    resources: AsyncExitStack,
) -> Mounted:
    """Telegram in this process: the Bot (its session closed with `resources`) and its sender. With `app`
    (this process answers Telegram), the dispatcher that hands updates to `handle`: with a public address
    (`public`: a path's public URL), through our webhook on `app`, which `start` registers with Telegram;
    without one, through long polling, which `start` begins."""
    bot = create_bot(token, api_base)
    resources.push_async_callback(bot.session.close)
    sender = TelegramSender(bot)
    if app is None:  # a worker or a scheduler: it sends, and answers nothing
        return Mounted(Channel.TELEGRAM, sender, media=None)
    dispatcher = create_dispatcher(handle, sender, clock)
    if public is not None:
        TelegramWebhook(dispatcher, bot, secret).register(app, path=TELEGRAM_WEBHOOK)
    updates = _Updates(bot, dispatcher, public, secret, sleep)
    return Mounted(Channel.TELEGRAM, sender, TelegramFiles(bot), start=updates.start, stop=updates.stop)


class _Updates:
    """How the updates reach this process once the web server listens: Telegram calls our webhook, or we
    long-poll."""

    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        public: Callable[[str], str] | None,
        secret: str,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.public = public
        self.secret = secret
        self.sleep = sleep
        self._poller: Polling | None = None
        self._polling: asyncio.Task[None] | None = None

    async def start(self) -> asyncio.Task[None] | None:
        """The webhook registered with Telegram, or polling begun (its task: it ends by itself when Telegram
        refuses the token)."""
        bot, dispatcher = self.bot, self.dispatcher
        updates = dispatcher.resolve_used_update_types()
        if self.public is not None:
            url = self.public(TELEGRAM_WEBHOOK)
            await bot.set_webhook(url=url, secret_token=self.secret, allowed_updates=updates)
            log.info("Telegram calls our webhook at %s", url)
            return None
        await bot.delete_webhook()
        self._poller = Polling(bot, dispatcher, updates, sleep=self.sleep)
        self._polling = asyncio.create_task(self._poller.run())
        return self._polling

    async def stop(self) -> None:
        if self._polling is not None and self._poller is not None:
            await self._poller.stop()
            await asyncio.gather(self._polling, return_exceptions=True)
