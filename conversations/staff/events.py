"""Training events in the staff chat: create one, see the upcoming ones with their answers, mark who came,
cancel one.

Training events → New event (conversations.staff.event_form)
                → Upcoming and recent events → one event: answers and names → Change the event
                  (conversations.staff.event_form) · Mark attendance · Thank those who came · Cancel it · Back
                → Staff menu
An office's staff see their office's events; admins every event. Rights are read once a turn.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from conversations.engine.choices import ShowEvent
from conversations.engine.options import match_many
from conversations.engine.screens import (
    TYPED,
    Confirm,
    On,
    Screens,
    is_staff,
    not_understood,
    nothing_changed,
    refusal_said,
)
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.staff.audience_fields import describe
from conversations.staff.event_form import SHOWN_EVENT, edit_event
from core.channel import Offer
from core.dates import long_time
from core.domain import GuestStatus
from core.i18n import N_, _
from core.payloads import Options, Payload
from core.text import comma_list
from office import events
from storage.audiences import Audience
from storage.models import Event

RECENT = timedelta(days=14)  # how long an event stays on the list after it ended
PAGE = 10
NAMES_PAGE = 30


class Came(Payload, prefix="event:came"):
    family: int


class NotCame(Payload, prefix="event:not-came"):
    """A family marked as having come by mistake: choosing her again takes the mark back."""

    family: int


class Step(StrEnum):
    LIST = "list"
    DETAIL = "detail"
    MARKING = "marking"
    CONFIRM = "confirm"


class EventsOption(Options, prefix="events"):
    """The training events' options, in the staff chat."""

    NEW = "new"
    UPCOMING = "upcoming"
    STAFF_MENU = "back"
    MENU = "menu"
    ATTENDANCE = "attendance"
    DONE = "done"
    CANCEL = "cancel"
    CHANGE = "change"
    THANK = "thank"
    CONFIRM_YES = "cancel-yes"
    CONFIRM_NO = "cancel-no"


def menu(turn: Turn) -> None:
    turn.step = None
    turn.say(
        _("Training events: what would you like to do?"),
        [
            Offer(label=N_("New event"), payload=EventsOption.NEW),
            Offer(label=N_("Upcoming and recent events"), payload=EventsOption.UPCOMING),
            Offer(label=N_("Staff menu"), payload=EventsOption.STAFF_MENU),
        ],
    )


def listing(turn: Turn) -> None:
    upcoming = events.upcoming(turn.session, turn.actor, turn.now, ended_within=RECENT)  # attendance, thanks
    if not upcoming:
        turn.say(_("There are no upcoming events, nor any in the last two weeks."))
        menu(turn)
        return
    ahead = [event for event in upcoming if event.ends_at > turn.now]
    over = [event for event in reversed(upcoming) if event.ends_at <= turn.now]  # the latest first
    shown = (ahead + over)[:PAGE]
    turn.step = Step.LIST
    turn.say(
        _("Upcoming events, and those of the last two weeks (✓ over). Choose one to see its answers:"),
        [
            *(Offer(label=_list_label(event, turn), payload=ShowEvent(event.id)) for event in shown),
            Offer(label=N_("Back"), payload=EventsOption.MENU),
        ],
    )


def detail(turn: Turn) -> None:
    event = SHOWN_EVENT.get_or(turn, menu, N_("That event is not one you can see."))
    if event is None:
        return
    turn.step = Step.DETAIL
    counts = events.tally(turn.session, turn.actor, event.id)
    guests = events.guests(turn.session, turn.actor, event.id)
    going = [line.full_name for line in guests if line.status == GuestStatus.GOING.value]
    waiting = [line.full_name for line in guests if line.status == GuestStatus.WAITLISTED.value]
    lines = [
        _("Event %(number)s: %(title)s", number=event.id, title=event.title(turn.language)),
        long_time(event.starts_at),
        _("For: %(audience)s", audience=describe(turn, Audience.from_json(event.audience))),
        _(
            "Invited, no answer yet: %(invited)s · going: %(going)s · not going: %(not_going)s · "
            "waiting list: %(waitlisted)s · attended: %(attended)s",
            **counts,
        ),
    ]
    if event.cancelled_at is not None:
        lines.append(_("This event is cancelled."))
    if going:
        lines.append(_("Going: %(names)s", names=comma_list(going[:NAMES_PAGE], turn.language)))
    if waiting:
        lines.append(_("Waiting list: %(names)s", names=comma_list(waiting[:NAMES_PAGE], turn.language)))
    offers = []
    if event.cancelled_at is None and turn.now >= event.starts_at:
        offers.append(Offer(label=N_("Mark attendance"), payload=EventsOption.ATTENDANCE))
    if events.changeable(turn.session, turn.actor, event.id, turn.now):
        offers.append(Offer(label=N_("Change the event"), payload=EventsOption.CHANGE))
        offers.append(Offer(label=N_("Cancel this event"), payload=EventsOption.CANCEL))
    if counts["attended"]:
        offers.append(Offer(label=N_("Thank those who came"), payload=EventsOption.THANK))
    offers.append(Offer(label=N_("Back to events"), payload=EventsOption.MENU))
    turn.say("\n".join(lines), offers)


