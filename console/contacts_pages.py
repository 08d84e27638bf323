"""An office's list of families (`office.contacts`), sent in the browser: the file checked line by line,
then imported once she confirms; those imported and not registered yet, one taken off the list."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import aiohttp_jinja2
from aiohttp import BodyPartReader, web

from console import views
from console.context import Notice, console_of, said, same_token, signed_in_as, told
from console.forms import redirect_saying
from core.i18n import N_, _
from office import contacts
from office.errors import RejectedFile
from office.tables import MAX_FILE_BYTES, Line, read_lines
from storage.contacts import Saved

LIST_FORMATS = (".csv", ".xlsx", ".xlsm")
DONE = {"removed": N_("Taken off the list: she is not invited, nor recognised when she writes.")}


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/lists", lists_page, name="lists")
    router.add_post("/lists/check", check_list, name="check_list")
    router.add_post("/lists/import", import_list, name="import_list")
    router.add_post("/lists/{contact:[0-9]{1,9}}/remove", remove_contact, name="remove_contact")


async def lists_page(request: web.Request, checked: dict[str, object] | None = None) -> web.StreamResponse:
    who = signed_in_as(request)
    page = int(request.query["page"]) if request.query.get("page", "").isdigit() else 1
    database = console_of(request).database
    found = await database.run(lambda s: contacts.waiting(s, who.actor, min(page, 100_000)))
    office_names = dict(await database.run(views.office_choices))
    imported = told(request, "imported")
    return aiohttp_jinja2.render_template(
        "lists.html",
        request,
        {
            "waiting": found,
            "checked": checked or {},
            "done": said(request, DONE),
            "imported": imported.count if imported is not None else None,
            "office_names": office_names,
        },
        status=400 if checked and checked.get("problems") else 200,
    )


def _read_list(name: str, content: bytes) -> list[Line]:
    """The list's lines, read as `usar beneficiaries import` reads a file (off the event loop: a workbook
    can take seconds)."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"list{Path(name).suffix.lower()}"
        path.write_bytes(content)
        return read_lines(path, contacts.COLUMNS)


async def _checked(request: web.Request, name: str, content: bytes, *, save: bool) -> Saved:
    """The list checked by the office action (and saved, if `save`); RejectedFile with every bad line."""
    console, who = console_of(request), signed_in_as(request)
    lines = await asyncio.to_thread(_read_list, name, content)
    now = console.clock()
    return await console.database.run(
        lambda s: contacts.import_list(s, who.actor, lines, now, dry_run=not save)
    )


async def check_list(request: web.Request) -> web.StreamResponse:
    """The file, streamed (up to the limit of imported files), checked line by line before anything is
    saved; kept for her to confirm if it is good. The form's token comes first in the form."""
    who = signed_in_as(request)
    expired = web.HTTPForbidden(text=_("This form has expired. Go back, reload the page and try again."))
    if request.content_type != "multipart/form-data":
        raise expired
    reader = await request.multipart()
    token_part = await reader.next()
    if not isinstance(token_part, BodyPartReader) or token_part.name != "csrf":
        raise expired
    if not same_token((await token_part.read_chunk(256)).decode(errors="replace"), who.csrf_token):
        raise expired
    part = await reader.next()
    if not isinstance(part, BodyPartReader) or part.name != "file" or not part.filename:
        return await lists_page(request, {"problems": [_("Choose the file of the list first.")]})
    name = part.filename
    if Path(name).suffix.lower() not in LIST_FORMATS:
        return await lists_page(
            request, {"problems": [_("The list must be a CSV or an Excel (.xlsx) file.")]}
        )
    content = bytearray()
    while chunk := await part.read_chunk():
        content += chunk
        if len(content) > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // 1024**2
            return await lists_page(
                request, {"problems": [_("The file is larger than %(limit)s MB.", limit=limit)]}
            )
    try:
        saved = await _checked(request, name, bytes(content), save=False)
    except RejectedFile as rejected:
        return await lists_page(request, _rejected(name, rejected))
    console = console_of(request)
    token = await console.database.run(
        lambda s: contacts.hold(s, who.actor, name, bytes(content), console.clock())
    )
    return await lists_page(request, {"name": name, "saved": saved, "token": token})


def _rejected(name: str, rejected: RejectedFile) -> dict[str, object]:
    """What the list page shows of a refused file: its bad lines in a table, or what is wrong with it."""
    return {"name": name, "lines": rejected.lines, "problems": [] if rejected.lines else rejected.problems}


async def import_list(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    token = str(form.get("upload", ""))[:64]
    name, content = await console.database.run(lambda s: contacts.held(s, who.actor, token, console.clock()))
    try:
        saved = await _checked(request, name, content, save=True)
    except RejectedFile as rejected:  # changed since she checked it (another import, a registration)
        return await lists_page(request, _rejected(name, rejected))
    await console.database.run(lambda s: contacts.let_go(s, token))
    lists = request.app.router["lists"].url_for()
    raise redirect_saying(request, lists, Notice("imported", str(saved.added + saved.updated)))


async def remove_contact(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    contact_id = int(request.match_info["contact"])
    await console.database.run(lambda s: contacts.remove(s, who.actor, contact_id, console.clock()))
    raise redirect_saying(request, request.app.router["lists"].url_for(), Notice("removed"))
