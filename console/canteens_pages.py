"""The school canteens (`office.canteens`): her office's opportunities, newest first, each one's applicants
for Excel; an opportunity's live applicants, fifty a page; an application with each check of her
eligibility, and a decision on it (shortlist, accept, or reject with a reason she reads), confirmed first,
since she is told each time.

    School canteens → an opportunity → its applicants → one → Shortlist · Accept · Reject (reason)
                                                          → Decide it? Yes (she is told) · Keep it as it is
"""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.orm import Session

from console import views
from console.context import Notice, console_of, said, signed_in_as
from console.forms import number, people_download, redirect_saying
from core.domain import ApplicationStatus
from core.i18n import N_
from office import canteens, exports
from office.errors import Refused
from storage.canteens import Applicant
from storage.models import CanteenOpportunity

PAGE_SIZE = 50  # applicants on a page
DECISIONS = {
    status.value: status
    for status in (ApplicationStatus.SHORTLISTED, ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED)
}
DONE = {
    "decided": N_("Saved. She is told in her language."),
    "unchanged": N_("Nothing changed: it was already so."),
}


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/canteens", canteens_page, name="canteens")
    router.add_get("/canteens/{opportunity:[0-9]{1,9}}", opportunity_page, name="opportunity")
    router.add_post(
        "/canteens/{opportunity:[0-9]{1,9}}/applicants", export_applicants, name="export_applicants"
    )
    router.add_get("/canteens/applications/{application:[0-9]{1,9}}", application_page, name="application")
    router.add_post("/canteens/applications/{application:[0-9]{1,9}}", decide, name="decide")


async def canteens_page(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)

    def listed(session: Session) -> list[tuple[CanteenOpportunity, int]]:
        found = canteens.listing(session, who.actor)
        return [
            (opportunity, _live(canteens.applicants(session, who.actor, opportunity.id)))
            for opportunity in found
        ]

    found = await console.database.run(listed)
    return aiohttp_jinja2.render_template("canteens.html", request, {"opportunities": found})


def _live(found: list[Applicant]) -> int:
    return sum(1 for applicant in found if applicant.status != ApplicationStatus.WITHDRAWN.value)


async def opportunity_page(request: web.Request) -> web.StreamResponse:
    """An opportunity and its live applicants (the withdrawn counted apart), a page at a time."""
    console, who = console_of(request), signed_in_as(request)
    asked = int(request.match_info["opportunity"])
    page = max(number(request.query.get("page", "1"), 4) or 1, 1)

    def read(session: Session) -> tuple[CanteenOpportunity, list[Applicant]]:
        return canteens.opportunity(session, who.actor, asked), canteens.applicants(session, who.actor, asked)

    opportunity, found = await console.database.run(read)
    live = [applicant for applicant in found if applicant.status != ApplicationStatus.WITHDRAWN.value]
    pages = max(-(-len(live) // PAGE_SIZE), 1)
    page = min(page, pages)
    context = {
        "opportunity": opportunity,
        "applicants": live[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        "live": len(live),
        "withdrawn": len(found) - len(live),
        "accepted": sum(1 for a in live if a.status == ApplicationStatus.ACCEPTED.value),
        "page": page,
        "pages": pages,
        "now": console.clock(),
    }
    return aiohttp_jinja2.render_template("opportunity.html", request, context)


async def application_page(
    request: web.Request,
    problem: str | None = None,
    deciding: ApplicationStatus | None = None,
    reason: str = "",
) -> web.StreamResponse:
    """Her application: each check of her eligibility, and the decision; `deciding`, the decision staff are
    asked to confirm (saying so where it changes what the family was told)."""
    console, who = console_of(request), signed_in_as(request)
    asked = int(request.match_info["application"])
    found = await console.database.run(lambda s: canteens.application_file(s, who.actor, asked))
    context = {
        "file": found,
        "problem": problem,
        "deciding": deciding,
        "reason": reason,
        "reverses": deciding is not None and canteens.reverses(found.application, deciding),
        "done": said(request, DONE),
    }
    return aiohttp_jinja2.render_template(
        "application.html", request, context, status=400 if problem else 200
    )


async def decide(request: web.Request) -> web.StreamResponse:
    """Her decision, asked to be confirmed first (the family is told); made on the application as staff saw
    it (`seen`): if it changed meanwhile, nothing is changed and the page says what it is now."""
    console, who = console_of(request), signed_in_as(request)
    asked = int(request.match_info["application"])
    form = await request.post()
    status = DECISIONS.get(str(form.get("decision", "")))
    if status is None:
        raise web.HTTPBadRequest(text="no such decision")
    reason = str(form.get("reason", ""))[:2000].strip() if status is ApplicationStatus.REJECTED else ""
    seen = str(form.get("seen", "")) or None
    if form.get("confirmed") != "yes":
        return await application_page(request, deciding=status, reason=reason)
    now = console.clock()
    try:
        decided = await console.database.run(
            lambda s: canteens.decide(
                s, who.actor, asked, status, reason or None, now, confirmed=True, seen=seen
            )
        )
    except Refused as refused:
        return await application_page(request, problem=views.problems(refused), reason=reason)
    done = "decided" if decided.decision is not None else "unchanged"
    page = request.app.router["application"].url_for(application=str(asked))
    raise redirect_saying(request, page, Notice(done))


async def export_applicants(request: web.Request) -> web.StreamResponse:
    return await people_download(request, "opportunity", "applicants", exports.applicants)
