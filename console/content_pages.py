"""The tips and services families read in the bot (`office.content`, administrators only): how many of
each, and each kept file for Excel."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from console.context import console_of, signed_in_as
from console.forms import chosen_format, download
from core.dates import short_day
from office import content
from office.sheets import written_to


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/content", content_page, name="content")
    router.add_post("/content/{what:tips|services}", export_content, name="export_content")


async def content_page(request: web.Request) -> web.StreamResponse:
    """What the downloads are, and how many of each (administrators only, as the office actions say)."""
    console, who = console_of(request), signed_in_as(request)
    tips, services = await console.database.run(lambda s: content.kept(s, who.actor))
    return aiohttp_jinja2.render_template("content.html", request, {"tips": tips, "services": services})


async def export_content(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    what, now = request.match_info["what"], console.clock()
    out = written_to(chosen_format(await request.post()))
    export = content.tips if what == "tips" else content.services
    await console.database.run(lambda s: export(s, who.actor, out, now))
    return await download(request, f"{what}-{short_day(now)}", out)
