"""The school canteens (`office.canteens`): her office's opportunities, newest first, each one's applicants
for Excel; publishing one, or a list of them checked line by line first; changing an open one, closing it
early and opening it again; an opportunity's live applicants, fifty a page; an application with each check
of her eligibility, and a decision on it (shortlist, accept, or reject with a reason she reads), confirmed
first, since she is told each time.

    School canteens → Publish an opportunity → Publish → its page
                    → a list (CSV or Excel) → its opportunities → Publish them
                    → an opportunity → Change it → Save · Close applications now → Yes · Open them again
                                     → its applicants → one → Shortlist · Accept · Reject (reason)
                                                            → Decide it? Yes (she is told) · Keep it as it is
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiMapping
from sqlalchemy.orm import Session

from console import views
from console.context import Notice, console_of, said, signed_in_as, told
from console.forms import (
    NotSent,
    Sent,
    back_to,
    file_sent,
    number,
    people_download,
    redirect_saying,
    rejected_file,
)
from core.dates import RIYADH, parse_day, parse_deadline
from core.domain import ApplicationStatus, SchoolStage
from core.i18n import N_, _
from office import canteens, exports, uploads
from office.errors import Problem, Refused, RejectedFile
from office.tables import Line, read_lines
from storage.canteens import Applicant, NewOpportunity
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
OPPORTUNITY_DONE = {
    "published": N_("Published. Families of its office who are interested in canteens see it now."),
    "changed": N_("Saved. Families see it as it is now when they next look."),
    "unchanged": N_("Nothing changed."),
    "closed": N_("Applications are closed."),
    "already_closed": N_("Applications were already closed."),
    "reopened": N_("Applications are open again, until the deadline."),
}
LIST_FORMATS = (".csv", ".xlsx", ".xlsm")
STAGES = tuple(stage.value for stage in SchoolStage)
# The form's fields, named as the office action names what is wrong with them.
FIELDS = ("school", "stage", "gender", "district", "office", "students", "start", "deadline", "places")
LONGEST_FIELD = 5_000


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/canteens", canteens_page, name="canteens")
    router.add_get("/canteens/new", new_opportunity_page, name="new_opportunity")
    router.add_post("/canteens", publish, name="publish_opportunity")
    router.add_post("/canteens/check", check_opportunities, name="check_opportunities")
    router.add_post("/canteens/import", import_opportunities, name="import_opportunities")
    router.add_get("/canteens/{opportunity:[0-9]{1,9}}", opportunity_page, name="opportunity")
    one = "/canteens/{opportunity:[0-9]{1,9}}"
    router.add_get(one + "/change", change_page, name="change_opportunity")
    router.add_post(one + "/change", change, name="save_opportunity")
    router.add_post(one + "/close", close, name="close_opportunity")
    router.add_post(one + "/reopen", reopen, name="reopen_opportunity")
    router.add_post(
        "/canteens/{opportunity:[0-9]{1,9}}/applicants", export_applicants, name="export_applicants"
    )
    router.add_get("/canteens/applications/{application:[0-9]{1,9}}", application_page, name="application")
    router.add_post("/canteens/applications/{application:[0-9]{1,9}}", decide, name="decide")
    for action in ("/close", "/reopen", "/applicants"):
        router.add_get(one + action, back_to("opportunity", "opportunity"))
    for action in ("/canteens/check", "/canteens/import"):
        router.add_get(action, back_to("canteens"))


async def canteens_page(
    request: web.Request, checked: Mapping[str, object] | None = None
) -> web.StreamResponse:
    """Her office's opportunities (admins: every office's, with its office), and a list to publish: checked
    (`checked`: its opportunities, or its bad lines) before anything is published."""
    console, who = console_of(request), signed_in_as(request)

    def listed(session: Session) -> list[tuple[CanteenOpportunity, int]]:
        found = canteens.listing(session, who.actor)
        return [
            (opportunity, _live(canteens.counts(session, who.actor, opportunity.id))) for opportunity in found
        ]

    found = await console.database.run(listed)
    names = dict(await console.database.run(views.office_choices))
    published = told(request, "imported")
    context = {
        "opportunities": found,
        "office_names": names,
        "checked": checked or {},
        "published": published.count if published else None,
    }
    status = 400 if checked and (checked.get("problems") or checked.get("lines")) else 200
    return aiohttp_jinja2.render_template("canteens.html", request, context, status=status)


def _live(counts: Mapping[str, int]) -> int:
    """Its applications not withdrawn (counted in the database: an opportunity may have thousands)."""
    return sum(count for status, count in counts.items() if status != ApplicationStatus.WITHDRAWN.value)


async def opportunity_page(
    request: web.Request, confirming: str | None = None, problem: str | None = None
) -> web.StreamResponse:
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
        "office_name": dict(await console.database.run(views.office_choices)).get(opportunity.office_code),
        "confirming": confirming,
        "problem": problem,
        "done": said(request, OPPORTUNITY_DONE),
    }
    status = 400 if problem else 200
    return aiohttp_jinja2.render_template("opportunity.html", request, context, status=status)


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
    return await people_download(
        request,
        "opportunity",
        "applicants",
        exports.applicants,
        lambda s, actor, number: canteens.opportunity(s, actor, number).school_name,
    )


# -- publishing one, or a list; changing one; closing and opening applications -----------------------------


@dataclass(frozen=True)
class Typed:
    """The opportunity's form as she filled it (the days as her browser sends them: 2027-01-10)."""

    form: Mapping[str, str]

    @classmethod
    def of(cls, posted: MultiMapping[str | bytes | object]) -> Typed:
        return cls({name: str(posted.get(name, ""))[:LONGEST_FIELD] for name in (*FIELDS, "requirements")})

    @classmethod
    def of_opportunity(cls, found: CanteenOpportunity) -> Typed:
        return cls(
            {
                "school": found.school_name,
                "stage": found.stage,
                "gender": "girls" if found.girls else "boys",
                "district": found.district,
                "office": found.office_code,
                "students": str(found.students),
                "start": found.starts_on.isoformat(),
                "deadline": found.deadline.astimezone(RIYADH).date().isoformat(),
                "places": str(found.places),
                "requirements": found.requirements,
            }
        )

    def opportunity(self, office_code: str) -> tuple[NewOpportunity, list[Problem]]:
        """The opportunity she describes, and what in it could not be read, field by field (a number, a
        day): what is missing stands in for itself, for the office action to say the rest at once."""
        form, wrong = self.form, list[Problem]()
        numbers = {}
        for name in ("students", "places"):
            numbers[name] = number(form[name].strip(), 9)
            if numbers[name] is None:
                wrong.append(Problem(name, _("Write the number in digits, like 120.")))
        starts_on, deadline = parse_day(form["start"]), parse_deadline(form["deadline"])
        if starts_on is None:
            wrong.append(Problem("start", _("Give the day it starts.")))
        if deadline is None:
            wrong.append(Problem("deadline", _("Give the last day to apply.")))
        if form["gender"] not in ("girls", "boys"):
            wrong.append(Problem("gender", _("girls or boys (بنات أو بنين)")))
        return NewOpportunity(
            school_name=" ".join(form["school"].split()),
            stage=form["stage"],
            girls=form["gender"] == "girls",
            district=" ".join(form["district"].split()),
            office_code=office_code,
            students=numbers["students"] or 1,
            starts_on=starts_on or date.max,
            deadline=deadline or datetime.max.replace(tzinfo=RIYADH),
            places=numbers["places"] or 1,
            requirements=form["requirements"].strip(),
        ), wrong


