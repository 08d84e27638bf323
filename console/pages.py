"""The console's pages: each reads the request, calls one office action, and renders or redirects."""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta
from io import StringIO
from pathlib import Path

import aiohttp_jinja2
from aiohttp import BodyPartReader, web
from multidict import MultiDict, MultiMapping
from sqlalchemy.orm import Session
from yarl import URL

from console import inbox_pages, views
from console.context import (
    BROWSER_COOKIE,
    COOKIE,
    FORM_COOKIE,
    LANGUAGE_COOKIE,
    Notice,
    console_of,
    language_of,
    notice_of,
    remote_of,
    said,
    said_once,
    set_cookie,
    signed_in_as,
    who_of,
)
from core.dates import RIYADH, parse_day, short_day
from core.domain import Product, StaffRole
from core.i18n import N_, _
from locales import LANGUAGES
from office import (
    audit,
    canteens,
    content,
    events,
    exports,
    families,
    offices,
    passwords,
    registrations,
    sign_in,
    staff,
)
from office.errors import NotFound, Refused, RejectedFile
from office.tables import MAX_FILE_BYTES, Line, read_lines
from storage.audiences import Audience
from storage.audit import Line as AuditLine
from storage.beneficiaries import Order, Reach
from storage.contacts import Saved
from storage.models import CanteenOpportunity, Event

PRODUCTS = [product.value for product in Product]
PAGE_SIZE = registrations.PAGE
CHANNELS = ("telegram", "whatsapp")

ANYWHERE = URL("http://console.invalid")  # what an address given is read against, as a browser would
LONGEST_PASSWORD = 1024  # characters: a longer one is not hashed (argon2 would take it, slowly)


def add_routes(console: web.Application) -> None:
    router = console.router
    router.add_get("/", home, name="home")
    router.add_get("/families", families_list, name="families")
    router.add_post("/families", search_families, name="search_families")
    router.add_post("/families/verify", verify_many, name="verify_many")
    router.add_post("/families/export", export_families, name="export_families")
    router.add_get("/audit", audit_page, name="audit")
    router.add_post("/audit/export", export_audit, name="export_audit")
    router.add_get("/trainings", trainings_page, name="trainings")
    router.add_post("/trainings/{event:[0-9]{1,9}}/guests", export_guests, name="export_guests")
    router.add_get("/canteens", canteens_page, name="canteens")
    router.add_post(
        "/canteens/{opportunity:[0-9]{1,9}}/applicants", export_applicants, name="export_applicants"
    )
    router.add_get("/content", content_page, name="content")
    router.add_post("/content/{what:tips|services}", export_content, name="export_content")
    router.add_get("/offices", offices_page, name="offices")
    router.add_post("/offices/{office:[a-z_]{1,32}}", edit_office, name="edit_office")
    router.add_post("/offices/{office:[a-z_]{1,32}}/active", set_office_active, name="set_office_active")
    router.add_get("/staff", staff_page, name="staff")
    router.add_post("/staff", change_staff, name="change_staff")
    router.add_get("/lists", lists_page, name="lists")
    router.add_post("/lists/check", check_list, name="check_list")
    router.add_post("/lists/import", import_list, name="import_list")
    router.add_post("/lists/{contact:[0-9]{1,9}}/remove", remove_contact, name="remove_contact")
    router.add_get("/families/{family:[0-9]{1,9}}", family_page, name="family")
    router.add_post("/families/{family:[0-9]{1,9}}/reveal", reveal_national_id, name="reveal")
    router.add_get("/families/{family:[0-9]{1,9}}/reveal", to_family_page)
    router.add_post("/families/{family:[0-9]{1,9}}/verification", change_verification, name="verification")
    router.add_get("/families/{family:[0-9]{1,9}}/verification", to_family_page)
    router.add_route("*", "/login", sign_in_page, name="sign_in")
    router.add_post("/logout", sign_out, name="sign_out")
    router.add_post("/language", choose_language, name="language")
    inbox_pages.add_routes(router)


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther(request.app.router["families"].url_for())


def _choice(value: str | None) -> bool | None:
    """A filter's select: "yes", "no", or anything else (either)."""
    return {"yes": True, "no": False}.get(value or "")


