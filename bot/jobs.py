"""The scheduled work, shared by `usar run`'s roles and the terminal chat: what has fallen due (`due_work`),
and sending what the outbox holds.

What falls due is run every half minute, each part in its own transaction and idempotent: what is due is read
from the tables, what was done is written there, so a restart loses nothing and a second run does nothing
more. Announcements whose time has come become deliveries; events whose invitation time has come invite their
audience, and reminders fall due before the start; daily tips reach the subscribers whose hour has come;
canteen opportunities past their deadline close; questions unanswered too long are told to their office.

What has no further purpose is purged by a job of its own (`run_retention`, `office.retention`), in batches,
every `RETENTION_EVERY` seconds.

`usar chat --as X` runs both in its own process (`TerminalDelivery`), so that an office can rehearse the whole
product on a laptop: what the scheduler pushes to X (an invitation, its reminder, a daily tip, an
announcement, a decision) appears in that chat as it falls due. Only the chat speaking for X delivers to X, so
a family and a staff member in two terminals each see their own; the scheduler's work is idempotent
wherever it runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.outbox.dispatcher import OutboxDispatcher
from core.channel import Channel
from core.metrics import JOB_FAILURES, JOB_RUNS
from handlers.terminal import TerminalSender
from office import event_notices, retention, tips
from office import threads as office_threads
from storage import announcements, canteens, conversations, deliveries, threads
from storage.db import Database, is_unreachable
from storage.kinds import QuietHours

log = logging.getLogger(__name__)
TERMINAL_DISPATCH_EVERY = 2  # seconds: a pushed message appears in the chat soon after it falls due
TERMINAL_DUE_EVERY = 10
RETENTION_EVERY = 600  # seconds between purges of what has no further purpose
RETENTION_BATCHES = 200  # batches of each purge in one run at most: what is left waits for the next
# One instance of a job at a time; missed runs coalesce into one.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}


Work = Callable[..., object]  # (session, now=…)


def due_work(
    reminders: Sequence[timedelta] = event_notices.DEFAULT_REMINDERS,
    unanswered_hours: float = office_threads.UNANSWERED_HOURS,
) -> list[tuple[str, Work]]:
    """The scheduler's jobs, by name, in the order they run."""

    def remind(session: Session, now: datetime) -> int:
        return event_notices.remind_due(session, now, reminders)

    def unanswered(session: Session, now: datetime) -> int:
        return office_threads.remind_unanswered(session, now, unanswered_hours)

    return [
        ("announcements", announcements.enqueue_due),
        ("invitations", event_notices.invite_due),
        ("reminders", remind),
        ("daily tips", tips.send_due),
        ("canteen deadlines", canteens.close_due),
        ("questions unanswered", unanswered),
    ]


async def run_due(
    database: Database,
    clock: Callable[[], datetime],
    reminders: Sequence[timedelta],
    unanswered_hours: float = office_threads.UNANSWERED_HOURS,
) -> dict[str, object]:
    """What has fallen due, each part in its own transaction, so that one failing does not hold back the
    others; what each part did, by name."""
    done: dict[str, object] = {}
    for name, work in due_work(reminders, unanswered_hours):
        now = clock()
        JOB_RUNS.labels(name).inc()
        try:
            done[name] = await database.run(partial(work, now=now))
            if done[name]:  # a tick that did nothing says nothing
                log.info("scheduled work %r: %s", name, _described(done[name]))
        except Exception as exc:
            JOB_FAILURES.labels(name).inc()
            if is_unreachable(exc):  # the rest would fail the same way: the run waits, said once by its job
                raise
            log.exception("the scheduled work %r failed; it is tried again at the next run", name)
    return done


