"""Publishing a school-canteen opportunity in the staff chat: school, stage, girls or boys, district, office
(admins choose; an office's staff publish for their own), students, start day, deadline, places,
requirements; a summary with the Hijri dates, then Save. Changing an open one asks the same but for the
stage, girls or boys and the office (they decide who applied), starting from the opportunity as it is.

Publish an opportunity → school → stage → girls or boys → district → office (admins) → students → start
                       → deadline → places → requirements → summary → Save → Canteen opportunities
Change the opportunity → summary of it as it is → Change an answer … → Save → Canteen opportunities
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from babel.dates import format_date

from conversations.engine.choices import OfficeChoice, office_options
from conversations.engine.forms import Choice, Field, Form, Invalid, Text, asked_again, asked_again_if_refused
from conversations.engine.screens import Shown, she_may_see
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.staff.audience_fields import office_question
from conversations.staff.event_form import Optional, short_text
from core.channel import Offer
from core.dates import hijri_date, long_time, parse_day, parse_deadline
from core.domain import SchoolStage
from core.i18n import N_, _
from core.payloads import Options, Payload, kept
from core.validators import count_of
from office import canteens
from office.errors import Refused
from office.words import STAGES
from storage.canteens import NewOpportunity


class StageChoice(Payload, prefix="stage"):
    stage: SchoolStage


def whole_number(text: str, turn: Turn) -> int:
    number = count_of(text, _("Please type a whole number, like 40."))
    if number < 1:
        raise Invalid(_("Please type a number of at least 1."))
    return number


@dataclass(frozen=True, kw_only=True)
class Day(Field):
    """A day, "2027-01-10" or "10/1/2027", any digits."""

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        day = parse_day(answer.text)
        if day is None:
            raise Invalid(_("Please type the day like 2027-01-10."))
        return day.isoformat()

    def show(self, turn: Turn, value: Any) -> str:
        day = date.fromisoformat(value)
        hijri = hijri_date(day, turn.language)
        shown = format_date(day, format="long", locale=turn.language)
        return f"{shown} ({hijri})" if hijri else shown


@dataclass(frozen=True, kw_only=True)
class Deadline(Field):
    """A day (until 23:59) or a day and time, Riyadh time, in the future."""

    def take(self, turn: Turn, answer: Answer, draft: dict[str, Any]) -> Any:
        moment = parse_deadline(answer.text)
        if moment is None:
            raise Invalid(_("Please type the last day for applications, like 2026-12-15."))
        if moment <= turn.now:
            raise Invalid(_("That time has already passed."))
        return moment.astimezone(UTC).isoformat()

    def show(self, turn: Turn, value: Any) -> str:
        return long_time(datetime.fromisoformat(value))


class School(Options, prefix="school"):
    """Whose school it is."""

    GIRLS = "girls"
    BOYS = "boys"


def stage_options(turn: Turn) -> Sequence[Offer]:
    return [Offer(label=label, payload=StageChoice(SchoolStage(stage))) for stage, label in STAGES.items()]


def gender_options(turn: Turn) -> Sequence[Offer]:
    return [
        Offer(label=N_("Girls' school"), payload=School.GIRLS),
        Offer(label=N_("Boys' school"), payload=School.BOYS),
    ]


# The office action's names for the values the form asks.
FIELDS = {"school": "school", "district": "district", "office": "office", "students": "students",
          "start": "start", "starts_on": "start", "deadline": "deadline", "places": "places"}  # fmt: skip


def _opportunity_of(answers: dict[str, Any], office: str, stage: str, girls: bool) -> NewOpportunity:
    return NewOpportunity(
        school_name=answers["school"],
        stage=stage,
        girls=girls,
        district=answers["district"],
        office_code=office,
        students=answers["students"],
        starts_on=date.fromisoformat(answers["start"]),
        deadline=datetime.fromisoformat(answers["deadline"]),
        places=answers["places"],
        requirements=answers.get("requirements") or "",
    )


def publish(turn: Turn, answers: dict[str, Any]) -> None:
    by = turn.rights
    if by is None:
        turn.say(_("Only staff can publish opportunities. Nothing was saved."))
        turn.go(FlowName.HOME)
        return
    chosen = OfficeChoice.unpack(answers.get("office")) if by.admin else None  # asked of admins alone
    office = chosen.code if chosen is not None else by.office_code or "-"
    stage = kept(StageChoice, answers["stage"]).stage
    new = _opportunity_of(answers, office, stage, answers["gender"] == School.GIRLS.pack())
    with asked_again_if_refused(turn, FIELDS, "school"):
        opportunity = canteens.publish(turn.session, turn.actor, new, turn.now)
        turn.say(
            _(
                "Opportunity %(number)s is published: %(school)s. Families of the office see it now under "
                "“Canteen opportunities”.",
                number=opportunity.id,
                school=opportunity.school_name,
            )
        )
    turn.go(FlowName.STAFF_CANTEENS)


# The questions a change asks again too.
SCHOOL = Text("school", N_("School"), N_("What is the school's name?"), parse=short_text(200))
DISTRICT = Text("district", N_("District"), N_("In which district is it?"), parse=short_text(200))
AFTER_THE_OFFICE: list[Field] = [
    Text("students", N_("Students"), N_("How many students does it have?"), parse=whole_number),
    Day("start", N_("Starts"), N_("On which day does the canteen start? For example 2027-01-10.")),
    Deadline(
        "deadline",
        N_("Apply by"),
        N_("What is the last day for applications? For example 2026-12-15 (until 23:59), or a day and time."),
    ),
    Text("places", N_("Places"), N_("How many families can be accepted?"), parse=whole_number),
    Optional(
        "requirements",
        N_("Requirements"),
        N_("What is asked of the family? Type it, or choose “No requirements”."),
        none_label=N_("No requirements"),
        parse=short_text(1000),
    ),
]


new_canteen = Form(
    name=FlowName.NEW_CANTEEN,
    intro=N_(
        "A new canteen opportunity. You can type “cancel” at any time; nothing is published before you save."
    ),
    resumed=N_("Let us continue the opportunity you were writing."),
    cancelled=N_("The opportunity was discarded. Nothing was published."),
    review_intro=N_("Please check the opportunity:"),
    on_complete=publish,
    fields=[
        SCHOOL,
        Choice("stage", N_("Stage"), N_("Which stage?"), options=stage_options),
        Choice("gender", N_("Girls or boys"), N_("A girls' or a boys' school?"), options=gender_options),
        DISTRICT,
        office_question(N_("Which office's families can apply?"), office_options),
        *AFTER_THE_OFFICE,
    ],
)


# The opportunity on her screen (conversations.staff.canteens), which a change starts from: admins any, an
# office's staff their office's.
SHOWN_OPPORTUNITY = Shown("canteen_opportunity", she_may_see(canteens.opportunity))


def current_opportunity(turn: Turn) -> dict[str, Any]:
    """The opportunity as it is: the change starts from it."""
    found = SHOWN_OPPORTUNITY.get(turn)
    if found is None:
        return {}
    return {
        "school": found.school_name,
        "district": found.district,
        "students": found.students,
        "start": found.starts_on.isoformat(),
        "deadline": found.deadline.isoformat(),
        "places": found.places,
        "requirements": found.requirements,
    }


def change_opportunity(turn: Turn, answers: dict[str, Any]) -> None:
    opportunity = SHOWN_OPPORTUNITY.get(turn)
    if opportunity is None:
        turn.say(_("That opportunity can no longer be changed. Nothing was saved."))
        turn.go(FlowName.STAFF_CANTEENS)
        return
    changed = _opportunity_of(answers, opportunity.office_code, opportunity.stage, opportunity.girls)
    try:
        canteens.edit(
            turn.session,
            turn.actor,
            opportunity.id,
            {name: getattr(changed, name) for name in canteens.CHANGEABLE},
            turn.now,
        )
    except Refused as refused:
        if refused.problems[0].field is None:  # it closed meanwhile
            turn.say(refused.message + " " + _("Nothing was saved."))
            turn.go(FlowName.STAFF_CANTEENS)
            return
        raise asked_again(refused, FIELDS, "school") from refused
    turn.say(_("Saved. Families see the opportunity as it is now."))
    turn.go(FlowName.STAFF_CANTEENS)


edit_canteen = Form(
    name=FlowName.EDIT_CANTEEN,
    intro=N_("Change the opportunity."),
    resumed=N_("Let us continue changing the opportunity."),
    cancelled=N_("Nothing was changed."),
    review_intro=N_("The opportunity as it will be (choose “Change an answer” to change something):"),
    prefill=current_opportunity,
    prefilled=N_("Here is the opportunity as it is now."),
    on_complete=change_opportunity,
    fields=[SCHOOL, DISTRICT, *AFTER_THE_OFFICE],
)