FAMILY_FILTERS = ("office", "verified", "canteen", "certificate", "product", "channel", "reach", "order")


async def search_families(request: web.Request) -> web.StreamResponse:
    """The search form, sent by POST so that a whole ID or mobile typed in it never appears in an address
    (the browser's history, a proxy's log): one that names a family opens her page; anything else is the
    list, found by it."""
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    typed = str(form.get("q", ""))[:100].strip()
    wanted = MultiDict(
        (name, str(value)) for name in FAMILY_FILTERS for value in form.getall(name, []) if value
    )
    listed = request.app.router["families"].url_for().with_query(wanted)
    if not registrations.names_one_family(typed):
        raise web.HTTPSeeOther(listed.update_query(q=typed) if typed else listed)
    try:
        found = await console.database.run(lambda s: registrations.find(s, who.actor, typed))
    except (NotFound, Refused) as missing:
        problem = missing.message if isinstance(missing, NotFound) else views.problems(missing)
        return await families_list(request, wanted, problem=problem, typed=typed)
    family_url = request.app.router["family"].url_for(family=str(found.id))
    raise web.HTTPSeeOther(family_url.with_query(back=str(listed)))


async def families_list(
    request: web.Request,
    asked: MultiMapping[str] | None = None,
    *,
    problem: str | None = None,
    typed: str | None = None,
) -> web.StreamResponse:
    asked = request.query if asked is None else asked
    who = signed_in_as(request)
    segment = Audience(
        offices=tuple(code for code in asked.getall("office", []) if code),
        verified=_choice(asked.get("verified")),
        canteen_interest=_choice(asked.get("canteen")),
        health_certificate=_choice(asked.get("certificate")),
        products=tuple(product for product in asked.getall("product", []) if product in PRODUCTS),
        channel=asked.get("channel") if asked.get("channel") in CHANNELS else None,
    )
    reach = Reach(asked["reach"]) if asked.get("reach") in set(Reach) else None
    asked_to_correct = asked.get("verified") == "correction"
    order = Order(asked["order"]) if asked.get("order") in set(Order) else Order.NEWEST
    page = _number(asked.get("page")) or 1
    found = None
    console = console_of(request)
    try:
        found = await console.database.run(
            lambda s: registrations.listing(
                s,
                who.actor,
                asked.get("q", "")[:100],
                segment,
                reach,
                order,
                min(page, 100_000),
                asked_to_correct=asked_to_correct,
            )
        )
    except Refused as refused:
        problem = _("Search for %(wanted)s.", wanted=views.problems(refused))
    offices = await console.database.run(lambda s: views.office_choices(s))
    waiting = 0
    if not asked.get("verified"):
        office = asked.get("office") or None
        waiting = await console.database.run(lambda s: registrations.waiting_count(s, who.actor, office))
    return aiohttp_jinja2.render_template(
        "families.html",
        request,
        {
            "found": found,
            "problem": problem,
            "asked": asked,
            "offices": offices,
            "products": PRODUCTS,
            "waiting": waiting,
            "waiting_counted": registrations.WAITING_COUNTED,
            "typed": asked.get("q", "") if typed is None else typed,
        },
        status=404 if problem and typed else 400 if problem else 200,
    )


def _number(value: object, digits: int = 18) -> int | None:
    """A whole number sent in a form or an address (in any script's digits), or None for anything else:
    str.isdigit alone would let in "²", and int() refuses more than 4,300 digits."""
    text = value if isinstance(value, str) else ""
    return int(text) if text.isdecimal() and len(text) <= digits else None


def same_token(given: object, expected: str | None) -> bool:
    """A form's CSRF token is the one expected (compared in constant time); an empty one is none."""
    return (
        isinstance(given, str)
        and bool(expected)
        and secrets.compare_digest(given.encode(), str(expected).encode())
    )


def _next(request: web.Request, given: object) -> str:
    """Where to go after signing in: a console page, never another site nor another part of this one, as a
    browser reads the address ("/console/..//x" is "//x" on this site)."""
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


