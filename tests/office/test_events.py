"""A training event's whole cycle, with the clock in the test's hands: create → invite → answers with a full
event and its waitlist → change of time → reminders at the right moments, once, also after a restart →
cancel → attendance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain import Product
from core.i18n import use_language
from core.payloads import Rsvp, YesNo
from office import event_messages, event_notices, registrations
from office import events as event_actions
from storage import dashboard, events
from storage.audiences import Audience
from storage.beneficiaries import OwnChanges
from storage.db import Database
from storage.events import Answer, Answered, EventDetails
from storage.kinds import Message
from storage.models import Beneficiary, Delivery, Event
from tests.support.builders import FORUM, START, town
from tests.support.people import Clock
from tests.support.reads import deliveries_of
from tests.support.reads import guest_statuses as statuses

MAKKAH = Audience(offices=("makkah",))  # in `town`: families 3, 6, 9 (and 12, who stopped announcements)


async def answer(database: Database, event_id: int, family: int, going: bool, now: datetime) -> Answered:
    def act(session: Session) -> Answered:
        answered = events.answer(session, event_id, family, going, now)
        event = events.find(session, event_id)
        if answered.promoted is not None and event is not None:
            event_notices.tell_promoted(session, event, answered.promoted, now)
        return answered

    return await database.run(act)


async def test_the_whole_cycle_of_a_training(database: Database, clock: Clock) -> None:
    await town(database, clock)
    invite_at = clock.now + timedelta(hours=1)
    event_id = await database.run(lambda s: events.create(s, FORUM, MAKKAH, invite_at, "900", clock.now).id)

    # Invitations wait for their time, then go once to the audience (not to the family who stopped).
    assert await database.run(lambda s: event_notices.invite_due(s, clock.now)) == []
    clock.advance(hours=1)
    assert await database.run(lambda s: event_notices.invite_due(s, clock.now)) == [event_id]
    assert await database.run(lambda s: event_notices.invite_due(s, clock.now)) == []
    assert await deliveries_of(database, "invitation") == [(3, "pending"), (6, "pending"), (9, "pending")]
    assert await statuses(database, event_id) == {3: "invited", 6: "invited", 9: "invited"}

    # Two places: the third "yes" waits; when someone going says no, the first waiting gets the place.
    assert await answer(database, event_id, 3, True, clock.now) == Answered(Answer.GOING)
    assert await answer(database, event_id, 3, True, clock.now) == Answered(Answer.GOING)  # tapped twice
    assert await answer(database, event_id, 6, True, clock.now) == Answered(Answer.GOING)
    assert await answer(database, event_id, 9, True, clock.now) == Answered(Answer.WAITLISTED)
    assert await answer(database, event_id, 3, False, clock.now) == Answered(Answer.NOT_GOING, promoted=9)
    assert await statuses(database, event_id) == {3: "not_going", 6: "going", 9: "going"}
    assert await deliveries_of(database, "event_promoted") == [(9, "pending")]
    assert await answer(database, event_id, 3, True, clock.now) == Answered(Answer.WAITLISTED)

    # No reminder a day and more before; the 24-hour one at its time, once.
    clock.now = START - timedelta(hours=25)
    assert await database.run(lambda s: event_notices.remind_due(s, clock.now)) == 0
    clock.now = START - timedelta(hours=24)
    assert await database.run(lambda s: event_notices.remind_due(s, clock.now)) == 1
    assert await database.run(lambda s: event_notices.remind_due(s, clock.now)) == 0
    assert await deliveries_of(database, "reminder") == [(6, "pending"), (9, "pending")]

    # The time changes: those who have not said no are told, and reminded again for the new time.
    moved = EventDetails(
        **{
            **vars(FORUM),
            "starts_at": START + timedelta(days=1),
            "ends_at": START + timedelta(days=1, hours=3),
        }
    )

    def move(session: Session) -> bool:
        event = events.find(session, event_id)
        assert event is not None
        edited = events.edit(session, event, moved, clock.now)
        event_notices.tell_of_edit(session, event, edited, clock.now)
        return edited.moved

    assert await database.run(move) is True
    assert await deliveries_of(database, "event_change") == [(3, "pending"), (6, "pending"), (9, "pending")]

    # The service was down when the new 24-hour reminder fell due, and comes back 1 hour before the start:
    # only the 2-hour reminder goes, late but once; none after the start.
    clock.now = moved.starts_at - timedelta(hours=1)
    assert await database.run(lambda s: event_notices.remind_due(s, clock.now)) == 1
    assert await database.run(lambda s: event_notices.remind_due(s, clock.now)) == 0
    reminders = await database.run(
        lambda s: s.execute(
            select(Delivery.source_id, Delivery.payload).where(Delivery.kind == "reminder")
        ).all()
    )
    assert len({source for source, _ in reminders}) == 2  # the first schedule's 24 h, the second's 2 h
    clock.now = moved.starts_at + timedelta(minutes=1)
    assert await database.run(lambda s: event_notices.remind_due(s, clock.now)) == 0
    assert await answer(database, event_id, 6, False, clock.now) == Answered(Answer.TOO_LATE)

    # Attendance after the event.
    marked = await database.run(lambda s: events.mark_attended(s, event_id, [6, 9], clock.now))
    assert marked == 2
    assert await database.run(lambda s: events.tally(s, event_id)) == {
        "invited": 0,
        "going": 2,
        "not_going": 0,
        "waitlisted": 1,
        "attended": 2,
    }


async def test_a_cancelled_event_tells_those_who_said_yes_and_stops_what_is_pending(
    database: Database, clock: Clock
) -> None:
    await town(database, clock)
    event_id = await database.run(lambda s: events.create(s, FORUM, MAKKAH, clock.now, "900", clock.now).id)
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    await answer(database, event_id, 3, True, clock.now)
    await answer(database, event_id, 6, False, clock.now)
    clock.now = START - timedelta(hours=2)
    await database.run(lambda s: event_notices.remind_due(s, clock.now))

    def cancel(session: Session) -> bool:
        event = events.find(session, event_id)
        assert event is not None
        if not events.cancel(session, event, clock.now):
            return False
        event_notices.tell_of_cancellation(session, event, clock.now)
        return True

    assert await database.run(cancel) is True
    assert await database.run(cancel) is False
    assert await deliveries_of(database, "event_cancelled") == [(3, "pending")]
    assert await deliveries_of(database, "reminder") == [(3, "cancelled")]
    assert set(await deliveries_of(database, "invitation")) == {
        (3, "cancelled"),
        (6, "cancelled"),
        (9, "cancelled"),
    }
    assert await database.run(lambda s: event_notices.remind_due(s, clock.now)) == 0
    assert await answer(database, event_id, 9, True, clock.now) == Answered(Answer.CANCELLED)


async def test_a_guest_who_moves_to_another_office_is_counted_by_her_new_office(
    database: Database, clock: Clock
) -> None:
    """The guest rows carry her office (the tally reads no family): a move carries them along."""
    await town(database, clock)
    event_id = await database.run(lambda s: events.create(s, FORUM, MAKKAH, clock.now, "900", clock.now).id)
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    await answer(database, event_id, 3, True, clock.now)
    await answer(database, event_id, 12, True, clock.now)  # stopped announcements; registered after, say

    def going(session: Session, office: str) -> int:
        return dashboard.training_answers(session, [event_id], office)[event_id].going

    assert await database.run(lambda s: (going(s, "makkah"), going(s, "jeddah"))) == (2, 0)

    def moves(session: Session) -> None:
        family = session.get(Beneficiary, 3)
        assert family is not None
        products = [Product(row.product) for row in family.product_rows]
        changes = OwnChanges(
            family.full_name, family.mobile, False, "jeddah", products, family.health_certificate, False
        )
        registrations.change_own(session, 3, changes, clock.now)

    await database.run(moves)
    assert await database.run(lambda s: (going(s, "makkah"), going(s, "jeddah"))) == (1, 1)


async def test_the_guests_are_read_a_page_at_a_time_those_coming_first(
    database: Database, clock: Clock
) -> None:
    """Pages start after (or end before) a guest, where she stands in the order: going, waiting, no answer,
    not going, by name; an office's page holds its own families only."""
    await town(database, clock)
    every = Audience()
    event_id = await database.run(lambda s: events.create(s, FORUM, every, clock.now, "900", clock.now).id)
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    await answer(database, event_id, 9, True, clock.now)
    await answer(database, event_id, 6, False, clock.now)

    Read = tuple[list[int], bool, bool, bool]  # the page's families, earlier, later, restarted

    def pages(office: str | None, **where: Any) -> Callable[[Session], Read]:
        def read(session: Session) -> Read:
            page = events.guest_page(session, event_id, office, 2, **where)
            numbers = [line.beneficiary_id for line in page.lines]
            return numbers, page.earlier, page.later, page.restarted

        return read

    # Makkah's guests: 9 (going), then 3 (no answer), then 6 (not going); 12 stopped: not invited.
    assert await database.run(pages("makkah")) == ([9, 3], False, True, False)
    assert await database.run(pages("makkah", after=3)) == ([6], True, False, False)
    assert await database.run(pages("makkah", before=6)) == ([9, 3], False, True, False)
    assert await database.run(pages("makkah", last=True)) == ([3, 6], True, False, False)
    assert await database.run(pages("makkah", after=1)) == ([9, 3], False, True, True)  # not Makkah's
    first, _, _, _ = await database.run(pages(None))
    second, _, _, _ = await database.run(pages(None, after=first[-1]))
    assert first[0] == 9 and len(set(first + second)) == 4  # every office's: none twice


