"""Two people acting on one row at once: whichever commits second decides on what the first did, and the loser
is told, in its own terms, and changes nothing.

On PostgreSQL the interleaving is made, not hoped for: the first side's work is done in a transaction held
open (`held_open`), the second is started and shown to wait for the first's row lock (PostgreSQL's own view
of who waits, `waits_for_a_lock`), then the first commits and the second goes on. On SQLite, which has one
writer at a time, a unit of work that read before another's commit is run again from its start when it comes
to write (`test_on_sqlite_a_decision_read_before_her_withdrawal_is_taken_again`). The decisions taken from a
screen read a turn before are checked against what the screen showed, on either database.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from bot.cli.arguments import in_english
from conversations.engine.engine import Engine
from conversations.flows import all_flows
from core.dates import short_time
from core.domain import ApplicationStatus, GuestStatus, StaffRole, Verification
from office import canteens, event_notices, registrations
from office import events as event_actions
from office.canteens import NeedsConfirmation
from office.errors import NotFound, Refused
from office.rights import OPERATOR
from storage import beneficiaries, events, staff, tips
from storage import canteens as stored
from storage.audiences import Audience
from storage.canteens import NewOpportunity
from storage.db import Database
from storage.events import EventDetails
from storage.models import AuditEntry, Beneficiary, Delivery
from tests.support.people import Clock, Person, ar

T = TypeVar("T")
SCHOOL = "ابتدائية مكة"
FORUM = "ملتقى الأسر المنتجة"
DELETED = "All your data has been deleted. If you write to us again, we will welcome you as new."
BACK_TO_THE_OFFICE = (
    "A new name or office sends your registration back to your office, which checks it again before it is "
    "verified."
)


# -- the interleaving ---------------------------------------------------------------------------------------


@asynccontextmanager
async def held_open(database: Database, work: Callable[[Session], T]) -> AsyncIterator[T]:
    """`work` done in a transaction that stays open, its row locks held, until the block ends; then
    committed."""
    async with database.sessions() as session:
        done = await session.run_sync(work)
        yield done
        await session.commit()


def started(coroutine: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    return asyncio.get_running_loop().create_task(coroutine)


async def waits_for_a_lock(database: Database, second: asyncio.Task[Any]) -> None:
    """Until PostgreSQL shows a transaction waiting for a lock: the second side, blocked by the first."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(1000):
        if second.done():
            raise AssertionError(f"it did not wait for the first: {second.exception() or second.result()!r}")
        async with database.engine.connect() as connection:
            if await connection.scalar(waiting):
                return
        await asyncio.sleep(0.005)  # a real transaction's progress, not a schedule
    raise AssertionError("nobody waits for the lock")


# -- who is there -------------------------------------------------------------------------------------------


def makkah_school(clock: Clock, places: int = 1) -> NewOpportunity:
    return NewOpportunity(
        school_name=SCHOOL, stage="primary", girls=True, district="العزيزية", office_code="makkah",
        students=200, starts_on=(clock.now + timedelta(days=60)).date(),
        deadline=clock.now + timedelta(days=10), places=places,
    )  # fmt: skip


def people(database: Database, clock: Clock) -> tuple[Person, Person, Person]:
    """Fatima (a family, in Arabic), Mary (a family, in English), Huda (Makkah office staff, in English)."""
    engine = Engine(database, all_flows())
    return (
        Person(engine, clock, address="966500000001"),
        Person(engine, clock, address="966500000002", language_hint="en"),
        Person(engine, clock, address="901", language_hint="en"),
    )


async def registered(fatima: Person, mary: Person | None = None) -> None:
    """Family 1, Fatima; family 2, Mary: both of Makkah, with a health certificate, not yet verified."""
    await fatima.registers()
    if mary is not None:
        await mary.registers(national_id="1000000016", mobile="0551234568", language="en")


async def eligible(database: Database, clock: Clock) -> None:
    """Fatima verified and through the food-safety quiz: she may apply to the school."""
    await database.run(lambda s: s.execute(update(Beneficiary).values(verified_at=clock.now)))
    await database.run(lambda s: tips.load_shipped(s))
    await database.run(lambda s: tips.record_quiz(s, 1, "clean", 3, 3, clock.now))


