"""Trainings, in a registered family's menu: the upcoming events of her office with her answer, each one's
details, her answer (going, not going; a waitlist when full), a calendar file; and those she attended.

Trainings → one event: when, where, her answer → ✅ Going · ❌ Not going · 📆 Add to my calendar · Back
          → Main menu
The same "Going" / "Not going" options come with invitations, reminders and changes; they answer from any
step of any conversation (see `answer_invitation`). Words not understood here are offered to her office.
"""

from __future__ import annotations

from enum import StrEnum

from babel.dates import format_date

from conversations.engine.choices import ShowEvent
from conversations.engine.screens import ANYTHING, On, Screens, Shown, not_registered
from conversations.engine.turn import FlowName, Turn
from conversations.family import ask_office
from core.channel import Meaning, Offer
from core.dates import RIYADH
from core.domain import GuestStatus
from core.i18n import N_, _
from core.payloads import Options, Rsvp, YesNo
from office import event_messages
from office import events as office_events
from office.errors import OfficeError
from office.event_messages import GOING_LABEL, NOT_GOING_LABEL
from storage import beneficiaries, events
from storage.events import Answer as Result
from storage.models import Event

YOUR_ANSWER = {
    GuestStatus.INVITED: N_("You have not answered yet."),
    GuestStatus.GOING: N_("Your answer: going ✅"),
    GuestStatus.NOT_GOING: N_("Your answer: not going."),
    GuestStatus.WAITLISTED: N_("It was full when you answered: you are on the waiting list."),
}
MARK = {GuestStatus.GOING: " ✅", GuestStatus.WAITLISTED: " ⏳", GuestStatus.NOT_GOING: " ❌"}


class TrainingsOption(Options, prefix="trainings"):
    """The trainings' options."""

    LIST = "list"
    MENU = "menu"
    CALENDAR = "calendar"


class Step(StrEnum):
    DETAIL = "detail"


def _find(turn: Turn, number: int) -> Event | None:
    return events.find(turn.session, number)


# The training on her screen, cancelled or over too (its calendar link is still given): see `on_the_list`.
SHOWN_TRAINING = Shown("training_shown", _find)


def on_the_list(turn: Turn) -> Event | None:
    """The training on her screen, unless it was cancelled or is over."""
    event = SHOWN_TRAINING.get(turn)
    if event is None or event.cancelled_at is not None or event.ends_at <= turn.now:
        return None
    return event


# -- screens -------------------------------------------------------------------------------------------


def listing(turn: Turn) -> None:
    turn.step = None
    family = beneficiaries.beneficiary(turn.session, turn.conversation.beneficiary_id or 0)
    if family is None:
        turn.go(FlowName.HOME)
        return
    upcoming = events.open_to(turn.session, family.id, family.office_code, turn.now)
    attended = events.attended_by(turn.session, family.id)
    lines = []
    if attended:
        titles = "\n".join(f"• {event.title(turn.language)} ({_day(event, turn)})" for event in attended[:5])
        lines.append(_("Trainings you attended:\n%(titles)s", titles=titles))
    if not upcoming:
        lines.insert(0, _("There are no upcoming trainings for your office at the moment."))
        turn.say("\n\n".join(lines))
        turn.go(FlowName.HOME)
        return
    offers = [
        Offer(
            label=f"{_day(event, turn)} · {event.title(turn.language)}{_mark(turn, event)}",
            payload=ShowEvent(event.id),
        )
        for event in upcoming[:8]
    ]
    lines.append(_("Upcoming trainings for your office. Choose one to see it and answer:"))
    turn.say("\n\n".join(lines), [*offers, Offer(label=N_("Main menu"), payload=TrainingsOption.MENU)])