async def test_an_invitation_reads_well_in_each_language(database: Database, clock: Clock) -> None:
    event = Event(
        id=7,
        **vars(FORUM),
        audience={},
        invite_at=clock.now,
        schedule=1,
        created_by="",
        created_at=clock.now,
        updated_at=clock.now,
    )
    invitation = event_messages.invitation(event)
    payload = invitation.texts
    assert "ملتقى الأسر المنتجة" in payload["ar"] and "1448" in payload["ar"] and "12:00" in payload["ar"]
    assert "Productive families forum" in payload["en"]
    assert "December 3, 2026" in payload["en"] and "09:00 Riyadh time" in payload["en"]
    assert (
        "Chamber of Commerce hall, Makkah" in payload["en"]
        and "https://maps.example.org/forum" in payload["en"]
    )
    assert [button.payload for button in invitation.options] == ["rsvp:7:yes", "rsvp:7:no"]
    assert invitation.expires_at == START
    assert invitation.to_json()["options"][0] == {"payload": "rsvp:7:yes", "ar": "✅ سأحضر", "en": "✅ Going"}
    assert Message.from_json(invitation.to_json()) == invitation  # as the outbox keeps it, and reads it back
    assert Rsvp.unpack("rsvp:7:yes") == Rsvp(7, YesNo.YES)  # as invitations already sent carry it
    assert Rsvp.unpack("rsvp:x:yes") is None and Rsvp.unpack("rsvp:7:maybe") is None


