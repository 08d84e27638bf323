"""`usar run`: the web server and every configured channel, from start to a clean stop.

With a Telegram token the bot long-polls; with a public URL as well, Telegram calls our webhook instead.
With Twilio's settings (and the public URL they need), Twilio posts WhatsApp messages to our webhook.
The web server always runs (GET /healthz), on USAR_HTTP_HOST:USAR_HTTP_PORT.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from enum import StrEnum

from aiogram import Bot, Dispatcher
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import build_engine, open_database
from bot.delivery import Dispatcher as OutboxDispatcher
from bot.jobs import JOB_DEFAULTS, run_due
from bot.settings import Settings
from bot.telegram import create_bot, create_dispatcher
from bot.web import (
    STATUS_WEBHOOK,
    TELEGRAM_WEBHOOK,
    WHATSAPP_WEBHOOK,
    add_calendar,
    add_readiness,
    add_telegram_webhook,
    build_app,
)
from console.app import add_console
from conversations.engine.engine import Engine
from core.channel import Channel, Inbound, MediaSource, Outbound, Reply, Sender, Sent, Unavailable
from handlers.telegram.files import TelegramFiles
from handlers.telegram.polling import Polling
from handlers.telegram.sender import TelegramSender
from handlers.whatsapp.media import TwilioMedia
from handlers.whatsapp.replies import bodies
from handlers.whatsapp.sender import WhatsAppSender, twilio_client
from handlers.whatsapp.spool import Spool
from handlers.whatsapp.webhook import SignedForms, StatusWebhook, WhatsAppWebhook
from storage import delivery_reports
from storage.db import Database, is_unreachable

log = logging.getLogger(__name__)
DISPATCH_EVERY = 2  # seconds between looks at the outbox
SPOOL_EVERY = 5  # seconds between looks at the WhatsApp messages waiting for the database
DUE_EVERY = 30  # seconds between looks for what has fallen due: announcements, invitations, reminders …
STOP_GRACE = 10.0  # seconds the messages in hand get to be answered when the service stops


class Role(StrEnum):
    """What one `usar run` process does; several processes on one PostgreSQL database share the work."""

    ALL = "all"
    WEB = "web"  # the web server and the channels' incoming messages
    WORKER = "worker"  # sends what the outbox holds
    SCHEDULER = "scheduler"  # turns announcements whose time has come into deliveries (run one of these)


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
        self.spool: Spool | None = None  # WhatsApp messages waiting for the database (the web role's)
        self.scheduler: AsyncIOScheduler | None = None
        self._database: Database | None = None
        self._dispatching = asyncio.Lock()
        self.engine: Engine | None = None
        self.bot: Bot | None = None
        self.dispatcher: Dispatcher | None = None
        self.whatsapp_sender: WhatsAppSender | None = None
        self._exit = AsyncExitStack()
        self._polling: asyncio.Task[None] | None = None
        self.poller: Polling | None = None
        self._stopped = asyncio.Event()
        self.port: int | None = None

    async def start(self) -> None:
        settings = self.settings
        database = await self._exit.enter_async_context(open_database(settings))
        self._database = database
        self.engine = build_engine(database, settings)
        app = build_app()
        web_role = self.role in (Role.ALL, Role.WEB)
        if settings.telegram_token is not None:
            self.bot = create_bot(
                settings.telegram_token.get_secret_value(),
                str(settings.telegram_api_base) if settings.telegram_api_base else None,
            )
            self._exit.push_async_callback(self.bot.session.close)
            self.dispatcher = create_dispatcher(self.engine.handle, TelegramSender(self.bot), self.clock)
            if settings.public_url is not None and web_role:
                add_telegram_webhook(app, self.dispatcher, self.bot, settings.telegram_webhook_secret)
        if settings.twilio_auth_token is not None:
            self._start_whatsapp(app, database, settings.twilio_auth_token.get_secret_value(), web_role)
        self._start_jobs(database)
        if not web_role:
            app = build_app()  # healthz and readyz only: this process answers no channel
        else:
            add_calendar(app, database, self.clock)
            add_console(
                app,
                database,
                self.clock,
                secure_cookies=settings.https,
                trusted_proxies=settings.proxies,
                sleep=self.sleep,
                media=self._media_sources(),
            )
        add_readiness(app, database, self.role.value)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        self._exit.push_async_callback(runner.cleanup)
        site = web.TCPSite(runner, settings.http_host, settings.http_port)
        await site.start()
        self.port = runner.addresses[0][1]
        log.info("web server listening on %s:%s", settings.http_host, self.port)
        if web_role:
            log.info("the office console is at %s", self.console_url)
        if self.bot is not None and self.dispatcher is not None and web_role:
            await self._start_telegram(self.bot, self.dispatcher)

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
        senders: dict[Channel, Sender] = {}
        if self.bot is not None:
            senders[Channel.TELEGRAM] = TelegramSender(self.bot)
        if self.whatsapp_sender is not None:
            senders[Channel.WHATSAPP] = self.whatsapp_sender
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
        if self.spool is not None:  # at once on start: what waited through a stop is answered first
            scheduler.add_job(
                self.replay_spool, "interval", seconds=SPOOL_EVERY, id="spool", next_run_time=self.clock()
            )
        if scheduler.get_jobs():
            scheduler.start(paused=not self.run_jobs)
            self.scheduler = scheduler

    async def dispatch_due(self) -> int:
        """The worker's job: send everything due now (a stop lets the round in hand finish and record)."""
        assert self.outbox is not None
        async with self._dispatching:
            return await self.outbox.drain(lambda: not self._stopped.is_set())

    async def run_due_work(self) -> dict[str, object]:
        """The scheduler's job: what has fallen due (bot.jobs), what each part did, by name."""
        assert self._database is not None
        settings = self.settings
        return await run_due(self._database, self.clock, settings.reminder_offsets, settings.unanswered_hours)

    async def replay_spool(self) -> int:
        """The web role's job: WhatsApp messages that waited for the database, answered in order."""
        if self.spool is None or not self.spool.waiting():
            return 0
        assert self.engine is not None and self.whatsapp_sender is not None
        sender = self.whatsapp_sender

        async def answer(inbound: Inbound, replies: list[Reply]) -> None:
            for body in bodies(replies):  # the webhook's response is gone: through the REST API
                reply = Outbound(
                    inbound.address, Reply(body), kind="answer", last_inbound_at=inbound.received_at
                )
                outcome = await sender.send(reply)
                if not isinstance(outcome, Sent):
                    log.warning("an answer to a WhatsApp message that waited was not sent: %s", outcome)
                    return

        return await self.spool.replay(self.engine.handle, answer)

    def _media_sources(self) -> dict[str, MediaSource]:
        """How the console fetches the files families send, on each channel set up here."""
        settings, sources = self.settings, dict[str, MediaSource]()
        if self.bot is not None:
            sources[Channel.TELEGRAM.value] = TelegramFiles(self.bot)
        if settings.twilio_account_sid and settings.twilio_auth_token is not None:
            sources[Channel.WHATSAPP.value] = TwilioMedia(
                settings.twilio_account_sid,
                settings.twilio_auth_token.get_secret_value(),
                str(settings.twilio_api_base) if settings.twilio_api_base else None,
            )
        return sources

    def _start_whatsapp(
        self, app: web.Application, database: Database, auth_token: str, web_role: bool
    ) -> None:
        settings = self.settings
        assert self.engine is not None and settings.twilio_account_sid and settings.twilio_whatsapp_from
        spool = Spool(settings.spool())
        if web_role:  # this process answers WhatsApp: it replays what waited, a stopped one's too
            spool.take_back_abandoned()
            self.spool = spool
        messages = WhatsAppWebhook(
            self.engine.handle,
            SignedForms(auth_token, settings.public_endpoint(WHATSAPP_WEBHOOK)),
            self.clock,
            spool,
        )
        app.router.add_post(WHATSAPP_WEBHOOK, messages.receive)

        async def record(message_id: str, status: str, error_code: str | None) -> None:
            now = self.clock()
            try:
                await database.run(
                    lambda session: delivery_reports.record(
                        session, "whatsapp", message_id, status, error_code, now
                    )
                )
            except Exception as exc:
                if is_unreachable(exc):
                    raise Unavailable from exc
                raise

        reports = StatusWebhook(record, SignedForms(auth_token, settings.public_endpoint(STATUS_WEBHOOK)))
        app.router.add_post(STATUS_WEBHOOK, reports.receive)
        client = twilio_client(
            settings.twilio_account_sid,
            auth_token,
            str(settings.twilio_api_base) if settings.twilio_api_base else None,
        )
        self._exit.push_async_callback(client.http_client.close)
        self.whatsapp_sender = WhatsAppSender(
            client,
            settings.twilio_whatsapp_from,
            settings.whatsapp_templates,
            settings.public_endpoint(STATUS_WEBHOOK),
            self.clock,
        )
        log.info("WhatsApp: Twilio calls our webhooks at %s", settings.public_endpoint(WHATSAPP_WEBHOOK))

    async def _start_telegram(self, bot: Bot, dispatcher: Dispatcher) -> None:
        updates = dispatcher.resolve_used_update_types()
        if self.settings.public_url is not None:
            url = self.settings.public_endpoint(TELEGRAM_WEBHOOK)
            await bot.set_webhook(
                url=url, secret_token=self.settings.telegram_webhook_secret, allowed_updates=updates
            )
            log.info("Telegram calls our webhook at %s", url)
            return
        await bot.delete_webhook()
        self.poller = Polling(bot, dispatcher, updates, sleep=self.sleep)
        self._polling = asyncio.create_task(self.poller.run())

    async def wait(self) -> None:
        """Until `stop`, or until polling ends by itself (a revoked token, say)."""
        waiting = [asyncio.ensure_future(self._stopped.wait())]
        if self._polling is not None:
            waiting.append(self._polling)  # type: ignore[arg-type]
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)

    @property
    def failed(self) -> bool:
        """Polling ended by itself: Telegram refused the token (`usar run` exits with an error)."""
        polling = self._polling
        if polling is None or not polling.done() or polling.cancelled():
            return False
        return polling.exception() is not None

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
        if self._polling is not None and self.poller is not None:
            await self.poller.stop()
            await asyncio.gather(self._polling, return_exceptions=True)
        if self.engine is not None:
            # Each update runs as a task of its own that stopping polling does not wait for:
            # the messages in hand are answered before the bot's session and the database close.
            try:
                async with asyncio.timeout(STOP_GRACE):
                    await self.engine.idle()
            except TimeoutError:
                log.warning("stopped with messages still being answered")
        await self._exit.aclose()
