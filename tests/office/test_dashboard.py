"""The dashboard's figures, each checked against a month of work the test makes (`support.dashboard`): an
office's staff read their office's, admins every office's side by side and together."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.dates import RIYADH
from core.domain import StaffRole
from office import dashboard, registrations
from office.rights import OPERATOR, Actor
from storage.db import Database
from storage.models import Beneficiary, StaffMember
from tests.support.builders import add_staff
from tests.support.dashboard import HOUR, a_month_of_work
from tests.support.people import Clock


async def staff_actor(database: Database, login: str) -> Actor:
    found = await database.run(lambda s: s.scalar(select(StaffMember.id).where(StaffMember.login == login)))
    assert found is not None
    return Actor.signed_in(found)


async def test_an_offices_staff_read_their_offices_month(database: Database, clock: Clock) -> None:
    await add_staff(database, clock, "sara", office="makkah")
    await database.run(lambda s: a_month_of_work(s, clock.now))
    sara = await staff_actor(database, "sara")
    seen = await database.run(lambda s: dashboard.figures(s, sara, clock.now))

    assert [office.code for office in seen.offices] == ["makkah"]  # hers alone
    makkah = seen.figures

    def week_of(ago: timedelta) -> int:
        return max(week for week, start in enumerate(seen.weeks) if start <= clock.now - ago)

    expected = [0] * 12
    for ago in (timedelta(days=10), timedelta(days=10), timedelta(days=2)):  # Noura, Fatimah; Fatima
        expected[week_of(ago)] += 1
    assert makkah.registrations == expected
    assert makkah.registered == 3  # Mariam registered 100 days ago: before the twelve weeks
    assert [start.astimezone(RIYADH).strftime("%A %H:%M") for start in seen.weeks[:2]] == ["Sunday 00:00"] * 2
    assert seen.weeks[-1] <= clock.now < seen.weeks[-1] + timedelta(weeks=1)  # this week, up to now
    assert makkah.waiting.count == 2  # Fatimah and Mariam; Noura was asked to correct something
    assert makkah.waiting.oldest == clock.now - timedelta(days=100)  # Mariam's
    pipeline = makkah.pipeline
    assert (pipeline.open, pipeline.applied, pipeline.shortlisted, pipeline.accepted, pipeline.rejected) == (
        1,
        1,
        1,
        1,
        1,
    )  # fmt: skip (Fatima's withdrawn application is not counted)
    assert makkah.open_questions == 1
    assert makkah.median_first_answer == 2 * HOUR and makkah.slow_first_answer == 10 * HOUR

    [training] = seen.trainings
    assert (training.invited, training.going, training.waitlisted, training.not_going) == (4, 2, 1, 1)
    assert (training.no_answer, training.attended) == (0, 1)

    by_channel = {outcomes.channel: outcomes.counts for outcomes in seen.deliveries}
    assert by_channel == {  # Al-Jumum's message and the one of 40 days ago are not hers, or not this month's
        "telegram": {"sent": 1, "blocked": 1},
        "whatsapp": {"sent": 1, "needs_template": 1},
    }


async def test_admins_compare_every_office_side_by_side_and_together(
    database: Database, clock: Clock
) -> None:
    await add_staff(database, clock, "noura", role=StaffRole.ADMIN)
    await database.run(lambda s: a_month_of_work(s, clock.now))
    noura = await staff_actor(database, "noura")
    seen = await database.run(lambda s: dashboard.figures(s, noura, clock.now))

    together, compared = seen.figures, {office.code: office for office in seen.compared}
    assert together.code is None
    assert {"makkah", "jumum", "jeddah"} <= set(compared)
    assert sum(compared["jumum"].registrations) == 1 and sum(compared["jeddah"].registrations) == 1
    assert together.registrations == [
        sum(office.registrations[week] for office in seen.compared) for week in range(12)
    ]  # Jeddah's Fatima; Noura and Fatimah; Fatima and Maryam
    assert together.registered == 5
    assert compared["jumum"].waiting.count == 1 and together.waiting.count == 4  # Maryam, and Jeddah's Fatima
    assert together.waiting.oldest == clock.now - timedelta(days=100)
    assert compared["jumum"].pipeline.applied == 1 and together.pipeline.applied == 2
    assert together.pipeline.rejected == 1 and together.pipeline.accepted == 1
    assert together.pipeline.open == 2
    assert compared["jumum"].median_first_answer == timedelta(minutes=30)
    assert sorted(together.first_answers) == [timedelta(minutes=30), 2 * HOUR, 10 * HOUR]
    assert together.median_first_answer == 2 * HOUR and together.slow_first_answer == 10 * HOUR
    by_channel = {outcomes.channel: outcomes.counts for outcomes in seen.deliveries}
    assert by_channel["telegram"] == {"sent": 2, "blocked": 1}  # Maryam's too


async def test_a_big_offices_figures_are_kept_a_few_minutes_and_counted_again_behind(
    database: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a month holds KEPT_FROM messages (here: any), the figures a view counted are what the next views
    read for KEPT_FOR; the first view after reads them once more while they are counted again behind it."""
    await add_staff(database, clock, "sara", office="makkah")
    await database.run(lambda s: a_month_of_work(s, clock.now))
    sara = await staff_actor(database, "sara")
    kept = dashboard.KeptFigures()
    monkeypatch.setattr(dashboard, "KEPT_FROM", 0)

    first = await kept.figures(database.run, sara, clock.now)
    waiting = first.figures.waiting.count
    await verify_one(database, clock)  # one waits no more
    assert await kept.figures(database.run, sara, clock.now + timedelta(minutes=4)) is first
    stale = await kept.figures(database.run, sara, clock.now + dashboard.KEPT_FOR)
    assert stale is first  # shown as kept, while counted again
    await asyncio.gather(*kept._tasks)
    counted = await kept.figures(database.run, sara, clock.now + dashboard.KEPT_FOR)
    assert counted.figures.waiting.count == waiting - 1

    monkeypatch.setattr(dashboard, "KEPT_FROM", 10**9)  # a small office: counted afresh on every view
    await verify_one(database, clock)
    await kept.figures(database.run, sara, clock.now + 2 * dashboard.KEPT_FOR)
    await asyncio.gather(*kept._tasks)
    fresh = await kept.figures(database.run, sara, clock.now + 2 * dashboard.KEPT_FOR)
    assert fresh.figures.waiting.count == waiting - 2


