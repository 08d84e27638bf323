"""Our aiohttp web server: GET /healthz and /readyz, and events' calendar files; the channels add their own
webhooks (handlers/: each channel's `mount`), the console its pages (console/)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import hdrs, web

from office.calendar import CALENDAR_PATH, ics
from storage import events
from storage.db import Database, is_unreachable
from storage.models import Event

log = logging.getLogger(__name__)
# The largest request body read (aiohttp's own default, said here): a Telegram update is tens of kilobytes at
# most (a text is 4,096 characters), a Twilio form a few; larger is answered 413 before anything reads it.
BODY_LIMIT = 1024**2


# How long a caller may take: to send a request's head, from connecting or from the previous answer (also how
# long an idle kept-alive connection stays open), and to send its body once the head has come. Slower callers
# are cut off, so that half-sent requests cannot hold the server's connections.
HEAD_SECONDS = 15.0
BODY_SECONDS = 30.0
# A request's head: a line of at most 8 KB, 64 headers of at most 8 KB each.
HEAD_LIMITS = {"max_line_size": 8190, "max_field_size": 8190, "max_headers": 64}


def server_limits() -> dict[str, Any]:
    """The web server's limits on what callers send, as aiohttp's AppRunner takes them."""
    return {"keepalive_timeout": HEAD_SECONDS, **HEAD_LIMITS}


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@web.middleware
async def _oversized_logged(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        log.warning("refused a call to %s: its body is larger than %d bytes", request.path, BODY_LIMIT)
        raise


async def _no_versions(request: web.Request, response: web.StreamResponse) -> None:
    """The Server header says what we are, not which aiohttp and Python run us."""
    response.headers[hdrs.SERVER] = "usar"


@web.middleware
async def _bodies_in_time(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A body that has not all come BODY_SECONDS after its head is refused with 408; a caller who goes away
    before sending it all is one line in the log, not a traceback."""
    task = asyncio.current_task()
    late = False

    def too_slow() -> None:
        nonlocal late
        if not request.content.is_eof() and task is not None:
            late = True
            task.cancel()

    watch = None
    if request.body_exists and not request.content.is_eof():
        watch = asyncio.get_running_loop().call_later(BODY_SECONDS, too_slow)
    try:
        return await handler(request)
    except asyncio.CancelledError:
        if not late or task is None:
            raise
        task.uncancel()
        log.warning("refused a call to %s: its body did not come within %g s", request.path, BODY_SECONDS)
        refused = web.Response(status=408, text="the request's body came too slowly")
        refused.force_close()
        await refused.prepare(request)
        await refused.write_eof()
        if request.protocol is not None:
            request.protocol.force_close()  # not waiting for the rest of the body to drain
        return refused
    except ConnectionResetError:
        log.info("a call to %s ended before its body came: the caller went away", request.path)
        return web.Response(status=400)  # nobody is there to read it
    finally:
        if watch is not None:
            watch.cancel()


def build_app() -> web.Application:
    app = web.Application(client_max_size=BODY_LIMIT, middlewares=[_bodies_in_time, _oversized_logged])
    app.on_response_prepare.append(_no_versions)
    app.router.add_get("/healthz", healthz)  # alive: the process answers
    return app


Readiness = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]


def readiness(database: Database, role: str) -> Readiness:
    """Whether this process can do its work (the database answers, its schema is this code's newest), and
    the details: the role and the migration."""

    async def ready() -> tuple[bool, dict[str, Any]]:
        try:
            current, head = await database.schema()
        except Exception as exc:
            if not is_unreachable(exc):
                raise
            return False, {"status": "database out of reach", "role": role, "head": None}
        fresh = current == head
        return fresh, {
            "status": "ready" if fresh else "schema behind",
            "role": role,
            "migration": current,
            "head": head,
        }

    return ready


def add_readiness(app: web.Application, ready: Readiness) -> None:
    """GET /readyz: 200 "ready" when this process can do its work, else 503 "not ready"; the details only at
    the metrics address (bot.metrics)."""

    async def readyz(request: web.Request) -> web.Response:
        fresh, _ = await ready()
        return web.json_response({"status": "ready" if fresh else "not ready"}, status=200 if fresh else 503)

    app.router.add_get("/readyz", readyz)


def add_calendar(app: web.Application, database: Database, clock: Callable[[], datetime]) -> None:
    """Events as .ics files for her phone's calendar, once their invitations have gone out, each at an
    address that cannot be guessed (`/calendar/<key>.ics`). Events invited before those addresses existed
    keep the address by number their links carry (`/calendar/event-<id>.ics`)."""

    def served(event: Event | None, language: str) -> web.Response:
        if event is None or event.invited_at is None:
            raise web.HTTPNotFound(text="no such event")
        return web.Response(
            body=ics(event, language if language in ("ar", "en") else "ar", clock()).encode(),
            content_type="text/calendar",
            charset="utf-8",
            headers={"Content-Disposition": f'inline; filename="usar-event-{event.id}.ics"'},
        )

    async def by_key(request: web.Request) -> web.Response:
        key = request.match_info["key"]
        event = await database.run(lambda session: events.by_calendar_key(session, key))
        return served(event, request.query.get("lang", "ar"))

    async def by_number(request: web.Request) -> web.Response:
        number = int(request.match_info["id"])
        event = await database.run(lambda session: events.find(session, number))
        return served(
            event if event is not None and event.calendar_by_number else None, request.query.get("lang", "ar")
        )

    app.router.add_get(CALENDAR_PATH + r"/event-{id:\d{1,9}}.ics", by_number)
    app.router.add_get(CALENDAR_PATH + r"/{key:[A-Za-z0-9_-]{16,32}}.ics", by_key)
