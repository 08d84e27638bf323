"""Long polling that confirms to Telegram only the updates we handled.

Telegram forgets an update once a getUpdates call asks for a later offset. aiogram's polling asks for the
next offset as soon as it has read an update, so an update that met the database away was confirmed and
lost. Here the offset asked for is the earliest update not yet handled: one in hand, or one that waited for
the database, stays with Telegram and comes again. Updates after it that were handled come again too; they
are not started twice in this process, and the seen record (`storage.seen`) answers them once across a
restart.

An update counts as handled once its turn is saved (`turn_saved`), not once its answers have been sent, so
that a slow send does not keep a hundred later updates waiting: Telegram answers at most a hundred from the
offset. Each update runs as a task of its own, started in the order Telegram gave them (the engine's turn
locks keep one person's messages in that order). While the database is away nothing new is started:
polling waits, longer each time (`PATIENCE`), and begins again with the update that waited.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.methods import GetUpdates
from aiogram.types import Update

from core.channel import Unavailable

log = logging.getLogger(__name__)
POLL_SECONDS = 30  # how long one getUpdates waits for something to happen
BUSY_SECONDS = 1.0  # while updates are in hand, how often to look for new ones
PATIENCE = (1.0, 2.0, 5.0, 10.0, 30.0)  # waits after the database was away, then the last one again
Sleep = Callable[[float], Awaitable[None]]
_saving: ContextVar[Callable[[], None] | None] = ContextVar("usar_turn_saving", default=None)


def turn_saved() -> None:
    """Said by the Telegram handler once the engine has saved her turn, before it sends the answers: polling
    may let Telegram forget the update although its answers are still on their way (a send can wait out a
    "retry after"). A crash now loses those answers, never the turn; the seen record answers a copy once."""
    said = _saving.get()
    if said is not None:
        said()


class Polling:
    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        allowed_updates: Sequence[str],
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._bot = bot
        self._dispatcher = dispatcher
        self._allowed = list(allowed_updates)
        self._sleep = sleep
        self._in_hand: dict[int, asyncio.Task[None]] = {}
        self._handled: set[int] = set()  # handled, but an earlier one is not: Telegram sends them again
        # In hand, their turn saved, the answers being sent: Telegram need not keep them any longer.
        self._saved_in_hand: set[int] = set()
        self._waited: set[int] = set()  # met the database away: to be handled again
        self._database_away = False
        self._offset: int | None = None  # the earliest update not confirmed to Telegram
        self._outages = 0
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Until `stop`; a token Telegram refuses ends it (raised)."""
        log.info("Telegram: long polling")
        try:
            while not self._stopping.is_set():
                if self._database_away:
                    await self._wait_for_the_database()
                    continue
                updates = await self._updates()
                if updates is None:
                    continue
                new = [u for u in updates if self._is_new(u.update_id)]
                if self._outages:  # after the database was away: the earliest alone, until one is answered
                    new = [] if self._in_hand else new[:1]
                for update in new:
                    self._start(update)
                if not new and self._in_hand:
                    # Everything Telegram gave is in hand: asking again at once would only return it again.
                    await self._until_one_is_done(BUSY_SECONDS)
        finally:
            await self._confirm()

    async def stop(self) -> None:
        """No new updates are started; those in hand finish (the service waits for the engine)."""
        self._stopping.set()

    async def _updates(self) -> list[Update] | None:
        timeout = 0 if self._in_hand else POLL_SECONDS
        asking = GetUpdates(offset=self._offset, timeout=timeout, allowed_updates=self._allowed)
        call = asyncio.ensure_future(self._bot(asking, request_timeout=timeout + 30))
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait([call, stopping], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not call.done():
            call.cancel()
            await asyncio.gather(call, return_exceptions=True)
            return None
        try:
            return call.result()
        except TelegramUnauthorizedError:
            log.error("Telegram: the bot's token is refused (revoked?); polling stops, and the process too")
            raise
        except Exception as problem:  # Telegram out of reach: try again soon
            log.warning("Telegram: could not fetch updates (%s); trying again", type(problem).__name__)
            await self._pause(PATIENCE[0])
            return None

    def _is_new(self, number: int) -> bool:
        """Neither in hand nor handled. Below the offset, it was handled: Telegram answered with the offset
        of its call, and the update finished while the answer was on its way."""
        below = self._offset is not None and number < self._offset
        return not below and number not in self._in_hand and number not in self._handled

    def _start(self, update: Update) -> None:
        number = update.update_id
        self._waited.discard(number)
        task = asyncio.create_task(self._handle(update))
        self._in_hand[number] = task
        task.add_done_callback(lambda _: self._done(number))

    async def _handle(self, update: Update) -> None:
        number = update.update_id
        _saving.set(lambda: self._saved(number))  # this task's own context
        try:
            await self._dispatcher.feed_update(self._bot, update)
        except Unavailable:
            if number not in self._saved_in_hand:  # saved, it is not taken again: Telegram has let it go
                self._waited.add(number)
                self._database_away = True
                return
        except Exception:
            # A fault of ours, not of the update's delivery: taking it again would fail again.
            log.exception("Telegram: an update failed")
        self._handled.add(update.update_id)
        self._outages = 0

    def _saved(self, number: int) -> None:
        if number in self._in_hand:
            self._saved_in_hand.add(number)
            self._settle()

    def _done(self, number: int) -> None:
        del self._in_hand[number]
        self._saved_in_hand.discard(number)
        self._settle()

    def _settle(self) -> None:
        """The offset: the earliest update whose turn is not saved yet (in hand, or waiting for the
        database); with none, the one after the last handled."""
        not_handled = (self._in_hand.keys() - self._saved_in_hand) | self._waited
        if not_handled:
            self._offset = min(not_handled)
        elif self._handled or self._saved_in_hand:
            self._offset = max(self._handled | self._saved_in_hand) + 1
        self._handled = {n for n in self._handled if self._offset is None or n >= self._offset}

    async def _until_one_is_done(self, seconds: float) -> None:
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait(
                [*self._in_hand.values(), stopping], timeout=seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stopping.cancel()

    async def _wait_for_the_database(self) -> None:
        """Let what is in hand finish, then wait before Telegram sends the waiting updates again."""
        while self._in_hand and not self._stopping.is_set():
            await self._until_one_is_done(BUSY_SECONDS)
        wait = PATIENCE[min(self._outages, len(PATIENCE) - 1)]
        self._outages += 1
        log.warning("Telegram: the database is out of reach; updates wait %.0f s with Telegram", wait)
        await self._pause(wait)
        self._database_away = False  # Telegram sends the waiting updates again: they start as new ones

    async def _pause(self, seconds: float) -> None:
        pause = asyncio.ensure_future(self._sleep(seconds))
        stopping = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait([pause, stopping], return_when=asyncio.FIRST_COMPLETED)
        for waiting in (pause, stopping):
            waiting.cancel()

    async def _confirm(self) -> None:
        """At the end, tell Telegram what was handled, so that the next start does not fetch it again."""
        if self._offset is None:
            return
        try:
            await self._bot(GetUpdates(offset=self._offset, limit=1, timeout=0), request_timeout=10)
        except Exception as problem:  # the next start fetches them; the seen record answers them once
            log.info("Telegram: the last updates were not confirmed (%s)", type(problem).__name__)
