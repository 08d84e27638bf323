"""What the console's pages share in reading a request and answering it: a number sent in a form or an
address, the families a form addresses, a file sent (its form's token first), where to go next (a console
page, never elsewhere), the page an action sends her to with what it says there once, and a CSV download
(one training's or canteen opportunity's people among them)."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from io import SEEK_END, TextIOBase
from pathlib import Path
from typing import BinaryIO, TypeVar, cast
from urllib.parse import quote

from aiohttp import BodyPartReader, web
from multidict import MultiMapping
from sqlalchemy.orm import Session
from yarl import URL

from console.context import Notice, console_of, said_once, same_token, signed_in_as
from core.domain import Product
from core.i18n import LazyText, _
from office.errors import RejectedFile
from office.rights import Actor
from office.sheets import MEDIA_TYPES, Out, written_to
from office.tables import MAX_FILE_BYTES
from storage.audiences import Audience

ANYWHERE = URL("http://console.invalid")  # what an address given is read against, as a browser would
# An export of the people of one thing, by its number (`office.exports.guests`, `.applicants`).
PeopleExport = Callable[[Session, Actor, int, Out, str, datetime], int]
Titled = Callable[[Session, Actor, int], str]  # what a thing of that number is called, for her file's name
PRODUCTS = tuple(product.value for product in Product)
CHANNELS = ("telegram", "whatsapp")
T = TypeVar("T")
SENT_AT_ONCE = 64 * 1024  # an export's file is sent in chunks of this many bytes


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


def back_to(page: str, key: str | None = None) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A handler for an action's address opened in the browser (its result page reloaded, or her language
    switched after it): the page named `page`, of the thing the address names by `key`, if it has one."""

    async def handler(request: web.Request) -> web.StreamResponse:
        route = request.app.router[page]
        raise web.HTTPSeeOther(route.url_for(**({key: request.match_info[key]} if key else {})))

    return handler


def redirect_saying(request: web.Request, location: str | URL, notice: Notice) -> web.HTTPSeeOther:
    """The page an action sends her to (her browser asks for it with GET: reloading it does nothing again),
    saying `notice` there once; raised by the page."""
    sent = web.HTTPSeeOther(location)
    said_once(request, sent, notice)
    return sent


def chosen_format(posted: MultiMapping[str | bytes | object]) -> str:
    """The format of a download as its form's button names it: "xlsx", or CSV (the default)."""
    return "xlsx" if posted.get("format") == "xlsx" else "csv"


async def download(request: web.Request, name: str, written: Out, named: str = "") -> web.StreamResponse:
    """An export's file (`office.sheets.written_to`: a workbook, or a CSV that Excel opens as it is), sent in
    chunks from the disk, never read whole into memory, then closed (and so gone), under `name` with the
    extension of its format; `named`, its name in her words (a school's, an event's), saved as the file's
    name where the browser takes it."""
    form = "csv" if isinstance(written, TextIOBase) else "xlsx"
    disposition = f'attachment; filename="{name}.{form}"'
    if named:
        disposition += f"; filename*=UTF-8''{quote(f'{named}.{form}'.replace('/', '-'), safe='')}"
    with written:
        written.flush()
        raw = cast(BinaryIO, written.buffer if isinstance(written, TextIOBase) else written)
        response = web.StreamResponse(headers={"Content-Disposition": disposition})
        response.content_type = MEDIA_TYPES[form]
        if form == "csv":
            response.charset = "utf-8"
        response.content_length = raw.seek(0, SEEK_END)
        raw.seek(0)
        await response.prepare(request)
        while chunk := raw.read(SENT_AT_ONCE):
            await response.write(chunk)
        await response.write_eof()
    return response


async def people_download(
    request: web.Request, key: str, file: str, export: PeopleExport, title: Titled
) -> web.StreamResponse:
    """The people of the one training or canteen opportunity whose number the address gives (`key`), for
    Excel in her language, in the format her button asked: `file`-<number>.xlsx (or .csv), named by what it
    is (`title`: the school, the event)."""
    console, who = console_of(request), signed_in_as(request)
    number, now = int(request.match_info[key]), console.clock()
    out = written_to(chosen_format(await request.post()))

    def exported(session: Session) -> str:
        export(session, who.actor, number, out, who.language, now)
        return title(session, who.actor, number)

    named = await console.database.run(exported)
    return await download(request, f"{file}-{number}", out, f"{file}-{number} {named}")


def audience_of(posted: MultiMapping[str | bytes | object]) -> Audience:
    """The families a form addresses: its offices ("office", one or several; none: every office), whether
    verified, interested in canteens, with a health certificate, making any of its products, on a channel."""
    field = {name: str(posted.get(name, "")) for name in ("verified", "canteen", "certificate", "channel")}
    return Audience(
        offices=tuple(dict.fromkeys(str(code)[:32] for code in posted.getall("office", []) if code)),
        verified={"yes": True, "no": False}.get(field["verified"]),
        canteen_interest=True if field["canteen"] == "yes" else None,
        health_certificate=True if field["certificate"] == "yes" else None,
        products=tuple(dict.fromkeys(str(p) for p in posted.getall("product", []) if str(p) in PRODUCTS)),
        channel=field["channel"] if field["channel"] in CHANNELS else None,
    )


class NotSent(Exception):
    """What is wrong with a file sent (none chosen, not of its kind, too large), said on its page."""


@dataclass(frozen=True)
class Sent:
    name: str
    content: bytes

    async def read(self, reader: Callable[[Path], T]) -> T:
        """What `reader` reads of it, as our commands read a file on disk (off the event loop: a workbook
        can take seconds)."""

        def in_a_file() -> T:
            with tempfile.TemporaryDirectory() as directory:
                path = Path(directory) / f"sent{Path(self.name).suffix.lower()}"
                path.write_bytes(self.content)
                return reader(path)

        return await asyncio.to_thread(in_a_file)


def rejected_file(name: str, rejected: RejectedFile) -> dict[str, object]:
    """What a page shows of a refused file (`macros.file_check`): its bad lines in a table, or what is wrong
    with the file itself."""
    return {"name": name, "lines": rejected.lines, "problems": [] if rejected.lines else rejected.problems}


async def file_sent(request: web.Request, kinds: tuple[str, ...], not_of_kind: LazyText | str) -> Sent:
    """The file of a form (its `file` field), streamed up to the limit of imported files; the form's token
    comes first in it. NotSent if none was chosen, its name does not end in one of `kinds`, or it is too
    large."""
    expired = web.HTTPForbidden(text=_("This form has expired. Go back, reload the page and try again."))
    if request.content_type != "multipart/form-data":
        raise expired
    reader = await request.multipart()
    token_part = await reader.next()
    if not isinstance(token_part, BodyPartReader) or token_part.name != "csrf":
        raise expired
    if not same_token(
        (await token_part.read_chunk(256)).decode(errors="replace"), signed_in_as(request).csrf_token
    ):
        raise expired
    part = await reader.next()
    if not isinstance(part, BodyPartReader) or part.name != "file" or not part.filename:
        raise NotSent(_("Choose the file first."))
    if Path(part.filename).suffix.lower() not in kinds:
        raise NotSent(str(not_of_kind))
    content = bytearray()
    while chunk := await part.read_chunk():
        content += chunk
        if len(content) > MAX_FILE_BYTES:
            raise NotSent(_("The file is larger than %(limit)s MB.", limit=MAX_FILE_BYTES // 1024**2))
    return Sent(part.filename, bytes(content))
