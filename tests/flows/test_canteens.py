"""School canteens: publish → browse → eligibility, each reason → apply → tap twice → withdraw → deadline
closes → late apply → shortlist, accept, reject → she is told; a malformed import; offices kept apart."""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.cli import beneficiaries as beneficiaries_cli
from bot.cli import canteens as canteens_cli
from bot.cli.arguments import in_english
from conversations.engine.engine import Engine
from core.domain import ApplicationStatus, StaffRole
from office import canteens as canteen_actions
from office import registrations
from office import tips as tip_actions
from office.errors import NotAllowed, NotFound, OfficeError, Refused, RejectedFile
from office.rights import OPERATOR
from storage import canteens, staff, tips
from storage.canteens import Applied
from storage.conversations import offer
from storage.db import Database
from storage.models import Beneficiary, Delivery
from tests.support.builders import families_on_telegram, register_families, staff_person
from tests.support.people import Clock, Person, ar


def arguments(**values: object) -> argparse.Namespace:
    defaults: dict[str, object] = {
        "school": "ابتدائية الجموم الأولى", "stage": "primary", "girls": True, "boys": False,
        "district": "حي النزهة", "office": "makkah", "students": 300, "start": "2027-01-10",
        "deadline": "2026-12-01", "places": 1, "requirements": "شهادة صحية سارية", "staff": None,
        "yes": False,
    }  # fmt: skip
    return argparse.Namespace(**{**defaults, **values})


async def run(database: Database, clock: Clock, action: str, given: argparse.Namespace) -> str:
    """The action as `usar canteens` runs it: in English."""
    work = getattr(canteens_cli, action)
    return str(await database.run(in_english(lambda session: work(given, session, clock.now))))