def detail(turn: Turn) -> None:
    event = on_the_list(turn)
    if event is None:
        turn.say(_("That training is no longer on the list."))
        listing(turn)
        return
    turn.step = Step.DETAIL
    guest = events.guest(turn.session, event.id, turn.conversation.beneficiary_id or 0)
    status = GuestStatus(guest.status) if guest else GuestStatus.INVITED
    lines = [
        event.title(turn.language),
        event_messages.details(event, turn.language),
        str(YOUR_ANSWER[status]),
    ]
    if event.capacity is not None:
        left = max(event.capacity - events.going_count(turn.session, event.id), 0)
        lines.append(_("Places left: %(left)s of %(capacity)s", left=left, capacity=event.capacity))
    offers = [
        Offer(label=GOING_LABEL, payload=Rsvp(event.id, YesNo.YES), means=Meaning.YES),
        Offer(label=NOT_GOING_LABEL, payload=Rsvp(event.id, YesNo.NO), means=Meaning.NO),
    ]
    if turn.setup.calendar_url:
        offers.append(Offer(label=N_("📆 Add to my calendar"), payload=TrainingsOption.CALENDAR))
    offers.append(Offer(label=N_("Back to trainings"), payload=TrainingsOption.LIST, means=Meaning.BACK))
    turn.say("\n\n".join(lines), offers)


# -- what she chose ------------------------------------------------------------------------------------


def open_training(turn: Turn, chosen: ShowEvent) -> None:
    SHOWN_TRAINING.keep(turn, chosen.event)
    detail(turn)


def calendar_offered(turn: Turn, chosen: TrainingsOption) -> bool:
    """Only where the web server serves calendar files (`Setup.calendar_url`)."""
    return bool(turn.setup.calendar_url)


def add_to_calendar(turn: Turn, chosen: TrainingsOption) -> None:
    """The link to its calendar file (even if it was cancelled meanwhile: the screen then says so)."""
    event = SHOWN_TRAINING.get(turn)
    if event is not None:
        turn.say(
            _(
                "Open this link to add it to your phone's calendar: %(link)s",
                link=f"{turn.setup.calendar_url}/{event.calendar_key}.ics?lang={turn.language}",
            )
        )
    detail(turn)


def leave(turn: Turn) -> None:
    turn.go(FlowName.HOME)


trainings = Screens(
    FlowName.TRAININGS,
    screens={None: listing, Step.DETAIL: detail},
    routes=(
        On(*ANYTHING, when=not_registered, go=FlowName.HOME),  # whatever she chose
        On(TrainingsOption.MENU, go=FlowName.HOME),
        On(TrainingsOption.LIST, show=listing),
        On(ShowEvent, then=open_training),
        On(TrainingsOption.CALENDAR, at=Step.DETAIL, when=calendar_offered, then=add_to_calendar),
    ),
    otherwise=ask_office.not_understood,
    help_text=N_(
        "Here are your office's upcoming trainings. Choose one to see when and where it is, and to say "
        "whether you will come."
    ),
    on_cancel=leave,
)


def _day(event: Event, turn: Turn) -> str:
    return format_date(event.starts_at.astimezone(RIYADH).date(), format="d MMM", locale=turn.language)


def _mark(turn: Turn, event: Event) -> str:
    guest = events.guest(turn.session, event.id, turn.conversation.beneficiary_id or 0)
    return MARK.get(GuestStatus(guest.status), "") if guest else ""


def answer_invitation(turn: Turn, event_id: int, going: bool) -> None:
    """Her "Going" / "Not going", from an invitation, a reminder or the Trainings screen."""
    family_id = turn.conversation.beneficiary_id or 0
    try:
        answered = office_events.answer_invitation(turn.session, family_id, event_id, going, turn.now)
    except OfficeError as refused:
        turn.say(refused.message)
        return
    title = answered.event.title(turn.language)
    turn.say(
        {
            Result.GOING: _(
                "Thank you! You are registered for %(title)s. We will remind you before it starts."
            ),
            Result.WAITLISTED: _(
                "%(title)s is full, so you are on the waiting list. If a place opens, it is yours and we "
                "will tell you."
            ),
            Result.NOT_GOING: _("Noted: you will not come to %(title)s. Thank you for telling us."),
            Result.TOO_LATE: _("%(title)s has already started, so answers are closed."),
            Result.CANCELLED: _("%(title)s was cancelled."),
        }[answered.answer]
        % {"title": title}
    )
