"""The console's pages: each reads the request, calls one office action, and renders or redirects."""

from __future__ import annotations

import asyncio
import secrets

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.orm import Session
from yarl import URL

from console import views
from console.context import (
    COOKIE,
    FORM_COOKIE,
    LANGUAGE_COOKIE,
    console_of,
    language_of,
    signed_in_as,
    who_of,
)
from conversations.i18n import N_, _
from locales import LANGUAGES
from office import passwords, registrations, sign_in
from office.errors import Refused
from storage.audiences import Audience
from storage.beneficiaries import Order, Reach
from storage.models import Product

PRODUCTS = [product.value for product in Product]
PAGE_SIZE = registrations.PAGE
CHANNELS = ("telegram", "whatsapp")

LONGEST_PASSWORD = 1024  # characters: a longer one is not hashed (argon2 would take it, slowly)


def add_routes(console: web.Application) -> None:
    router = console.router
    router.add_get("/", home, name="home")
    router.add_get("/families", families_list, name="families")
    router.add_post("/families/verify", verify_many, name="verify_many")
    router.add_get("/families/{family:[0-9]{1,9}}", family_page, name="family")
    router.add_post("/families/{family:[0-9]{1,9}}/reveal", reveal_national_id, name="reveal")
    router.add_get("/families/{family:[0-9]{1,9}}/reveal", to_family_page)
    router.add_post("/families/{family:[0-9]{1,9}}/verification", change_verification, name="verification")
    router.add_get("/families/{family:[0-9]{1,9}}/verification", to_family_page)
    router.add_route("*", "/login", sign_in_page, name="sign_in")
    router.add_post("/logout", sign_out, name="sign_out")
    router.add_post("/language", choose_language, name="language")


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther(request.app.router["families"].url_for())


def _choice(value: str | None) -> bool | None:
    """A filter's select: "yes", "no", or anything else (either)."""
    return {"yes": True, "no": False}.get(value or "")


async def families_list(request: web.Request) -> web.StreamResponse:
    asked = request.query
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
    order = Order(asked["order"]) if asked.get("order") in set(Order) else Order.NEWEST
    page = int(asked["page"]) if asked.get("page", "").isdigit() else 1
    problem, found = None, None
    console = console_of(request)
    try:
        found = await console.database.run(
            lambda s: registrations.listing(
                s, who.actor, asked.get("q", "")[:100], segment, reach, order, min(page, 100_000)
            )
        )
    except Refused as refused:
        problem = views.problems(refused)
    offices = await console.database.run(lambda s: views.office_choices(s))
    return aiohttp_jinja2.render_template(
        "families.html",
        request,
        {"found": found, "problem": problem, "asked": asked, "offices": offices, "products": PRODUCTS},
    )


def same_token(given: object, expected: str | None) -> bool:
    """A form's CSRF token is the one expected (compared in constant time)."""
    return (
        isinstance(given, str)
        and expected is not None
        and secrets.compare_digest(given.encode(), expected.encode())
    )


def _cookie(response: web.StreamResponse, request: web.Request, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        path="/console/",
        httponly=True,
        samesite="Lax",
        secure=console_of(request).secure_cookies,
    )


def _next(request: web.Request, given: object) -> str:
    """Where to go after signing in: a console page, never another site."""
    home_url = str(request.app.router["home"].url_for())
    if isinstance(given, str) and given.startswith(home_url) and not given.startswith("//"):
        return given
    return home_url


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
    _cookie(response, request, FORM_COOKIE, form_token)
    if "lang" in request.query and request.query["lang"] in LANGUAGES:
        _cookie(response, request, LANGUAGE_COOKIE, request.query["lang"])
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
    try:
        tried = await console.database.run(lambda s: sign_in.attempt(s, login, request.remote or "?", now))
    except sign_in.Locked as locked:
        return _sign_in_form(request, locked.message, login, status=429)
    right = len(password) <= LONGEST_PASSWORD and await asyncio.to_thread(
        passwords.matches, tried.password_hash, password
    )
    if not right or tried.staff_id is None:
        await console.database.run(lambda s: sign_in.failed(s, tried, now))
        if tried.delay:
            await console.sleep(tried.delay)
        return _sign_in_form(request, _("Wrong login or password."), login, status=401)
    language = language_of(request)
    token = await console.database.run(lambda s: sign_in.succeeded(s, tried, language, now))
    response = web.HTTPSeeOther(_next(request, form.get("next")))
    _cookie(response, request, COOKIE, token)
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
    _cookie(response, request, LANGUAGE_COOKIE, str(language))  # kept for her next sign-in here
    raise response


DONE = {  # what a page says after an action sent her back to it
    "verified": N_("Her registration is verified; she is told."),
    "correction": N_("She is asked to correct her registration, in your words."),
    "unverified": N_("The verification is taken back; her registration waits again."),
}


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
    done = DONE.get(request.query.get("done", ""))
    return aiohttp_jinja2.render_template(
        "family.html",
        request,
        {
            "file": found,
            "revealed": revealed,
            "problem": problem,
            "reason": reason,
            "done": str(done) if done is not None and problem is None else None,
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
    seen = int(str(form.get("seen", ""))) if str(form.get("seen", "")).isdigit() else None
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
    raise web.HTTPSeeOther(
        request.app.router["family"].url_for(family=str(family_id)).with_query(done=change)
    )


async def verify_many(request: web.Request) -> web.StreamResponse:
    """The families ticked on the list, verified together (each one as if alone: one she may not see is
    not found, and nothing is verified)."""
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    ticked = [str(value) for value in form.getall("family", [])]
    chosen = sorted({int(value) for value in ticked if value.isdigit() and len(value) < 10})[:PAGE_SIZE]
    now = console.clock()

    def verify_all(session: Session) -> int:
        return sum(registrations.verify(session, who.actor, family, now) for family in chosen)

    verified = await console.database.run(verify_all) if chosen else 0
    back = _next(request, form.get("back"))
    raise web.HTTPSeeOther(URL(back).update_query(verified_now=str(verified)))