def _sign_in_form(
    request: web.Request, problem: str | None = None, login: str = "", status: int = 200
) -> web.StreamResponse:
    form_token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(32)
    response = aiohttp_jinja2.render_template(
        "sign_in.html",
        request,
        {
            "problem": problem,
            "login": login,
            "form_token": form_token,
            "next": _next(request, request.query.get("next")),
        },
        status=status,
    )
    set_cookie(response, request, FORM_COOKIE, form_token)
    if "lang" in request.query and request.query["lang"] in LANGUAGES:
        set_cookie(response, request, LANGUAGE_COOKIE, request.query["lang"])
    return response


async def sign_in_page(request: web.Request) -> web.StreamResponse:
    if request.method != "POST":
        if who_of(request) is not None:
            raise web.HTTPSeeOther(_next(request, request.query.get("next")))
        return _sign_in_form(request)
    form = await request.post()
    if not same_token(form.get("csrf"), request.cookies.get(FORM_COOKIE)):
        return _sign_in_form(request, _("This form has expired. Please sign in again."), status=403)
    login, password = str(form.get("login", "")), str(form.get("password", ""))
    if not login.strip() or not password:
        return _sign_in_form(request, _("Write your login and your password."), login, status=400)
    console = console_of(request)
    now = console.clock()
    browser = request.cookies.get(BROWSER_COOKIE, "")[:64]
    try:
        tried = await console.database.run(
            lambda s: sign_in.attempt(s, login, remote_of(request), now, browser)
        )
    except sign_in.Locked as locked:
        return _sign_in_form(request, locked.message, login, status=429)
    right = len(password) <= LONGEST_PASSWORD and await asyncio.to_thread(
        passwords.matches, tried.password_hash, password
    )
    if not right or tried.staff_id is None:  # counted already (`sign_in.attempt`)
        if tried.delay:
            await console.sleep(tried.delay)
        return _sign_in_form(request, _("Wrong login or password."), login, status=401)
    language = language_of(request)
    cookies = await console.database.run(lambda s: sign_in.succeeded(s, tried, language, now, browser))
    response = web.HTTPSeeOther(_next(request, form.get("next")))
    set_cookie(response, request, COOKIE, cookies.session)
    set_cookie(response, request, BROWSER_COOKIE, cookies.browser, lasts=sign_in.KNOWN)
    response.del_cookie(FORM_COOKIE, path="/console/")
    raise response


