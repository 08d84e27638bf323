"""The offices (`office.offices`, administrators only): how families reach each, as they read it in the
bot, edited; an office made inactive, or active again."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.orm import Session

from console import views
from console.context import Notice, console_of, signed_in_as, told
from console.forms import redirect_saying
from office import offices
from office.errors import Refused

OFFICE_FIELDS = ("phone", "whatsapp", "address_ar", "address_en", "map_url", "hours_note_ar", "hours_note_en")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/offices", offices_page, name="offices")
    router.add_post("/offices/{office:[a-z_]{1,32}}", edit_office, name="edit_office")
    router.add_post("/offices/{office:[a-z_]{1,32}}/active", set_office_active, name="set_office_active")


async def offices_page(
    request: web.Request,
    problem: str | None = None,
    editing: str = "",
    typed: Mapping[str, str] | None = None,
) -> web.StreamResponse:
    """`editing`: the office a refused form was for, and `typed`: what she wrote in it, shown again."""
    console, who = console_of(request), signed_in_as(request)
    found = await console.database.run(lambda s: offices.listing_for(s, who.actor))
    done = told(request, "saved", "active", "inactive")  # said beside the office it was about
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
    offices_url = request.app.router["offices"].url_for().with_fragment(code)
    raise redirect_saying(request, offices_url, Notice("saved", code))


async def set_office_active(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    code = request.match_info["office"]
    active = (await request.post()).get("active") == "yes"
    now = console.clock()
    try:
        await console.database.run(lambda s: offices.set_active(s, who.actor, code, active, now))
    except Refused as refused:
        return await offices_page(request, views.problems(refused), editing=code)
    offices_url = request.app.router["offices"].url_for().with_fragment(code)
    raise redirect_saying(request, offices_url, Notice("active" if active else "inactive", code))