def _every_problem(session: Session, new: NewOpportunity, unread: list[Problem], now: datetime) -> None:
    """Refused with what could not be read and what the office action refuses in the rest, all at once."""
    if unread:
        named = {problem.field for problem in unread}
        raise Refused(
            unread + [found for found in canteens.check(session, new, now) if found.field not in named]
        )


async def _form_page(
    request: web.Request,
    typed: Typed,
    opportunity: CanteenOpportunity | None = None,
    refused: Refused | None = None,
) -> web.StreamResponse:
    """The opportunity's form: a new one (`opportunity` None), or a change to one."""
    console = console_of(request)
    beside, general = views.by_field(refused) if refused else ({}, None)
    offices = await console.database.run(views.active_office_choices)
    context = {
        "opportunity": opportunity,
        "typed": typed.form,
        "offices": offices,
        "office_name": dict(offices).get(typed.form["office"], typed.form["office"]),
        "stages": [(code, views.school_stage(code)) for code in STAGES],
        "beside": beside,
        "problem": general or (_("Nothing was saved: correct what is marked below.") if beside else None),
    }
    status = 400 if refused else 200
    return aiohttp_jinja2.render_template("opportunity_form.html", request, context, status=status)


async def new_opportunity_page(request: web.Request) -> web.StreamResponse:
    who = signed_in_as(request)
    blank = {name: "" for name in (*FIELDS, "requirements")} | {
        "office": who.office_code or "",
        "gender": "girls",
    }
    return await _form_page(request, Typed(blank))