async def sign_out(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    who = signed_in_as(request)
    await console.database.run(lambda s: sign_in.sign_out(s, who, console.clock()))
    response = web.HTTPSeeOther(request.app.router["sign_in"].url_for())
    response.del_cookie(COOKIE, path="/console/")
    raise response


async def choose_language(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    language = form.get("language")
    if language not in LANGUAGES:
        raise web.HTTPBadRequest(text=_("No such language."))
    who = signed_in_as(request)
    await console_of(request).database.run(lambda s: sign_in.choose_language(s, who, str(language)))
    response = web.HTTPSeeOther(_next(request, form.get("back")))
    set_cookie(response, request, LANGUAGE_COOKIE, str(language))  # kept for her next sign-in here
    raise response


DONE = {  # what a page says after an action sent her back to it
    "verified": N_("Her registration is verified; she is told."),
    "correction": N_("She is asked to correct her registration; your note is sent to her."),
    "unverified": N_("The verification is taken back; her registration waits again."),
}


def _back_to_list(request: web.Request) -> str:
    """The families list she came from, with her search and filters (or the list itself)."""
    families_url = str(request.app.router["families"].url_for())
    back = _next(request, request.query.get("back"))
    return back if back.startswith(families_url) else families_url


def _family_id(request: web.Request) -> int:
    return int(request.match_info["family"])


async def _family_page(
    request: web.Request, *, revealed: str | None = None, problem: str | None = None, reason: str = ""
) -> web.StreamResponse:
    who = signed_in_as(request)
    family_id = _family_id(request)
    found = await console_of(request).database.run(
        lambda s: registrations.family_file(s, who.actor, family_id)
    )
    done = said(request, DONE)
    return aiohttp_jinja2.render_template(
        "family.html",
        request,
        {
            "file": found,
            "back": _back_to_list(request),
            "revealed": revealed,
            "problem": problem,
            "reason": reason,
            "done": done if problem is None else None,
        },
        status=200 if problem is None else 400,
    )


async def family_page(request: web.Request) -> web.StreamResponse:
    return await _family_page(request)


async def to_family_page(request: web.Request) -> web.StreamResponse:
    """An action's address opened again (Back, a new tab, another language): her page, and nothing done."""
    raise web.HTTPSeeOther(request.app.router["family"].url_for(family=str(_family_id(request))))


async def reveal_national_id(request: web.Request) -> web.StreamResponse:
    """Her ID in full, on this page only (never in an address), and in the audit log."""
    console, who, family_id = console_of(request), signed_in_as(request), _family_id(request)
    national_id = await console.database.run(
        lambda s: registrations.reveal_national_id(s, who.actor, family_id, console.clock())
    )
    return await _family_page(request, revealed=national_id)


async def change_verification(request: web.Request) -> web.StreamResponse:
    console, who, family_id = console_of(request), signed_in_as(request), _family_id(request)
    form = await request.post()
    change, reason = str(form.get("change", "")), str(form.get("reason", ""))
    seen = _number(form.get("seen"))
    now = console.clock()
    actions = {
        "verified": lambda s: registrations.verify(s, who.actor, family_id, now, seen=seen),
        "correction": lambda s: registrations.ask_correction(s, who.actor, family_id, reason, now, seen=seen),
        "unverified": lambda s: registrations.unverify(s, who.actor, family_id, reason, now, seen=seen),
    }
    if change not in actions:
        raise web.HTTPBadRequest(text=_("No such change."))
    try:
        await console.database.run(actions[change])
    except Refused as refused:
        return await _family_page(request, problem=views.problems(refused), reason=reason)
    done = web.HTTPSeeOther(
        request.app.router["family"].url_for(family=str(family_id)).with_query(back=_back_to_list(request))
    )
    said_once(request, done, Notice(change))
    raise done


async def verify_many(request: web.Request) -> web.StreamResponse:
    """Families chosen on the list (those ticked, or every one of the page) verified, or their
    verification taken back with a reason, together: first she sees whom it changes and confirms."""
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    change, _dash, which = str(form.get("do", "")).partition("-")  # "verified", "unverified-page", …
    verified = change != "unverified"
    named = "listed" if which == "page" else "family"
    numbers = (_number(str(value), digits=9) for value in form.getall(named, []))
    chosen = sorted({number for number in numbers if number is not None})[:PAGE_SIZE]
    back = _next(request, form.get("back"))
    reason = str(form.get("reason", ""))
    now = console.clock()
    if form.get("confirmed") == "yes" and chosen:
        together = (
            (lambda s: registrations.verify_together(s, who.actor, chosen, now))
            if verified
            else (lambda s: registrations.unverify_together(s, who.actor, chosen, reason, now))
        )
        try:
            changed = await console.database.run(together)
        except Refused as refused:
            problem = views.problems(refused)
        else:
            done = web.HTTPSeeOther(back)
            what = "verified_together" if verified else "unverified_together"
            said_once(request, done, Notice(what, str(changed)))
            raise done
    else:
        problem = None
    found = await console.database.run(
        lambda s: registrations.to_change_together(s, who.actor, chosen, verified)
    )
    if not found and problem is None:
        nothing = web.HTTPSeeOther(back)
        said_once(request, nothing, Notice("none_to_verify" if verified else "none_to_unverify"))
        raise nothing
    return aiohttp_jinja2.render_template(
        "verify_many.html",
        request,
        {
            "families": found,
            "unchanged": len(chosen) - len(found),  # ticked, but already as asked
            "verified": verified,
            "back": back,
            "reason": reason,
            "problem": problem,
        },
        status=400 if problem else 200,
    )


# -- an office's list of families, sent in the browser ------------------------------------------------------

LIST_FORMATS = (".csv", ".xlsx", ".xlsm")


async def lists_page(request: web.Request, checked: dict[str, object] | None = None) -> web.StreamResponse:
    who = signed_in_as(request)
    page = int(request.query["page"]) if request.query.get("page", "").isdigit() else 1
    database = console_of(request).database
    found = await database.run(lambda s: families.waiting(s, who.actor, min(page, 100_000)))
    office_names = dict(await database.run(views.office_choices))
    notice = notice_of(request)
    return aiohttp_jinja2.render_template(
        "lists.html",
        request,
        {
            "waiting": found,
            "checked": checked or {},
            "done": said(request, LISTS_DONE),
            "imported": notice.count if notice is not None and notice.what == "imported" else None,
            "office_names": office_names,
        },
        status=400 if checked and checked.get("problems") else 200,
    )


LISTS_DONE = {"removed": N_("Taken off the list: she is not invited, nor recognised when she writes.")}


def _read_list(name: str, content: bytes) -> list[Line]:
    """The list's lines, read as `usar beneficiaries import` reads a file (off the event loop: a workbook
    can take seconds)."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"list{Path(name).suffix.lower()}"
        path.write_bytes(content)
        return read_lines(path, families.COLUMNS)


async def _checked(request: web.Request, name: str, content: bytes, *, save: bool) -> Saved:
    """The list checked by the office action (and saved, if `save`); RejectedFile with every bad line."""
    console, who = console_of(request), signed_in_as(request)
    lines = await asyncio.to_thread(_read_list, name, content)
    now = console.clock()
    return await console.database.run(
        lambda s: families.import_list(s, who.actor, lines, now, dry_run=not save)
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
        lambda s: families.hold(s, who.actor, name, bytes(content), console.clock())
    )
    return await lists_page(request, {"name": name, "saved": saved, "token": token})


def _rejected(name: str, rejected: RejectedFile) -> dict[str, object]:
    """What the list page shows of a refused file: its bad lines in a table, or what is wrong with it."""
    return {"name": name, "lines": rejected.lines, "problems": [] if rejected.lines else rejected.problems}


async def import_list(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    token = str(form.get("upload", ""))[:64]
    name, content = await console.database.run(lambda s: families.held(s, who.actor, token, console.clock()))
    try:
        saved = await _checked(request, name, content, save=True)
    except RejectedFile as rejected:  # changed since she checked it (another import, a registration)
        return await lists_page(request, _rejected(name, rejected))
    await console.database.run(lambda s: families.let_go(s, token))
    imported = web.HTTPSeeOther(request.app.router["lists"].url_for())
    said_once(request, imported, Notice("imported", str(saved.added + saved.updated)))
    raise imported


async def remove_contact(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    contact_id = int(request.match_info["contact"])
    await console.database.run(lambda s: families.remove(s, who.actor, contact_id, console.clock()))
    removed = web.HTTPSeeOther(request.app.router["lists"].url_for())
    said_once(request, removed, Notice("removed"))
    raise removed


# -- downloads, the audit log, staff (admins) ----------------------------------------------------------------


def _download(request: web.Request, name: str, written: StringIO) -> web.StreamResponse:
    """A CSV that Excel opens as it is (the exports write UTF-8 with a BOM, formula-safe)."""
    return web.Response(
        body=written.getvalue().encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def export_families(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    out, now = StringIO(), console.clock()
    await console.database.run(lambda s: exports.families(s, who.actor, out, who.language, now))
    return _download(request, f"families-{short_day(now)}.csv", out)


def _since(text: str) -> datetime | None:
    day = parse_day(text) if text else None
    return datetime.combine(day, time(0), tzinfo=RIYADH) if day is not None else None


AUDIT_SHOWN = 200


async def audit_page(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    asked = request.query
    office, member, since = (
        asked.get("office") or None,
        asked.get("staff") or None,
        _since(asked.get("since", "")),
    )

    def newest(session: Session) -> list[AuditLine]:
        lines = audit.history(
            session,
            who.actor,
            office=office,
            staff_member=member,
            since=since,
            newest_first=True,
            limit=AUDIT_SHOWN,
        )
        return list(lines)

    lines = await console.database.run(newest)
    offices = await console.database.run(views.office_choices)
    unread = asked.get("since") and since is None
    problem = (
        _("A day such as 2026-11-30: “%(typed)s” cannot be read.", typed=asked["since"]) if unread else None
    )
    return aiohttp_jinja2.render_template(
        "audit.html",
        request,
        {"lines": lines, "asked": asked, "offices": offices, "shown": AUDIT_SHOWN, "problem": problem},
        status=400 if problem else 200,
    )


async def export_audit(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    office, member = str(form.get("office", "")) or None, str(form.get("staff", "")) or None
    since, out = _since(str(form.get("since", ""))), StringIO()
    await console.database.run(
        lambda s: exports.audit(
            s, who.actor, out, who.language, office=office, staff_member=member, since=since
        )
    )
    return _download(request, f"audit-{short_day(console.clock())}.csv", out)


STAFF_DONE = {
    "added": N_("Saved. She signs in with her login and the password you gave."),
    "added_no_password": N_("Saved. Give her a password below, so that she can sign in."),
    "added_chat": N_("Saved. She uses the staff chat from that address."),
    "password": N_("Her new password is set; she was signed out everywhere."),
    "removed": N_("She is no longer a staff member, and was signed out."),
    "unlocked": N_("Her login may be tried again at once."),
}


async def staff_page(
    request: web.Request,
    problem: str | None = None,
    typed: Mapping[str, str] | None = None,
    removing: str | None = None,
) -> web.StreamResponse:
    """`typed`: what she wrote in the form to add someone, kept when it is refused; `removing`: whose removal
    she is asked to confirm."""
    console, who = console_of(request), signed_in_as(request)
    now = console.clock()
    members = await console.database.run(lambda s: list(staff.listing(s, who.actor)))
    locked = await console.database.run(lambda s: sign_in.locked_logins(s, now))
    offices = await console.database.run(views.office_choices)
    done = said(request, STAFF_DONE)
    return aiohttp_jinja2.render_template(
        "staff.html",
        request,
        {
            "members": members,
            "locked": locked,
            "offices": offices,
            "problem": problem,
            "done": done,
            "typed": typed or {},
            "removing": removing,
        },
        status=400 if problem else 200,
    )


async def change_staff(request: web.Request) -> web.StreamResponse:
    """Add a staff member (with her first password), set a password, remove one, unlock a login."""
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    change = str(form.get("change", ""))
    member, password = str(form.get("member", "")).strip(), str(form.get("password", ""))
    now = console.clock()

    def add(session: Session) -> None:
        role = StaffRole.ADMIN if form.get("role") == "admin" else StaffRole.STAFF
        login, address = str(form.get("login", "")).strip(), str(form.get("address", "")).strip()
        office = str(form.get("office", "")) or None
        added = staff.add(session, who.actor, address or None, role, office, now, login=login or None)
        if password:
            staff.set_password(session, who.actor, added.login or "", password, now)

    changes: dict[str, Callable[[Session], object]] = {
        "added": add,
        "password": lambda s: staff.set_password(s, who.actor, member, password, now).id,
        "removed": lambda s: staff.remove(s, who.actor, member, now),
        "unlocked": lambda s: staff.unlock(s, who.actor, member, now),
    }
    if change not in changes:
        raise web.HTTPBadRequest(text=_("No such change."))
    typed = {name: str(form.get(name, "")) for name in ("login", "address", "role", "office")}
    if len(password) > LONGEST_PASSWORD:
        return await staff_page(
            request, _("A password of at most %(count)d characters.", count=LONGEST_PASSWORD), typed
        )
    if change == "removed" and form.get("confirmed") != "yes":
        return await staff_page(request, removing=member)
    try:
        changed = await console.database.run(changes[change])
    except Refused as refused:
        return await staff_page(request, views.problems(refused), typed)
    if change == "password" and changed == who.staff_id:
        # Her own: every session of hers ended, this one too.
        signed_out = web.HTTPSeeOther(request.app.router["sign_in"].url_for())
        said_once(request, signed_out, Notice("own_password"))
        raise signed_out
    if change == "added":
        change = "added" if password else "added_no_password" if typed["login"] else "added_chat"
    done = web.HTTPSeeOther(request.app.router["staff"].url_for())
    said_once(request, done, Notice(change))
    raise done


OFFICE_FIELDS = ("phone", "whatsapp", "address_ar", "address_en", "map_url", "hours_note_ar", "hours_note_en")


async def offices_page(
    request: web.Request,
    problem: str | None = None,
    editing: str = "",
    typed: Mapping[str, str] | None = None,
) -> web.StreamResponse:
    """`editing`: the office a refused form was for, and `typed`: what she wrote in it, shown again."""
    console, who = console_of(request), signed_in_as(request)
    found = await console.database.run(lambda s: offices.listing_for(s, who.actor))
    notice = notice_of(request)
    done = notice if notice is not None and notice.what in ("saved", "active", "inactive") else None
    return aiohttp_jinja2.render_template(
        "offices.html",
        request,
        {
            "offices": found,
            "problem": problem,
            "editing": editing,
            "typed": typed or {},
            "saved": done.about if done else "",
            "now": done.what if done else "",
        },
        status=400 if problem else 200,
    )


async def edit_office(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    code = request.match_info["office"]
    form = await request.post()
    changes: dict[str, object] = {field: str(form.get(field, "")).strip() for field in OFFICE_FIELDS}
    now = console.clock()

    def edit(session: Session) -> None:
        changes["hours"] = offices.read_hours(str(form.get("hours", "")))
        offices.edit(session, who.actor, code, changes, now)

    try:
        await console.database.run(edit)
    except Refused as refused:
        typed = {field: str(form.get(field, "")) for field in (*OFFICE_FIELDS, "hours")}
        return await offices_page(request, views.problems(refused), editing=code, typed=typed)
    saved = web.HTTPSeeOther(request.app.router["offices"].url_for().with_fragment(code))
    said_once(request, saved, Notice("saved", code))
    raise saved


async def set_office_active(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    code = request.match_info["office"]
    active = (await request.post()).get("active") == "yes"
    now = console.clock()
    try:
        await console.database.run(lambda s: offices.set_active(s, who.actor, code, active, now))
    except Refused as refused:
        return await offices_page(request, views.problems(refused), editing=code)
    done = web.HTTPSeeOther(request.app.router["offices"].url_for().with_fragment(code))
    said_once(request, done, Notice("active" if active else "inactive", code))
    raise done


# -- trainings and canteens: their guests and applicants, for Excel ----------------------------------------

RECENT = timedelta(days=90)  # trainings over for less than this are still listed (attendance, downloads)


async def trainings_page(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    now = console.clock()

    def listed(session: Session) -> list[tuple[Event, dict[str, int]]]:
        found = events.upcoming(session, who.actor, now, ended_within=RECENT)
        return [(event, events.tally(session, who.actor, event.id)) for event in found]

    found = await console.database.run(listed)
    return aiohttp_jinja2.render_template("trainings.html", request, {"events": found})


async def canteens_page(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)

    def listed(session: Session) -> list[tuple[CanteenOpportunity, int]]:
        found = canteens.listing(session, who.actor)
        return [
            (opportunity, len(canteens.applicants(session, who.actor, opportunity.id)))
            for opportunity in found
        ]

    found = await console.database.run(listed)
    return aiohttp_jinja2.render_template("canteens.html", request, {"opportunities": found})


async def export_guests(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    number, out, now = int(request.match_info["event"]), StringIO(), console.clock()
    await console.database.run(lambda s: exports.guests(s, who.actor, number, out, who.language, now))
    return _download(request, f"guests-{number}.csv", out)


async def export_applicants(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    number, out, now = int(request.match_info["opportunity"]), StringIO(), console.clock()
    await console.database.run(lambda s: exports.applicants(s, who.actor, number, out, who.language, now))
    return _download(request, f"applicants-{number}.csv", out)


async def content_page(request: web.Request) -> web.StreamResponse:
    """What the downloads are, and how many of each (administrators only, as the office actions say)."""
    console, who = console_of(request), signed_in_as(request)
    tips, services = await console.database.run(lambda s: content.kept(s, who.actor))
    return aiohttp_jinja2.render_template("content.html", request, {"tips": tips, "services": services})


async def export_content(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    what, out, now = request.match_info["what"], StringIO(), console.clock()
    export = content.tips if what == "tips" else content.services
    await console.database.run(lambda s: export(s, who.actor, out, now))
    return _download(request, f"{what}-{short_day(now)}.csv", out)
