"""What buttons carry, typed: packed and unpacked in one place; anything else — another type's payload, a
malformed one, one never offered — is not taken for it."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from conversations.engine.choices import ShowEvent
from conversations.engine.engine import Engine
from conversations.engine.forms import FormOption, YesNoAnswer
from conversations.engine.screens import On
from conversations.engine.turn import Answer, FlowName
from conversations.family.tips import QuizChoice
from conversations.flows import all_flows
from conversations.staff.announcements import AnnouncementsOption
from conversations.staff.audience_fields import EveryOffice, Segment, requested_audience
from conversations.staff.canteens import Decide
from conversations.staff.events import Came, EventsOption, NotCame
from conversations.staff.registrations import ShowFamily
from core.domain import ApplicationStatus, StaffRole
from core.payloads import Options, Payload, Rsvp, YesNo, kept, parse
from storage.db import Database
from tests.support.builders import staff_person
from tests.support.people import Clock


def test_a_payload_comes_back_as_it_went() -> None:
    for payload in (
        Rsvp(7, YesNo.NO),
        QuizChoice("clean-2", 3),
        Decide(ApplicationStatus.REJECTED),
        Came(12),
    ):
        assert type(payload).unpack(payload.pack()) == payload
    assert Rsvp(7, YesNo.YES).pack() == "rsvp:7:yes"  # the form invitations already sent carry


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ("event:came:5", ShowEvent),  # another type that shares the start
        ("event:5", Came),
        ("event:x", ShowEvent),
        ("event:٥", ShowEvent),  # digits, but not ASCII ones
        ("event:5:6", ShowEvent),
        ("decide:yes", Decide),  # not a decision
        ("registration:verify", ShowFamily),
        ("", ShowEvent),
        (None, ShowEvent),
    ],
)
def test_anything_else_is_not_taken_for_it(payload: str | None, kind: type[Payload]) -> None:
    assert kind.unpack(payload) is None
    assert NotCame.unpack("event:not-came:5") == NotCame(5)


def test_any_payload_is_read_back_as_its_own_type() -> None:
    all_flows()  # every flow's types declared
    for payload in (
        ShowEvent(4),
        Came(4),
        NotCame(4),
        EventsOption.CANCEL,
        FormOption.SAVE,
        YesNoAnswer("x", YesNo.NO),
    ):
        assert parse(payload.pack()) == payload
    assert EventsOption.CANCEL.pack() == "events:cancel"
    assert parse("events:nothing") is None  # a prefix of ours, but no option of it
    assert parse("nobody:4") is None
    assert parse(None) is None


def test_a_kept_payload_must_be_of_its_type() -> None:
    assert kept(ShowEvent, "event:4") == ShowEvent(4)
    with pytest.raises(ValueError, match="not a ShowEvent"):
        kept(ShowEvent, "event:came:4")


def test_a_payload_that_would_not_fit_is_refused_when_made() -> None:
    with pytest.raises(ValueError, match="ASCII"):
        QuizChoice("سؤال", 1).pack()
    with pytest.raises(ValueError, match="1-64 bytes"):
        QuizChoice("q" * 70, 1).pack()
    with pytest.raises(ValueError, match="holds ':'"):
        QuizChoice("a:b", 1).pack()
    with pytest.raises(TypeError, match="already"):

        class Twice(Payload, prefix="event"):
            event: int

    with pytest.raises(TypeError, match="already"):

        class Again(Options, prefix="events"):
            NEW = "new"


def test_a_payload_type_is_a_frozen_dataclass_without_saying_so() -> None:
    chosen = QuizChoice("q1", 2)
    assert chosen == QuizChoice("q1", 2) and hash(chosen) == hash(QuizChoice("q1", 2))
    with pytest.raises(FrozenInstanceError):
        chosen.choice = 3  # type: ignore[misc]
    assert parse(chosen.pack()) == chosen


async def test_a_button_never_offered_is_refused_before_any_flow(
    database: Database, engine: Engine, clock: Clock
) -> None:
    huda = await staff_person(database, engine, clock, StaffRole.STAFF, "makkah", "901")
    await huda.says("hello")
    await huda.chooses("Training events")
    await huda.presses(ShowEvent(4).pack())  # forged: an event she was never shown
    assert "That choice is no longer available" in huda.heard
    assert "Event 4" not in huda.heard


def test_one_screens_option_is_never_anothers_though_both_say_back() -> None:
    assert EventsOption.STAFF_MENU.value == AnnouncementsOption.STAFF_MENU.value == "back"
    assert EventsOption.STAFF_MENU != AnnouncementsOption.STAFF_MENU
    assert EventsOption.STAFF_MENU == EventsOption.STAFF_MENU
    row = On(EventsOption.STAFF_MENU, go=FlowName.STAFF)
    assert row.fits(None, Answer(text="", choice=AnnouncementsOption.STAFF_MENU)) is None
    assert row.fits(None, Answer(text="", choice=EventsOption.STAFF_MENU)) is EventsOption.STAFF_MENU
    assert len({EventsOption.STAFF_MENU, AnnouncementsOption.STAFF_MENU}) == 2


def test_every_office_kept_in_a_draft_from_before_its_own_payload_is_still_every_office() -> None:
    kept_before = {"office": "office:all", "who": [Segment.VERIFIED.pack()]}
    assert requested_audience(kept_before).offices == ()
    assert requested_audience({**kept_before, "office": EveryOffice.ALL.pack()}).offices == ()
    assert requested_audience({**kept_before, "office": "office:jumum"}).offices == ("jumum",)
