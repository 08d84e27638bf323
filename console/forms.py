"""What the console's pages share in reading a request and answering it: a number sent in a form or an
address, where to go next (a console page, never elsewhere), the page an action sends her to with what it
says there once, and a CSV download (one training's or canteen opportunity's people among them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from io import StringIO
from typing import TextIO

from aiohttp import web
from sqlalchemy.orm import Session
from yarl import URL

from console.context import Notice, console_of, said_once, signed_in_as
from office.rights import Actor

ANYWHERE = URL("http://console.invalid")  # what an address given is read against, as a browser would
LONGEST_PASSWORD = 1024  # characters: a longer one is not hashed (argon2 would take it, slowly)
# An export of the people of one thing, by its number (`office.exports.guests`, `.applicants`).
PeopleExport = Callable[[Session, Actor, int, TextIO, str, datetime], int]


def number(value: object, digits: int = 18) -> int | None:
    """A whole number sent in a form or an address (in any script's digits), or None for anything else:
    str.isdigit alone would let in "²", and int() refuses more than 4,300 digits."""
    text = value if isinstance(value, str) else ""
    return int(text) if text.isdecimal() and len(text) <= digits else None


def next_page(request: web.Request, given: object) -> str:
    """Where to go next (after signing in, back to the list she came from): a console page, never another
    site nor another part of this one, as a browser reads the address ("/console/..//x" is "//x" here)."""
    home_url = str(request.app.router["home"].url_for())
    if not isinstance(given, str) or not given.startswith(home_url):
        return home_url
    try:
        wanted = ANYWHERE.join(URL(given))
    except ValueError:
        return home_url
    if wanted.host != ANYWHERE.host or not wanted.path.startswith(home_url):
        return home_url
    return str(wanted.relative())


def redirect_saying(request: web.Request, location: str | URL, notice: Notice) -> web.HTTPSeeOther:
    """The page an action sends her to (her browser asks for it with GET: reloading it does nothing again),
    saying `notice` there once; raised by the page."""
    sent = web.HTTPSeeOther(location)
    said_once(request, sent, notice)
    return sent


def download(name: str, written: StringIO) -> web.StreamResponse:
    """A CSV that Excel opens as it is (the exports write UTF-8 with a BOM, formula-safe)."""
    return web.Response(
        body=written.getvalue().encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def people_download(
    request: web.Request, key: str, file: str, export: PeopleExport
) -> web.StreamResponse:
    """The people of the one training or canteen opportunity whose number the address gives (`key`), for
    Excel in her language: `file`-<number>.csv."""
    console, who = console_of(request), signed_in_as(request)
    number, out, now = int(request.match_info[key]), StringIO(), console.clock()
    await console.database.run(lambda s: export(s, who.actor, number, out, who.language, now))
    return download(f"{file}-{number}.csv", out)
