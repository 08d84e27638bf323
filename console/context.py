"""What every console page shares: the console's database and clock, who is signed in (and her forms' CSRF
check, which the middleware runs too), her language, the console's cookies, what is said after an action."""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web

from core.channel import MediaSource
from core.i18n import LazyText
from locales import DEFAULT_LANGUAGE, LANGUAGES
from office.dashboard import KeptFigures
from office.sign_in import SignedIn
from office.uploads import KEPT
from storage.db import Database
from storage.kinds import QuietHours, Senders

# The console's cookies, by name. Over https each carries the `__Host-` prefix (`cookie_name`): a browser
# keeps such a cookie only if it came over https, with Secure, for the path / and no domain, so that
# neither a page of another subdomain nor plain http can plant or shadow one; a cookie of the name without
# the prefix is then never read. Over plain http (a laptop, a test) the names are bare and the path
# /console/.
HOST_PREFIX = "__Host-"
COOKIE = "usar_console"  # the session's token
LANGUAGE_COOKIE = "usar_language"  # the language chosen before signing in
FORM_COOKIE = "usar_form"  # sign-in's CSRF token, before there is a session
BROWSER_COOKIE = "usar_browser"  # a browser she signed in from: her tries there are counted apart
NOTICE_COOKIE = "usar_notice"  # what she just did, said once on the page she is sent to next
_NOTICE = re.compile(r"(?P<what>[a-z_]{1,32})\.(?P<about>[A-Za-z0-9_-]{0,32})")


@dataclass(frozen=True)
class Notice:
    """What she just did, for the page she is sent to next to say: once, and never from its address, so that
    reloading that page, or a link someone sends her, says nothing. Each page reads the notices it knows
    (`said`) and no other."""

    what: str  # the action, as the page that says it names it
    about: str = ""  # a count, or an office's code

    @property
    def count(self) -> int:
        return int(self.about) if self.about.isdecimal() else 0

    @property
    def cookie(self) -> str:
        return f"{self.what}.{self.about}"


def notice_of(request: web.Request) -> Notice | None:
    found = _NOTICE.fullmatch(cookie_of(request, NOTICE_COOKIE) or "")
    return None if found is None else Notice(found["what"], found["about"])


def said(request: web.Request, notices: Mapping[str, LazyText]) -> str | None:
    """What the page says of the action just done, in her language, if it is one of the page's `notices`."""
    notice = notice_of(request)
    return str(notices[notice.what]) if notice is not None and notice.what in notices else None


def told(request: web.Request, *whats: str) -> Notice | None:
    """The notice of the action just done, if it is one of `whats`: for a page that words it itself (with
    its count, or beside the office it was about)."""
    notice = notice_of(request)
    return notice if notice is not None and notice.what in whats else None


@dataclass(frozen=True)
class Console:
    database: Database
    clock: Callable[[], datetime]
    secure_cookies: bool  # https: cookies only over https
    sleep: Callable[[float], Awaitable[None]]  # how a wrong password is slowed (tests pass their clock's)
    trusted_proxies: frozenset[str] = frozenset()  # whose X-Forwarded-For is believed
    media: Mapping[str, MediaSource] = field(default_factory=dict)  # by channel: how her files are fetched
    quiet: QuietHours | None = None  # when announcements wait for the morning; None: not known here
    senders: Senders | None = None  # what this installation sends on; None: not known here
    uploads_kept: timedelta = KEPT  # how long a file checked here waits for its confirmation
    kept_figures: KeptFigures = field(default_factory=KeptFigures)  # the dashboard's, where counting is long


CONSOLE = web.AppKey("console", Console)
WHO = web.RequestKey("who", SignedIn)  # None: nobody signed in


def cookie_name(request: web.Request, name: str) -> str:
    """What one of the console's cookies is called where the console is served: `__Host-` and the name
    over https, the name alone over plain http."""
    return HOST_PREFIX + name if console_of(request).secure_cookies else name


def _cookie_path(request: web.Request) -> str:
    # `__Host-` asks for the path /; over plain http the cookies are the console's pages' alone.
    return "/" if console_of(request).secure_cookies else "/console/"


def cookie_of(request: web.Request, name: str) -> str | None:
    """The value of one of the console's cookies in the request, by its name where the console is served (a
    cookie of the bare name is not read over https)."""
    return request.cookies.get(cookie_name(request, name))


def set_cookie(
    response: web.StreamResponse,
    request: web.Request,
    name: str,
    value: str,
    lasts: timedelta | None = None,  # None: until the browser closes
) -> None:
    """One of the console's cookies: never read by a script, never sent from another site's form; over
    https, sent over https alone and named `__Host-…` (`cookie_name`)."""
    response.set_cookie(
        cookie_name(request, name),
        value,
        path=_cookie_path(request),
        max_age=None if lasts is None else int(lasts.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=console_of(request).secure_cookies,
    )


def forget_cookie(response: web.StreamResponse, request: web.Request, name: str) -> None:
    """One of the console's cookies removed from the browser (said as it was set: a browser refuses a
    `__Host-` cookie, even an expired one, without Secure and the path /)."""
    response.del_cookie(
        cookie_name(request, name),
        path=_cookie_path(request),
        secure=console_of(request).secure_cookies,
        httponly=True,
        samesite="Lax",
    )


def same_token(given: object, expected: str | None) -> bool:
    """A form's CSRF token is the one expected (compared in constant time); an empty one is none."""
    return (
        isinstance(given, str)
        and bool(expected)
        and secrets.compare_digest(given.encode(), str(expected).encode())
    )


def said_once(request: web.Request, response: web.StreamResponse, notice: Notice) -> None:
    """`notice` said by the page `response` sends her to, and by no other."""
    set_cookie(response, request, NOTICE_COOKIE, notice.cookie)


def console_of(request: web.Request) -> Console:
    return request.app[CONSOLE]


def who_of(request: web.Request) -> SignedIn | None:
    return request.get(WHO)


def signed_in_as(request: web.Request) -> SignedIn:
    """Who is signed in, on a page that needs someone (the middleware sent anyone else to sign in)."""
    who = who_of(request)
    assert who is not None
    return who


def remote_of(request: web.Request) -> str:
    """The network address a request came from: the TCP peer, or, behind a trusted proxy, the address that
    proxy put last in X-Forwarded-For (what comes before it was written by the client and proves nothing)."""
    peer = request.remote or "?"
    if peer not in console_of(request).trusted_proxies:
        return peer
    forwarded = request.headers.get("X-Forwarded-For", "").rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(forwarded))
    except ValueError:
        return peer


def language_of(request: web.Request) -> str:
    who = who_of(request)
    if who is not None:
        return who.language
    chosen = request.query.get("lang") or cookie_of(request, LANGUAGE_COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE
