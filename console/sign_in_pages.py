"""Signing in and out of the console (`office.sign_in`), and the language she reads it in."""

from __future__ import annotations

import asyncio
import secrets

import aiohttp_jinja2
from aiohttp import web

from console.context import (
    BROWSER_COOKIE,
    COOKIE,
    FORM_COOKIE,
    LANGUAGE_COOKIE,
    console_of,
    cookie_of,
    forget_cookie,
    language_of,
    remote_of,
    same_token,
    set_cookie,
    signed_in_as,
    who_of,
)
from console.forms import next_page
from core.i18n import _
from locales import LANGUAGES
from office import passwords, sign_in


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_route("*", "/login", sign_in_page, name="sign_in")
    router.add_post("/logout", sign_out, name="sign_out")
    router.add_post("/language", choose_language, name="language")


def _sign_in_form(
    request: web.Request, problem: str | None = None, login: str = "", status: int = 200
) -> web.StreamResponse:
    form_token = cookie_of(request, FORM_COOKIE) or secrets.token_urlsafe(32)
    response = aiohttp_jinja2.render_template(
        "sign_in.html",
        request,
        {
            "problem": problem,
            "login": login,
            "form_token": form_token,
            "next": next_page(request, request.query.get("next")),
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
            raise web.HTTPSeeOther(next_page(request, request.query.get("next")))
        return _sign_in_form(request)
    form = await request.post()
    if not same_token(form.get("csrf"), cookie_of(request, FORM_COOKIE)):
        return _sign_in_form(request, _("This form has expired. Please sign in again."), status=403)
    login, password = str(form.get("login", "")), str(form.get("password", ""))
    if not login.strip() or not password:
        return _sign_in_form(request, _("Write your login and your password."), login, status=400)
    console = console_of(request)
    now = console.clock()
    browser = (cookie_of(request, BROWSER_COOKIE) or "")[:64]
    try:
        tried = await console.database.run(
            lambda s: sign_in.attempt(s, login, remote_of(request), now, browser)
        )
    except sign_in.Locked as locked:
        return _sign_in_form(request, locked.message, login, status=429)
    right = len(password) <= passwords.LONGEST and await asyncio.to_thread(
        passwords.matches, tried.password_hash, password
    )
    if not right or tried.staff_id is None:  # counted already (`sign_in.attempt`)
        await console.database.run(lambda s: sign_in.wrong_password(s, tried, now))
        if tried.delay:
            await console.sleep(tried.delay)
        return _sign_in_form(request, tried.wrong(now), login, status=401)
    language = language_of(request)
    cookies = await console.database.run(lambda s: sign_in.succeeded(s, tried, language, now, browser))
    response = web.HTTPSeeOther(next_page(request, form.get("next")))
    set_cookie(response, request, COOKIE, cookies.session)
    set_cookie(response, request, BROWSER_COOKIE, cookies.browser, lasts=sign_in.KNOWN)
    forget_cookie(response, request, FORM_COOKIE)
    raise response


async def sign_out(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    who = signed_in_as(request)
    await console.database.run(lambda s: sign_in.sign_out(s, who, console.clock()))
    response = web.HTTPSeeOther(request.app.router["sign_in"].url_for())
    forget_cookie(response, request, COOKIE)
    raise response


async def choose_language(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    language = form.get("language")
    if language not in LANGUAGES:
        raise web.HTTPBadRequest(text=_("No such language."))
    who = signed_in_as(request)
    await console_of(request).database.run(lambda s: sign_in.choose_language(s, who, str(language)))
    response = web.HTTPSeeOther(next_page(request, form.get("back")))
    set_cookie(response, request, LANGUAGE_COOKIE, str(language))  # kept for her next sign-in here
    raise response
