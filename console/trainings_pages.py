"""The trainings (`office.events`): those to come and those just over; a new one, for her office (admins:
one, several or every office) and some of its families, with when its invitations go; one training's page,
with its answers by name, the waiting list in order, attendance ticked by name (a walk-in found by name or
ID) or sent as a file checked line by line first, a thank-you to those who came, its guests for Excel and
its calendar file; changing it, or cancelling it after a confirmation.

    Trainings → New training → Save → its page
    Trainings → a training → Change it → Save              (a new time or place is told to its guests)
                           → Cancel it → Yes, cancel it     (those coming are told)
                           → Came ✓ … → Save attendance  ·  Find a walk-in → She came
                           → a file of who came → its lines → Mark them
                           → Thank those who came → Yes, thank them
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiMapping
from sqlalchemy.orm import Session

from console import views
from console.context import Notice, console_of, said, signed_in_as, told
from console.forms import (
    PRODUCTS,
    NotSent,
    audience_of,
    back_to,
    file_sent,
    number,
    people_download,
    redirect_saying,
)
from core.dates import RIYADH, long_time, parse_local_time
from core.domain import GuestStatus
from core.i18n import N_, _
from office import calendar, events, exports
from office.errors import OfficeError, Problem, Refused, RejectedFile
from office.events import FileLine
from office.tables import first_column
from storage.audiences import Audience
from storage.events import Edited, EventDetails, GuestLine, GuestPage
from storage.models import Event

RECENT = timedelta(days=90)  # trainings over for less than this are still listed (attendance, downloads)
LONGEST_FIELD = 5_000  # what is read of a field: enough to say how much too long a text is
ATTENDANCE_FORMATS = (".csv", ".xlsx", ".xlsm")
DETAILS = (
    "title_ar",
    "title_en",
    "description_ar",
    "starts_at",
    "ends_at",
    "venue_ar",
    "map_url",
    "capacity",
)
FIELDS = (*DETAILS, "invite", "invite_at", "verified", "canteen", "certificate")
DONE = {
    "created": N_("Saved. Its invitations go out at the time shown below."),
    "changed": N_("Saved."),
    "moved": N_("Saved. Its guests who did not say no are told of the new time or place."),
    "unchanged": N_("Nothing changed."),
    "cancelled": N_("Cancelled. Those who said they would come, or were waiting for a place, are told."),
    "already_cancelled": N_("It was already cancelled."),
}


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/trainings", trainings_page, name="trainings")
    router.add_get("/trainings/new", new_training_page, name="new_training")
    router.add_post("/trainings", create, name="create_training")
    one = "/trainings/{event:[0-9]{1,9}}"
    router.add_get(one, training_page, name="training")
    router.add_get(one + "/change", change_page, name="change_training")
    router.add_post(one + "/change", change, name="save_training")
    router.add_post(one + "/cancel", cancel, name="cancel_training")
    router.add_post(one + "/attendance", attendance, name="attendance")
    router.add_post(one + "/walk-ins", find_walk_ins, name="walk_ins")
    router.add_post(one + "/attendance-file", check_attendance_file, name="attendance_file")
    router.add_post(one + "/thank", thank, name="thank")
    router.add_get(one + "/calendar.ics", calendar_file, name="training_calendar")
    router.add_post(one + "/guests", export_guests, name="export_guests")
    for action in ("/cancel", "/attendance", "/walk-ins", "/attendance-file", "/thank", "/guests"):
        router.add_get(one + action, back_to("training", "event"))


async def trainings_page(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    now = console.clock()

    def listed(session: Session) -> list[tuple[Event, dict[str, int]]]:
        found = events.upcoming(session, who.actor, now, ended_within=RECENT, cancelled=True)
        counted = events.tallies(session, who.actor, found)
        return [(event, counted[event.id]) for event in found]

    found = await console.database.run(listed)
    names = dict(await console.database.run(views.office_choices))
    context = {"events": found, "addressed": _addressed(found, names), "now": now}
    return aiohttp_jinja2.render_template("trainings.html", request, context)


def _addressed(found: list[tuple[Event, dict[str, int]]], names: Mapping[str, str]) -> dict[int, list[str]]:
    """The offices each training is for, by name; empty: every office."""
    return {
        event.id: [names.get(code, code) for code in Audience.from_json(event.audience).offices]
        for event, _tally in found
    }


# -- a new training, or a change to one -------------------------------------------------------------------


@dataclass(frozen=True)
class Typed:
    """The training's form as she filled it (times in Riyadh, as her browser sends them)."""

    form: Mapping[str, str]
    audience: Audience

    @classmethod
    def of(cls, posted: MultiMapping[str | bytes | object]) -> Typed:
        return cls({name: str(posted.get(name, ""))[:LONGEST_FIELD] for name in FIELDS}, audience_of(posted))

    @classmethod
    def of_event(cls, event: Event) -> Typed:
        form = {name: "" for name in FIELDS} | {
            "title_ar": event.title_ar,
            "title_en": event.title_en or "",
            "description_ar": event.description_ar,
            "starts_at": local_input(event.starts_at),
            "ends_at": local_input(event.ends_at),
            "venue_ar": event.venue_ar,
            "map_url": event.map_url or "",
            "capacity": str(event.capacity or ""),
        }
        return cls(form, Audience.from_json(event.audience))

    def details(self, now: datetime) -> EventDetails:
        """What the training is, when and where; Refused, field by field, for what cannot be read, with
        what the office action would refuse in the rest (so that she corrects everything at once)."""
        form, wrong = self.form, list[Problem]()
        starts_at, ends_at = (self._moment(name, wrong) for name in ("starts_at", "ends_at"))
        capacity = number(form["capacity"].strip(), 9) if form["capacity"].strip() else None
        if form["capacity"].strip() and capacity is None:
            wrong.append(Problem("capacity", _("a number of places, like 40, or nothing for no limit")))
        if starts_at is None or ends_at is None:
            raise Refused(wrong)
        read = self._read(starts_at, ends_at, capacity)
        if wrong:
            named = {problem.field for problem in wrong}
            raise Refused(wrong + [found for found in events.problems(read, now) if found.field not in named])
        return read

    def _read(self, starts_at: datetime, ends_at: datetime, capacity: int | None) -> EventDetails:
        form = self.form
        return EventDetails(
            title_ar=" ".join(form["title_ar"].split()),
            title_en=" ".join(form["title_en"].split()) or None,
            description_ar=form["description_ar"].strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            venue_ar=" ".join(form["venue_ar"].split()),
            map_url=form["map_url"].strip() or None,
            capacity=capacity,
        )

    def invite_at(self, now: datetime) -> datetime:
        if self.form["invite"] != "later":
            return now
        wrong: list[Problem] = []
        found = self._moment("invite_at", wrong)
        if found is None:
            raise Refused(wrong)
        return found

    def _moment(self, name: str, wrong: list[Problem]) -> datetime | None:
        found = parse_local_time(self.form[name].replace("T", " "))
        if found is None:
            wrong.append(Problem(name, _("Give the day and the time (Riyadh time).")))
        return found


