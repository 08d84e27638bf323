"""`usar run`: the web server and every configured channel, from start to a clean stop.

With a Telegram token the bot long-polls; with a public URL as well, Telegram calls our webhook instead.
With Twilio's settings (and the public URL they need), Twilio posts WhatsApp messages to our webhook.
The web server always runs (GET /healthz), on USAR_HTTP_HOST:USAR_HTTP_PORT.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import build_engine, open_database
from bot.jobs import JOB_DEFAULTS, RETENTION_EVERY, run_due, run_retention
from bot.metrics import metrics_app
from bot.outbox.dispatcher import OutboxDispatcher
from bot.settings import PortInUse, Settings
from bot.web import add_calendar, add_readiness, build_app, readiness, server_limits
from core.channel import Channel, Reply
from handlers.mounting import Mounted
from storage.db import Database, OutOfReach, is_unreachable

if TYPE_CHECKING:
    from conversations.engine.engine import Engine

log = logging.getLogger(__name__)
J = TypeVar("J")
DISPATCH_EVERY = 2  # seconds between looks at the outbox
SPOOL_EVERY = 5  # seconds between looks at the WhatsApp messages waiting for the database
DUE_EVERY = 30  # seconds between looks for what has fallen due: announcements, invitations, reminders …
STOP_GRACE = 10.0  # seconds the messages in hand get to be answered when the service stops


async def _answers_nothing(*_: Any) -> list[Reply]:
    """The handle of a process that answers no channel: never called, since nothing is mounted to call it."""
    raise RuntimeError("this process answers no channel")


class Role(StrEnum):
    """What one `usar run` process does; several processes on one PostgreSQL database share the work."""

    ALL = "all"
    WEB = "web"  # the web server and the channels' incoming messages
    WORKER = "worker"  # sends what the outbox holds
    SCHEDULER = "scheduler"  # what falls due, and retention's purges (run one of these)


class Service:
    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        role: Role = Role.ALL,
        run_jobs: bool = True,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.sleep = sleep  # how the outbox and polling wait (tests pass their clock's)
        self.role = role
        self.run_jobs = (
            run_jobs  # False: jobs are set up but paused (tests run them by hand, time controlled)
        )
        self.outbox: OutboxDispatcher | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self._database: Database | None = None
        self._dispatching = asyncio.Lock()
        self.engine: Engine | None = None
        self.channels: list[Mounted] = []  # those configured, mounted on the web server
        self._exit = AsyncExitStack()
        self._running: list[asyncio.Task[None]] = []  # what a channel runs by itself (Telegram's polling)
        self._stopped = asyncio.Event()
        self.port: int | None = None
        self._out_of_reach: dict[str, OutOfReach] = {}
        self.metrics_port: int | None = None  # where /metrics is served, when USAR_METRICS_PORT is set

    async def start(self) -> None:
        """Everything this role runs, started; what started is stopped again if the rest cannot start."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        settings = self.settings
        database = await self._exit.enter_async_context(open_database(settings))
        self._database = database
        app = build_app()
        web_role = self.role in (Role.ALL, Role.WEB)
        # Without the web role, healthz and readyz only: this process answers no channel, and imports
        # neither the conversations, nor the console, nor aiogram's dispatcher (decision 0119).
        self.engine = build_engine(database, settings) if web_role else None
        self.channels = self._mount(app if web_role else None, database, self.engine)
        self._start_jobs(database)
        if web_role:
            from console.app import add_console

            add_calendar(app, database, self.clock)
            add_console(
                app,
                database,
                self.clock,
                secure_cookies=settings.https,
                trusted_proxies=settings.proxies,
                sleep=self.sleep,
                media={each.channel.value: each.media for each in self.channels if each.media is not None},
                quiet=settings.quiet(),
                senders=settings.senders(),
                uploads_kept=settings.retention().uploads,
            )
        ready = readiness(database, self.role.value)
        add_readiness(app, ready)
        self.port = await self._serve(app, settings.http_host, settings.http_port, "USAR_HTTP_PORT")
        log.info("web server listening on %s:%s", settings.http_host, self.port)
        if settings.metrics_port is not None:
            metrics = metrics_app(database, ready, self.clock)
            self.metrics_port = await self._serve(
                metrics, settings.metrics_host, settings.metrics_port, "USAR_METRICS_PORT"
            )
            log.info("metrics at http://%s:%s/metrics", settings.metrics_host, self.metrics_port)
        if web_role:
            log.info("the office console is at %s", self.console_url)
            for channel in self.channels:
                running = await channel.start()
                if running is not None:
                    self._running.append(running)
        jobs = [job.id for job in self.scheduler.get_jobs()] if self.scheduler is not None else []
        log.info(
            "started as %s: channels %s; scheduled jobs %s",
            self.role.value,
            ", ".join(each.channel.value for each in self.channels) or "none",
            ", ".join(jobs) or "none",
        )

    async def _serve(self, app: web.Application, host: str, port: int, setting: str) -> int:
        """`app` served on `host`:`port` until the service stops; the port it has (0: any free one)."""
        runner = web.AppRunner(app, access_log=None, **server_limits())
        await runner.setup()
        self._exit.push_async_callback(runner.cleanup)
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as problem:
            if problem.errno == errno.EADDRINUSE:
                raise PortInUse(host, port, setting) from None
            raise
        return int(runner.addresses[0][1])

    def _mount(self, app: web.Application | None, database: Database, engine: Engine | None) -> list[Mounted]:
        """Each channel configured here, mounted: its routes on `app` (None: this process answers none, and
        has no `engine`). Each channel's package is imported where it is configured alone."""
        settings, channels = self.settings, list[Mounted]()
        public = settings.public_endpoint if settings.public_url is not None else None
        handle = engine.handle if engine is not None else _answers_nothing
        if settings.telegram_token is not None:
            from handlers import telegram

            channels.append(
                telegram.mount(
                    app,
                    handle,
                    token=settings.telegram_token.get_secret_value(),
                    api_base=str(settings.telegram_api_base) if settings.telegram_api_base else None,
                    public=public,
                    secret=settings.telegram_webhook_secret,
                    clock=self.clock,
                    sleep=self.sleep,
                    resources=self._exit,
                )
            )
        if settings.twilio_auth_token is not None:
            assert settings.twilio_account_sid and settings.twilio_whatsapp_from and public is not None
            from handlers import whatsapp

            channels.append(
                whatsapp.mount(
                    app,
                    handle,
                    database,
                    account_sid=settings.twilio_account_sid,
                    auth_token=settings.twilio_auth_token.get_secret_value(),
                    business_number=settings.twilio_whatsapp_from,
                    templates=settings.whatsapp_templates,
                    api_base=str(settings.twilio_api_base) if settings.twilio_api_base else None,
                    public=public,
                    spool_directory=settings.spool(),
                    clock=self.clock,
                    resources=self._exit,
                )
            )
        return channels

    @property
    def console_url(self) -> str:
        """Where staff open the web console: at the public address, or on this machine."""
        if self.settings.public_url is not None:
            return self.settings.public_endpoint("/console/")
        host = self.settings.http_host if self.settings.http_host not in ("0.0.0.0", "::") else "127.0.0.1"
        return f"http://{host}:{self.port}/console/"

    def _start_jobs(self, database: Database) -> None:
        """The periodic, idempotent jobs of this role; the state of record is in the tables, so a restart
        finds everything due again. One instance of a job at a time; missed runs coalesce into one."""
        senders = {each.channel: each.sender for each in self.channels}
        # The rates are the bot's and the sender's as a whole: every worker keeps to them together.
        rates = {Channel.TELEGRAM: self.settings.telegram_rate, Channel.WHATSAPP: self.settings.whatsapp_rate}
        quiet = self.settings.quiet()
        self.outbox = OutboxDispatcher(
            database,
            senders,
            rates,
            self.clock,
            quiet=quiet,
            concurrency=self.settings.dispatch_concurrency,
            sleep=self.sleep,
        )
        scheduler = AsyncIOScheduler(job_defaults=JOB_DEFAULTS)
        if self.role in (Role.ALL, Role.WORKER) and senders:
            scheduler.add_job(
                self.dispatch_due,
                "interval",
                seconds=DISPATCH_EVERY,
                id="dispatch",
                next_run_time=self.clock(),
            )  # at once on start: what a stopped worker left is sent without waiting
        if self.role in (Role.ALL, Role.SCHEDULER):
            scheduler.add_job(self.run_due_work, "interval", seconds=DUE_EVERY, id="due")
            scheduler.add_job(self.run_retention, "interval", seconds=RETENTION_EVERY, id="retention")
        if any(channel.replay is not None for channel in self.channels):
            # At once on start: what waited through a stop is answered first.
            scheduler.add_job(
                self.replay_spool, "interval", seconds=SPOOL_EVERY, id="spool", next_run_time=self.clock()
            )
        if scheduler.get_jobs():
            scheduler.start(paused=not self.run_jobs)
            self.scheduler = scheduler

    async def dispatch_due(self) -> int:
        """The worker's job: send everything due now (a stop lets the round in hand finish and record)."""
        assert self.outbox is not None
        outbox = self.outbox
        async with self._dispatching:
            return await self._job("sending", lambda: outbox.drain(lambda: not self._stopped.is_set()), 0)

    async def run_due_work(self) -> dict[str, object]:
        """The scheduler's job: what has fallen due (bot.jobs), what each part did, by name."""
        database, settings = self._database, self.settings
        assert database is not None
        work = partial(run_due, database, self.clock, settings.reminder_offsets, settings.unanswered_hours)
        return await self._job("scheduled work", work, {})

    async def run_retention(self) -> dict[str, int]:
        """The scheduler's job: what has no further purpose, purged (`office.retention`); how many of each."""
        database = self._database
        assert database is not None
        work = partial(run_retention, database, self.clock, self.settings.retention())
        return await self._job("retention", work, {})

    async def replay_spool(self) -> int:
        """The web role's job: the messages a channel kept while the database was away (WhatsApp's spool),
        answered in order."""

        async def replayed() -> int:
            return sum([await channel.replay() for channel in self.channels if channel.replay is not None])

        return await self._job("replaying the spool", replayed, 0)

    async def _job(self, what: str, work: Callable[[], Awaitable[J]], nothing: J) -> J:
        """A job's run; the database out of reach is said once until it is back (`OutOfReach`), not as a
        traceback at every run."""
        said = self._out_of_reach.setdefault(what, OutOfReach(log, what))
        try:
            done = await work()
        except Exception as exc:
            if not is_unreachable(exc):
                raise
            said(exc)
            return nothing
        said.reached()
        return done

    async def wait(self) -> None:
        """Until `stop`, or until what a channel runs by itself ends (polling, for a revoked token, say)."""
        stopped = asyncio.ensure_future(self._stopped.wait())
        waiting: set[asyncio.Future[Any]] = {stopped, *self._running}
        try:
            while True:  # what ends well (Telegram reached again after a wait) is no reason to stop
                done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if stopped in done or any(each.cancelled() or each.exception() for each in done):
                    return
        finally:
            stopped.cancel()

    @property
    def failed(self) -> bool:
        """Polling ended by itself: Telegram refused the token (`usar run` exits with an error)."""
        return any(
            running.done() and not running.cancelled() and running.exception() is not None
            for running in self._running
        )

    async def stop(self) -> None:
        self._stopped.set()
        if self.scheduler is not None:
            self.scheduler.pause()  # no new runs; shutting down now would cancel the one in hand
        if self.outbox is not None:
            self.outbox.stop()  # the round in hand gives back what it has not sent
        try:
            async with asyncio.timeout(STOP_GRACE), self._dispatching:
                pass  # the dispatch round in hand has sent and recorded its batch
        except TimeoutError:
            log.warning("stopped during a dispatch round; its rows are sent again after their lease")
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        for channel in self.channels:
            await channel.stop()  # polling takes no new updates
        if self.engine is not None:
            # Each update runs as a task of its own that stopping polling does not wait for:
            # the messages in hand are answered before the bot's session and the database close.
            try:
                async with asyncio.timeout(STOP_GRACE):
                    await self.engine.idle()
            except TimeoutError:
                log.warning("stopped with messages still being answered")
        await self._exit.aclose()
