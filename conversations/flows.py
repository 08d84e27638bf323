"""Every flow the engine can run, by name."""

from __future__ import annotations

from conversations.account import Account
from conversations.announcements import Announcements
from conversations.announcing import announce
from conversations.ask_office import AskOffice
from conversations.canteen_form import edit_canteen, new_canteen
from conversations.canteens import Canteens
from conversations.event_form import edit_event, new_event
from conversations.food_safety import FoodSafety
from conversations.identity import ConfirmIdentity
from conversations.menu import Home
from conversations.my_details import change_details
from conversations.registration import registration
from conversations.services import Services
from conversations.staff import StaffHome
from conversations.staff_canteens import StaffCanteens
from conversations.staff_events import StaffEvents
from conversations.staff_offices import StaffOffices, office_contact
from conversations.staff_questions import StaffQuestions
from conversations.staff_registrations import StaffRegistrations
from conversations.trainings import Trainings
from conversations.turn import Flow


def all_flows(calendar_url: str | None = None) -> dict[str, Flow]:
    """Every flow; `calendar_url` is where the web server serves events as .ics files, if it is reachable."""
    flows: list[Flow] = [
        Home(),
        AskOffice(),
        registration,
        Account(),
        change_details,
        StaffHome(),
        ConfirmIdentity(),
        Announcements(),
        announce,
        Trainings(calendar_url),
        StaffEvents(),
        new_event,
        edit_event,
        FoodSafety(),
        Services(),
        Canteens(),
        StaffCanteens(),
        StaffRegistrations(),
        StaffQuestions(),
        StaffOffices(),
        office_contact,
        new_canteen,
        edit_canteen,
    ]
    return {flow.name: flow for flow in flows}
