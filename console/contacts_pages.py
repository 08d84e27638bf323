"""An office's list of families (`office.contacts`), sent in the browser: the file checked line by line,
then imported once she confirms; those imported and not registered yet, searched (a whole ID or mobile by
POST only), one's page, taken off the list after a confirmation that names her, and put back."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from console import views
from console.context import Notice, console_of, signed_in_as, told
from console.forms import NotSent, back_to, file_sent, number, redirect_saying, rejected_file
from core.i18n import _
from office import contacts, uploads
from office.errors import NotFound, Refused, RejectedFile
from office.tables import Line, read_lines
from storage.contacts import Saved
from storage.models import Contact

LIST_FORMATS = (".csv", ".xlsx", ".xlsm")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/lists", lists_page, name="lists")
    router.add_post("/lists/check", check_list, name="check_list")
    router.add_post("/lists/import", import_list, name="import_list")
    router.add_post("/lists/search", search_lists, name="search_lists")
    router.add_get("/lists/{contact:[0-9]{1,9}}", contact_page, name="contact")
    router.add_post("/lists/{contact:[0-9]{1,9}}/remove", remove_contact, name="remove_contact")
    router.add_post("/lists/{contact:[0-9]{1,9}}/restore", restore_contact, name="restore_contact")
    for action in ("/lists/check", "/lists/import", "/lists/search"):
        router.add_get(action, back_to("lists"))
    for action in ("/lists/{contact:[0-9]{1,9}}/remove", "/lists/{contact:[0-9]{1,9}}/restore"):
        router.add_get(action, back_to("contact", "contact"))


async def lists_page(
    request: web.Request,
    checked: dict[str, object] | None = None,
    *,
    typed: str | None = None,
) -> web.StreamResponse:
    """Her office's list: a file to send, those on the list (or those found by what she typed: part of a
    name from the address; a whole ID or a mobile from the search form, `typed`), those taken off it."""
    who = signed_in_as(request)
    page = number(request.query.get("page"), digits=6) or 1
    searched = request.query.get("q", "")[:100] if typed is None else typed
    database = console_of(request).database
    problem = None
    try:
        if typed is None and contacts.wanted(searched).one_family:
            raise Refused([])  # a whole ID or mobile in an address: never searched (decision 0088)
        found = await database.run(lambda s: contacts.search(s, who.actor, searched, page))
    except Refused as refused:
        problem = (
            _("Search for %(wanted)s.", wanted=views.problems(refused))
            if refused.problems
            else _("Search for a whole ID or mobile with the search form.")
        )
        found = await database.run(lambda s: contacts.search(s, who.actor, "", page))
        searched = ""
    taken_off = await database.run(lambda s: contacts.taken_off(s, who.actor))
    office_names = dict(await database.run(views.office_choices))
    imported = told(request, "imported")
    notice = told(request, "removed", "restored")
    about: Contact | None = None
    if notice is not None and notice.count:
        contact_id = notice.count
        try:
            about = await database.run(lambda s: contacts.listed(s, who.actor, contact_id))
        except NotFound:
            notice = None
    failed = bool(checked and checked.get("problems")) or problem is not None
    return aiohttp_jinja2.render_template(
        "lists.html",
        request,
        {
            "waiting": found,
            "searched": searched,
            "search_problem": problem,
            "taken_off": taken_off,
            "checked": checked or {},
            "notice_about": about,
            "imported": imported.count if imported is not None else None,
            "office_names": office_names,
        },
        status=400 if failed else 404 if typed and not found.total else 200,
    )


async def search_lists(request: web.Request) -> web.StreamResponse:
    """The lists' search form, by POST: part of a name goes to the list's address (which can be kept);
    a whole ID or mobile is searched here and never appears in an address."""
    form = await request.post()
    typed = str(form.get("q", ""))[:100].strip()
    lists = request.app.router["lists"].url_for()
    try:
        one_family = contacts.wanted(typed).one_family
    except Refused:
        one_family = True  # said by the page, with what she typed still in the box
    if not one_family:
        raise web.HTTPSeeOther(lists.with_query(q=typed) if typed else lists)
    return await lists_page(request, typed=typed)


async def _checked(request: web.Request, lines: list[Line], *, save: bool) -> Saved:
    """The list's lines checked by the office action (and saved, if `save`); RejectedFile with every bad
    line."""
    console, who = console_of(request), signed_in_as(request)
    now = console.clock()
    return await console.database.run(
        lambda s: contacts.import_list(s, who.actor, lines, now, dry_run=not save)
    )


async def check_list(request: web.Request) -> web.StreamResponse:
    """The file, streamed (up to the limit of imported files), read as `usar beneficiaries import` reads a
    file and checked line by line before anything is saved; its lines kept for her to confirm if it is good
    (`uploads.hold_lines`: read once). The form's token comes first in the form."""
    who = signed_in_as(request)
    try:
        sent = await file_sent(request, LIST_FORMATS, _("The list must be a CSV or an Excel (.xlsx) file."))
    except NotSent as problem:
        return await lists_page(request, {"problems": [str(problem)]})
    try:
        lines = await sent.read(lambda path: read_lines(path, contacts.COLUMNS))
        saved = await _checked(request, lines, save=False)
    except RejectedFile as rejected:
        return await lists_page(request, rejected_file(sent.name, rejected))
    console = console_of(request)
    token = await console.database.run(
        lambda s: uploads.hold_lines(s, who.actor, sent.name, lines, console.clock(), console.uploads_kept)
    )
    return await lists_page(request, {"name": sent.name, "saved": saved, "token": token})