async def school_applied_to(database: Database, clock: Clock, families: tuple[int, ...] = (1,)) -> None:
    """The school published, one place; the families applied (applications 1, 2 … in that order)."""

    def publish(session: Session) -> None:
        canteens.publish(session, OPERATOR, makkah_school(clock), clock.now)
        for family in families:
            stored.apply(session, 1, family, clock.now)

    await database.run(publish)


async def huda_on_duty(database: Database, clock: Clock, huda: Person) -> None:
    await database.run(lambda s: staff.add_or_update(s, huda.address, StaffRole.STAFF, "makkah", clock.now))
    await huda.says("hello")


def decide(
    status: ApplicationStatus, clock: Clock, application: int = 1, *, confirmed: bool = False
) -> Callable[[Session], stored.Decision]:
    """Staff's decision, as `usar canteens decide` takes it (in English)."""
    return in_english(
        lambda s: canteens.decide(s, OPERATOR, application, status, None, clock.now, confirmed=confirmed)
    )


async def status_of(database: Database, application: int = 1) -> str | None:
    found = await database.run(lambda s: stored.application_by_id(s, application))
    return found.status if found is not None else None


async def told(database: Database, family: int = 1) -> list[str]:
    """The kinds of message waiting for her, in order."""
    return list(
        await database.run(
            lambda s: s.scalars(
                select(Delivery.kind)
                .where(Delivery.beneficiary_id == family, Delivery.status == "pending")
                .order_by(Delivery.id)
            ).all()
        )
    )


async def her_registration(database: Database) -> Beneficiary | None:
    return await database.run(lambda s: beneficiaries.beneficiary(s, 1))


# -- canteen applications -----------------------------------------------------------------------------------


@pytest.mark.postgres
async def test_the_office_accepts_while_she_withdraws(postgres: Database, clock: Clock) -> None:
    fatima, _mary, _huda = people(postgres, clock)
    await registered(fatima)
    await school_applied_to(postgres, clock)
    await fatima.chooses(ar("Canteen opportunities"))
    await fatima.chooses(SCHOOL)
    await fatima.chooses(ar("Withdraw my application"))

    async with held_open(postgres, lambda s: stored.withdraw(s, 1, 1, clock.now)):  # her "yes", a moment ago
        accepting = started(postgres.run(decide(ApplicationStatus.ACCEPTED, clock)))
        await waits_for_a_lock(postgres, accepting)
    with pytest.raises(Refused, match="she withdrew this application"):
        await accepting
    assert await status_of(postgres) == "withdrawn" and await told(postgres) == []


@pytest.mark.postgres
async def test_she_withdraws_while_the_office_accepts(postgres: Database, clock: Clock) -> None:
    fatima, _mary, _huda = people(postgres, clock)
    await registered(fatima)
    await school_applied_to(postgres, clock)
    await fatima.chooses(ar("Canteen opportunities"))
    await fatima.chooses(SCHOOL)
    await fatima.chooses(ar("Withdraw my application"))

    async with held_open(postgres, decide(ApplicationStatus.ACCEPTED, clock)):
        withdrawing = started(fatima.chooses(ar("Yes, withdraw it")))
        await waits_for_a_lock(postgres, withdrawing)
    await withdrawing
    assert ar("Your office has already decided on your application; please contact them.") in fatima.heard
    assert await status_of(postgres) == "accepted" and await told(postgres) == ["canteen_accepted"]


@pytest.mark.postgres
async def test_two_staff_accept_her_at_once_and_she_is_told_once(postgres: Database, clock: Clock) -> None:
    fatima, _mary, _huda = people(postgres, clock)
    await registered(fatima)
    await school_applied_to(postgres, clock)

    async with held_open(postgres, decide(ApplicationStatus.ACCEPTED, clock)) as first:
        second = started(postgres.run(decide(ApplicationStatus.ACCEPTED, clock)))
        await waits_for_a_lock(postgres, second)
    assert first.decision is not None
    assert (await second).decision is None  # the same decision: nothing new to tell her
    assert await told(postgres) == ["canteen_accepted"]


