"""What every console page shares: the console's database and clock, who is signed in, her language."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web

from conversations.messages import MediaSource
from locales import DEFAULT_LANGUAGE, LANGUAGES
from office.sign_in import SignedIn
from storage.db import Database

COOKIE = "usar_console"  # the session's token
LANGUAGE_COOKIE = "usar_language"  # the language chosen before signing in
FORM_COOKIE = "usar_form"  # sign-in's CSRF token, before there is a session
BROWSER_COOKIE = "usar_browser"  # a browser she signed in from: her tries there are counted apart
NOTICE_COOKIE = "usar_notice"  # what she just did, said once on the page she is sent to next
# What a notice can say, and whether it carries a count.
NOTICES = {
    "verified": True,
    "unverified": True,
    "none_to_verify": False,
    "none_to_unverify": False,
    "passed": False,
}


@dataclass(frozen=True)
class Notice:
    """What she just did, for the page she is sent to next to say (once: never from its address, so that
    reloading it or a link someone sends does not say it)."""

    what: str
    count: int = 0

    @property
    def cookie(self) -> str:
        return f"{self.what}.{self.count}"


def notice_of(request: web.Request) -> Notice | None:
    what, _dot, count = request.cookies.get(NOTICE_COOKIE, "").partition(".")
    if what not in NOTICES or not count.isdecimal() or len(count) > 6:
        return None
    return Notice(what, int(count))


@dataclass(frozen=True)
class Console:
    database: Database
    clock: Callable[[], datetime]
    secure_cookies: bool  # https: cookies only over https
    sleep: Callable[[float], Awaitable[None]]  # how a wrong password is slowed (tests pass their clock's)
    trusted_proxies: frozenset[str] = frozenset()  # whose X-Forwarded-For is believed
    media: Mapping[str, MediaSource] = field(default_factory=dict)  # by channel: how her files are fetched


CONSOLE = web.AppKey("console", Console)
WHO = web.RequestKey("who", SignedIn)  # None: nobody signed in


def set_cookie(
    response: web.StreamResponse,
    request: web.Request,
    name: str,
    value: str,
    lasts: timedelta | None = None,  # None: until the browser closes
) -> None:
    """One of the console's cookies: its pages' alone, never read by a script, never sent from another
    site's form, and over https only when the console is served so."""
    response.set_cookie(
        name,
        value,
        path="/console/",
        max_age=None if lasts is None else int(lasts.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=console_of(request).secure_cookies,
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
    chosen = request.query.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE
