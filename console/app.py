"""The web console under /console/: server-rendered pages over the office actions, Arabic first.

Every page but sign-in needs a console session (`office.sign_in`), read from the database at each request:
signing out, a new password or her removal ends it at once. Every POST carries the session's CSRF token
(sign-in's form a token of its own, in a cookie beside it). Pages call office actions only; rights are theirs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from console import (
    announcements_pages,
    audit_pages,
    canteens_pages,
    contacts_pages,
    content_pages,
    dashboard_pages,
    families_pages,
    offices_pages,
    sign_in_pages,
    staff_pages,
    threads_pages,
    trainings_pages,
    views,
)
from console.context import (
    CONSOLE,
    COOKIE,
    NOTICE_COOKIE,
    WHO,
    Console,
    console_of,
    cookie_name,
    cookie_of,
    forget_cookie,
    language_of,
    notice_of,
    same_token,
    who_of,
)
from console.files import RecentFiles
from core.channel import MediaSource
from core.i18n import _, ngettext, use_language
from office import sign_in, threads, uploads
from office.errors import NotAllowed, NotFound, NotStaff, OfficeError, Refused
from storage.db import Database
from storage.kinds import QuietHours, Senders

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
log = logging.getLogger(__name__)
HERE = Path(__file__).parent
# No inline script or style, nothing from elsewhere, never in a frame. Our one script file (console.js,
# decision 0109) may run and fetch a page's parts from here; nothing else.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; font-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
OPEN = frozenset({"sign_in", "static"})  # the pages she reaches before signing in
# Files too large to read as a form first: their pages check the token.
STREAMED = frozenset({"check_list", "attendance_file", "check_opportunities"})
# Each area's pages add their routes; no area's addresses overlap another's (within an area, a more specific
# address comes before a general one).
AREAS: tuple[Callable[[web.UrlDispatcher], None], ...] = (
    dashboard_pages.add_routes,
    families_pages.add_routes,
    announcements_pages.add_routes,
    audit_pages.add_routes,
    trainings_pages.add_routes,
    canteens_pages.add_routes,
    content_pages.add_routes,
    offices_pages.add_routes,
    staff_pages.add_routes,
    contacts_pages.add_routes,
    sign_in_pages.add_routes,
    threads_pages.add_routes,
)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as answered:
        _protect(request, answered)
        raise
    except Exception:  # a fault of ours: logged, and answered with the same headers as every page
        log.exception("a console page failed")
        failed = web.HTTPInternalServerError(text=_("Something went wrong on our side; nothing was changed."))
        _protect(request, failed)
        raise failed from None
    _protect(request, response)
    notice = cookie_name(request, NOTICE_COOKIE)
    if (
        notice in request.cookies
        and notice not in response.cookies  # a new one, for the next page
        and response.content_type == "text/html"
        and request.query.get("part") != "live"  # a part the page's script fetched: the notice is the page's
    ):
        forget_cookie(response, request, NOTICE_COOKIE)  # said on this page: not again
    return response


def _protect(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.match_info.route.name != "static":
        response.headers["Cache-Control"] = "no-store"  # pages hold families' data


@web.middleware
async def signed_in(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Who the cookie signs in (or a redirect to sign-in), her language for the page, and her CSRF token
    checked on every POST."""
    console = console_of(request)
    token = cookie_of(request, COOKIE)
    who = None
    if token:
        who = await console.database.run(lambda session: sign_in.signed_in(session, token, console.clock()))
    if who is not None:
        request[WHO] = who
    name = request.match_info.route.name
    if who is None and name not in OPEN:
        target = request.path_qs if request.method == "GET" else str(request.app.router["home"].url_for())
        raise web.HTTPSeeOther(request.app.router["sign_in"].url_for().with_query(next=target))
    with use_language(language_of(request)):
        if request.method == "POST" and who is not None and name not in OPEN | STREAMED:
            form = await request.post()
            if not same_token(form.get("csrf"), who.csrf_token):
                message = _("This form has expired. Go back, reload the page and try again.")
                return _refusal(request, message, 403)
        try:
            return await handler(request)
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed) as unknown:
            return _refusal(request, _("There is no such page in the console."), unknown.status)
        except NotFound as unknown:  # another office's, or nobody's: the same answer
            return _refusal(request, unknown.message, 404)
        except (NotAllowed, NotStaff) as refused:
            return _refusal(request, refused.message, 403)
        except Refused as refused:
            return _refusal(request, views.problems(refused), 400)
        except OfficeError as refused:
            return _refusal(request, refused.message, 400)


def _refusal(request: web.Request, message: str, status: int) -> web.StreamResponse:
    # With what every page has, also when answered before the page's own middleware ran (a stale form).
    context = {**_shared(request), "message": message}
    return aiohttp_jinja2.render_template("refused.html", request, context, status=status)


def add_console(
    app: web.Application,
    database: Database,
    clock: Callable[[], datetime],
    *,
    secure_cookies: bool,
    trusted_proxies: frozenset[str] = frozenset(),
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    media: Mapping[str, MediaSource] | None = None,
    quiet: QuietHours | None = None,
    senders: Senders | None = None,
    uploads_kept: timedelta = uploads.KEPT,
) -> None:
    """`media`: by channel, how the files families send are fetched for staff to open; `quiet` and
    `senders`: when announcements wait, and what they can go on (what staff are told before sending);
    `uploads_kept`: how long a file checked here waits for its confirmation."""
    console = web.Application(middlewares=[security_headers, signed_in])
    files = {channel: RecentFiles(source) for channel, source in (media or {}).items()}
    console[CONSOLE] = Console(
        database, clock, secure_cookies, sleep, trusted_proxies, files, quiet=quiet, senders=senders,
        uploads_kept=uploads_kept,
    )  # fmt: skip
    environment = aiohttp_jinja2.setup(
        console,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        context_processors=[_context],
    )
    # Our own translation functions (values formatted in, `count` for plurals); what they give is escaped
    # like any other text on the page.
    environment.globals.update({"_": _, "ngettext": ngettext})
    environment.filters.update(views.FILTERS)
    console.on_startup.append(_count_the_dashboard)
    console.on_cleanup.append(_stop_counting)
    for add_routes in AREAS:
        add_routes(console.router)
    console.router.add_static("/static/", HERE / "static", name="static")
    app.add_subapp("/console/", console)


async def _count_the_dashboard(console: web.Application) -> None:
    """A big month's dashboard figures counted behind, from the start (office.dashboard.KeptFigures)."""
    context = console[CONSOLE]
    context.kept_figures.warm(context.database.run, context.clock())


async def _stop_counting(console: web.Application) -> None:
    await console[CONSOLE].kept_figures.stop()


async def _context(request: web.Request) -> dict[str, Any]:
    shared = _shared(request)
    who = shared["who"]
    if who is not None:  # the menu says how many questions wait, on every page
        actor = who.actor
        shared["open_questions"] = await console_of(request).database.run(
            lambda s: threads.open_count(s, actor)
        )
    return shared


def _shared(request: web.Request) -> dict[str, Any]:
    """What every page's template has."""
    return {
        "who": who_of(request),
        "language": language_of(request),
        "url": request.app.router,
        "request": request,
        "notice": notice_of(request),
    }