@pytest.mark.postgres
async def test_staff_accepting_as_another_rejects_are_asked_before_reversing_it(
    postgres: Database, clock: Clock
) -> None:
    fatima, _mary, _huda = people(postgres, clock)
    await registered(fatima)
    await school_applied_to(postgres, clock)

    async with held_open(postgres, decide(ApplicationStatus.REJECTED, clock)):
        # Read as "applied" (the rejection is not committed), then it waits for the lock.
        accepting = started(postgres.run(decide(ApplicationStatus.ACCEPTED, clock)))
        await waits_for_a_lock(postgres, accepting)
    with pytest.raises(NeedsConfirmation, match=r"This changes the decision she was told \(not accepted\)"):
        await accepting
    assert await status_of(postgres) == "rejected" and await told(postgres) == ["canteen_rejected"]


async def test_a_decision_confirmed_on_screen_is_refused_when_another_came_meanwhile(
    database: Database, clock: Clock
) -> None:
    fatima, _mary, huda = people(database, clock)
    await registered(fatima)
    await school_applied_to(database, clock)
    await huda_on_duty(database, clock, huda)
    await huda.chooses("Canteen opportunities")
    await huda.chooses(f"{SCHOOL} #1")
    await huda.chooses("فاطمة أحمد الزهراني · applied")
    await huda.chooses("Accept")
    assert "Decide “accepted” for فاطمة أحمد الزهراني?" in huda.heard  # no decision yet to reverse

    clock.advance(minutes=3)
    decided_at = short_time(clock.now)
    await database.run(decide(ApplicationStatus.REJECTED, clock))  # another staff member, on the command line
    clock.advance(minutes=1)
    await huda.chooses("Yes, decide it")
    meanwhile = (
        f"Nothing was changed: meanwhile it was decided “not accepted” ({decided_at}). Look at it again"
    )
    assert f"{meanwhile} before deciding." in huda.heard
    assert "فاطمة أحمد الزهراني · not accepted" in huda.options
    assert await status_of(database) == "rejected" and await told(database) == ["canteen_rejected"]


@pytest.mark.postgres
async def test_she_applies_as_the_office_closes_applications(postgres: Database, clock: Clock) -> None:
    fatima, _mary, _huda = people(postgres, clock)
    await registered(fatima)
    await eligible(postgres, clock)
    await postgres.run(lambda s: canteens.publish(s, OPERATOR, makkah_school(clock), clock.now))
    await fatima.chooses(ar("Canteen opportunities"))
    await fatima.chooses(SCHOOL)
    await fatima.chooses(ar("Apply"))
    assert ar("Yes, apply") in fatima.options

    async with held_open(postgres, lambda s: canteens.close(s, OPERATOR, 1, clock.now)):
        applying = started(fatima.chooses(ar("Yes, apply")))
        await waits_for_a_lock(postgres, applying)
    await applying
    assert ar("Sorry, the office has closed applications for this school.") in fatima.heard
    assert await postgres.run(lambda s: stored.applications_of(s, 1)) == {}


@pytest.mark.postgres
async def test_the_office_decides_as_she_deletes_her_data(postgres: Database, clock: Clock) -> None:
    fatima, mary, _huda = people(postgres, clock)
    await registered(fatima, mary)
    await school_applied_to(postgres, clock, families=(1, 2))
    await fatima.chooses(ar("My account"))
    await fatima.chooses(ar("Delete my data"))

    # Staff decide on Mary's application; another on Fatima's waits for the school's lock meanwhile.
    async with held_open(postgres, decide(ApplicationStatus.REJECTED, clock, application=2)):
        on_fatima = started(postgres.run(decide(ApplicationStatus.ACCEPTED, clock, application=1)))
        await waits_for_a_lock(postgres, on_fatima)
        await fatima.chooses(ar("Yes, delete everything"))
        assert ar(DELETED) in fatima.heard
    with pytest.raises(NotFound, match="There is no application 1"):
        await on_fatima
    assert await status_of(postgres, 1) is None and await told(postgres, 1) == []