async def test_from_publishing_to_the_decision(
    database: Database, clock: Clock, fatima: Person, mary: Person
) -> None:
    published = await run(database, clock, "create", arguments())
    assert published.startswith("Opportunity 1 published: ابتدائية الجموم الأولى — primary, girls")
    await fatima.registers()  # Makkah, with a health certificate; not yet verified, no training or quiz
    await fatima.chooses(ar("Canteen opportunities"))
    await fatima.chooses("ابتدائية الجموم الأولى")
    assert "حي النزهة" in fatima.heard and "شهادة صحية سارية" in fatima.heard and "1448" in fatima.heard
    await fatima.chooses(ar("Apply"))
    heard = fatima.heard
    assert (
        "❌ " + ar("Your office has not verified your registration yet. Please contact your office.") in heard
    )
    assert "✅ " + ar("You hold a health certificate.") in heard
    assert (
        "❌ " + ar("Attend a training (see “Trainings”) or pass a quiz in “Food-safety tips” first.") in heard
    )
    assert "✅ " + ar("The school is in your office's area.") in heard

    verified = await database.run(
        in_english(lambda s: beneficiaries_cli.verify(arguments(who="1000000008"), s, clock.now))
    )
    assert verified == "Family 1 is verified; she is told, in her language."
    await database.run(lambda s: tips.load_shipped(s))
    await database.run(lambda s: tips.record_quiz(s, 1, "clean", 3, 3, clock.now))
    await fatima.chooses(ar("Apply"))
    await fatima.chooses(ar("Yes, apply"))
    assert ar("Your application is sent. We will tell you your office's decision here.") in fatima.heard
    assert await database.run(lambda s: canteens.apply(s, 1, 1, clock.now)) is Applied.ALREADY  # a second tap
    await fatima.says("1")  # one "1" too many after applying: asked first, and 1 keeps her application
    assert ar("No, keep my application") == fatima.options[0]
    await fatima.says("1")
    assert ar("Your application stays as it is.") in fatima.heard
    await fatima.chooses(ar("Withdraw my application"))
    # An invitation arrives before she answers: a "نعم" now is not for the withdrawal she left open.
    invitation = [{"payload": "rsvp:9:yes", "labels": ["going"]}, {"payload": "rsvp:9:no", "labels": ["no"]}]
    await database.run(lambda s: offer(s, fatima.channel.value, fatima.address, invitation))
    await fatima.says("نعم")
    assert (await database.run(lambda s: canteens.applications_of(s, 1))) == {1: "applied"}
    await fatima.says("menu")
    await fatima.chooses(ar("Canteen opportunities"))
    await fatima.chooses("ابتدائية الجموم الأولى")
    await fatima.chooses(ar("Withdraw my application"))
    await fatima.says("نعم")
    assert ar("Your application is withdrawn. You can apply again until the deadline.") in fatima.heard
    await fatima.chooses(ar("Apply"))
    await fatima.chooses(ar("Yes, apply"))

    # Mary's family is followed by the Jeddah office: this school is not for her office.
    await mary.registers(national_id="1000000016", mobile="0551234568", language="en")
    await database.run(
        lambda s: s.execute(update(Beneficiary).where(Beneficiary.id == 2).values(office_code="jeddah"))
    )
    await mary.chooses("Canteen opportunities")
    assert any(option.endswith("· 📍 Makkah") for option in mary.options)  # another office's, marked
    await mary.chooses("ابتدائية الجموم الأولى")
    await mary.chooses("Apply")
    assert "❌ This school is for families of the Makkah office." in mary.heard

    # The deadline passes: the scheduler closes it; a late tap is told so.
    clock.now = clock.now + timedelta(days=4)
    assert await database.run(lambda s: canteens.close_due(s, clock.now)) == [1]
    assert await database.run(lambda s: canteens.apply(s, 1, 2, clock.now)) is Applied.CLOSED
    await mary.says("menu")
    await mary.chooses("Canteen opportunities")
    assert "There are no canteen opportunities open right now." in mary.heard

    # Staff review: shortlist, accept; one place only.
    assert "application 1: فاطمة أحمد الزهراني — applied (verified, certificate)" in await run(
        database, clock, "show", arguments(id=1)
    )
    await run(database, clock, "decide", arguments(application=1, decision="shortlist", reason=None))
    await run(database, clock, "decide", arguments(application=1, decision="accept", reason=None))
    kinds = await database.run(lambda s: s.execute(select(Delivery.kind, Delivery.beneficiary_id)).all())
    assert sorted(tuple(row) for row in kinds) == [
        ("canteen_accepted", 1),
        ("canteen_shortlisted", 1),
        ("registration_verified", 1),  # she was told when her office verified her
    ]


async def test_more_accepted_than_places_is_refused_and_a_rejection_says_why(
    database: Database, clock: Clock, fatima: Person, mary: Person
) -> None:
    await run(database, clock, "create", arguments(office="jeddah", places=1))
    await fatima.registers()
    await mary.registers(national_id="1000000016", mobile="0551234568", language="en")
    await database.run(lambda s: canteens.apply(s, 1, 1, clock.now))
    await database.run(lambda s: canteens.apply(s, 1, 2, clock.now))
    await run(database, clock, "decide", arguments(application=1, decision="accept", reason=None))
    with pytest.raises(OfficeError, match="Its 1 place is taken"):
        await run(database, clock, "decide", arguments(application=2, decision="accept", reason=None))
    await run(database, clock, "decide", arguments(application=2, decision="reject", reason="المدرسة بعيدة"))
    payload = await database.run(
        lambda s: s.scalar(select(Delivery.payload).where(Delivery.kind == "canteen_rejected"))
    )
    assert payload is not None and "المدرسة بعيدة" in payload["ar"] and "المدرسة بعيدة" in payload["en"]


async def test_staff_of_one_office_cannot_touch_another_office(database: Database, clock: Clock) -> None:
    await run(database, clock, "create", arguments())
    await database.run(lambda s: staff.add_or_update(s, "902", StaffRole.STAFF, "jeddah", clock.now))
    for action, given in (("show", arguments(id=1, staff="902")), ("close", arguments(id=1, staff="902"))):
        with pytest.raises(NotFound, match="There is no canteen opportunity 1"):  # as if it did not exist
            await run(database, clock, action, given)
    with pytest.raises(NotAllowed, match="Staff of an office can only publish for their own office"):
        await run(database, clock, "create", arguments(staff="902"))
    assert "(closed)" not in await run(database, clock, "show", arguments(id=1))
    changed = arguments(id=1, school=None, district=None, students=None, start=None, deadline=None, places=3)
    with pytest.raises(NotFound, match="There is no canteen opportunity 1"):
        await run(database, clock, "edit", argparse.Namespace(**{**vars(changed), "staff": "902"}))
    edited = await run(database, clock, "edit", argparse.Namespace(**{**vars(changed), "requirements": None}))
    assert "3 places" in edited


