"""What an operator reads in the log over a day: one line for each thing that happened (the process started,
a family registered, a question opened, an announcement created, queued, sent and finished), nothing for a
tick that did nothing, and nothing of hers (no name, no ID, no number)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.service import Service
from core.domain import Product
from office import announcements, registrations, threads
from office.rights import OPERATOR
from storage.audiences import Audience
from storage.beneficiaries import NewBeneficiary
from storage.db import Database
from tests.support.builders import FATIMA_ID, families_on_telegram, national_id
from tests.support.fake_telegram import FakeTelegram, on_phone, settings_for
from tests.support.outage import Outage
from tests.support.people import Clock


def said(caplog: pytest.LogCaptureFixture) -> list[str]:
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.INFO and r.name.startswith(("bot", "office"))
    ]
    caplog.clear()
    return lines


async def test_a_days_work_is_a_line_for_each_thing_done_and_none_for_idle_ticks(
    database: Database,
    database_url: str,
    fake_telegram: FakeTelegram,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    service = Service(
        settings_for(database_url, fake_telegram), clock=clock, run_jobs=False, sleep=clock.sleep
    )
    await service.start()
    try:
        started = said(caplog)
        assert "started as all: channels telegram; scheduled jobs dispatch, due, retention" in started

        await service.run_due_work()
        await service.dispatch_due()
        await service.run_retention()
        assert said(caplog) == []  # nothing was due, nothing to purge: nothing said

        fatima = on_phone(fake_telegram, FATIMA_ID, clock)
        new = NewBeneficiary(
            full_name="فاطمة أحمد الزهراني", national_id=national_id(7), mobile="+966500000007",
            mobile_vouched=True, office_code="makkah", products=[Product.COOKED_MEALS],
            health_certificate=True, canteen_interest=True, language="ar", consented_at=clock.now,
        )  # fmt: skip
        family = await database.run(lambda s: registrations.register(s, new, clock.now))
        await families_on_telegram(database, clock, 2)  # and two more, who talk to the bot on Telegram
        asker = threads.Asker("telegram", str(fatima.id), "makkah", family_id=family)
        await database.run(
            lambda s: threads.ask(s, asker, "canteens", [threads.Said("متى التقديم؟")], clock.now)
        )
        await database.run(
            lambda s: announcements.create(
                s,
                OPERATOR,
                "ملتقى الأسر يوم الثلاثاء",
                None,
                Audience(),
                clock.now + timedelta(minutes=1),
                clock.now,
            )
        )
        lines = said(caplog)
        assert f"family {family} registered with office makkah" in lines
        assert "question 1 opened with office makkah (canteens)" in lines
        assert any(line.startswith("announcement 1 created, to go at") for line in lines), lines

        clock.advance(minutes=2)
        await service.run_due_work()
        assert said(caplog) == ["scheduled work 'announcements': 1 (1)"]
        await service.dispatch_due()
        assert said(caplog) == [
            "sending: 2 sent on telegram",
            "announcement 1 finished: 1 failed, 2 sent",
        ]  # she has no channel
    finally:
        await service.stop()
    everything = caplog.text
    assert "فاطمة" not in everything and national_id(7) not in everything and str(FATIMA_ID) not in everything


@pytest.mark.postgres
async def test_the_database_away_is_said_once_with_a_count_not_at_every_run(
    postgres_url: str,
    postgres: Database,
    fake_telegram: FakeTelegram,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    outage = Outage(postgres_url)
    settings = settings_for(await outage.start(), fake_telegram)
    service = Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep)
    await service.start()
    try:
        caplog.clear()
        outage.cut()
        for _ in range(5):  # ten seconds of a worker's and a scheduler's runs
            await service.dispatch_due()
            await service.run_due_work()
        outage.restore()
        await service.dispatch_due()
        await service.run_due_work()
    finally:
        await service.stop()
        await outage.stop()
    warned = [r.getMessage().split(" (")[0] for r in caplog.records if r.levelno >= logging.WARNING]
    assert warned == [  # once each, with the reason (ConnectionResetError, say), then the count
        "sending waits: the database is out of reach",
        "scheduled work waits: the database is out of reach",
        "sending goes on: the database is back after 5 runs out of reach",
        "scheduled work goes on: the database is back after 5 runs out of reach",
    ]
    assert not [r for r in caplog.records if r.exc_info]
