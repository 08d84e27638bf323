"""Announcements (`office.announcements`): one written in Arabic (and English if she likes), for her office's
families or some of them; whom it reaches and who is left out, and how it will look on a phone, before it
is sent now or at a time; then how its sending goes, whom it did not reach, and cancelling what is not sent.

    the list and the form → Preview (nothing saved) → Send now / Schedule → its page (refreshes while sending)
                                                                           → Cancel? Yes, cancel it
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiMapping
from sqlalchemy.orm import Session

from console import views
from console.context import Notice, console_of, said, signed_in_as
from console.forms import PRODUCTS, audience_of, number, redirect_saying
from core.dates import long_time, parse_local_time
from core.i18n import N_, _
from office import announcements
from office.announcements import Reach, Stage, Status
from office.errors import Problem, Refused
from storage.announcements import NotReached
from storage.audiences import Audience
from storage.models import Announcement

LISTED = 20  # the latest announcements on the page
LONGEST_FIELD = 20_000  # what is read of a field: enough to say how much too long a text is
REFRESH = 5  # seconds between a page's refreshes while its announcement is on its way
MOVING = (Stage.QUEUED, Stage.SENDING, Stage.QUIET)  # a page of one of these refreshes by itself
CANCELLABLE = (Stage.SCHEDULED, Stage.QUEUED, Stage.SENDING, Stage.QUIET)
FIELDS = ("ar", "en", "office", "verified", "canteen", "certificate", "channel", "when", "at")
DONE = {
    "created": N_("Saved. It goes out now; this page follows its sending."),
    "scheduled": N_("Saved. It goes out at the time you chose."),
    "cancelled": N_("Cancelled. What was not sent will not be."),
    "unchanged": N_("It was already cancelled."),
}


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/announcements", announcements_page, name="announcements")
    router.add_post("/announcements/preview", preview, name="preview_announcement")
    router.add_post("/announcements", create, name="create_announcement")
    router.add_get("/announcements/{number:[0-9]{1,9}}", announcement_page, name="announcement")
    router.add_post("/announcements/{number:[0-9]{1,9}}/cancel", cancel, name="cancel_announcement")


@dataclass(frozen=True)
class Written:
    """The form as she filled it: what the announcement says, to whom, and when (Riyadh time)."""

    form: Mapping[str, str]
    audience: Audience

    @classmethod
    def of(cls, posted: MultiMapping[str | bytes | object]) -> Written:
        form = {name: str(posted.get(name, ""))[:LONGEST_FIELD] for name in FIELDS}
        return cls(form, audience_of(posted))

    @property
    def products(self) -> tuple[str, ...]:
        return self.audience.products

    def send_at(self, now: datetime) -> datetime:
        """Now, or the time she gave; refused when that time cannot be read."""
        if self.form["when"] != "later":
            return now
        found = parse_local_time(self.form["at"].replace("T", " "))
        if found is None:
            raise Refused([Problem("at", _("Give the day and the time it should go out."))])
        return found


async def announcements_page(
    request: web.Request,
    written: Written | None = None,
    reach: Reach | None = None,
    send_at: datetime | None = None,
    problem: str | None = None,
) -> web.StreamResponse:
    """The latest announcements, and the form to write one (with its preview, once asked for)."""
    console, who = console_of(request), signed_in_as(request)
    now = console.clock()

    def listed(session: Session) -> list[tuple[Announcement, Status]]:
        return [
            (found, announcements.status_of(found, progress, now, console.quiet))
            for found, progress in announcements.recent_progress(session, who.actor, LISTED)
        ]

    found = await console.database.run(listed)
    offices = await console.database.run(views.active_office_choices)
    names = dict(await console.database.run(views.office_choices))
    context = {
        "listed": found,
        "addressed": {  # the offices each is for; empty: every office
            each.id: [names.get(code, code) for code in announcements.offices_of(each)]
            for each, _state in found
        },
        "offices": offices,
        "products": [(code, views.product(code)) for code in PRODUCTS],
        "typed": written.form if written else {"when": "now"},
        "chosen_products": written.products if written else (),
        "reach": reach,
        "send_at": send_at,
        "when": long_time(send_at) if send_at else "",
        "problem": problem,
        "done": said(request, DONE),
        "now": now,
    }
    status = 400 if problem else 200
    return aiohttp_jinja2.render_template("announcements.html", request, context, status=status)


async def preview(request: web.Request) -> web.StreamResponse:
    """Whom it would reach and how it looks: nothing is saved."""
    console, who = console_of(request), signed_in_as(request)
    written, now = Written.of(await request.post()), console.clock()
    try:
        send_at = written.send_at(now)
        wrong = announcements.text_problems(written.form["ar"], written.form["en"])
        if wrong:
            raise Refused(wrong)
        reach = await console.database.run(
            lambda s: announcements.reach(
                s, who.actor, written.audience, send_at, now=now, quiet=console.quiet, senders=console.senders
            )
        )
    except Refused as refused:
        return await announcements_page(request, written, problem=views.problems(refused))
    return await announcements_page(request, written, reach, send_at)


async def create(request: web.Request) -> web.StreamResponse:
    """Sent from the preview's "Send now" or "Schedule": the announcement saved, her page next."""
    console, who = console_of(request), signed_in_as(request)
    written, now = Written.of(await request.post()), console.clock()
    try:
        send_at = written.send_at(now)
        made = await console.database.run(
            lambda s: announcements.create(
                s, who.actor, written.form["ar"], written.form["en"], written.audience, send_at, now
            )
        )
    except Refused as refused:
        return await announcements_page(request, written, problem=views.problems(refused))
    page = request.app.router["announcement"].url_for(number=str(made.id))
    raise redirect_saying(request, page, Notice("scheduled" if send_at > now else "created"))


