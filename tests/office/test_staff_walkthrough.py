"""What office staff found when they tried it, each now right: a refused export leaves the file as it was;
applications closed early reopen from the command line too; "every office" is refused to an office's staff,
not narrowed in silence; invitations and announcements at night say when they will really go; an admin
cannot remove herself; staff see the announcements that reach their families; a number that is not an ID
says so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from conversations.engine.engine import Engine
from conversations.engine.turn import Setup
from conversations.flows import all_flows
from core.domain import StaffRole
from core.i18n import use_language
from core.validators import with_check_digit
from office import announcements, registrations
from office import staff as office_staff
from office.errors import NotAllowed, OfficeError, Refused
from office.rights import OPERATOR, Actor
from storage import kinds, staff
from storage.audiences import Audience
from storage.db import Database
from storage.kinds import Quiet, QuietHours
from tests.support.builders import families_in, staff_person, town
from tests.support.people import Clock
from tests.support.processes import usar


def test_a_refused_export_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    families_in(tmp_path)
    usar("staff", "add", "--address", "5550001", "--role", "staff", "--office", "jumum", cwd=tmp_path)
    kept = tmp_path / "kept.csv"
    kept.write_text("what was there")
    refused = usar("audit", "--as", "5550001", "--output", "kept.csv", cwd=tmp_path)
    assert refused.returncode == 2 and "Only an administrator can do this." in refused.stderr
    assert kept.read_text() == "what was there"
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".kept")) == []
    done = usar("audit", "--output", "kept.csv", cwd=tmp_path)
    assert done.returncode == 0 and kept.read_text(encoding="utf-8-sig").startswith("When (Riyadh time)")


def test_applications_closed_early_reopen_from_the_command_line(tmp_path: Path) -> None:
    usar(
        "canteens", "create", "--school", "مدرسة", "--stage", "primary", "--girls", "--district", "حي",
        "--office", "makkah", "--students", "100", "--start", "2099-01-10", "--deadline", "2098-12-20",
        "--places", "1", cwd=tmp_path,
    )  # fmt: skip
    assert "closed" in usar("canteens", "close", "1", cwd=tmp_path).stdout
    reopened = usar("canteens", "reopen", "1", cwd=tmp_path)
    assert reopened.returncode == 0 and "open again until the deadline" in reopened.stdout
    again = usar("canteens", "reopen", "1", cwd=tmp_path)
    assert again.returncode == 2 and "Applications to it are open already." in again.stderr


def test_every_office_is_refused_to_an_offices_staff(tmp_path: Path) -> None:
    families_in(tmp_path)
    usar("staff", "add", "--address", "5550001", "--role", "staff", "--office", "jumum", cwd=tmp_path)
    refused = usar("broadcast", "create", "--ar", "نص", "--all-offices", "--as", "5550001", cwd=tmp_path)
    assert refused.returncode == 2
    assert "--all-offices: staff of an office address their own office only" in refused.stderr
    own = usar("broadcast", "create", "--ar", "نص", "--as", "5550001", "--dry-run", cwd=tmp_path)
    assert own.returncode == 0 and "Reaches 4 families" in own.stdout


async def test_at_night_staff_are_told_when_invitations_and_announcements_go(
    database: Database, clock: Clock
) -> None:
    assert kinds.INVITATION.quiet is Quiet.UNLESS_LATE  # an early training is still announced
    await town(database, clock)
    clock.now = datetime(2026, 11, 28, 21, 15, tzinfo=UTC)  # 00:15 in Riyadh
    engine = Engine(database, all_flows(), setup=Setup(quiet=QuietHours.parse("22:00-08:00")))
    noura = await staff_person(database, engine, clock, StaffRole.ADMIN, None, "900")
    await noura.says("hello")
    await noura.chooses("Announcements")
    await noura.chooses("New announcement")
    await noura.says("لقاء")
    await noura.chooses("Arabic for everyone")
    await noura.chooses("Makkah")
    await noura.chooses("Everyone")
    await noura.chooses("Done")
    await noura.chooses("Now")
    assert "That is in quiet hours (22:00–08:00): it goes out from" in noura.heard
    await noura.chooses("Save")
    assert "is scheduled for November 29, 2026" in noura.heard and "08:00 Riyadh time" in noura.heard
    assert "on its way" not in noura.heard


async def test_an_admin_cannot_remove_herself(database: Database, clock: Clock) -> None:
    await database.run(lambda s: staff.add_or_update(s, "900", StaffRole.ADMIN, None, clock.now))

    def remove(session: Session) -> str:
        with use_language("en"):
            try:
                office_staff.remove(session, Actor("900"), "900", clock.now)
            except Refused as refused:
                return refused.message
        return "removed"

    assert await database.run(remove) == "You cannot remove yourself: another administrator can."
    assert await database.run(lambda s: staff.staff_member(s, "900")) is not None


async def test_staff_see_the_announcements_that_reach_their_families(
    database: Database, clock: Clock
) -> None:
    await town(database, clock)
    await database.run(lambda s: staff.add_or_update(s, "902", StaffRole.STAFF, "jeddah", clock.now))
    later = clock.now + timedelta(days=1)

    def create(session: Session) -> None:
        for audience in (Audience(), Audience(offices=("makkah",))):
            announcements.create(session, OPERATOR, "لقاء", None, audience, later, clock.now)

    await database.run(create)
    seen = await database.run(lambda s: [a.id for a in announcements.recent(s, Actor("902"))])
    assert seen == [1]  # every office's, not Makkah's

    def cancel(session: Session) -> str:
        with use_language("en"):
            try:
                announcements.cancel(session, Actor("902"), 1, clock.now)
            except NotAllowed as refused:
                return refused.message
        return "cancelled"

    assert (
        await database.run(cancel) == "Only an administrator can cancel an announcement for several offices."
    )


async def test_a_number_that_is_no_id_says_so(database: Database, clock: Clock) -> None:
    await town(database, clock)

    def found(typed: str) -> Callable[[Session], str]:
        def work(session: Session) -> str:
            with use_language("en"):
                try:
                    return registrations.find(session, OPERATOR, typed).full_name
                except OfficeError as refused:
                    return refused.message

        return work

    invalid = "This ID number is not valid. Please check the digits and type it again."
    assert await database.run(found("1000000007")) == invalid
    assert "Saudi mobile number" in await database.run(found("0551"))
    nobody = with_check_digit("100000099")
    assert await database.run(found(nobody)) == "No registered family with this national ID or mobile."
