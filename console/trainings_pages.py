"""The trainings (`office.events`): those to come and those just over, with how many are going, and each
one's guests (her office's part) for Excel."""

from __future__ import annotations

from datetime import timedelta

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.orm import Session

from console.context import console_of, signed_in_as
from console.forms import people_download
from office import events, exports
from storage.models import Event

RECENT = timedelta(days=90)  # trainings over for less than this are still listed (attendance, downloads)


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/trainings", trainings_page, name="trainings")
    router.add_post("/trainings/{event:[0-9]{1,9}}/guests", export_guests, name="export_guests")


async def trainings_page(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    now = console.clock()

    def listed(session: Session) -> list[tuple[Event, dict[str, int]]]:
        found = events.upcoming(session, who.actor, now, ended_within=RECENT)
        return [(event, events.tally(session, who.actor, event.id)) for event in found]

    found = await console.database.run(listed)
    return aiohttp_jinja2.render_template("trainings.html", request, {"events": found})


async def export_guests(request: web.Request) -> web.StreamResponse:
    return await people_download(request, "event", "guests", exports.guests)
