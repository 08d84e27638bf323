"""An office's list of families (`office.contacts`), sent in the browser: the file checked line by line,
then imported once she confirms; those imported and not registered yet, one taken off the list."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from console import views
from console.context import Notice, console_of, said, signed_in_as, told
from console.forms import NotSent, Sent, back_to, file_sent, redirect_saying, rejected_file
from core.i18n import N_, _
from office import contacts, uploads
from office.errors import RejectedFile
from office.tables import read_lines
from storage.contacts import Saved

LIST_FORMATS = (".csv", ".xlsx", ".xlsm")
DONE = {"removed": N_("Taken off the list: she is not invited, nor recognised when she writes.")}


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/lists", lists_page, name="lists")
    router.add_post("/lists/check", check_list, name="check_list")
    router.add_post("/lists/import", import_list, name="import_list")
    router.add_post("/lists/{contact:[0-9]{1,9}}/remove", remove_contact, name="remove_contact")
    for action in ("/lists/check", "/lists/import"):
        router.add_get(action, back_to("lists"))


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


async def _checked(request: web.Request, sent: Sent, *, save: bool) -> Saved:
    """The list checked by the office action (and saved, if `save`); RejectedFile with every bad line. It
    is read as `usar beneficiaries import` reads a file."""
    console, who = console_of(request), signed_in_as(request)
    lines = await sent.read(lambda path: read_lines(path, contacts.COLUMNS))
    now = console.clock()
    return await console.database.run(
        lambda s: contacts.import_list(s, who.actor, lines, now, dry_run=not save)
    )


async def check_list(request: web.Request) -> web.StreamResponse:
    """The file, streamed (up to the limit of imported files), checked line by line before anything is
    saved; kept for her to confirm if it is good. The form's token comes first in the form."""
    who = signed_in_as(request)
    try:
        sent = await file_sent(request, LIST_FORMATS, _("The list must be a CSV or an Excel (.xlsx) file."))
    except NotSent as problem:
        return await lists_page(request, {"problems": [str(problem)]})
    try:
        saved = await _checked(request, sent, save=False)
    except RejectedFile as rejected:
        return await lists_page(request, rejected_file(sent.name, rejected))
    console = console_of(request)
    token = await console.database.run(
        lambda s: uploads.hold(s, who.actor, sent.name, sent.content, console.clock())
    )
    return await lists_page(request, {"name": sent.name, "saved": saved, "token": token})


async def import_list(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    token = str(form.get("upload", ""))[:64]
    name, content = await console.database.run(lambda s: uploads.held(s, who.actor, token, console.clock()))
    try:
        saved = await _checked(request, Sent(name, content), save=True)
    except RejectedFile as rejected:  # changed since she checked it (another import, a registration)
        return await lists_page(request, rejected_file(name, rejected))
    await console.database.run(lambda s: uploads.let_go(s, token))
    lists = request.app.router["lists"].url_for()
    raise redirect_saying(request, lists, Notice("imported", str(saved.added + saved.updated)))


async def remove_contact(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    contact_id = int(request.match_info["contact"])
    await console.database.run(lambda s: contacts.remove(s, who.actor, contact_id, console.clock()))
    raise redirect_saying(request, request.app.router["lists"].url_for(), Notice("removed"))
