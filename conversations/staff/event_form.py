"""A new training event in the staff chat: title (Arabic, and English or not), a description or none,
start, end, venue, map link, places, whom to invite (the announcement's segments) and when to send the
invitations; a summary with the Hijri date, then Save. Changing an event asks the same, but for whom and
when, starting from the event as it is. `usar events` does all of this from the command line too.

New event → title → English title → description → start → end → venue → map link → places → office
          (admins) → who → products (if chosen) → invitations when → summary → Save → Training events
Change the event → summary of the event as it is → Change an answer … → Save → Training events
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from conversations.engine.forms import Field, Form, Invalid, Skip, Text, asked_again, asked_again_if_refused
from conversations.engine.screens import Shown, she_may_see
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.staff.audience_fields import (
    When,
    audience_fields,
    is_now,
    moment,
    refuse_night,
    requested_audience,
)
from core.channel import Offer
from core.dates import RIYADH, long_time, parse_end, short_time
from core.i18n import N_, LazyText, _
from core.text import says_none
from core.validators import count_of
from office import events
from office.errors import OfficeError, Refused
from storage.events import EventDetails


def short_text(limit: int) -> Any:
    def parse(text: str, turn: Turn) -> str:
        return _within(" ".join(turn.inbound.text.split()), limit)

    return parse


def lines_of_text(limit: int) -> Any:
    """Like `short_text`, but her line breaks are kept (a description)."""

    def parse(text: str, turn: Turn) -> str:
        kept: list[str] = []
        for line in (" ".join(line.split()) for line in turn.inbound.text.strip().splitlines()):
            if line or (kept and kept[-1]):  # one empty line at most between two
                kept.append(line)
        return _within("\n".join(kept).strip(), limit)

    return parse


def _within(written: str, limit: int) -> str:
    """What she wrote, if there is something and not too much."""
    if not written:
        raise Invalid(_("Please type it."))
    if len(written) > limit:
        raise Invalid(_("Please keep it under %(limit)s characters.", limit=limit))
    return written


@dataclass(frozen=True, kw_only=True)
class Optional(Field):
    """A text she may leave out with a button ("No English title", "No map link")."""

    none_label: LazyText
    parse: Any

    def offers(self, turn: Turn, draft: dict[str, Any]) -> Sequence[Offer]:
        return (Offer(label=self.none_label, payload=Skip(self.name)),)

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        if answer.choice == Skip(self.name) or says_none(answer.text):
            return ""
        return self.parse(answer.text, turn)

    def show(self, turn: Turn, value: Any) -> str:
        return str(value) if value else str(self.none_label)


def map_link(text: str, turn: Turn) -> str:
    link = turn.inbound.text.strip()
    if not link.startswith(("https://", "http://")) or " " in link or len(link) > 500:
        raise Invalid(_("Please send a link that starts with https://, or choose “No map link”."))
    return link


def places(text: str, turn: Turn) -> int:
    wrong = _("Please type a number of places, like 40, or choose “No limit”.")
    if (number := count_of(text, wrong)) < 1:
        raise Invalid(wrong)
    return number


@dataclass(frozen=True, kw_only=True)
class Ending(Field):
    """The end: a time the same day ("12:00"), or a date and time; after the start."""

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        start = datetime.fromisoformat(draft["start"]).astimezone(RIYADH)
        local = parse_end(answer.text, start)
        if local is None:
            raise Invalid(_("Please type the time it ends, like 12:00."))
        if local <= start:
            raise Invalid(_("It must end after it starts (%(start)s).", start=short_time(start)))
        if local.date() != start.date():
            refuse_night(local)
        return local.astimezone(UTC).isoformat()

    def show(self, turn: Turn, value: Any) -> str:
        return long_time(datetime.fromisoformat(value))


def details_of(answers: dict[str, Any]) -> EventDetails:
    return EventDetails(
        title_ar=answers["title_ar"],
        title_en=answers.get("title_en") or None,
        starts_at=datetime.fromisoformat(answers["start"]),
        ends_at=datetime.fromisoformat(answers["end"]),
        description_ar=answers.get("description") or "",
        venue_ar=answers["venue"],
        map_url=answers.get("map") or None,
        capacity=answers["capacity"] or None,
    )


# The office action's names for the values the form asks.
FIELDS = {"title_ar": "title_ar", "title_en": "title_en", "description_ar": "description",
          "starts_at": "start", "ends_at": "end", "venue_ar": "venue", "map_url": "map",
          "capacity": "capacity", "invite_at": "invite", "office": "office", "audience": "who"}  # fmt: skip


def create_event(turn: Turn, answers: dict[str, Any]) -> None:
    if turn.rights is None:
        turn.say(_("Only staff can create events. Nothing was saved."))
        turn.go(FlowName.HOME)
        return
    invite_at = moment(answers["invite"], turn.now)
    with asked_again_if_refused(turn, FIELDS, "title_ar"):
        event = events.create(
            turn.session, turn.actor, details_of(answers), requested_audience(answers), invite_at, turn.now
        )
        held = turn.setup.quiet.holds(invite_at) if turn.setup.quiet is not None else None
        if held is not None and held < event.starts_at:  # quiet hours: they go when these end
            invite = long_time(held)
        else:  # or at once, when the morning would be too late for the event
            invite = _("now") if is_now(answers["invite"]) else long_time(invite_at)
        turn.say(
            _(
                "Event %(number)s is saved: %(title)s, %(when)s. Invitations go out %(invite)s.",
                number=event.id,
                title=event.title_ar,
                when=long_time(event.starts_at),
                invite=invite,
            )
        )
    turn.go(FlowName.STAFF_EVENTS)


def _what_when_and_where() -> list[Field]:
    """The questions a new event asks and a change of one asks again: titles, description, start, end,
    venue, map, places."""
    return [
        Text("title_ar", N_("Title"), N_("What is the event's title, in Arabic?"), parse=short_text(200)),
        Optional(
            "title_en",
            N_("English title"),
            N_("Its title in English, for families who chose English; or choose “No English title”."),
            none_label=N_("No English title"),
            parse=short_text(200),
        ),
        Optional(
            "description",
            N_("Description"),
            N_(
                "A few lines for the invitation: what the event is about and what to bring. "
                "Or choose “No description”."
            ),
            none_label=N_("No description"),
            parse=lines_of_text(1000),
        ),
        When(
            "start",
            N_("Starts"),
            N_("When does it start? Type the Riyadh date and time, like %(example)s."),
            now_allowed=False,
            daytime=True,
        ),
        Ending("end", N_("Ends"), N_("When does it end? Type the time, like 12:00.")),
        Text("venue", N_("Venue"), N_("Where is it? Type the place and its address."), parse=short_text(300)),
        Optional(
            "map",
            N_("Map link"),
            N_("Send a map link to the place (from your map app), or choose “No map link”."),
            none_label=N_("No map link"),
            parse=map_link,
        ),
        Optional(
            "capacity",
            N_("Places"),
            N_("How many places are there? Type a number, or choose “No limit”."),
            none_label=N_("No limit"),
            parse=places,
        ),
    ]


new_event = Form(
    name=FlowName.NEW_EVENT,
    intro=N_("A new training event. You can type “cancel” at any time; nothing is saved before you do."),
    resumed=N_("Let us continue the event you were creating."),
    cancelled=N_("The new event was discarded. Nothing was saved."),
    review_intro=N_("Please check the event:"),
    on_complete=create_event,
    fields=[
        *_what_when_and_where(),
        *audience_fields(FlowName.NEW_EVENT, with_contacts=False),
        When(
            "invite",
            N_("Invitations"),
            N_(
                "When should the invitations go out? Choose “Now”, or type a Riyadh date and time, "
                "like %(example)s."
            ),
        ),
    ],
)


# The event on her screen (conversations.staff.events). An office's staff see the events for their office,
# also those for several offices or every office (their families are among the guests).
SHOWN_EVENT = Shown("event_shown", she_may_see(events.event))


def current_details(turn: Turn) -> dict[str, Any]:
    """The event as it is: the change starts from it."""
    event = SHOWN_EVENT.get(turn)
    if event is None:
        return {}
    return {
        "title_ar": event.title_ar,
        "title_en": event.title_en or "",
        "description": event.description_ar,
        "start": event.starts_at.isoformat(),
        "end": event.ends_at.isoformat(),
        "venue": event.venue_ar,
        "map": event.map_url or "",
        "capacity": event.capacity or "",
    }


def change_event(turn: Turn, answers: dict[str, Any]) -> None:
    """The chat writes the Arabic description and venue; the English ones they translate stay while they
    do not change (the office action drops them when they do)."""
    event = SHOWN_EVENT.get(turn)
    if event is None:
        turn.say(_("That event can no longer be changed. Nothing was saved."))
        turn.go(FlowName.STAFF_EVENTS)
        return
    details = details_of(answers)
    changes = {name: getattr(details, name) for name in ASKED}
    try:
        edited = events.edit(turn.session, turn.actor, event.id, changes, turn.now)
    except Refused as refused:
        if refused.problems[0].field is None:  # it started, or was cancelled, meanwhile
            turn.say(refused.message + " " + _("Nothing was saved."))
            turn.go(FlowName.STAFF_EVENTS)
            return
        raise asked_again(refused, FIELDS, "title_ar") from refused
    except OfficeError as refused:
        turn.say(refused.message)
        turn.go(FlowName.STAFF_EVENTS)
        return
    if edited.moved:
        turn.say(_("Saved. Those invited who have not said no are told of the new time or place."))
    else:
        turn.say(_("Saved."))
    turn.go(FlowName.STAFF_EVENTS)


# What the change asks (the English description and venue come from `usar events edit` only).
ASKED = ("title_ar", "title_en", "description_ar", "starts_at", "ends_at", "venue_ar", "map_url", "capacity")


edit_event = Form(
    name=FlowName.EDIT_EVENT,
    intro=N_("Change the event: its title, description, time, place or places."),
    resumed=N_("Let us continue changing the event."),
    cancelled=N_("Nothing was changed."),
    review_intro=N_("The event as it will be (choose “Change an answer” to change something):"),
    prefill=current_details,
    prefilled=N_("Here is the event as it is now."),
    on_complete=change_event,
    fields=[
        *_what_when_and_where(),
    ],
)
