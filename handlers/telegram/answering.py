"""Where this process answers Telegram: aiogram's Bot and Dispatcher with our router, fed by our webhook or
by long polling. Imported only there (`handlers.telegram.mount` with a web server): aiogram's import is most
of a process's memory and start-up, which a worker or a scheduler does not pay (decision 0119)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import datetime

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiohttp import web

from core.channel import Channel, Refused
from handlers.mounting import Mounted
from handlers.telegram.client import create_bot, create_dispatcher
from handlers.telegram.files import TelegramFiles
from handlers.telegram.polling import PATIENCE, Polling
from handlers.telegram.router import Handle
from handlers.telegram.sender import TelegramSender
from handlers.telegram.webhook import TELEGRAM_WEBHOOK, TelegramWebhook

log = logging.getLogger(__name__)


def answering(
    app: web.Application,
    handle: Handle,
    sender: TelegramSender,
    *,
    token: str,
    api_base: str | None,
    public: Callable[[str], str] | None,
    secret: str,
    clock: Callable[[], datetime],
    sleep: Callable[[float], Awaitable[None]],
    resources: AsyncExitStack,
) -> Mounted:
    """The dispatcher that hands updates to `handle`, with aiogram's Bot (its session closed with
    `resources`): with a public address (`public`: a path's public URL), through our webhook on `app`, which
    `start` registers with Telegram; without one, through long polling, which `start` begins."""
    bot = create_bot(token, api_base)
    resources.push_async_callback(bot.session.close)
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
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> asyncio.Task[None] | None:
        """The webhook registered with Telegram, or polling begun. What goes on by itself is returned as a
        task: polling, or registering again and again while Telegram is out of reach, so that the rest of
        the process serves meanwhile; it ends with an error, said in one line, when Telegram refuses the
        token. A webhook refused at once is `Refused`."""
        if self.public is None:
            self._task = asyncio.create_task(self._poll())
            return self._task
        try:
            await self._register()
            return None
        except _OUT_OF_REACH as problem:  # the console and WhatsApp serve while we try again
            self._say_out_of_reach(problem, PATIENCE[0])
            self._task = asyncio.create_task(self._patiently(self._register, tries=1))
            return self._task
        except TelegramAPIError as refused:
            raise Refused(f"Telegram refused our webhook ({_named(refused)}: {refused})") from None

    async def _register(self) -> None:
        url = self.public(TELEGRAM_WEBHOOK) if self.public is not None else ""
        updates = self.dispatcher.resolve_used_update_types()
        await self.bot.set_webhook(url=url, secret_token=self.secret, allowed_updates=updates)
        log.info("Telegram calls our webhook at %s", url)

    async def _poll(self) -> None:
        await self._patiently(self.bot.delete_webhook)
        self._poller = Polling(
            self.bot, self.dispatcher, self.dispatcher.resolve_used_update_types(), self.sleep
        )
        await self._poller.run()

    async def _patiently(self, call: Callable[[], Awaitable[object]], tries: int = 0) -> None:
        """`call` until Telegram answers it, waiting longer each time (`PATIENCE`, then its last again);
        Telegram's refusal is said in one line and ends the task with it."""
        while True:
            if tries:
                await self.sleep(PATIENCE[min(tries - 1, len(PATIENCE) - 1)])
            try:
                await call()
            except _OUT_OF_REACH as problem:
                tries += 1
                self._say_out_of_reach(problem, PATIENCE[min(tries - 1, len(PATIENCE) - 1)])
                continue
            except TelegramAPIError as refused:
                log.error("Telegram refused the bot (%s: %s); the process stops", _named(refused), refused)
                raise
            if tries:
                log.info("Telegram is reached again")
            return

    @staticmethod
    def _say_out_of_reach(problem: BaseException, wait: float) -> None:
        log.warning("Telegram is out of reach (%s); trying again in %g s", _named(problem), wait)

    async def stop(self) -> None:
        if self._poller is not None:
            await self._poller.stop()
        elif self._task is not None:
            self._task.cancel()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


# What we try again: Telegram, or the way to it, is down or busy; anything else it says is an answer.
_OUT_OF_REACH = (TelegramNetworkError, TelegramServerError, TelegramRetryAfter, aiohttp.ClientError, OSError)


def _named(problem: BaseException) -> str:
    return type(problem).__name__