async def test_an_import_with_bad_lines_publishes_nothing(
    database: Database, clock: Clock, tmp_path: Path
) -> None:
    path = tmp_path / "schools.csv"
    path.write_text(
        "school,stage,gender,district,office,students,start,deadline,places,requirements\n"
        "ابتدائية 1,ابتدائي,بنات,العزيزية,مكة المكرمة,250,2027-01-10,2026-12-20,2,\n"
        "متوسطة 2,middle,girls,الشوقية,makkah,200,2027-01-10,2026-12-20,1,\n"
        "ثانوية 3,secondary,mixed,الزاهر,riyadh,many,2027-01-10,2026-12-20,1,\n"
        "روضة 4,kindergarten,girls,العوالي,jumum,80,10/01/2027,2026-12-20,1,\n"
        "ابتدائية 5,primary,boys,النسيم,jeddah,300,2027-01-10,2026-11-01,1,\n",
        encoding="utf-8",
    )
    with pytest.raises(RejectedFile) as rejected:
        await run(database, clock, "import_file", argparse.Namespace(file=path, staff=None))
    assert rejected.value.problems == [
        "line 3: stage: one of Kindergarten, Primary school, Intermediate school, or Secondary school",
        "line 4: gender: “mixed” is neither girls nor boys (بنات أو بنين)",
        "line 4: students: “many” is not a whole number",
        "line 4: office: unknown office “riyadh”; the offices are: Makkah, Al-Jumum, and Jeddah",
        "line 6: deadline: That time has already passed.",
    ]
    assert await database.run(lambda s: canteens.of_office(s, None)) == []
    fixed = "\n".join(path.read_text(encoding="utf-8").splitlines()[:2]) + "\n"
    path.write_text(fixed, encoding="utf-8")
    assert await run(database, clock, "import_file", argparse.Namespace(file=path, staff=None)) == (
        "1 opportunity published."
    )


async def test_staff_verify_and_decide_in_the_chat(
    database: Database, engine: Engine, clock: Clock, fatima: Person
) -> None:
    await run(database, clock, "create", arguments(places=1))
    await fatima.registers()
    await database.run(lambda s: canteens.apply(s, 1, 1, clock.now))
    huda = await staff_person(database, engine, clock, StaffRole.STAFF, "makkah", "901")
    await huda.says("hello")
    await huda.chooses("Canteen opportunities")
    await huda.chooses("Verify registrations")
    assert "فاطمة أحمد الزهراني · ******0008 · Makkah" in huda.options  # two may share a name
    await huda.chooses("فاطمة أحمد الزهراني")
    assert "National ID: ******0008" in huda.heard and "Health certificate: Yes" in huda.heard  # first
    await huda.chooses("Verify")
    assert "فاطمة أحمد الزهراني is verified. She is told." in huda.heard
    await huda.chooses("Next registration")
    assert "No registration is waiting for verification." in huda.heard
    await huda.chooses("Staff menu")
    await huda.chooses("Canteen opportunities")

    await huda.chooses("ابتدائية الجموم الأولى #1")
    assert "Places: 1 · accepted: 0 · applications: 1" in huda.heard
    await huda.chooses("فاطمة أحمد الزهراني · applied")
    assert "verified, health certificate" in huda.heard
    await huda.chooses("Reject")
    await huda.chooses("Back")  # changed her mind: nothing is decided, nothing sent
    assert "verified, health certificate" in huda.heard
    await huda.chooses("Reject")
    await huda.says("المدرسة بعيدة عن منزلك")
    assert "Decide “not accepted” for فاطمة أحمد الزهراني? She will be told in her language." in huda.heard
    assert "With your reason, which she reads: المدرسة بعيدة عن منزلك" in huda.heard
    await huda.says("نعم")
    assert "Saved: not accepted. She is told in her language." in huda.heard
    payload = await database.run(
        lambda s: s.scalar(select(Delivery.payload).where(Delivery.kind == "canteen_rejected"))
    )
    assert payload is not None and "المدرسة بعيدة عن منزلك" in payload["ar"]

    other = await staff_person(database, engine, clock, StaffRole.STAFF, "jeddah", "902")
    await other.says("hello")
    await other.chooses("Canteen opportunities")
    assert "ابتدائية الجموم الأولى" not in other.heard


