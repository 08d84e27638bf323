"""The school canteens (`office.canteens`): her office's opportunities, newest first, and each one's
applicants for Excel."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.orm import Session

from console.context import console_of, signed_in_as
from console.forms import people_download
from office import canteens, exports
from storage.models import CanteenOpportunity


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/canteens", canteens_page, name="canteens")
    router.add_post(
        "/canteens/{opportunity:[0-9]{1,9}}/applicants", export_applicants, name="export_applicants"
    )


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


async def export_applicants(request: web.Request) -> web.StreamResponse:
    return await people_download(request, "opportunity", "applicants", exports.applicants)