async def test_after_a_restart_a_big_months_figures_are_already_counted_at_the_first_view(
    database: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the web process starts (`warm`), a big month's figures are counted behind, every office's and
    each active office's: the first views after read them, and count nothing themselves. A small month is
    not counted at the start: its figures are counted when viewed."""
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "noura", role=StaffRole.ADMIN)
    await database.run(lambda s: a_month_of_work(s, clock.now))
    sara, noura = await staff_actor(database, "sara"), await staff_actor(database, "noura")
    counted: list[str | None] = []
    figures_of = dashboard.figures_of

    def counting(session: Session, scope: str | None, now: datetime) -> dashboard.Dashboard:
        counted.append(scope)
        return figures_of(session, scope, now)

    monkeypatch.setattr(dashboard, "figures_of", counting)

    monkeypatch.setattr(dashboard, "KEPT_FROM", 10**9)  # a small month
    await dashboard.KeptFigures().warm(database.run, clock.now)
    assert counted == []

    monkeypatch.setattr(dashboard, "KEPT_FROM", 1)  # a big month
    kept = dashboard.KeptFigures()
    await kept.warm(database.run, clock.now)
    assert counted == [None, "makkah", "jumum", "jeddah"]
    for_sara = await kept.figures(database.run, sara, clock.now + timedelta(minutes=1))
    for_noura = await kept.figures(database.run, noura, clock.now + timedelta(minutes=1))
    assert counted == [None, "makkah", "jumum", "jeddah"]  # the views counted nothing more
    assert [office.code for office in for_sara.offices] == ["makkah"]
    assert for_noura.offices[0].code is None and len(for_noura.offices) > 2


async def test_views_during_the_count_wait_for_it_and_count_nothing_more(
    database: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two views of one office's dashboard at once: one count, both answered by it."""
    await add_staff(database, clock, "sara", office="makkah")
    await database.run(lambda s: a_month_of_work(s, clock.now))
    sara = await staff_actor(database, "sara")
    counted: list[str | None] = []
    figures_of = dashboard.figures_of

    def counting(session: Session, scope: str | None, now: datetime) -> dashboard.Dashboard:
        counted.append(scope)
        return figures_of(session, scope, now)

    monkeypatch.setattr(dashboard, "figures_of", counting)
    kept = dashboard.KeptFigures()
    first, second = await asyncio.gather(
        kept.figures(database.run, sara, clock.now), kept.figures(database.run, sara, clock.now)
    )
    assert first is second and counted == ["makkah"]


async def verify_one(database: Database, clock: Clock) -> None:
    """Her office verifies one of the makkah families waiting for it."""

    def work(session: Session) -> None:
        family = session.scalar(
            select(Beneficiary.id)
            .where(Beneficiary.office_code == "makkah", Beneficiary.verified_at.is_(None))
            .where(Beneficiary.correction_asked_at.is_(None))
            .limit(1)
        )
        assert family is not None
        registrations.verify(session, OPERATOR, family, clock.now)

    await database.run(work)
