"""What office staff found wrong, each now right: a decision changed is told as it now stands; an import
never touches another office's families; events for several offices are each office's to follow; verifying
another office's family reveals nothing; calendar files only for events invited, at addresses nobody can
guess; exports that a spreadsheet never runs as formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import web
from conversations.engine.engine import Engine
from core.domain import ApplicationStatus, DeliveryStatus, StaffRole
from core.i18n import use_language
from office import canteens, event_notices, events, exports
from office import contacts as office_contacts
from office.errors import OfficeError, RejectedFile
from office.rights import OPERATOR, Actor
from office.tables import Line, neutralised
from storage import canteens as stored
from storage import contacts, staff
from storage.audiences import Audience
from storage.canteens import NewOpportunity
from storage.db import Database
from storage.events import EventDetails
from storage.models import Contact, Delivery
from tests.support.builders import families_in, national_id, staff_person, town
from tests.support.people import Clock, ar
from tests.support.processes import usar

OPPORTUNITY = NewOpportunity(
    school_name='=HYPERLINK("http://evil.example","مدرسة")',
    stage="primary",
    girls=True,
    district="+العزيزية",
    office_code="makkah",
    students=200,
    starts_on=(Clock().now + timedelta(days=60)).date(),
    deadline=Clock().now + timedelta(days=20),
    places=1,
)


async def opportunity_with_an_application(database: Database, clock: Clock) -> None:
    await town(database, clock)  # family 3 is of Makkah

    def publish(session: Session) -> None:
        canteens.publish(session, OPERATOR, OPPORTUNITY, clock.now)
        stored.apply(session, 1, 3, clock.now)

    await database.run(publish)


async def told(database: Database) -> list[tuple[str, str, str]]:
    """Her canteen messages, in order: kind, status in the outbox, and the start of the Arabic text."""
    rows = await database.run(
        lambda s: s.execute(
            select(Delivery.kind, Delivery.status, Delivery.payload)
            .where(Delivery.kind.like("canteen_%"))
            .order_by(Delivery.id)
        ).all()
    )
    return [(kind, status, payload["en"].split(" ")[0]) for kind, status, payload in rows]


async def test_every_change_of_a_decision_is_told_as_it_now_stands(database: Database, clock: Clock) -> None:
    await opportunity_with_an_application(database, clock)

    async def decide(status: ApplicationStatus, confirmed: bool = False) -> None:
        await database.run(
            lambda s: canteens.decide(s, OPERATOR, 1, status, "بعيدة", clock.now, confirmed=confirmed)
        )

    await decide(ApplicationStatus.ACCEPTED)

    def send_all(session: Session) -> None:  # the first message went out
        session.execute(update(Delivery).values(status=DeliveryStatus.SENT.value))

    await database.run(send_all)
    clock.advance(minutes=5)
    await decide(ApplicationStatus.REJECTED, confirmed=True)
    clock.advance(minutes=5)
    await decide(ApplicationStatus.ACCEPTED, confirmed=True)  # before the rejection was sent
    assert await told(database) == [
        ("canteen_accepted", "sent", "Congratulations!"),
        ("canteen_rejected", "cancelled", "Your"),  # never sent: it no longer stands
        ("canteen_accepted", "pending", "Congratulations!"),  # her last message says what stands
    ]
    await decide(ApplicationStatus.ACCEPTED, confirmed=True)  # the same again tells nothing new
    assert len(await told(database)) == 3


async def test_reversing_a_decision_is_asked_first_in_the_chat_and_on_the_command_line(
    database: Database, engine: Engine, clock: Clock, tmp_path: Path
) -> None:
    await opportunity_with_an_application(database, clock)
    await database.run(lambda s: canteens.decide(s, OPERATOR, 1, ApplicationStatus.ACCEPTED, None, clock.now))
    huda = await staff_person(database, engine, clock, StaffRole.STAFF, "makkah", "901")
    await huda.says("hello")
    await huda.chooses("Canteen opportunities")
    await huda.chooses(" #1")
    await huda.chooses("أسرة 3 · accepted")
    await huda.chooses("Reject")
    await huda.chooses("No reason")
    assert "This changes the decision she was told (accepted). She will be told the new one." in huda.heard
    assert "Decide “not accepted” for أسرة 3? She will be told in her language." in huda.heard
    await huda.says("no")
    assert "Nothing was changed." in huda.heard
    assert len(await told(database)) == 1
    await huda.chooses("Reject")
    await huda.chooses("No reason")
    await huda.chooses("Yes, decide it")
    assert "Saved: not accepted. She is told in her language." in huda.heard
    assert [kind for kind, _status, _text in await told(database)] == ["canteen_accepted", "canteen_rejected"]


async def test_an_offices_import_never_touches_another_offices_families(
    database: Database, clock: Clock
) -> None:
    await town(database, clock)  # family 2 is registered with Jeddah
    await database.run(lambda s: staff.add_or_update(s, "901", StaffRole.STAFF, "makkah", clock.now))
    jeddah = _line(2, 50, "نورة علي", "0551110050", "jeddah")
    await database.run(lambda s: office_contacts.import_list(s, OPERATOR, [jeddah], clock.now))

    lines = [
        _line(2, 50, "نورة سعد", "0551110050", "makkah"),  # Jeddah's, moved and renamed into Makkah's list
        _line(3, 2, "أسرة ثانية", "0551110052", "makkah"),  # a new number for a family registered with Jeddah
        _line(4, 53, "هند سعد", "0551110050", "makkah"),  # Jeddah's imported mobile under another ID
        _line(5, 54, "سارة علي", "0551110054", "makkah"),
    ]

    for dry_run in (True, False):

        def attempt(session: Session, dry_run: bool = dry_run) -> list[str]:
            with use_language("en"):
                try:
                    office_contacts.import_list(session, Actor("901"), lines, clock.now, dry_run=dry_run)
                except RejectedFile as rejected:
                    return rejected.problems
            return []

        problems = await database.run(attempt)
        assert "line 2: belongs to another office" in problems
        assert "line 3: belongs to another office" in problems
        assert "line 4: belongs to another office" in problems
        assert not any(problem.startswith("line 5") for problem in problems)

    kept = await database.run(lambda s: contacts.by_mobile(s, "+966551110050"))
    assert kept is not None and (kept.full_name, kept.office_code) == ("نورة علي", "jeddah")
    in_makkah = select(Contact).where(Contact.office_code == "makkah")
    assert await database.run(lambda s: s.scalar(in_makkah)) is None


def _line(number: int, family: int, name: str, mobile: str, office: str) -> Line:
    return Line(
        number, {"national_id": national_id(family), "name": name, "mobile": mobile, "office": office}
    )


async def test_an_event_for_several_offices_is_each_offices_to_follow(
    database: Database, engine: Engine, clock: Clock
) -> None:
    await town(database, clock)  # Makkah: 3, 6, 9; Jeddah: 2, 5, 8, 11
    start = clock.now + timedelta(days=1)
    details = EventDetails(title_ar="ملتقى المكاتب", starts_at=start, ends_at=start + timedelta(hours=2),
                           venue_ar="الغرفة التجارية")  # fmt: skip

    def create(session: Session) -> None:
        events.create(
            session, OPERATOR, details, Audience(offices=("makkah", "jeddah")), clock.now, clock.now
        )
        event_notices.invite_due(session, clock.now)

    await database.run(create)
    clock.now = start + timedelta(hours=1)
    reem = await staff_person(database, engine, clock, StaffRole.STAFF, "jeddah", "902")
    await reem.says("hello")
    await reem.chooses("Training events")
    await reem.chooses("Upcoming and recent events")
    await reem.chooses("ملتقى المكاتب")
    assert "Event 1: ملتقى المكاتب" in reem.heard
    assert "Change the event" not in reem.options  # an event of two offices is the admins' to change
    assert "Invited, no answer yet: 4" in reem.heard  # her office's part: Jeddah's four families
    await reem.chooses("Mark attendance")
    assert sorted(reem.options[:-1]) == [
        "أسرة 11",
        "أسرة 2",
        "أسرة 5",
        "أسرة 8",
    ]  # hers, though none answered
    with use_language("en"):
        came = await database.run(lambda s: events.mark_attendance(s, Actor("902"), 1, [2, 5], clock.now))
    assert came == 2
    refused = await database.run(
        lambda s: _refused(lambda: events.mark_attendance(s, Actor("902"), 1, [3], clock.now))
    )
    assert refused == "That family is not among the guests of this event you manage."
    await reem.says("menu")
    await reem.chooses("Training events")
    await reem.chooses("Upcoming and recent events")
    await reem.chooses("ملتقى المكاتب")
    await reem.chooses("Thank those who came")
    assert "A thank-you goes to the 2 families who came (once each)." in reem.heard


def _refused(action: Callable[[], object]) -> str:
    with use_language("en"):
        try:
            action()
        except OfficeError as refused:
            return refused.message
    return ""


def test_verifying_another_offices_family_answers_as_for_nobody(tmp_path: Path) -> None:
    families_in(tmp_path)  # family 2 is of Jeddah
    usar("staff", "add", "--address", "5550001", "--role", "staff", "--office", "jumum", cwd=tmp_path)
    elsewhere = usar("beneficiaries", "verify", national_id(2), "--as", "5550001", cwd=tmp_path)
    nobody = usar("beneficiaries", "verify", national_id(77), "--as", "5550001", cwd=tmp_path)
    assert elsewhere.returncode == nobody.returncode == 2
    assert (
        elsewhere.stderr == nobody.stderr == "usar: No registered family with this national ID or mobile.\n"
    )
    own = usar("beneficiaries", "verify", national_id(7), "--as", "5550001", cwd=tmp_path)  # Al-Jumum's
    assert own.returncode == 0 and own.stdout == "Family 7 is verified; she is told, in her language.\n"


async def test_calendar_files_only_for_invited_events_at_addresses_nobody_can_guess(
    database: Database, clock: Clock
) -> None:
    await town(database, clock)
    start = clock.now + timedelta(days=3)
    details = EventDetails(
        title_ar="ملتقى", starts_at=start, ends_at=start + timedelta(hours=2), venue_ar="المكتب"
    )
    later = await database.run(
        lambda s: events.create(s, OPERATOR, details, Audience(), start - timedelta(days=1), clock.now)
    )
    app = web.build_app()
    web.add_calendar(app, database, clock)
    async with TestClient(TestServer(app)) as client:
        assert (await client.get(f"/calendar/{later.calendar_key}.ics")).status == 404  # not invited yet
        await database.run(lambda s: event_notices.invite_due(s, start - timedelta(days=1)))
        served = await client.get(f"/calendar/{later.calendar_key}.ics")
        assert served.status == 200 and "SUMMARY:ملتقى" in await served.text()
        assert (await client.get(f"/calendar/event-{later.id}.ics")).status == 404


async def test_exports_never_run_what_staff_typed_and_read_in_the_language_asked(
    database: Database, clock: Clock
) -> None:
    await opportunity_with_an_application(database, clock)

    def export(session: Session, language: str) -> list[dict[str, str]]:
        out = io.StringIO()
        canteens.decide(session, OPERATOR, 1, ApplicationStatus.REJECTED, "@SUM(1+1)", clock.now)
        exports.applicants(session, OPERATOR, 1, out, language, clock.now)
        return list(csv.DictReader(io.StringIO(out.getvalue().removeprefix("\ufeff"))))

    [english] = await database.run(lambda s: export(s, "en"))
    assert english["National ID"] == f'="{national_id(3)}"' and english["Mobile"] == '="+966500000003"'
    assert english["Reason"] == "'@SUM(1+1)" and english["Status"] == "not accepted"
    assert english["Office"] == "Makkah" and english["Verified"] == "Yes"
    [arabic] = await database.run(lambda s: export(s, "ar"))
    assert arabic[ar("Reason")] == "'@SUM(1+1)" and arabic[ar("Office")] == "مكة المكرمة"

    def guests(session: Session) -> str:
        out = io.StringIO()
        exports.guests(session, OPERATOR, 99, out, "en", clock.now)
        return out.getvalue()

    with use_language("en"):
        refused = await database.run(lambda s: _refused(lambda: guests(s)))
    assert refused == "There is no event 99."
    assert neutralised("=1+1") == "'=1+1" and neutralised("\tx") == "'\tx" and neutralised("مدرسة") == "مدرسة"
