"""`usar events` as staff use it: create, list, show, edit, cancel, attendance from a file, export."""

from __future__ import annotations

import argparse
import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bot.cli import events as events_cli
from bot.cli.arguments import in_english
from core.domain import StaffRole
from office import event_notices
from office.errors import NotFound, OfficeError, RejectedFile
from storage import events, staff
from storage.db import Database
from tests.support.builders import national_id, town
from tests.support.people import Clock
from tests.support.processes import usar


def arguments(**values: object) -> argparse.Namespace:
    defaults: dict[str, object] = {
        "title_ar": None, "title_en": None, "description_ar": None, "description_en": None, "start": None,
        "end": None, "venue_ar": None, "venue_en": None, "map": None, "capacity": None, "office": [],
        "verified": False, "pending": False, "canteen": False, "certificate": False, "product": [],
        "channel": None, "staff": None, "invite_at": None, "thank": False, "quiet": None,
    }  # fmt: skip
    return argparse.Namespace(**{**defaults, **values})


FORUM = arguments(
    title_ar="ملتقى الأسر المنتجة",
    start="2026-12-03 09:00",
    end="12:00",
    venue_ar="الغرفة التجارية",
    capacity="40",
    office=["makkah"],
)


async def run(database: Database, action: str, clock: Clock, given: argparse.Namespace) -> str:
    """The action as `usar events` runs it: in English."""
    work = getattr(events_cli, action)
    return str(await database.run(in_english(lambda session: work(given, session, clock.now))))


async def test_create_show_edit_and_the_rights_of_an_office(database: Database, clock: Clock) -> None:
    await town(database, clock)
    created = await run(database, "create", clock, FORUM)
    assert created.startswith("Event 1 created: ملتقى الأسر المنتجة — 2026-12-03 09:00–12:00 Riyadh time")
    assert "Jumada al-Akhirah 1448" in created and "40 places" in created
    assert "Invitations go out at 2026-11-28 09:00 Riyadh time." in created

    await database.run(lambda s: staff.add_or_update(s, "901", StaffRole.STAFF, "jumum", clock.now))
    with pytest.raises(NotFound, match="There is no event 1"):  # as if it did not exist
        await run(database, "show", clock, arguments(id=1, staff="901"))
    with pytest.raises(OfficeError, match="Staff of an office can only address their own office"):
        await run(database, "create", clock, arguments(**{**vars(FORUM), "staff": "901"}))

    edited = await run(database, "edit", clock, arguments(id=1, start="2026-12-04 10:00", end="13:00"))
    assert "2026-12-04 10:00–13:00" in edited
    shown = await run(database, "show", clock, arguments(id=1))
    assert "invited (no answer) 0  going 0" in shown


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": "tomorrow"}, 'write the Riyadh time as "YYYY-MM-DD HH:MM"'),
        ({"end": "08:00"}, r"ends_at: It must end after it starts \(09:00\)."),
        ({"start": "2026-11-01 09:00"}, "starts_at: That time has already passed."),
        ({"capacity": "many"}, "a number of places, or none"),
        ({"office": ["riyadh"]}, "unknown office “riyadh”"),
        ({"invite_at": "2026-12-05 09:00"}, "Invitations must go out before the event starts."),
    ],
)
async def test_a_typo_is_said_and_nothing_is_created(
    database: Database, clock: Clock, change: dict[str, object], message: str
) -> None:
    with pytest.raises(OfficeError, match=message):
        await run(database, "create", clock, arguments(**{**vars(FORUM), **change}))
    assert await database.run(lambda s: events.find(s, 1)) is None


async def test_attendance_from_a_file_all_or_nothing_then_the_export(
    database: Database, clock: Clock, tmp_path: Path
) -> None:
    await town(database, clock)  # Makkah's families are 3, 6, 9 and 12; 1 is of Al-Jumum
    await run(database, "create", clock, FORUM)
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    clock.now = clock.now + timedelta(days=6)  # after the event
    bad = tmp_path / "came.csv"
    bad.write_text(
        f"national id\n{national_id(3)}\n0550000000\n٠٥{'0' * 6}06\n{national_id(3)}\n{national_id(1)}\n"
        "12345\n",
        encoding="utf-8",
    )
    with pytest.raises(RejectedFile) as rejected:
        await run(database, "attendance", clock, arguments(id=1, file=bad))
    assert rejected.value.problems == [  # line 5 names line 2's family again: counted once, not a fault
        "line 3: no registered family with this national ID or mobile",
        "line 6: she was not invited to this event",  # another office's family: never a silent change
        "line 7: neither a national ID (10 digits) nor a mobile",
    ]
    assert (await database.run(lambda s: events.tally(s, 1)))["attended"] == 0

    good = tmp_path / "came-fixed.csv"
    good.write_text(f"{national_id(3)}\n+966 5{'0' * 6}06\n", encoding="utf-8")
    marked = await run(database, "attendance", clock, arguments(id=1, file=good))
    assert marked == "2 families newly marked as attended (0 already were)."
    again = await run(database, "attendance", clock, arguments(id=1, file=good))
    assert again == "0 families newly marked as attended (2 already were)."

    def export(session: Session) -> list[dict[str, str]]:
        out = io.StringIO()
        events_cli.write_guests(arguments(id=1, lang="en"), session, out, clock.now)
        return list(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"))))

    rows = await database.run(export)
    assert sorted((row["National ID"], row["Attended"]) for row in rows) == [
        (f'="{national_id(3)}"', "Yes"),
        (f'="{national_id(6)}"', "Yes"),
        (f'="{national_id(9)}"', "No"),
    ]


def test_the_command_line_creates_lists_and_cancels(tmp_path: Path) -> None:
    created = usar(
        "events", "create", "--title-ar", "دورة سلامة الغذاء", "--start", "2030-01-10 16:00",
        "--end", "18:00", "--venue-ar", "مكتب الجموم", "--office", "jumum", "--capacity", "none",
        cwd=tmp_path,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "Event 1 created: دورة سلامة الغذاء — 2030-01-10 16:00–18:00 Riyadh time" in created.stdout
    listed = usar("events", "list", cwd=tmp_path)
    assert "1. دورة سلامة الغذاء" in listed.stdout and "no limit on places" in listed.stdout
    cancelled = usar("events", "cancel", "1", cwd=tmp_path)
    assert "Event 1 cancelled" in cancelled.stdout
    missing = usar("events", "show", "9", cwd=tmp_path)
    assert missing.returncode == 2 and "There is no event 9." in missing.stderr