async def test_every_live_applicant_is_reached_in_the_chat_twenty_a_page(
    database: Database, engine: Engine, clock: Clock
) -> None:
    await run(database, clock, "create", arguments(places=5))
    await families_on_telegram(database, clock, 45)

    def applications(session: Session) -> None:
        for family in range(1, 46):
            canteens.apply(session, 1, family, clock.now)
        for family in range(1, 21):  # the first twenty withdrew: the live ones are 21 to 45
            canteens.withdraw(session, 1, family, clock.now)

    await database.run(applications)
    huda = await staff_person(database, engine, clock, StaffRole.STAFF, "makkah", "901")
    await huda.says("hello")
    await huda.chooses("Canteen opportunities")
    await huda.chooses("ابتدائية الجموم الأولى #1")
    assert "applications: 25" in huda.heard and "Applicants 1–20 of 25:" in huda.heard
    assert huda.options[0] == "أسرة 21 · applied" and "أسرة 40 · applied" in huda.options
    assert "أسرة 41 · applied" not in huda.options and "Previous applicants" not in huda.options
    await huda.chooses("Next applicants")
    assert "Applicants 21–25 of 25:" in huda.heard
    assert [o for o in huda.options if o.startswith("أسرة")][-1] == "أسرة 45 · applied"
    await huda.chooses("أسرة 45 · applied")  # the last of them, opened
    assert "أسرة 45" in huda.heard
    await huda.chooses("Back")
    assert "Applicants 21–25 of 25:" in huda.heard  # the page she was on
    await huda.chooses("Previous applicants")
    assert "Applicants 1–20 of 25:" in huda.heard


async def test_an_office_publishes_in_the_chat(database: Database, engine: Engine, clock: Clock) -> None:
    huda = await staff_person(database, engine, clock, StaffRole.STAFF, "jumum", "901")
    await huda.says("hello")
    await huda.chooses("Canteen opportunities")
    await huda.chooses("Publish an opportunity")
    await huda.says("ابتدائية الجموم الأولى")
    await huda.chooses("Primary school")
    await huda.chooses("Girls' school")
    await huda.says("حي النزهة")
    assert "Which office" not in huda.heard
    await huda.says("ثلاثمائة")
    assert "Please type a whole number, like 40." in huda.heard
    await huda.says("٣٠٠")
    await huda.says("10/1/2027")
    await huda.says("2026-11-01")
    assert "That time has already passed." in huda.heard
    await huda.says("2027-02-01")  # after the start: found at Save
    await huda.says("2")
    await huda.says("لا يوجد")  # no requirements
    await huda.chooses("Save")
    assert "Applications must close before the canteen starts (January 10, 2027)." in huda.heard
    await huda.says("2026-12-15")
    assert "December 15, 2026 (6 Rajab 1448 AH), 23:59 Riyadh time" in huda.heard
    assert "Requirements: No requirements" in huda.heard
    await huda.chooses("Save")
    assert "Opportunity 1 is published: ابتدائية الجموم الأولى." in huda.heard
    published = await database.run(lambda s: canteens.find(s, 1))
    assert published is not None
    assert (published.office_code, published.students, published.places, str(published.starts_on)) == (
        "jumum",
        300,
        2,
        "2027-01-10",
    )


