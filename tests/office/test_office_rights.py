"""Who may do what: every office action run as the operator, an admin, the office's own staff and another
office's staff. What is allowed is done and recorded once in the audit log; what is refused changes nothing
and records nothing, and another office's things answer exactly as unknown ones."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.engine.engine import Engine
from core.domain import ApplicationStatus, StaffRole
from core.i18n import use_language
from office import (
    announcements,
    audit,
    canteens,
    contacts,
    content,
    event_notices,
    events,
    exports,
    registrations,
)
from office import staff as office_staff
from office.errors import NotAllowed, NotFound, OfficeError, RejectedFile
from office.rights import OPERATOR, Actor
from office.tables import Line
from storage import canteens as stored
from storage import staff
from storage import tips as library
from storage.audiences import Audience
from storage.canteens import NewOpportunity
from storage.db import Database
from storage.events import EventDetails
from storage.models import AuditEntry, Base, Service, Tip
from tests.support.builders import DATA, national_id, town
from tests.support.people import Clock, Person

T0 = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
LATER = T0 + timedelta(hours=3)  # when the actions run: the first event has started, the second not

ADMIN, OWN, OTHER = "900", "901", "902"  # an admin; staff of Makkah; staff of Jeddah
ACTORS = {"operator": OPERATOR, "admin": Actor(ADMIN), "own": Actor(OWN), "other": Actor(OTHER)}


def _event(title: str, starts: datetime) -> EventDetails:
    return EventDetails(
        title_ar=title, starts_at=starts, ends_at=starts + timedelta(hours=2), venue_ar="المكتب"
    )


def _opportunity(office: str = "makkah") -> NewOpportunity:
    return NewOpportunity(
        school_name="ابتدائية مكة الأولى",
        stage="primary",
        girls=True,
        district="العزيزية",
        office_code=office,
        students=200,
        starts_on=date(2027, 1, 10),
        deadline=datetime(2026, 12, 20, tzinfo=UTC),
        places=2,
    )


async def world(database: Database) -> None:
    """Makkah's families (3, 6, 9; 12 stopped announcements), an event that has started and one to come,
    both invited; an opportunity with an application of family 3; a scheduled announcement; staff; the tests'
    tips and useful services."""
    await town(database, Clock(T0))

    def build(session: Session) -> None:
        for address, role, office in (
            (ADMIN, StaffRole.ADMIN, None),
            (OWN, StaffRole.STAFF, "makkah"),
            (OTHER, StaffRole.STAFF, "jeddah"),
            ("903", StaffRole.STAFF, "makkah"),
        ):
            staff.add_or_update(session, address, role, office, T0)  # fmt: skip
        makkah = Audience(offices=("makkah",))
        events.create(session, OPERATOR, _event("ملتقى", T0 + timedelta(hours=1)), makkah, T0, T0)
        events.create(session, OPERATOR, _event("دورة", T0 + timedelta(days=5)), makkah, T0, T0)
        event_notices.invite_due(session, T0)
        canteens.publish(session, OPERATOR, _opportunity(), T0)
        stored.apply(session, 1, 3, T0)
        announcements.create(session, OPERATOR, "إعلان", None, makkah, T0 + timedelta(days=2), T0)
        library.load_shipped(session, DATA / "tips.toml", DATA / "services.toml")

    await database.run(build)


@dataclass(frozen=True)
class Case:
    action: str  # as recorded in the audit log; "" for what is not recorded (reads)
    run: Callable[[Session, Actor], Any]
    allowed: frozenset[str]
    refusal: type[OfficeError] = NotFound


EVERYONE_BUT_OTHER = frozenset({"operator", "admin", "own"})
ADMINS = frozenset({"operator", "admin"})


def _line() -> Line:
    return Line(2, {"national_id": national_id(40), "name": "هند سعيد الغامدي", "mobile": "0551110040",
                    "office": "makkah"})  # fmt: skip


CASES = [
    Case("registrations.verify", lambda s, a: registrations.verify(s, a, 9, LATER), EVERYONE_BUT_OTHER),
    Case(
        "families.import",
        lambda s, a: contacts.import_list(s, a, [_line()], LATER),
        EVERYONE_BUT_OTHER,
        RejectedFile,
    ),
    Case(
        "events.create",
        lambda s, a: events.create(
            s, a, _event("جديد", T0 + timedelta(days=9)), Audience(offices=("makkah",)), LATER, LATER
        ),
        EVERYONE_BUT_OTHER,
        NotAllowed,
    ),
    Case("events.edit", lambda s, a: events.edit(s, a, 2, {"title_ar": "دورة ٢"}, LATER), EVERYONE_BUT_OTHER),
    Case("events.attendance", lambda s, a: events.mark_attendance(s, a, 1, [3], LATER), EVERYONE_BUT_OTHER),
    Case("events.thank", lambda s, a: events.thank(s, a, 1, LATER), EVERYONE_BUT_OTHER),
    Case("events.cancel", lambda s, a: events.cancel(s, a, 2, LATER), EVERYONE_BUT_OTHER),
    Case(
        "canteens.publish",
        lambda s, a: canteens.publish(s, a, _opportunity(), LATER),
        EVERYONE_BUT_OTHER,
        NotAllowed,
    ),
    Case("canteens.edit", lambda s, a: canteens.edit(s, a, 1, {"places": 3}, LATER), EVERYONE_BUT_OTHER),
    Case(
        "canteens.decide",
        lambda s, a: canteens.decide(s, a, 1, ApplicationStatus.SHORTLISTED, None, LATER),
        EVERYONE_BUT_OTHER,
    ),
    Case("canteens.close", lambda s, a: canteens.close(s, a, 1, LATER), EVERYONE_BUT_OTHER),
    Case(
        "announcements.create",
        lambda s, a: announcements.create(s, a, "نص", None, Audience(offices=("makkah",)), LATER, LATER),
        EVERYONE_BUT_OTHER,
        NotAllowed,
    ),
    Case("announcements.cancel", lambda s, a: announcements.cancel(s, a, 1, LATER), EVERYONE_BUT_OTHER),
    Case(
        "exports.guests", lambda s, a: exports.guests(s, a, 1, io.StringIO(), "ar", LATER), EVERYONE_BUT_OTHER
    ),
    Case(
        "exports.applicants",
        lambda s, a: exports.applicants(s, a, 1, io.StringIO(), "ar", LATER),
        EVERYONE_BUT_OTHER,
    ),
    Case(
        "staff.add",
        lambda s, a: office_staff.add(s, a, "0551234567", StaffRole.STAFF, "jumum", LATER),
        ADMINS,
        NotAllowed,
    ),
    Case("staff.remove", lambda s, a: office_staff.remove(s, a, "903", LATER), ADMINS, NotAllowed),
    Case(
        "tips.import",
        lambda s, a: content.import_tips(s, a, DATA / "tips-edited.csv", LATER),
        ADMINS,
        NotAllowed,
    ),
    Case(
        "services.import",
        lambda s, a: content.import_services(s, a, DATA / "services-edited.csv", LATER),
        ADMINS,
        NotAllowed,
    ),
    Case("", lambda s, a: list(audit.history(s, a)), ADMINS, NotAllowed),
    Case("", lambda s, a: office_staff.listing(s, a), ADMINS, NotAllowed),
    Case("", lambda s, a: registrations.find(s, a, national_id(9)), EVERYONE_BUT_OTHER),
    Case("", lambda s, a: canteens.applicants(s, a, 1), EVERYONE_BUT_OTHER),
    Case("", lambda s, a: events.guests(s, a, 1), EVERYONE_BUT_OTHER),
    Case("", lambda s, a: announcements.progress(s, a, 1), EVERYONE_BUT_OTHER),
]


def _entries(session: Session) -> list[tuple[str, int | None]]:
    rows = session.execute(select(AuditEntry.action, AuditEntry.staff_id).order_by(AuditEntry.id))
    return [(action, staff_id) for action, staff_id in rows]


@pytest.mark.parametrize("who", list(ACTORS))
async def test_every_office_action_checks_who_acts(database: Database, who: str) -> None:
    await world(database)
    actor = ACTORS[who]
    staff_id = (
        None
        if actor.is_operator
        else await database.run(
            lambda s: staff.staff_member(s, actor.address or "").id  # type: ignore[union-attr]
        )
    )
    for case in CASES:

        def attempt(session: Session, case: Case = case) -> tuple[str, list[tuple[str, int | None]]]:
            before = _entries(session)
            with use_language("en"):
                try:
                    case.run(session, actor)
                except OfficeError as refused:
                    outcome = type(refused).__name__
                else:
                    outcome = "done"
            return outcome, _entries(session)[len(before) :]

        before_rows = await database.run(_row_counts)
        outcome, recorded = await database.run(attempt)
        label = f"{case.action or case.run} as {who}"
        if who in case.allowed:
            assert outcome == "done", label
            assert recorded == ([(case.action, staff_id)] if case.action else []), label
        else:
            assert outcome == case.refusal.__name__, label
            assert recorded == [], label
            assert await database.run(_row_counts) == before_rows, f"{label} changed something"


def _row_counts(session: Session) -> dict[str, int]:
    return {
        table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


def _library(session: Session) -> list[tuple[str, str]]:
    """Each tip's and service's id and English text, to tell whether an import changed any."""
    tips = session.execute(select(Tip.id, Tip.text_en).order_by(Tip.id))
    services = session.execute(select(Service.id, Service.about_en).order_by(Service.id))
    return [(id_, text) for id_, text in [*tips, *services]]


@pytest.mark.parametrize("what", ["tips", "services"])
async def test_only_administrators_import_tips_and_services(database: Database, what: str) -> None:
    """An office's staff member is refused and not even a text changes; an administrator's import is
    recorded once, with how many rows it added and updated."""
    await world(database)
    import_rows = content.import_tips if what == "tips" else content.import_services
    edited = DATA / f"{what}-edited.csv"

    def attempt(session: Session, actor: Actor) -> str:
        with use_language("en"):
            try:
                added, updated = import_rows(session, actor, edited, LATER)
            except NotAllowed as refused:
                return refused.message
        return f"{added} added, {updated} updated"

    before = await database.run(_library)
    assert await database.run(lambda s: attempt(s, Actor(OWN))) == "Only an administrator can do this."
    assert await database.run(_library) == before
    assert await database.run(lambda s: attempt(s, Actor(ADMIN))) == "1 added, 1 updated"
    assert await database.run(_library) != before
    admin = await database.run(lambda s: staff.staff_member(s, ADMIN).id)  # type: ignore[union-attr]
    recorded = await database.run(
        lambda s: s.execute(
            select(
                AuditEntry.action,
                AuditEntry.staff_id,
                AuditEntry.office_code,
                AuditEntry.target,
                AuditEntry.outcome,
                AuditEntry.details,
            ).where(AuditEntry.action.endswith(".import"))
        ).all()
    )
    assert [tuple(row) for row in recorded] == [
        (f"{what}.import", admin, None, what, "imported", {"added": 1, "updated": 1})
    ]


async def test_another_offices_family_answers_as_an_unknown_one(database: Database) -> None:
    await world(database)

    def both(session: Session) -> tuple[str, str]:
        said = []
        for typed in (national_id(9), national_id(77)):  # a Makkah family, and nobody
            with use_language("en"), pytest.raises(NotFound) as refused:
                registrations.find(session, Actor(OTHER), typed)
            said.append(refused.value.message)
        return said[0], said[1]

    makkah, nobody = await database.run(both)
    assert makkah == nobody == "No registered family with this national ID or mobile."


async def test_admins_see_the_staff_and_the_log_in_the_chat(
    database: Database, engine: Engine, clock: Clock
) -> None:
    await world(database)  # the operator published, invited, announced: all in the log
    await database.run(
        lambda s: office_staff.add(
            s, OPERATOR, "5550077", StaffRole.STAFF, "makkah", clock.now, login="hind", name="هند"
        )
    )
    noura = Person(engine, clock, address=ADMIN, language_hint="en")
    await noura.says("hello")
    await noura.chooses("Staff of each office")
    assert (
        "900 · administrator" in noura.heard  # no name, no login: her chat address
        and "901 · Makkah" in noura.heard
        and "902 · Jeddah" in noura.heard
        and "هند · Makkah" in noura.heard  # her full name
    )
    await noura.chooses("Office log")
    assert "The latest office actions:" in noura.heard
    assert "Makkah · the operator · published a canteen opportunity · #1 · published" in noura.heard
    huda = Person(engine, clock, address=OWN, language_hint="en")
    await huda.says("hello")
    assert "Office log" not in huda.options and "Staff of each office" not in huda.options
    await huda.presses("staff:audit")  # a button she was never shown
    assert (
        "That choice is no longer available" in huda.heard and "The latest office actions" not in huda.heard
    )