async def import_list(request: web.Request) -> web.StreamResponse:
    """The list she checked, saved once she confirms: its lines as they were read, checked again (another
    import or a registration may have come meanwhile)."""
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    token = str(form.get("upload", ""))[:64]
    name, lines = await console.database.run(
        lambda s: uploads.held_lines(s, who.actor, token, console.clock(), console.uploads_kept)
    )
    try:
        saved = await _checked(request, lines, save=True)
    except RejectedFile as rejected:  # changed since she checked it (another import, a registration)
        return await lists_page(request, rejected_file(name, rejected))
    await console.database.run(lambda s: uploads.let_go(s, token))
    lists = request.app.router["lists"].url_for()
    raise redirect_saying(request, lists, Notice("imported", str(saved.added + saved.updated)))


def _contact_id(request: web.Request) -> int:
    return int(request.match_info["contact"])


async def contact_page(request: web.Request, *, confirming: bool = False) -> web.StreamResponse:
    """One family of the list (imported, not registered): what her office knows, and taking her off it or
    putting her back; `confirming`, the question asked before she is taken off, naming her."""
    who, contact_id = signed_in_as(request), _contact_id(request)
    found = await console_of(request).database.run(lambda s: contacts.listed(s, who.actor, contact_id))
    office_names = dict(await console_of(request).database.run(views.office_choices))
    return aiohttp_jinja2.render_template(
        "contact.html",
        request,
        {
            "contact": found,
            "confirming": confirming and found.removed_at is None,
            "office_names": office_names,
        },
    )


async def remove_contact(request: web.Request) -> web.StreamResponse:
    """Asked first (a page naming her), then done once she confirms; the list then offers to undo it."""
    console, who, contact_id = console_of(request), signed_in_as(request), _contact_id(request)
    form = await request.post()
    if form.get("confirmed") != "yes":
        return await contact_page(request, confirming=True)
    await console.database.run(lambda s: contacts.remove(s, who.actor, contact_id, console.clock()))
    raise redirect_saying(request, request.app.router["lists"].url_for(), Notice("removed", str(contact_id)))


async def restore_contact(request: web.Request) -> web.StreamResponse:
    console, who, contact_id = console_of(request), signed_in_as(request), _contact_id(request)
    await console.database.run(lambda s: contacts.restore(s, who.actor, contact_id, console.clock()))
    raise redirect_saying(request, request.app.router["lists"].url_for(), Notice("restored", str(contact_id)))