async def test_details_that_make_no_sense_are_refused(clock: Clock) -> None:
    wrong = EventDetails(
        title_ar=" ", starts_at=START, ends_at=START, venue_ar="", capacity=0, map_url="maps"
    )
    with use_language("en"):
        assert [str(problem) for problem in event_actions.problems(wrong, clock.now)] == [
            "title_ar: Write its title.",
            "venue_ar: Write where it is.",
            "ends_at: It must end after it starts (09:00).",
            "capacity: at least 1 (or none for no limit)",
            "map_url: a link that starts with https://",
        ]
        past = EventDetails(**{**vars(FORUM), "starts_at": clock.now - timedelta(minutes=1)})
        assert [str(problem) for problem in event_actions.problems(past, clock.now)] == [
            "starts_at: That time has already passed."
        ]
        assert event_actions.problems(FORUM, clock.now) == []


async def test_more_places_or_none_give_the_waiting_their_place_and_tell_them(
    database: Database, clock: Clock
) -> None:
    await town(database, clock)
    event_id = await database.run(lambda s: events.create(s, FORUM, MAKKAH, clock.now, "900", clock.now).id)
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    for family in (3, 6, 9):
        await answer(database, event_id, family, True, clock.now)
    assert await statuses(database, event_id) == {3: "going", 6: "going", 9: "waitlisted"}

    def no_limit(session: Session) -> list[int]:
        event = events.find(session, event_id)
        assert event is not None
        edited = events.edit(session, event, EventDetails(**{**vars(FORUM), "capacity": None}), clock.now)
        event_notices.tell_of_edit(session, event, edited, clock.now)
        return edited.promoted

    assert await database.run(no_limit) == [9]
    assert await deliveries_of(database, "event_promoted") == [(9, "pending")]
    assert await deliveries_of(database, "event_change") == []  # neither time nor place moved


async def test_an_event_moved_before_its_invitation_time_invites_at_once(
    database: Database, clock: Clock
) -> None:
    await town(database, clock)
    later = START - timedelta(days=1)
    event_id = await database.run(lambda s: events.create(s, FORUM, MAKKAH, later, "900", clock.now).id)
    earlier = EventDetails(
        **{**vars(FORUM), "starts_at": later - timedelta(hours=5), "ends_at": later - timedelta(hours=2)}
    )

    def move(session: Session) -> None:
        event = events.find(session, event_id)
        assert event is not None
        events.edit(session, event, earlier, clock.now)

    await database.run(move)
    assert await database.run(lambda s: event_notices.invite_due(s, clock.now)) == [event_id]