async def test_an_office_changes_an_open_opportunity_in_the_chat(
    database: Database, engine: Engine, clock: Clock, fatima: Person, mary: Person
) -> None:
    await run(database, clock, "create", arguments(places=2))
    await fatima.registers()
    await mary.registers(national_id="1000000016", mobile="0551234568", language="en")

    def accept_both(session: Session) -> None:
        for family in (1, 2):
            canteens.apply(session, 1, family, clock.now)
            application = canteens.application_by_id(session, family)
            assert application is not None
            canteens.decide(session, application, ApplicationStatus.ACCEPTED, None, "office", clock.now)

    await database.run(accept_both)
    huda = await staff_person(database, engine, clock, StaffRole.STAFF, "makkah", "901")
    await huda.says("hello")
    await huda.chooses("Canteen opportunities")
    await huda.chooses("ابتدائية الجموم الأولى #1")
    await huda.chooses("Change the opportunity")
    assert "Here is the opportunity as it is now." in huda.heard and "حي النزهة" in huda.heard
    await huda.chooses("Change an answer")
    await huda.chooses("Places")
    await huda.says("١")
    await huda.chooses("Save")
    assert "2 families are already accepted: the places cannot be fewer." in huda.heard
    await huda.says("3")
    await huda.chooses("Change an answer")
    await huda.chooses("Apply by")
    await huda.says("2026-12-10")
    await huda.chooses("Save")
    assert "Saved. Families see the opportunity as it is now." in huda.heard
    changed = await database.run(lambda s: canteens.find(s, 1))
    assert changed is not None
    assert (changed.places, changed.school_name, changed.stage, changed.office_code) == (
        3,
        "ابتدائية الجموم الأولى",
        "primary",
        "makkah",
    )
    assert changed.deadline.isoformat() == "2026-12-10T20:59:00+00:00"  # 23:59 in Riyadh
    unchanged = {"school": None, "district": None, "students": None, "start": None, "deadline": None}
    with pytest.raises(OfficeError, match="2 families are already accepted: the places cannot be fewer"):
        await run(database, clock, "edit", arguments(id=1, places=1, requirements=None, **unchanged))

    # Cancelling after "Save" sent an answer back keeps it as it was, and saving says again what is wrong.
    await huda.chooses("ابتدائية الجموم الأولى #1")
    await huda.chooses("Change the opportunity")
    await huda.chooses("Change an answer")
    await huda.chooses("Places")
    await huda.says("1")
    await huda.chooses("Save")
    assert "2 families are already accepted" in huda.heard
    await huda.says("cancel")
    assert "Nothing was changed." in huda.heard and "Places: 1" in huda.heard
    await huda.chooses("Save")
    assert "2 families are already accepted" in huda.heard
    await huda.says("cancel")
    await huda.says("cancel")  # at the summary: asked first
    assert "Leave this? What you typed here will be forgotten." in huda.heard
    await huda.says("cancel")  # twice is yes: the change is dropped
    assert "Nothing was changed." in huda.heard
    assert (await database.run(lambda s: canteens.find(s, 1))).places == 3  # type: ignore[union-attr]
    await huda.chooses("Canteen opportunities")

    def close_it(session: Session) -> None:
        found = canteens.find(session, 1)
        assert found is not None
        canteens.close(session, found, clock.now)

    await huda.chooses("ابتدائية الجموم الأولى #1")
    await database.run(close_it)  # while her screen still offers to change it
    await huda.chooses("Change the opportunity")
    assert "That opportunity can no longer be changed." in huda.heard
    assert "Places: 3 · accepted: 2" in huda.heard
    assert "Change the opportunity" not in huda.options

    other = await staff_person(database, engine, clock, StaffRole.STAFF, "jeddah", "902")
    await other.says("hello")
    await other.chooses("Canteen opportunities")
    assert "ابتدائية الجموم الأولى" not in other.heard


