"""Change my details: she changes her answers herself, from her details as they are; her ID is her office's
to correct; a mobile already someone's is refused as at registration; a new name or office sends her
registration back to her office, and she is told so before she saves; every change is in the log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from conversations.engine.engine import Engine
from core.domain import ApplicationStatus, Verification
from office import canteens
from office.rights import OPERATOR
from storage import beneficiaries, tips
from storage.db import Database
from storage.models import AuditEntry, Beneficiary
from tests.support.builders import girls_school
from tests.support.people import Clock, Person, ar


async def family(database: Database) -> Beneficiary:
    found = await database.run(lambda s: beneficiaries.beneficiary(s, 1))
    assert found is not None
    return found


async def test_she_records_the_certificate_she_got_and_can_apply(
    database: Database, engine: Engine, clock: Clock, fatima: Person
) -> None:
    await fatima.registers()
    await database.run(
        lambda s: s.execute(update(Beneficiary).values(health_certificate=False, verified_at=clock.now))
    )
    await database.run(lambda s: tips.load_shipped(s))
    await database.run(lambda s: tips.record_quiz(s, 1, "clean", 3, 3, clock.now))
    school = girls_school("ابتدائية مكة", clock.now + timedelta(days=10))
    await database.run(lambda s: canteens.publish(s, OPERATOR, school, clock.now))
    await fatima.chooses(ar("Canteen opportunities"))
    await fatima.chooses("ابتدائية مكة")
    await fatima.chooses(ar("Apply"))
    assert "❌" in fatima.heard  # no certificate yet

    await fatima.says("القائمة")
    await fatima.chooses(ar("My account"))
    await fatima.chooses(ar("Change my details"))
    intro = "Here are your details. Your national ID cannot be changed here: your office corrects it if it is"
    assert ar(f"{intro} wrong.") in fatima.heard
    assert "فاطمة أحمد الزهراني" in fatima.heard and ar("Save") in fatima.options
    await fatima.chooses(ar("Change an answer"))
    await fatima.chooses(ar("Health certificate"))
    await fatima.chooses(ar("Yes"))
    assert ar("A new name or office sends your registration back") not in fatima.heard
    await fatima.chooses(ar("Save"))
    assert ar("Saved.") in fatima.heard and ar("My account") in fatima.heard
    stored = await family(database)
    assert stored.health_certificate is True and stored.verification is Verification.VERIFIED

    await fatima.says("القائمة")
    await fatima.chooses(ar("Canteen opportunities"))
    await fatima.chooses("ابتدائية مكة")
    await fatima.chooses(ar("Apply"))
    assert "✅ " + ar("You hold a health certificate.") in fatima.heard


async def test_a_new_name_goes_back_to_her_office_and_a_taken_mobile_is_refused(
    database: Database, engine: Engine, clock: Clock, fatima: Person, mary: Person
) -> None:
    await fatima.registers()
    await mary.registers(national_id="1000000016", mobile="0551234568", language="en")
    await database.run(
        lambda s: s.execute(update(Beneficiary).where(Beneficiary.id == 2).values(verified_at=clock.now))
    )
    await mary.chooses("My account")
    await mary.chooses("Change my details")
    await mary.chooses("Change an answer")
    await mary.chooses("Mobile")
    await mary.says("0551234567")  # Fatima's
    assert "This mobile number is already registered with us." in mary.heard
    await mary.says("٠٥٥٩٩٩٩٩٩٩")
    await mary.chooses("Change an answer")
    await mary.chooses("Name")
    await mary.says("Mary Ann Smith")
    assert "A new name or office sends your registration back to your office" in mary.heard
    await mary.chooses("Save")
    assert "Saved. Your office will check your registration again." in mary.heard
    stored = await database.run(lambda s: beneficiaries.beneficiary(s, 2))
    assert stored is not None
    assert (stored.full_name, stored.mobile, stored.verification) == (
        "Mary Ann Smith", "+966559999999", Verification.WAITING,
    )  # fmt: skip
    assert stored.mobile_verified_at is None  # typed, not vouched for by her channel
    logged = await database.run(
        lambda s: s.execute(
            select(AuditEntry.action, AuditEntry.outcome, AuditEntry.details, AuditEntry.by_family)
        ).all()
    )
    assert [tuple(row) for row in logged] == [
        ("registrations.changed", "waiting", {"changed": ["full_name", "mobile"]}, True)
    ]

    await mary.chooses("Change my details")  # nothing changed, nothing logged
    await mary.chooses("Save")
    assert "Nothing was changed." in mary.heard


async def test_her_applications_stay_listed_with_their_decisions(
    database: Database, engine: Engine, clock: Clock, fatima: Person
) -> None:
    await fatima.registers()
    await database.run(lambda s: tips.load_shipped(s))
    await database.run(lambda s: tips.record_quiz(s, 1, "clean", 3, 3, clock.now))
    await database.run(lambda s: s.execute(update(Beneficiary).values(verified_at=clock.now)))
    deadline = clock.now + timedelta(days=3)

    def publish(session: Session) -> None:
        for school in ("ابتدائية مكة", "متوسطة مكة"):
            canteens.publish(session, OPERATOR, girls_school(school, deadline), clock.now)

    await database.run(publish)
    for school in ("ابتدائية مكة", "متوسطة مكة"):
        await fatima.says("القائمة")
        await fatima.chooses(ar("Canteen opportunities"))
        await fatima.chooses(school)
        await fatima.chooses(ar("Apply"))
        await fatima.chooses(ar("Yes, apply"))
    await database.run(
        lambda s: canteens.decide(s, OPERATOR, 1, ApplicationStatus.REJECTED, "المدرسة بعيدة", clock.now)
    )
    clock.now = deadline + timedelta(hours=1)  # past the deadline: nothing is open
    await fatima.says("القائمة")
    await fatima.chooses(ar("Canteen opportunities"))
    heard = fatima.heard
    assert ar("There are no canteen opportunities open right now. We will announce new ones.") in heard
    assert "• ابتدائية مكة: " + ar("not accepted") in heard
    assert "  " + ar("Your office's reason: %(reason)s", reason="المدرسة بعيدة") in heard
    assert "• متوسطة مكة: " + ar("closed without a decision") in heard
    await fatima.chooses(ar("My account"))
    await fatima.chooses(ar("My applications and trainings"))
    assert ar("Your canteen applications:") in fatima.heard and "• ابتدائية مكة: " in fatima.heard