def local_input(moment: datetime) -> str:
    """A time as a datetime-local field shows it, in Riyadh."""
    return moment.astimezone(RIYADH).strftime("%Y-%m-%dT%H:%M")


async def _form_page(
    request: web.Request, typed: Typed, event: Event | None = None, refused: Refused | None = None
) -> web.StreamResponse:
    """The training's form: a new one (`event` None), or a change to `event`."""
    console = console_of(request)
    beside, general = views.by_field(refused) if refused else ({}, None)
    context = {
        "event": event,
        "typed": typed.form,
        "chosen_offices": typed.audience.offices,
        "chosen_products": typed.audience.products,
        "offices": await console.database.run(views.active_office_choices),
        "products": [(code, views.product(code)) for code in PRODUCTS],
        "beside": beside,
        "problem": general or (_("Nothing was saved: correct what is marked below.") if beside else None),
        "quiet": console.quiet,
    }
    status = 400 if refused else 200
    return aiohttp_jinja2.render_template("training_form.html", request, context, status=status)


async def new_training_page(request: web.Request) -> web.StreamResponse:
    return await _form_page(request, Typed({name: "" for name in FIELDS} | {"invite": "now"}, Audience()))


async def create(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    typed, now = Typed.of(await request.post()), console.clock()
    try:
        details, invite_at = typed.details(now), typed.invite_at(now)
        made = await console.database.run(
            lambda s: events.create(s, who.actor, details, typed.audience, invite_at, now)
        )
    except Refused as refused:
        return await _form_page(request, typed, refused=refused)
    raise redirect_saying(request, _training_url(request, made.id), Notice("created"))


async def change_page(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    asked = int(request.match_info["event"])
    try:
        found = await console.database.run(lambda s: events.to_change(s, who.actor, asked, console.clock()))
    except Refused as refused:
        return await training_page(request, problem=views.problems(refused))
    return await _form_page(request, Typed.of_event(found), found)


async def change(request: web.Request) -> web.StreamResponse:
    """Her changes to its details (whom it is for and when invitations go are as they were)."""
    console, who = console_of(request), signed_in_as(request)
    asked, now = int(request.match_info["event"]), console.clock()
    typed = Typed.of(await request.post())
    found = await console.database.run(lambda s: events.event(s, who.actor, asked))
    try:
        details, current = typed.details(now), events.details_of(found)
        # Only what she changed: an English description or venue is kept while what it translates is; the
        # English title, which the form shows, is kept as she left it.
        changes = {
            name: getattr(details, name)
            for name in DETAILS
            if getattr(details, name) != getattr(current, name)
        }
        if "title_ar" in changes:
            changes["title_en"] = details.title_en
        if not changes:
            raise redirect_saying(request, _training_url(request, asked), Notice("unchanged"))

        def changed(session: Session) -> tuple[Edited, int]:
            edited = events.edit(session, who.actor, asked, changes, now)
            return edited, events.places_taken(session, who.actor, asked)

        edited, taken = await console.database.run(changed)
    except Refused as refused:
        return await _form_page(request, typed, found, refused)
    raise redirect_saying(request, _training_url(request, asked), _change_notice(edited, details, taken))


def _change_notice(edited: Edited, details: EventDetails, taken: int) -> Notice:
    """What the training's page says of a change: who was told, who got a place, or who keeps one."""
    if edited.promoted:
        return Notice("promoted", str(len(edited.promoted)))
    if details.capacity is not None and taken > details.capacity:
        return Notice("fewer", str(taken))
    return Notice("moved" if edited.moved else "changed")


async def cancel(request: web.Request) -> web.StreamResponse:
    """Asked first; then it is cancelled and those coming are told."""
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    asked, now = int(request.match_info["event"]), console.clock()
    if form.get("confirmed") != "yes":
        return await training_page(request, confirming="cancel")
    try:
        cancelled = await console.database.run(lambda s: events.cancel(s, who.actor, asked, now))
    except Refused as refused:
        return await training_page(request, problem=views.problems(refused))
    raise redirect_saying(
        request, _training_url(request, asked), Notice("cancelled" if cancelled else "already_cancelled")
    )


# -- one training ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guests:
    """Her office's part of a training's guests (admins: all), as its page shows them: counted by answer,
    the first of the waiting list, and one page of the guests (those coming first, by name)."""

    tally: Mapping[str, int]  # invited (no answer), going, not_going, waitlisted, attended
    waiting: list[GuestLine]  # the first of the waiting list, in order
    page: GuestPage

    @property
    def lines(self) -> list[GuestLine]:
        return self.page.lines

    @property
    def none(self) -> bool:
        """No family of hers among its guests (none answered, none came either)."""
        return not self.page.lines and not self.page.earlier and not any(self.tally.values())


def _guest_links(path: str, page: GuestPage) -> dict[str, str]:
    """The addresses of the guest pages around this one (as the families list's: after the last guest of
    the page before, before the first of the page after), each opened at the list."""
    links = {}
    if page.lines and page.earlier:
        links["first"] = f"{path}#attendance"
        links["previous"] = f"{path}?{urlencode({'before': page.lines[0].beneficiary_id})}#attendance"
    if page.lines and page.later:
        links["next"] = f"{path}?{urlencode({'after': page.lines[-1].beneficiary_id})}#attendance"
        links["last"] = f"{path}?page=last#attendance"
    return links


async def training_page(
    request: web.Request,
    *,
    confirming: str | None = None,
    problem: str | None = None,
    walk_ins: events.WalkIns | None = None,
    searched: str = "",
    search_problem: str | None = None,
    file_lines: list[FileLine] | None = None,
    file_name: str = "",
    file_problems: list[str] | None = None,
) -> web.StreamResponse:
    """One training: what, when and where, whom it is for, its answers, attendance, and what may be done."""
    console, who = console_of(request), signed_in_as(request)
    asked, now = int(request.match_info["event"]), console.clock()

    place = request.query
    after, before = number(place.get("after"), 9), number(place.get("before"), 9)

    def read(session: Session) -> tuple[Event, Guests, str | None, int]:
        found = events.event(session, who.actor, asked)
        page = events.guest_page(
            session,
            who.actor,
            asked,
            after=after,
            before=None if after is not None else before,
            last=place.get("page") == "last",
        )
        guests = Guests(
            events.tally(session, who.actor, asked), events.waiting_list(session, who.actor, asked), page
        )
        try:
            events.to_change(session, who.actor, asked, now)
            unchangeable = None
        except OfficeError as refused:  # before it starts, it is the admins' (several offices')
            unchangeable = str(refused) if now < found.starts_at and not found.cancelled_at else ""
        return found, guests, unchangeable, events.places_taken(session, who.actor, asked)

    found, guests, unchangeable, taken = await console.database.run(read)
    audience = Audience.from_json(found.audience)
    names = dict(await console.database.run(views.office_choices))
    quiet = console.quiet
    invitations_held = quiet.holds(found.invite_at) if quiet and found.invited_at is None else None
    context = {
        "event": found,
        "guests": guests,
        "pages": _guest_links(_training_url(request, asked), guests.page),
        "statuses": GuestStatus,
        "offices": [names.get(code, code) for code in audience.offices],
        "office_names": names,
        "audience": audience,
        "products": [views.product(code) for code in audience.products],
        "changeable": unchangeable is None,
        "unchangeable": unchangeable,
        "marking": now >= found.starts_at and found.cancelled_at is None,
        "over": found.ends_at <= now,
        "invitations_at": invitations_held or found.invite_at,
        "confirming": confirming,
        "problem": problem,
        "walk_ins": walk_ins,
        "searched": searched,
        "search_problem": search_problem,
        "file_lines": file_lines,
        "file_name": file_name,
        "file_problems": file_problems,
        "done": said(request, DONE),
        "marked": told(request, "marked", "promoted", "fewer"),
        "thanked": events.thanked(thanked.count) if (thanked := told(request, "thanked")) else None,
        "when": long_time(found.starts_at),
        "now": now,
        "taken": taken,
    }
    wrong = problem or search_problem or file_problems or any(line.problem for line in file_lines or ())
    status = 400 if wrong else 200
    return aiohttp_jinja2.render_template("training.html", request, context, status=status)


async def attendance(request: web.Request) -> web.StreamResponse:
    """The names ticked (`came`) against those shown ticked (`was`): only what she changed is marked or taken
    back, so that a colleague's marks made meanwhile stay."""
    console, who = console_of(request), signed_in_as(request)
    asked, now = int(request.match_info["event"]), console.clock()
    form = await request.post()
    ticked, was = _ids(form.getall("came", [])), _ids(form.getall("was", []))
    came, not_came = sorted(ticked - was), sorted(was - ticked)

    def marked(session: Session) -> int:
        changed = events.mark_attendance(session, who.actor, asked, came, now) if came else 0
        if not_came:
            changed += events.mark_attendance(session, who.actor, asked, not_came, now, came=False)
        return changed

    try:
        changed = await console.database.run(marked)
    except Refused as refused:
        return await training_page(request, problem=views.problems(refused))
    raise redirect_saying(
        request, _training_url(request, asked, "#attendance"), Notice("marked", str(changed))
    )


def _ids(values: Sequence[object]) -> set[int]:
    return {found for value in values[:5_000] if (found := number(value, 9)) is not None}


async def find_walk_ins(request: web.Request) -> web.StreamResponse:
    """Families of hers who may have come uninvited, found by name or ID (sent by POST: a whole ID never
    appears in an address)."""
    console, who = console_of(request), signed_in_as(request)
    asked = int(request.match_info["event"])
    typed = str((await request.post()).get("q", ""))[:200].strip()
    try:
        if not typed:
            raise Refused([])
        found = await console.database.run(lambda s: events.walk_ins(s, who.actor, asked, typed))
    except Refused:
        return await training_page(
            request,
            searched=typed,
            search_problem=_("Write her name, the last 4 digits of her ID, her whole ID or her mobile."),
        )
    return await training_page(request, walk_ins=found, searched=typed)


async def check_attendance_file(request: web.Request) -> web.StreamResponse:
    """A file of who came (a national ID or mobile a line), read line by line: nothing is marked until she
    confirms what it names."""
    console, who = console_of(request), signed_in_as(request)
    asked, now = int(request.match_info["event"]), console.clock()
    try:
        sent = await file_sent(
            request, ATTENDANCE_FORMATS, _("The file must be a CSV or an Excel (.xlsx) file.")
        )
        lines = await sent.read(first_column)
    except NotSent as problem:
        return await training_page(request, file_problems=[str(problem)])
    except RejectedFile as rejected:
        return await training_page(request, file_problems=rejected.problems)
    if not lines:
        return await training_page(
            request,
            file_problems=[_("The file names nobody: a national ID or mobile a line, in its first column.")],
        )
    try:
        read = await console.database.run(
            lambda s: events.attendance_preview(s, who.actor, asked, lines, now)
        )
    except Refused as refused:
        return await training_page(request, problem=views.problems(refused))
    return await training_page(request, file_lines=read, file_name=sent.name)


async def thank(request: web.Request) -> web.StreamResponse:
    """Asked first; then each of her office's families who came is thanked (once)."""
    console, who = console_of(request), signed_in_as(request)
    asked, now = int(request.match_info["event"]), console.clock()
    if (await request.post()).get("confirmed") != "yes":
        return await training_page(request, confirming="thank")
    thanked = await console.database.run(lambda s: events.thank(s, who.actor, asked, now))
    raise redirect_saying(request, _training_url(request, asked, "#thank"), Notice("thanked", str(thanked)))


async def calendar_file(request: web.Request) -> web.StreamResponse:
    """The training for her calendar, in her language."""
    console, who = console_of(request), signed_in_as(request)
    asked = int(request.match_info["event"])
    found = await console.database.run(lambda s: events.event(s, who.actor, asked))
    return web.Response(
        text=calendar.ics(found, who.language, console.clock()),
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="training-{asked}.ics"'},
    )


async def export_guests(request: web.Request) -> web.StreamResponse:
    return await people_download(
        request,
        "event",
        "guests",
        exports.guests,
        lambda s, actor, number: views.title(events.event(s, actor, number)),
    )


def _training_url(request: web.Request, number: int, fragment: str = "") -> str:
    return str(request.app.router["training"].url_for(event=str(number))) + fragment