async def test_registrations_are_verified_from_the_staff_menu(
    database: Database, engine: Engine, clock: Clock, fatima: Person
) -> None:
    await fatima.registers()
    huda = await staff_person(database, engine, clock, StaffRole.STAFF, "makkah", "901")
    await huda.says("hello")
    await huda.chooses("Verify registrations")
    assert "Registrations waiting for verification." in huda.heard
    await huda.chooses("فاطمة أحمد الزهراني")
    assert "Registration: waiting for verification" in huda.heard
    await huda.chooses("Verify")
    assert "فاطمة أحمد الزهراني is verified. She is told." in huda.heard
    family = await database.run(lambda s: s.get(Beneficiary, 1))
    assert family is not None and family.verified_at == clock.now
    await huda.chooses("Undo")  # a stray tap is taken back at once
    assert "Undone: her registration waits for verification again." in huda.heard
    family = await database.run(lambda s: s.get(Beneficiary, 1))
    assert family is not None and family.verified_at is None


async def test_a_spreadsheet_with_date_cells_publishes(
    database: Database, clock: Clock, tmp_path: Path
) -> None:
    """Excel keeps a typed day as a date cell: it is read as the day staff typed, as in a CSV."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["المدرسة", "المرحلة", "النوع", "الحي", "المكتب", "عدد الطالبات", "تاريخ البدء",
                  "آخر موعد للتقديم", "عدد الأماكن", "الشروط"])  # fmt: skip
    sheet.append(["ابتدائية 1", "ابتدائية", "بنات", "العزيزية", "مكة المكرمة", 250,
                  datetime(2027, 1, 10), datetime(2026, 12, 20), 2, ""])  # fmt: skip
    sheet.append(["متوسطة 2", "متوسطة", "بنات", "الشوقية", "makkah", 200,
                  date(2027, 1, 12), datetime(2026, 12, 20, 14, 30), 1, ""])  # fmt: skip
    path = tmp_path / "schools.xlsx"
    book.save(path)
    assert await run(database, clock, "import_file", argparse.Namespace(file=path, staff=None)) == (
        "2 opportunities published."
    )
    published = await database.run(lambda s: canteens.of_office(s, "makkah"))
    by_school = {o.school_name: o for o in published}
    assert str(by_school["ابتدائية 1"].starts_on) == "2027-01-10"
    assert by_school["ابتدائية 1"].deadline.isoformat() == "2026-12-20T20:59:00+00:00"  # the day, until 23:59
    assert by_school["متوسطة 2"].deadline.isoformat() == "2026-12-20T11:30:00+00:00"  # 14:30 in Riyadh


async def test_applying_and_withdrawing_as_office_actions_keep_her_rules(
    database: Database, clock: Clock
) -> None:
    await run(database, clock, "create", arguments())  # open until 1 December
    await register_families(
        database, clock, [("فاطمة أحمد", "makkah")]
    )  # not verified, no certificate, no quiz

    async def applies() -> Applied:
        return await database.run(lambda s: canteen_actions.apply(s, 1, 1, clock.now))

    async def withdraws() -> Applied:
        return await database.run(lambda s: canteen_actions.withdraw(s, 1, 1, clock.now))

    with pytest.raises(Refused):  # not eligible: nothing is kept
        await applies()
    assert await database.run(lambda s: canteens.applications_of(s, 1)) == {}
    await database.run(lambda s: registrations.verify(s, OPERATOR, 1, clock.now))
    await database.run(
        lambda s: s.execute(update(Beneficiary).where(Beneficiary.id == 1).values(health_certificate=True))
    )
    await database.run(lambda s: tips.load_shipped(s))
    assert await database.run(lambda s: tip_actions.quiz_taken(s, 1, "clean", 2, 3, clock.now))  # passed
    assert await applies() is Applied.APPLIED
    assert await applies() is Applied.ALREADY
    assert await withdraws() is Applied.WITHDRAWN
    assert await applies() is Applied.APPLIED  # again, until the deadline

    clock.now += timedelta(days=4)  # past the deadline, not yet closed by the scheduler
    assert await withdraws() is Applied.CLOSED
    assert await applies() is Applied.CLOSED
    assert await database.run(lambda s: canteens.applications_of(s, 1)) == {1: "applied"}
