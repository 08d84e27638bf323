"""An announcement's status says what is really happening: scheduled for a time, queued, waiting for the end
of quiet hours, sending, done (or done having reached nobody); never a full bar at 0/0. Before saving, staff
are told when it falls in quiet hours, and how many families nothing set up here can reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from conversations.engine.engine import Engine
from conversations.engine.turn import Setup
from conversations.flows import all_flows
from core.domain import DeliveryStatus, StaffRole
from office import announcements
from office.announcements import Stage
from office.rights import OPERATOR
from storage import announcements as stored
from storage.audiences import Audience
from storage.db import Database
from storage.kinds import QuietHours, Senders
from storage.models import Delivery
from tests.support.builders import families_in, staff_person, town
from tests.support.people import Clock
from tests.support.processes import usar

QUIET = QuietHours.parse("22:00-08:00")


async def stage_of(database: Database, number: int, now: datetime) -> tuple[Stage, datetime | None, int]:
    _found, status = await database.run(lambda s: announcements.status(s, OPERATOR, number, now, QUIET))
    return status.stage, status.resumes_at, status.progress.total


async def test_each_stage_is_said_as_it_is(database: Database, clock: Clock) -> None:
    await town(database, clock)  # 09:00 in Riyadh; Makkah reaches three families
    at = clock.now + timedelta(hours=2)
    makkah, nobody = Audience(offices=("makkah",)), Audience(offices=("makkah",), products=("crafts",))

    def create(session: Session) -> None:
        announcements.create(session, OPERATOR, "لقاء", None, makkah, at, clock.now)
        announcements.create(session, OPERATOR, "لقاء", None, nobody, at, clock.now)

    await database.run(create)
    assert await stage_of(database, 1, clock.now) == (Stage.SCHEDULED, None, 0)
    later = at + timedelta(minutes=1)
    assert await stage_of(database, 1, later) == (Stage.QUEUED, None, 0)  # its time came; the job is due
    await database.run(lambda s: stored.enqueue_due(s, later))
    assert await stage_of(database, 1, later) == (Stage.QUEUED, None, 3)  # none has gone yet
    assert await stage_of(database, 2, later) == (Stage.DONE, None, 0)  # reached nobody: done, not 0/0

    def one_sent(session: Session) -> None:
        session.execute(update(Delivery).where(Delivery.id == 1).values(status=DeliveryStatus.SENT.value))

    await database.run(one_sent)
    assert await stage_of(database, 1, later) == (Stage.SENDING, None, 3)
    night = datetime(2026, 11, 28, 20, 30, tzinfo=UTC)  # 23:30 in Riyadh
    morning = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)  # 08:00 in Riyadh
    assert await stage_of(database, 1, night) == (Stage.QUIET, morning, 3)


def test_the_command_line_says_it_too(tmp_path: Path) -> None:
    families_in(tmp_path)
    everyone = usar("broadcast", "create", "--ar", "نص", "--dry-run", cwd=tmp_path)
    assert everyone.returncode == 2
    assert "--office: name the office (repeat for several), or give --all-offices" in everyone.stderr
    night = usar(
        "broadcast", "create", "--ar", "نص", "--office", "makkah", "--at", "2099-05-01 23:30", "--dry-run",
        cwd=tmp_path, USAR_TELEGRAM_TOKEN="123456:" + "A" * 35,
    )  # fmt: skip
    assert night.returncode == 0, night.stderr
    assert "Warning: that is in quiet hours (22:00–08:00); it goes out from 2099-05-02 08:00." in night.stdout
    # The town's families wrote from the terminal, which sends nothing: none can be reached on Telegram.
    assert "Warning: 3 of them cannot be reached by what is set up here" in night.stdout
    whatsapp = {
        "USAR_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "USAR_TWILIO_AUTH_TOKEN": "x",
        "USAR_TWILIO_WHATSAPP_FROM": "+14155238886",
        "USAR_PUBLIC_URL": "https://usar.example.org",
    }
    made = usar(
        "broadcast", "create", "--ar", "نص", "--office", "makkah", "--at", "2099-05-01 10:00",
        cwd=tmp_path, **whatsapp,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "Warning: 3 of them" in made.stdout and "quiet hours" not in made.stdout
    assert usar("broadcast", "status", "1", cwd=tmp_path).stdout.startswith("scheduled for 2099-05-01 10:00")


async def test_the_staff_chat_warns_before_saving(database: Database, clock: Clock) -> None:
    await town(database, clock)
    engine = Engine(database, all_flows(), setup=Setup(quiet=QUIET, senders=Senders(frozenset({"whatsapp"}))))
    noura = await staff_person(database, engine, clock, StaffRole.ADMIN, None, "900")
    await noura.says("hello")
    await noura.chooses("Announcements")
    await noura.chooses("New announcement")
    await noura.says("لقاء الأسر")
    await noura.chooses("Arabic for everyone")
    await noura.chooses("Makkah")
    await noura.chooses("Everyone")
    await noura.chooses("Done")
    await noura.says("2026-11-28 23:15")  # Riyadh time, tonight
    heard = noura.heard
    assert "It will reach 3 families." in heard
    assert "3 of them cannot be reached by what is set up here" in heard  # they wrote from the terminal
    assert "That is in quiet hours (22:00–08:00): it goes out from November 29, 2026" in heard
    assert "08:00 Riyadh time" in heard