async def announcement_page(request: web.Request, cancelling: bool = False) -> web.StreamResponse:
    """One announcement: what it says, to whom, how its sending goes, and whom it did not reach."""
    console, who = console_of(request), signed_in_as(request)
    asked, now = int(request.match_info["number"]), console.clock()

    def read(session: Session) -> tuple[Announcement, Status, list[NotReached], bool]:
        found, status = announcements.status(session, who.actor, asked, now, console.quiet)
        missed = announcements.not_reached(session, who.actor, asked)
        return found, status, missed, announcements.may_cancel(session, who.actor, found)

    found, status, missed, may_cancel = await console.database.run(read)
    audience = Audience.from_json(found.audience)
    offices = dict(await console.database.run(views.office_choices))
    context = {
        "announcement": found,
        "status": status,
        "missed": missed,
        "audience": audience,
        "offices": [offices.get(code, code) for code in audience.offices],
        "may_cancel": may_cancel and status.stage in CANCELLABLE,
        "cancelling": cancelling,
        "refresh": REFRESH if status.stage in MOVING and not cancelling else None,
        "quiet_until": console.quiet.holds(found.send_at)
        if console.quiet and status.stage is Stage.SCHEDULED
        else None,
        "products": [views.product(code) for code in audience.products],
        "done": said(request, DONE),
    }
    return aiohttp_jinja2.render_template("announcement.html", request, context)


async def cancel(request: web.Request) -> web.StreamResponse:
    """Asked first; then what is not yet sent is not sent."""
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    asked, now = number(request.match_info["number"]), console.clock()
    assert asked is not None  # the route's pattern
    if form.get("confirmed") != "yes":
        return await announcement_page(request, cancelling=True)
    cancelled = await console.database.run(lambda s: announcements.cancel(s, who.actor, asked, now))
    page = request.app.router["announcement"].url_for(number=str(asked))
    raise redirect_saying(request, page, Notice("cancelled" if cancelled else "unchanged"))
