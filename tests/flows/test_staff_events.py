"""Staff run a training event in the chat: create it, follow the answers, mark who came, cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.engine.engine import Engine
from core.domain import StaffRole
from office import event_notices
from storage import events
from storage.audiences import Audience
from storage.db import Database
from storage.models import Delivery, Event
from tests.support.builders import staff_person
from tests.support.people import Clock, Person


async def test_an_office_creates_an_event_and_marks_who_came(
    database: Database, engine: Engine, clock: Clock, fatima: Person
) -> None:
    await fatima.registers()  # Makkah
    huda = await staff_person(database, engine, clock, StaffRole.STAFF, "makkah", "901")
    await huda.says("hello")
    await huda.chooses("Training events")
    await huda.chooses("New event")
    await huda.says("ملتقى الأسر المنتجة")
    await huda.says("لا يوجد")  # the "No English title" button, in her words
    assert "A few lines for the invitation" in huda.heard
    await huda.says("تعريف بسلامة الغذاء\n\n \n\n   وتسويق   المنتجات  ")
    await huda.says("2026-12-03 4:00")
    assert "04:00 is at night. Please type the time on the 24-hour clock, like 16:00" in huda.heard
    await huda.says("2026-12-03 09:00")
    await huda.says("08:00")
    assert "It must end after it starts (09:00)." in huda.heard
    await huda.says("١٢:٠٠")
    await huda.says("قاعة الغرفة التجارية")
    await huda.says("maps please")
    assert "Please send a link that starts with https://" in huda.heard
    await huda.says("https://maps.example.org/forum")
    await huda.says("0")
    assert "Please type a number of places, like 40" in huda.heard
    await huda.says("٤٠")
    assert "Which office" not in huda.heard
    await huda.chooses("Everyone")
    await huda.chooses("Done")
    assert "When should the invitations go out?" in huda.heard
    await huda.chooses("Now")
    assert "Please check the event:" in huda.heard
    assert "December 3, 2026 (23 Jumada al-Akhirah 1448 AH), 12:00 Riyadh time" in huda.heard
    await huda.chooses("Save")
    assert "Event 1 is saved: ملتقى الأسر المنتجة" in huda.heard
    event = await database.run(lambda s: s.scalars(select(Event)).one())
    assert (event.starts_at, event.ends_at, event.capacity, event.description_ar) == (
        datetime(2026, 12, 3, 6, 0, tzinfo=UTC),
        datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
        40,
        "تعريف بسلامة الغذاء\n\nوتسويق المنتجات",
    )
    assert Audience.from_json(event.audience) == Audience(offices=("makkah",))
    assert event.title_en is None  # not the title "لا يوجد"

    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    invitation = await database.run(
        lambda s: s.scalars(
            select(Delivery.payload).where(Delivery.kind == event_notices.INVITATION.name)
        ).one()
    )
    assert "تعريف بسلامة الغذاء\n\nوتسويق المنتجات" in invitation["ar"]
    await database.run(lambda s: events.answer(s, 1, 1, True, clock.now))
    await huda.chooses("Upcoming and recent events")
    await huda.chooses("ملتقى الأسر المنتجة #1")
    assert "going: 1" in huda.heard and "Going: فاطمة أحمد الزهراني" in huda.heard
    assert "Mark attendance" not in huda.options  # not before it starts

    # The forum moves to the next day: those invited are told.
    await huda.chooses("Change the event")
    assert "Here is the event as it is now." in huda.heard and "قاعة الغرفة التجارية" in huda.heard
    assert "تعريف بسلامة الغذاء" in huda.heard
    await huda.chooses("Change an answer")
    await huda.chooses("English title")
    await huda.says("Productive Families Forum")
    await huda.chooses("Change an answer")
    await huda.chooses("Starts")
    await huda.says("2026-12-04 09:00")
    assert "December 4, 2026" in huda.heard
    await huda.chooses("Save")
    assert "It must end after it starts (09:00)." in huda.heard  # the end was still the 3rd
    await huda.says("12:00")
    await huda.chooses("Save")
    assert "Saved. Those invited who have not said no are told of the new time or place." in huda.heard
    event = await database.run(lambda s: s.scalars(select(Event)).one())
    assert (event.starts_at, event.ends_at, event.title_en, event.description_ar) == (
        datetime(2026, 12, 4, 6, 0, tzinfo=UTC),
        datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
        "Productive Families Forum",
        "تعريف بسلامة الغذاء\n\nوتسويق المنتجات",
    )
    changes = await database.run(
        lambda s: s.scalars(select(Delivery.beneficiary_id).where(Delivery.kind == "event_change")).all()
    )
    assert list(changes) == [1]

    await huda.chooses("Upcoming and recent events")
    await huda.chooses("Productive Families Forum #1")
    clock.now = event.starts_at + timedelta(minutes=5)  # it starts while her screen offers to change it
    await huda.chooses("Change the event")
    assert "That event can no longer be changed." in huda.heard
    assert "Change the event" not in huda.options and "Mark attendance" in huda.options
    await huda.chooses("Back to events")

    clock.now = event.ends_at + timedelta(days=2)  # the office marks who came two days later
    await huda.chooses("Upcoming and recent events")
    await huda.chooses("Productive Families Forum #1 ✓")  # her language is English; ✓: it is over
    await huda.chooses("Mark attendance")
    await huda.chooses("فاطمة أحمد الزهراني")
    assert "✅ فاطمة أحمد الزهراني" in huda.options
    await huda.presses("event:came:1")  # the same button again (a double tap): a stale one, she stays marked
    assert "✅ فاطمة أحمد الزهراني" in huda.options
    await huda.chooses("✅ فاطمة أحمد الزهراني")  # a mistake: chosen again, her mark is taken back
    assert "فاطمة أحمد الزهراني" in huda.options and "✅ فاطمة أحمد الزهراني" not in huda.options
    await huda.says("١ ")  # several at once work too ("1 3 4"); here the one going
    assert "✅ فاطمة أحمد الزهراني" in huda.options
    await huda.chooses("Done")
    assert "attended: 1" in huda.heard
    await huda.chooses("Thank those who came")
    assert "A thank-you goes to the one family who came." in huda.heard
    thanked = await database.run(
        lambda s: s.scalars(select(Delivery.beneficiary_id).where(Delivery.kind == "event_thanks")).all()
    )
    assert list(thanked) == [1]

    clock.now = event.ends_at + timedelta(days=15)
    await huda.chooses("Back to events")
    await huda.chooses("Upcoming and recent events")
    assert "There are no upcoming events, nor any in the last two weeks." in huda.heard


async def test_an_admin_cancels_and_those_going_are_told(
    database: Database, engine: Engine, clock: Clock, fatima: Person
) -> None:
    await fatima.registers()
    await database.run(
        lambda s: events.create(
            s,
            events.EventDetails(
                title_ar="دورة",
                starts_at=clock.now + timedelta(days=2),
                ends_at=clock.now + timedelta(days=2, hours=2),
                venue_ar="المكتب",
            ),
            Audience(),
            clock.now,
            "900",
            clock.now,
        )
    )
    await database.run(lambda s: events.answer(s, 1, 1, True, clock.now))
    noura = await staff_person(database, engine, clock, StaffRole.ADMIN, None, "900")
    await noura.says("hello")
    await noura.chooses("Training events")
    await noura.chooses("Upcoming and recent events")
    await noura.chooses("دورة #1")
    await noura.chooses("Cancel this event")
    await noura.says("نعم")
    assert "Event 1 is cancelled" in noura.heard
    kinds = await database.run(lambda s: s.scalars(select(Delivery.kind)).all())
    assert kinds == ["event_cancelled"]

    other = await staff_person(database, engine, clock, StaffRole.STAFF, "jeddah", "902")
    await other.says("hello")
    await other.chooses("Training events")
    await other.presses("event:1")
    assert "Event 1:" not in other.heard


async def test_office_staff_follow_their_families_at_an_event_for_every_office(
    database: Database, engine: Engine, clock: Clock, fatima: Person
) -> None:
    await fatima.registers()  # Makkah
    starts = clock.now + timedelta(days=2)
    details = events.EventDetails(
        title_ar="ملتقى عام",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        venue_ar="الغرفة التجارية",
    )
    await database.run(lambda s: events.create(s, details, Audience(), clock.now, "900", clock.now))
    await database.run(lambda s: events.answer(s, 1, 1, True, clock.now))
    huda = await staff_person(database, engine, clock, StaffRole.STAFF, "makkah", "901")
    await huda.says("hello")
    await huda.chooses("Training events")
    await huda.chooses("Upcoming and recent events")
    await huda.chooses("ملتقى عام #1")
    assert "Going: فاطمة أحمد الزهراني" in huda.heard
    assert "Cancel this event" not in huda.options  # an admin's event: hers to follow, not to change
    assert "Change the event" not in huda.options


async def test_several_families_are_marked_at_once(
    database: Database, engine: Engine, clock: Clock, fatima: Person, mary: Person
) -> None:
    await fatima.registers()
    await mary.registers(national_id="1000000016", mobile="0551234568", language="en")

    def an_event_both_go_to(session: Session) -> None:
        details = events.EventDetails(
            title_ar="دورة",
            starts_at=clock.now + timedelta(hours=1),
            ends_at=clock.now + timedelta(hours=3),
            venue_ar="المكتب",
        )
        events.create(session, details, Audience(), clock.now, "900", clock.now)
        event_notices.invite_due(session, clock.now)
        for family in (1, 2):
            events.answer(session, 1, family, True, clock.now)

    await database.run(an_event_both_go_to)
    clock.now += timedelta(hours=2)
    noura = await staff_person(database, engine, clock, StaffRole.ADMIN, None, "900")
    await noura.says("hello")
    await noura.chooses("Training events")
    await noura.chooses("Upcoming and recent events")
    await noura.chooses("دورة #1")
    await noura.chooses("Mark attendance")
    await noura.says("١ و ٢")
    assert [option for option in noura.options if option.startswith("✅")] == [
        "✅ فاطمة أحمد الزهراني",
        "✅ فاطمة أحمد الزهراني",
    ]
    await noura.says("1 9")  # a number that names nobody: nothing is marked or taken back
    assert "Sorry, I did not understand that" in noura.heard
    await noura.chooses("Done")
    assert "attended: 2" in noura.heard