async def test_on_sqlite_a_decision_read_before_her_withdrawal_is_taken_again(
    sqlite_url: str, clock: Clock
) -> None:
    """Two processes on one SQLite file: the office's decision read the application, she withdrew it and
    that was committed, then the decision came to write: SQLite refuses a write on a snapshot older than the
    last commit, and the decision is taken again, from the start, on what she did."""
    office, hers = Database(sqlite_url), Database(sqlite_url)
    try:
        fatima, _mary, _huda = people(hers, clock)
        await registered(fatima)
        await school_applied_to(hers, clock)
        read, withdrawn = threading.Event(), threading.Event()
        attempts = []

        def accept(session: Session) -> stored.Decision:
            attempts.append(canteens.application(session, OPERATOR, 1)[0].status)  # the screen, read
            if len(attempts) == 1:
                read.set()
                assert withdrawn.wait(10)
            return decide(ApplicationStatus.ACCEPTED, clock)(session)

        accepting = started(office.run(accept))
        await asyncio.to_thread(read.wait, 10)
        await fatima.chooses(ar("Canteen opportunities"))
        await fatima.chooses(SCHOOL)
        await fatima.chooses(ar("Withdraw my application"))
        await fatima.chooses(ar("Yes, withdraw it"))
        assert ar("Your application is withdrawn. You can apply again until the deadline.") in fatima.heard
        withdrawn.set()
        with pytest.raises(Refused, match="she withdrew this application"):
            await accepting
        assert attempts == ["applied", "withdrawn"]
        assert await status_of(hers) == "withdrawn" and await told(hers) == []
    finally:
        await office.dispose()
        await hers.dispose()


# -- registrations ------------------------------------------------------------------------------------------


@pytest.mark.postgres
async def test_she_changes_her_name_as_the_office_verifies_her(postgres: Database, clock: Clock) -> None:
    fatima, _mary, _huda = people(postgres, clock)
    await registered(fatima)
    await fatima.chooses(ar("My account"))
    await fatima.chooses(ar("Change my details"))
    await fatima.chooses(ar("Change an answer"))
    await fatima.chooses(ar("Name"))
    await fatima.says("فاطمة أحمد الغامدي")
    # Waiting for verification: a new name needs no warning, it is checked when it is verified.
    assert ar(BACK_TO_THE_OFFICE) not in fatima.heard

    async with held_open(postgres, lambda s: registrations.verify(s, OPERATOR, 1, clock.now)):
        saving = started(fatima.chooses(ar("Save")))
        await waits_for_a_lock(postgres, saving)
    await saving
    assert ar("Saved. Your office will check your registration again.") in fatima.heard
    family = await her_registration(postgres)
    assert family is not None
    assert (family.full_name, family.verification) == ("فاطمة أحمد الغامدي", Verification.WAITING)


async def test_the_office_verifies_details_she_changed_after_it_opened_them(
    database: Database, clock: Clock
) -> None:
    fatima, _mary, huda = people(database, clock)
    await registered(fatima)
    await huda_on_duty(database, clock, huda)
    await huda.chooses("Verify registrations")
    await huda.chooses("فاطمة أحمد الزهراني")
    assert "Registration: waiting for verification" in huda.heard

    clock.advance(minutes=7)
    await fatima.chooses(ar("My account"))
    await fatima.chooses(ar("Change my details"))
    await fatima.chooses(ar("Change an answer"))
    await fatima.chooses(ar("Name"))
    await fatima.says("فاطمة أحمد الغامدي")
    await fatima.chooses(ar("Save"))
    changed_at = short_time(clock.now)
    clock.advance(minutes=1)
    await huda.chooses("Verify")
    changed = f"Nothing was changed: she changed her registration at {changed_at}, after you opened it."
    assert f"{changed} Here it is as it is now." in huda.heard
    assert "فاطمة أحمد الغامدي" in huda.heard  # her details as they are now, to check
    family = await her_registration(database)
    assert family is not None and family.verification is Verification.WAITING
    await huda.chooses("Verify")  # having read them
    assert "فاطمة أحمد الغامدي is verified. She is told." in huda.heard