async def publish(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    typed, now = Typed.of(await request.post()), console.clock()
    new, unread = typed.opportunity(typed.form["office"] or who.office_code or "")

    def published(session: Session) -> CanteenOpportunity:
        _every_problem(session, new, unread, now)
        return canteens.publish(session, who.actor, new, now)

    try:
        made = await console.database.run(published)
    except Refused as refused:
        return await _form_page(request, typed, refused=refused)
    page = request.app.router["opportunity"].url_for(opportunity=str(made.id))
    raise redirect_saying(request, page, Notice("published"))


async def change_page(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    asked = int(request.match_info["opportunity"])
    found = await console.database.run(lambda s: canteens.opportunity(s, who.actor, asked))
    if not found.is_open(console.clock()):
        problem = _("Applications to it are closed: open them again to change it.")
        return await opportunity_page(request, problem=problem)
    return await _form_page(request, Typed.of_opportunity(found), found)


async def change(request: web.Request) -> web.StreamResponse:
    """What she changed of it (its stage, girls or boys and office decided who applied: they stay)."""
    console, who = console_of(request), signed_in_as(request)
    asked, now = int(request.match_info["opportunity"]), console.clock()
    posted = await request.post()
    found = await console.database.run(lambda s: canteens.opportunity(s, who.actor, asked))
    typed = Typed({**Typed.of_opportunity(found).form, **Typed.of(posted).form, **_fixed(found)})
    page = request.app.router["opportunity"].url_for(opportunity=str(asked))
    new, unread = typed.opportunity(found.office_code)
    try:
        if unread:
            await console.database.run(lambda s: _every_problem(s, new, unread, now))
        changes = {
            name: getattr(new, name)
            for name in canteens.CHANGEABLE
            if getattr(new, name) != getattr(found, name)
        }
        if "deadline" in changes and new.deadline.date() == found.deadline.astimezone(RIYADH).date():
            del changes["deadline"]  # the same day: the time kept as it was
        if not changes:
            raise redirect_saying(request, page, Notice("unchanged"))
        await console.database.run(lambda s: canteens.edit(s, who.actor, asked, changes, now))
    except Refused as refused:
        return await _form_page(request, typed, found, refused)
    raise redirect_saying(request, page, Notice("changed"))


def _day(moment: datetime) -> date:
    return moment.astimezone(RIYADH).date()


def _fixed(found: CanteenOpportunity) -> dict[str, str]:
    return {"stage": found.stage, "gender": "girls" if found.girls else "boys", "office": found.office_code}


async def close(request: web.Request) -> web.StreamResponse:
    """Asked first; then no family may apply any more (those who applied keep their applications)."""
    console, who = console_of(request), signed_in_as(request)
    asked, now = int(request.match_info["opportunity"]), console.clock()
    if (await request.post()).get("confirmed") != "yes":
        return await opportunity_page(request, confirming="close")
    closed = await console.database.run(lambda s: canteens.close(s, who.actor, asked, now))
    page = request.app.router["opportunity"].url_for(opportunity=str(asked))
    raise redirect_saying(request, page, Notice("closed" if closed else "already_closed"))


async def reopen(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    asked, now = int(request.match_info["opportunity"]), console.clock()
    try:
        await console.database.run(lambda s: canteens.reopen(s, who.actor, asked, now))
    except Refused as refused:
        return await opportunity_page(request, problem=views.problems(refused))
    page = request.app.router["opportunity"].url_for(opportunity=str(asked))
    raise redirect_saying(request, page, Notice("reopened"))


async def _lines(sent: Sent) -> list[Line]:
    """A list's lines, read as `usar canteens import` reads a file."""
    return await sent.read(lambda path: read_lines(path, canteens.COLUMNS, max_rows=IMPORTED_ROWS))


IMPORTED_ROWS = 5_000  # opportunities in one list, as the command line takes


async def check_opportunities(request: web.Request) -> web.StreamResponse:
    """A list of opportunities, streamed, checked line by line; its lines kept for her to confirm if it is
    good (read once, as an office's list of families is)."""
    console, who = console_of(request), signed_in_as(request)
    try:
        sent = await file_sent(request, LIST_FORMATS, _("The list must be a CSV or an Excel (.xlsx) file."))
        lines = await _lines(sent)
        now = console.clock()
        found = await console.database.run(lambda s: canteens.checked_file(s, who.actor, lines, now))
    except NotSent as problem:
        return await canteens_page(request, {"problems": [str(problem)]})
    except RejectedFile as rejected:
        return await canteens_page(request, rejected_file(sent.name, rejected))
    if not found:
        return await canteens_page(request, {"problems": [_("The list has no opportunity in it.")]})
    token = await console.database.run(
        lambda s: uploads.hold_lines(s, who.actor, sent.name, lines, console.clock(), console.uploads_kept)
    )
    return await canteens_page(request, {"name": sent.name, "found": found, "token": token})


async def import_opportunities(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    token = str((await request.post()).get("upload", ""))[:64]
    name, lines = await console.database.run(
        lambda s: uploads.held_lines(s, who.actor, token, console.clock(), console.uploads_kept)
    )
    try:
        now = console.clock()
        made = await console.database.run(lambda s: canteens.publish_file(s, who.actor, lines, now))
    except RejectedFile as rejected:  # changed since she checked it (a day has passed, an office closed)
        return await canteens_page(request, rejected_file(name, rejected))
    await console.database.run(lambda s: uploads.let_go(s, token))
    raise redirect_saying(
        request, request.app.router["canteens"].url_for(), Notice("imported", str(len(made)))
    )