def marking(turn: Turn) -> None:
    event = SHOWN_EVENT.get_or(turn, menu)
    if event is None:
        return
    turn.step = Step.MARKING
    # Those who said they would come first; then the others invited: some come without answering.
    guests = sorted(
        events.guests(turn.session, turn.actor, event.id),
        key=lambda line: line.status != GuestStatus.GOING.value,
    )
    hidden = len(guests) - NAMES_PAGE
    turn.say(
        _(
            "Choose each family who came, or several at once (“1 3 4”); ✅ marks those counted, and "
            "choosing one again takes her mark back. Then “Done”."
        )
        + (
            "\n"
            + _(
                "%(hidden)s more are not shown here: mark them with `usar events attendance`.",
                hidden=hidden,
            )
            if hidden > 0
            else ""
        ),
        [
            *(
                Offer(
                    label=f"{'✅ ' if line.attended_at else ''}{line.full_name}",
                    # Its own payload once marked: a second tap of the same button (or Telegram
                    # delivering it twice) is then a stale button, not a mark taken back.
                    payload=(NotCame if line.attended_at else Came)(line.beneficiary_id),
                )
                for line in guests[:NAMES_PAGE]
            ),
            Offer(label=N_("Done"), payload=EventsOption.DONE),
        ],
    )


CANCELLING = Confirm(
    Step.CONFIRM,
    N_("Cancel this event? The families who said they would come are told."),
    yes=Offer(label=N_("Yes, cancel it"), payload=EventsOption.CONFIRM_YES),
    no=Offer(label=N_("No, keep it"), payload=EventsOption.CONFIRM_NO),
)


# -- what she chose ------------------------------------------------------------------------------------


def open_event(turn: Turn, chosen: ShowEvent) -> None:
    SHOWN_EVENT.keep(turn, chosen.event)
    detail(turn)


def came(turn: Turn, chosen: Came) -> None:
    _mark(turn, [chosen.family], came=True)


def not_came(turn: Turn, chosen: NotCame) -> None:
    _mark(turn, [chosen.family], came=False)


def several_came(turn: Turn, answer: Answer) -> None:
    """ "1 3 4": several marked at once (marks only); anything else is not understood."""
    named = _families_named(turn, answer.text)
    if named:
        _mark(turn, named, came=True)
    else:
        not_understood(turn, answer)


def _mark(turn: Turn, family_ids: list[int], *, came: bool) -> None:
    """Mark the families chosen as having come, or take a mistaken mark back (`came` False)."""
    event = SHOWN_EVENT.get(turn)
    if event is not None:
        with refusal_said(turn):
            events.mark_attendance(turn.session, turn.actor, event.id, family_ids, turn.now, came=came)
    marking(turn)


def change(turn: Turn, chosen: EventsOption) -> None:
    event = SHOWN_EVENT.get(turn)
    if event is not None and events.changeable(turn.session, turn.actor, event.id, turn.now):
        edit_event.discard(turn)  # a change left unfinished was for this or another event: start afresh
        turn.go(FlowName.EDIT_EVENT)
    else:  # a button from before it started, was cancelled, or her rights changed
        turn.say(_("That event can no longer be changed."))
        detail(turn)


def thank(turn: Turn, chosen: EventsOption) -> None:
    event = SHOWN_EVENT.get(turn)
    if event is not None:
        with refusal_said(turn):
            count = events.thank(turn.session, turn.actor, event.id, turn.now)
            turn.say(events.thanked(count))
    detail(turn)


def cancel_event(turn: Turn, chosen: EventsOption) -> None:
    event = SHOWN_EVENT.get(turn)
    if event is not None:
        with refusal_said(turn):
            if events.cancel(turn.session, turn.actor, event.id, turn.now):
                turn.say(
                    _(
                        "Event %(number)s is cancelled; those who said they would come are told.",
                        number=event.id,
                    )
                )
    detail(turn)


def _families_named(turn: Turn, text: str) -> list[int]:
    """The families "1 3 4" names on the attendance screen; empty unless every part names one."""
    named = match_many(turn.conversation.offered, text) or []
    if any(Came.unpack(payload) is None and NotCame.unpack(payload) is None for payload in named):
        return []
    return [mark.family for payload in named if (mark := Came.unpack(payload))]  # marked ones stay


def _list_label(event: Event, turn: Turn) -> str:
    over = " ✓" if event.ends_at <= turn.now else ""
    return f"{event.title(turn.language)} #{event.id}{over}"


staff_events = Screens(
    FlowName.STAFF_EVENTS,
    allowed=is_staff,
    screens={None: menu, Step.LIST: listing, Step.DETAIL: detail, Step.MARKING: marking},
    confirms=(CANCELLING,),
    routes=(
        On(EventsOption.NEW, go=FlowName.NEW_EVENT),
        On(EventsOption.UPCOMING, show=listing),
        On(EventsOption.STAFF_MENU, go=FlowName.STAFF),
        On(EventsOption.MENU, show=menu),
        On(ShowEvent, at=Step.LIST, then=open_event),
        On(EventsOption.ATTENDANCE, at=Step.DETAIL, show=marking),
        On(Came, at=Step.MARKING, then=came),
        On(NotCame, at=Step.MARKING, then=not_came),
        On(TYPED, at=Step.MARKING, then=several_came),
        On(EventsOption.DONE, at=Step.MARKING, show=detail),
        On(EventsOption.CANCEL, at=Step.DETAIL, show=CANCELLING.ask),
        On(EventsOption.CHANGE, at=Step.DETAIL, then=change),
        On(EventsOption.THANK, at=Step.DETAIL, then=thank),
        On(EventsOption.CONFIRM_YES, at=Step.CONFIRM, then=cancel_event),
        On(EventsOption.CONFIRM_NO, at=Step.CONFIRM, then=nothing_changed(detail)),
    ),
    help_text=N_(
        "Here you create training events, follow the answers of the families invited, change the time "
        "or place (they are told), mark who came and thank them, and cancel an event."
    ),
)
