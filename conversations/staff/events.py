"""Training events in the staff chat: create one, see the upcoming ones with their answers, mark who came,
cancel one.

Training events → New event (conversations.event_form)
                → Upcoming and recent events → one event: answers and names → Change the event
                  (conversations.event_form) · Mark attendance · Thank those who came · Cancel it · Back
                → Staff menu
An office's staff see their office's events; admins every event. Rights are read again on every turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from conversations.engine.forms import yes_or_no
from conversations.engine.options import match_many
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.staff.audience_fields import describe
from conversations.staff.event_form import SHOWN, edit_event, shown_event
from core.channel import Offer
from core.dates import long_time
from core.domain import GuestStatus
from core.i18n import N_, _, ngettext
from core.payloads import Options, Payload
from core.text import comma_list
from office import events
from office.errors import OfficeError
from storage.audiences import Audience
from storage.models import Event

RECENT = timedelta(days=14)  # how long an event stays on the list after it ended
SHOWN_AT_ONCE = 10
LIST, DETAIL, MARKING, CONFIRM = "list", "detail", "marking", "confirm"
NAMES_SHOWN = 30


@dataclass(frozen=True)
class ShowEvent(Payload, prefix="event"):
    event: int


@dataclass(frozen=True)
class Came(Payload, prefix="event:came"):
    family: int


@dataclass(frozen=True)
class NotCame(Payload, prefix="event:not-came"):
    """A family marked as having come by mistake: choosing her again takes the mark back."""

    family: int


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


class StaffEvents:
    name = FlowName.STAFF_EVENTS

    def begin(self, turn: Turn) -> None:
        self._menu(turn)

    def ask(self, turn: Turn) -> None:
        member = turn.staff
        if member is None:
            turn.go(FlowName.HOME)
        elif turn.step == LIST:
            self._list(turn)
        elif turn.step == CONFIRM:
            self._confirm(turn)
        elif turn.step == DETAIL:
            self._detail(turn)
        elif turn.step == MARKING:
            self._marking(turn)
        else:
            self._menu(turn)

    def answer(self, turn: Turn, answer: Answer) -> None:
        member = turn.staff
        choice = answer.choice
        if turn.step == CONFIRM:  # "نعم" or "no" typed answers the question too
            choice = yes_or_no(turn, answer, EventsOption.CONFIRM_YES, EventsOption.CONFIRM_NO) or choice
        if member is None:
            turn.go(FlowName.HOME)
        elif choice == EventsOption.NEW:
            turn.go(FlowName.NEW_EVENT)
        elif choice == EventsOption.UPCOMING:
            self._list(turn)
        elif choice == EventsOption.STAFF_MENU:
            turn.go(FlowName.STAFF)
        elif choice == EventsOption.MENU:
            self._menu(turn)
        elif turn.step == LIST and (shown := ShowEvent.unpack(choice)):
            turn.remember(**{SHOWN: shown.event})
            self._detail(turn)
        elif turn.step == DETAIL and choice == EventsOption.ATTENDANCE:
            self._marking(turn)
        elif turn.step == MARKING and (came := Came.unpack(choice)):
            self._mark(turn, [came.family], came=True)
        elif turn.step == MARKING and (mistaken := NotCame.unpack(choice)):
            self._mark(turn, [mistaken.family], came=False)
        elif turn.step == MARKING and (several := _families_named(turn, answer.text)):
            self._mark(turn, several, came=True)  # "1 3 4": several at once, marks only
        elif turn.step == MARKING and choice == EventsOption.DONE:
            self._detail(turn)
        elif turn.step == DETAIL and choice == EventsOption.CANCEL:
            self._confirm(turn)
        elif turn.step == DETAIL and choice == EventsOption.CHANGE:
            if _may_change(turn):
                edit_event.discard(
                    turn
                )  # a change left unfinished was for this or another event: start afresh
                turn.go(FlowName.EDIT_EVENT)
            else:  # a button from before it started, was cancelled, or her rights changed
                turn.say(_("That event can no longer be changed."))
                self._detail(turn)
        elif turn.step == DETAIL and choice == EventsOption.THANK:
            self._thank(turn)
        elif turn.step == CONFIRM and choice in (EventsOption.CONFIRM_YES, EventsOption.CONFIRM_NO):
            if choice == EventsOption.CONFIRM_YES:
                self._cancel(turn)
            else:
                turn.say(_("Nothing was changed."))
            self._detail(turn)
        else:
            turn.say(_("Sorry, I did not understand that. Please choose from the menu by typing a number."))
            self.ask(turn)

    def help(self, turn: Turn) -> str | None:
        return _(
            "Here you create training events, follow the answers of the families invited, change the time "
            "or place (they are told), mark who came and thank them, and cancel an event."
        )

    def cancel(self, turn: Turn) -> None:
        turn.say(_("There is nothing to cancel."))
        self.ask(turn)

    # -- screens --------------------------------------------------------------------------------------

    def _menu(self, turn: Turn) -> None:
        turn.step = None
        turn.say(
            _("Training events: what would you like to do?"),
            [
                Offer(label=N_("New event"), payload=EventsOption.NEW),
                Offer(label=N_("Upcoming and recent events"), payload=EventsOption.UPCOMING),
                Offer(label=N_("Staff menu"), payload=EventsOption.STAFF_MENU),
            ],
        )

    def _list(self, turn: Turn) -> None:
        upcoming = events.upcoming(
            turn.session,
            turn.actor,
            turn.now,
            ended_within=RECENT,  # attendance and thanks come after it
        )
        if not upcoming:
            turn.say(_("There are no upcoming events, nor any in the last two weeks."))
            self._menu(turn)
            return
        ahead = [event for event in upcoming if event.ends_at > turn.now]
        over = [event for event in reversed(upcoming) if event.ends_at <= turn.now]  # the latest first
        shown = (ahead + over)[:SHOWN_AT_ONCE]
        turn.step = LIST
        turn.say(
            _("Upcoming events, and those of the last two weeks (✓ over). Choose one to see its answers:"),
            [
                *(Offer(label=_list_label(event, turn), payload=ShowEvent(event.id)) for event in shown),
                Offer(label=N_("Back"), payload=EventsOption.MENU),
            ],
        )

    def _detail(self, turn: Turn) -> None:
        event = shown_event(turn)
        if event is None:
            turn.say(_("That event is not one you can see."))
            self._menu(turn)
            return
        turn.step = DETAIL
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
            lines.append(_("Going: %(names)s", names=comma_list(going[:NAMES_SHOWN], turn.language)))
        if waiting:
            lines.append(_("Waiting list: %(names)s", names=comma_list(waiting[:NAMES_SHOWN], turn.language)))
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

    def _marking(self, turn: Turn) -> None:
        event = shown_event(turn)
        if event is None:
            self._menu(turn)
            return
        turn.step = MARKING
        # Those who said they would come first; then the others invited: some come without answering.
        guests = sorted(
            events.guests(turn.session, turn.actor, event.id),
            key=lambda line: line.status != GuestStatus.GOING.value,
        )
        hidden = len(guests) - NAMES_SHOWN
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
                    for line in guests[:NAMES_SHOWN]
                ),
                Offer(label=N_("Done"), payload=EventsOption.DONE),
            ],
        )

    def _mark(self, turn: Turn, family_ids: list[int], *, came: bool) -> None:
        """Mark the families chosen as having come, or take a mistaken mark back (`came` False)."""
        event = shown_event(turn)
        if event is not None:
            try:
                events.mark_attendance(turn.session, turn.actor, event.id, family_ids, turn.now, came=came)
            except OfficeError as refused:
                turn.say(refused.message)
        self._marking(turn)

    def _thank(self, turn: Turn) -> None:
        event = shown_event(turn)
        if event is not None:
            try:
                count = events.thank(turn.session, turn.actor, event.id, turn.now)
            except OfficeError as refused:
                turn.say(refused.message)
            else:
                turn.say(
                    ngettext(
                        "A thank-you goes to the one family who came.",
                        "A thank-you goes to the %(count)s families who came (once each).",
                        count,
                        count=count,
                    )
                )
        self._detail(turn)

    def _confirm(self, turn: Turn) -> None:
        turn.step = CONFIRM
        turn.say(
            _("Cancel this event? The families who said they would come are told."),
            [
                Offer(label=N_("Yes, cancel it"), payload=EventsOption.CONFIRM_YES),
                Offer(label=N_("No, keep it"), payload=EventsOption.CONFIRM_NO),
            ],
        )

    def _cancel(self, turn: Turn) -> None:
        event = shown_event(turn)
        if event is None:
            return
        try:
            if events.cancel(turn.session, turn.actor, event.id, turn.now):
                turn.say(
                    _(
                        "Event %(number)s is cancelled; those who said they would come are told.",
                        number=event.id,
                    )
                )
        except OfficeError as refused:
            turn.say(refused.message)


def _families_named(turn: Turn, text: str) -> list[int]:
    """The families "1 3 4" names on the attendance screen; empty unless every part names one."""
    named = match_many(turn.conversation.offered, text) or []
    if any(Came.unpack(payload) is None and NotCame.unpack(payload) is None for payload in named):
        return []
    return [mark.family for payload in named if (mark := Came.unpack(payload))]  # marked ones stay


def _list_label(event: Event, turn: Turn) -> str:
    over = " ✓" if event.ends_at <= turn.now else ""
    return f"{event.title(turn.language)} #{event.id}{over}"


def _may_change(turn: Turn) -> bool:
    event = shown_event(turn)
    return event is not None and events.changeable(turn.session, turn.actor, event.id, turn.now)
