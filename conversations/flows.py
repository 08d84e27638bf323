"""Every flow the engine can run, put together once: by its name, with the options that answer from any
step and where files go. Each table is checked here, so that a mistake in one stops the start, not a
conversation."""

from __future__ import annotations

from conversations.engine.screens import Screens
from conversations.engine.turn import Dialogue, Flow, FlowName
from conversations.family import standing, wishes
from conversations.family.account import account
from conversations.family.ask_office import ToHerOffice, ask_my_office
from conversations.family.canteens import canteen_opportunities
from conversations.family.confirm_identity import confirm_identity
from conversations.family.library import library
from conversations.family.menu import home
from conversations.family.my_details import change_details
from conversations.family.registration import registration
from conversations.family.services import services
from conversations.family.subscription import subscription
from conversations.family.tips import food_safety
from conversations.family.trainings import trainings
from conversations.staff.announcement_form import announce
from conversations.staff.announcements import staff_announcements
from conversations.staff.canteen_form import edit_canteen, new_canteen
from conversations.staff.canteens import staff_canteens
from conversations.staff.event_form import edit_event, new_event
from conversations.staff.events import staff_events
from conversations.staff.menu import staff_home
from conversations.staff.offices import office_contact, staff_offices
from conversations.staff.questions import staff_questions
from conversations.staff.registrations import staff_registrations


class FlowsWrong(Exception):
    """The flows do not fit together: a name twice or missing, a table that leads nowhere."""


def all_flows() -> Dialogue:
    """Every flow, checked."""
    flows: list[Flow] = [
        # a family's
        home,
        registration,
        confirm_identity,
        trainings,
        food_safety,
        canteen_opportunities,
        services,
        account,
        change_details,
        ask_my_office,
        library,
        subscription,
        # the staff chat's
        staff_home,
        staff_questions,
        staff_registrations,
        staff_announcements,
        announce,
        staff_events,
        new_event,
        edit_event,
        staff_canteens,
        new_canteen,
        edit_canteen,
        staff_offices,
        office_contact,
    ]
    problems = check(flows)
    if problems:
        raise FlowsWrong("; ".join(problems))
    return Dialogue(
        {flow.name: flow for flow in flows},
        standing=standing.answered,
        handoff=ToHerOffice(),
        wishes=wishes.wished,
    )


def check(flows: list[Flow]) -> list[str]:
    """Each name once, every name there, and each table sound (`Screens.check`)."""
    names = [flow.name for flow in flows]
    problems = [f"{name} twice" for name in sorted(set(names)) if names.count(name) > 1]
    problems += [f"no flow {name}" for name in FlowName if name not in names]
    for flow in flows:
        if isinstance(flow, Screens):
            problems += flow.check(names)
    return problems