async def run_retention(
    database: Database,
    clock: Callable[[], datetime],
    periods: retention.Periods,
    batch: int = retention.BATCH,
) -> dict[str, int]:
    """Every purge of `office.retention`, each in batches of `batch` rows, a transaction each (others write
    between two); how many rows each purged, by name, said in one line when any was."""
    done: dict[str, int] = {}
    for name, purge in retention.purges(periods):
        JOB_RUNS.labels(f"retention: {name}").inc()
        done[name] = 0
        try:
            for _ in range(RETENTION_BATCHES):
                purged = await database.run(partial(purge, now=clock(), limit=batch))
                done[name] += purged
                if purged < batch:
                    break
                await asyncio.sleep(0)
        except Exception as exc:
            JOB_FAILURES.labels(f"retention: {name}").inc()
            if is_unreachable(exc):
                raise
            log.exception("retention of %s failed; it is tried again at the next run", name)
    said = ", ".join(f"{name} {count}" for name, count in done.items())
    log.log(logging.INFO if any(done.values()) else logging.DEBUG, "retention: purged %s", said)
    return done


def _described(result: object) -> str:
    """What a part of the scheduled work did, for the log: how many, and which (ids, never names)."""
    if isinstance(result, list | tuple | set):
        shown = ", ".join(str(each) for each in list(result)[:10]) + (", …" if len(result) > 10 else "")
        return f"{len(result)} ({shown})"
    return str(result)


def _hers(session: Session, address: str) -> deliveries.Only | None:
    """What a terminal chat delivers: to her family, and her office's answers to her questions."""
    family = conversations.family_at(session, Channel.TERMINAL.value, address)
    questions = tuple(threads.ids_at(session, Channel.TERMINAL.value, address))
    return deliveries.Only(family, questions) if family is not None or questions else None


class TerminalDelivery:
    """The scheduler and a worker inside `usar chat`, delivering to the one address it speaks for."""

    def __init__(
        self,
        database: Database,
        address: str,
        sink: TextIO,
        clock: Callable[[], datetime],
        *,
        interactive: bool,
        quiet: QuietHours | None,
        reminders: Sequence[timedelta],
        periods: retention.Periods | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.reminders = reminders
        self.periods = periods or retention.Periods()
        self.outbox = OutboxDispatcher(
            database,
            {Channel.TERMINAL: TerminalSender(address, sink, interactive=interactive)},
            {},
            clock,
            quiet=quiet,
            only_for=lambda session: _hers(session, address),
        )
        self._scheduler: AsyncIOScheduler | None = None
        self._running = 0  # jobs under way: the chat's end waits for them before the database closes
        self._idle = asyncio.Event()
        self._idle.set()

    async def run_due_work(self) -> dict[str, object]:
        async with self._job():
            return await run_due(self.database, self.clock, self.reminders)

    async def run_retention(self) -> dict[str, int]:
        async with self._job():
            return await run_retention(self.database, self.clock, self.periods)

    async def dispatch_due(self) -> int:
        async with self._job():
            try:
                return await self.outbox.drain()
            except SQLAlchemyError as busy:  # another chat holds the database: the next run sends it
                log.warning("sending waits for the next run: %s", type(busy).__name__)
                return 0

    @asynccontextmanager
    async def _job(self) -> AsyncIterator[None]:
        self._running += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._running -= 1
            if not self._running:
                self._idle.set()

    def start(self) -> None:
        """The jobs, on the running loop: at once, then every few seconds."""
        scheduler = AsyncIOScheduler(job_defaults=JOB_DEFAULTS)
        now = self.clock()
        scheduler.add_job(self.run_due_work, "interval", seconds=TERMINAL_DUE_EVERY, next_run_time=now)
        scheduler.add_job(self.dispatch_due, "interval", seconds=TERMINAL_DISPATCH_EVERY, next_run_time=now)
        scheduler.add_job(self.run_retention, "interval", seconds=RETENTION_EVERY)
        scheduler.start()
        self._scheduler = scheduler

    async def stop(self) -> None:
        """No job starts any more; those under way finish (the database is still open), then it stops."""
        if self._scheduler is not None:
            self._scheduler.pause()
            await self._idle.wait()
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