@pytest.mark.postgres
async def test_she_deletes_her_data_as_the_office_asks_her_a_correction(
    postgres: Database, clock: Clock
) -> None:
    fatima, _mary, _huda = people(postgres, clock)
    await registered(fatima)
    await fatima.chooses(ar("My account"))
    await fatima.chooses(ar("Delete my data"))

    reason = "اكتبي اسمك فاطمة أحمد الزهراني كما في الهوية"  # it names her
    asking = lambda s: registrations.ask_correction(s, OPERATOR, 1, reason, clock.now)  # noqa: E731
    async with held_open(postgres, asking):
        deleting = started(fatima.chooses(ar("Yes, delete everything")))
        await waits_for_a_lock(postgres, deleting)
    await deleting
    assert await her_registration(postgres) is None and await told(postgres) == []
    logged = await postgres.run(
        lambda s: s.execute(select(AuditEntry.action, AuditEntry.details).order_by(AuditEntry.id)).all()
    )
    assert [tuple(row) for row in logged] == [
        ("registrations.correction", None),  # her name forgotten too
        ("registrations.deleted", None),  # and that she deleted her data, by her number
    ]


# -- training invitations -----------------------------------------------------------------------------------


def forum(clock: Clock, capacity: int | None = None) -> EventDetails:
    start = clock.now + timedelta(days=5)
    return EventDetails(
        title_ar=FORUM, starts_at=start, ends_at=start + timedelta(hours=3), venue_ar="الغرفة التجارية",
        capacity=capacity,
    )  # fmt: skip


async def invited(database: Database, clock: Clock, capacity: int | None = None) -> int:
    """The forum, for Makkah's families, invited now."""
    created = await database.run(
        lambda s: (
            event_actions.create(
                s, OPERATOR, forum(clock, capacity), Audience(offices=("makkah",)), clock.now, clock.now
            ).id
        )
    )
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    return created


async def guests(database: Database, event: int) -> dict[int, str]:
    return {
        line.beneficiary_id: line.status for line in await database.run(lambda s: events.guest_list(s, event))
    }


@pytest.mark.postgres
async def test_she_says_she_is_coming_as_the_office_cancels(postgres: Database, clock: Clock) -> None:
    fatima, _mary, _huda = people(postgres, clock)
    await registered(fatima)
    training = await invited(postgres, clock)

    async with held_open(postgres, lambda s: event_actions.cancel(s, OPERATOR, training, clock.now)):
        answering = started(fatima.presses(f"rsvp:{training}:yes"))  # the invitation's button
        await waits_for_a_lock(postgres, answering)
    await answering
    assert ar("%(title)s was cancelled.", title=FORUM) in fatima.heard
    assert await guests(postgres, training) == {1: GuestStatus.INVITED.value}


@pytest.mark.postgres
async def test_two_families_take_the_last_place_at_once(postgres: Database, clock: Clock) -> None:
    fatima, mary, _huda = people(postgres, clock)
    await registered(fatima, mary)
    training = await invited(postgres, clock, capacity=1)

    async with held_open(postgres, lambda s: events.answer(s, training, 1, True, clock.now)):
        answering = started(mary.presses(f"rsvp:{training}:yes"))
        await waits_for_a_lock(postgres, answering)
    await answering
    assert "is full, so you are on the waiting list" in mary.heard
    assert await guests(postgres, training) == {1: "going", 2: "waitlisted"}


@pytest.mark.postgres
async def test_the_reminders_go_as_the_office_cancels(postgres: Database, clock: Clock) -> None:
    fatima, _mary, _huda = people(postgres, clock)
    await registered(fatima)
    training = await invited(postgres, clock)
    await fatima.presses(f"rsvp:{training}:yes")
    clock.advance(days=4)  # a day before: the reminder is due

    async with held_open(postgres, lambda s: event_actions.cancel(s, OPERATOR, training, clock.now)):
        reminding = started(postgres.run(lambda s: event_notices.remind_due(s, clock.now)))
        await waits_for_a_lock(postgres, reminding)
    assert await reminding == 0
    assert await told(postgres) == ["event_cancelled"]  # and no reminder of a training that will not be
