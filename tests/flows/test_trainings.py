"""Trainings in her menu: the upcoming events of her office, her answer with one tap, the waitlist, the
calendar file, and the trainings she attended."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from conversations.engine.engine import Engine
from conversations.engine.turn import Setup
from conversations.flows import all_flows
from office import event_notices
from office import events as event_actions
from office.calendar import fold, ics
from office.errors import NotFound
from storage import events
from storage.audiences import Audience
from storage.db import Database
from storage.events import Answer, EventDetails
from storage.models import Delivery, Event
from tests.support.builders import FORUM, START, register_families
from tests.support.people import Clock, Person, ar, en
from tests.support.reads import deliveries_of
from tests.support.reads import guest_statuses as statuses


async def add_event(
    database: Database,
    clock: Clock,
    details: EventDetails = FORUM,
    office: str = "makkah",
    audience: Audience | None = None,
) -> int:
    """An event whose invitations have gone out (families who register later are in its audience too)."""
    chosen = audience or Audience(offices=(office,))
    number = int(
        await database.run(lambda s: events.create(s, details, chosen, clock.now, "900", clock.now).id)
    )
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    return number


async def test_she_sees_her_office_trainings_and_answers_with_one_tap(
    database: Database, clock: Clock, fatima: Person, mary: Person
) -> None:
    forum = await add_event(database, clock, EventDetails(**{**vars(FORUM), "capacity": 1}))
    await add_event(database, clock, EventDetails(**{**vars(FORUM), "title_ar": "دورة جدة"}), office="jeddah")
    only_others = Audience(offices=("makkah",), canteen_interest=False)  # she is interested in canteens
    await add_event(
        database, clock, EventDetails(**{**vars(FORUM), "title_ar": "دورة أخرى"}), audience=only_others
    )
    await fatima.registers()  # Makkah
    await fatima.chooses(ar("Trainings"))
    assert ar("Upcoming trainings for your office. Choose one to see it and answer:") in fatima.heard
    assert any("ملتقى الأسر المنتجة" in option for option in fatima.options)
    assert not any("دورة جدة" in option for option in fatima.options)  # another office's
    assert not any("دورة أخرى" in option for option in fatima.options)  # for families not in canteens

    await fatima.chooses("ملتقى الأسر المنتجة")
    assert "قاعة الغرفة التجارية، مكة" in fatima.heard and "1448" in fatima.heard
    assert ar("You have not answered yet.") in fatima.heard
    await fatima.chooses(ar("✅ Going"))
    assert "ملتقى الأسر المنتجة" in fatima.heard and ar("Your answer: going ✅") in fatima.heard
    await fatima.presses(f"rsvp:{forum}:yes")  # the invitation's button, tapped again: nothing changes
    assert ar("Your answer: going ✅") in fatima.heard

    await mary.registers(national_id="1000000016", mobile="0551234568", language="en")
    await mary.chooses("Trainings")
    await mary.chooses("Productive families forum")
    await mary.chooses("Going")
    assert "Productive families forum is full, so you are on the waiting list." in mary.heard

    await fatima.chooses(ar("❌ Not going"))  # her place goes to Mary
    assert ar("Your answer: not going.") in fatima.heard
    await mary.chooses("Back to trainings")
    await mary.chooses("Productive families forum")
    assert "Your answer: going ✅" in mary.heard and "Places left: 0 of 1" in mary.heard

    clock.now = START + timedelta(minutes=5)
    await mary.chooses("Not going")
    assert "Productive families forum has already started, so answers are closed." in mary.heard


async def test_the_calendar_link_and_what_she_attended(database: Database, clock: Clock) -> None:
    engine = Engine(database, all_flows(), setup=Setup(calendar_url="https://usar.example.org/calendar"))
    fatima = Person(engine, clock, address="966500000001")
    forum = await add_event(database, clock)
    await fatima.registers()
    await fatima.chooses(ar("Trainings"))
    await fatima.chooses("ملتقى الأسر المنتجة")
    await fatima.chooses(ar("📆 Add to my calendar"))
    key = await database.run(lambda s: events.find(s, forum).calendar_key)  # type: ignore[union-attr]
    assert f"https://usar.example.org/calendar/{key}.ics?lang=ar" in fatima.heard
    assert len(key) >= 16  # 128 random bits: nobody can guess another event's

    clock.now = START + timedelta(days=1)
    await database.run(lambda s: events.mark_attended(s, forum, [1], clock.now))
    await fatima.says("القائمة")
    await fatima.chooses(ar("Trainings"))
    assert ar("There are no upcoming trainings for your office at the moment.") in fatima.heard
    assert "• ملتقى الأسر المنتجة" in fatima.heard


def test_an_event_as_a_calendar_file(clock: Clock) -> None:
    event = Event(
        id=7, **vars(FORUM), audience={}, invite_at=clock.now, schedule=2, created_by="",
        created_at=clock.now, updated_at=clock.now,
    )  # fmt: skip
    text = ics(event, "en", clock.now)
    lines = text.split("\r\n")
    assert "UID:event-7@usar" in lines and "SEQUENCE:1" in lines
    assert "DTSTART:20261203T060000Z" in lines and "DTEND:20261203T090000Z" in lines
    assert "LOCATION:Chamber of Commerce hall\\, Makkah" in lines
    assert "STATUS:CONFIRMED" in lines and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    long_arabic = "SUMMARY:" + "ملتقى " * 30
    assert fold(long_arabic).replace("\r\n ", "") == long_arabic  # folded between characters, not inside one
    assert en("✅ Going") == "✅ Going"


async def test_her_answer_stops_an_invitation_still_waiting_and_she_sees_what_she_is_coming_to(
    database: Database, clock: Clock, fatima: Person, mary: Person
) -> None:
    await fatima.registers()  # Makkah
    await mary.registers(national_id="1000000016", mobile="0551234568", language="en")
    forum = await add_event(database, clock)  # both invited; the invitations wait in the outbox (not sent)
    await fatima.chooses(ar("Trainings"))
    await fatima.chooses("ملتقى الأسر المنتجة")
    await fatima.chooses(ar("✅ Going"))
    waiting = await database.run(
        lambda s: s.execute(
            select(Delivery.beneficiary_id, Delivery.status)
            .where(Delivery.kind == "invitation", Delivery.source_id == forum)
            .order_by(Delivery.beneficiary_id)
        ).all()
    )
    assert [tuple(row) for row in waiting] == [(1, "cancelled"), (2, "pending")]  # Mary has not answered

    await fatima.says("القائمة")
    await fatima.chooses(ar("My account"))
    await fatima.chooses(ar("My applications and trainings"))
    assert ar("Trainings you are coming to:") in fatima.heard and "• ملتقى الأسر المنتجة" in fatima.heard


async def test_her_answer_as_an_office_action_gives_a_freed_place_to_the_first_waiting(
    database: Database, clock: Clock
) -> None:
    await register_families(
        database, clock, [("فاطمة أحمد", "makkah"), ("مريم سالم", "makkah"), ("نورة علي", "jeddah")]
    )
    forum = await add_event(database, clock, EventDetails(**{**vars(FORUM), "capacity": 1}))

    async def answers(family: int, going: bool) -> Answer:
        return await database.run(
            lambda s: event_actions.answer_invitation(s, family, forum, going, clock.now).answer
        )

    assert await answers(1, True) is Answer.GOING
    assert await answers(2, True) is Answer.WAITLISTED
    assert await answers(1, False) is Answer.NOT_GOING  # her place goes to the first waiting, who is told
    assert await statuses(database, forum) == {1: "not_going", 2: "going"}
    assert await deliveries_of(database, "event_promoted") == [(2, "pending")]
    assert await deliveries_of(database, "invitation") == [(1, "cancelled"), (2, "cancelled")]  # answered

    with pytest.raises(NotFound):  # another office's training: not hers to answer, and nothing is kept
        await answers(3, True)
    assert await statuses(database, forum) == {1: "not_going", 2: "going"}
    clock.now = START
    assert await answers(1, True) is Answer.TOO_LATE
