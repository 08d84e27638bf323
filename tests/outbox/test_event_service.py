"""A training event run by `usar run` itself, against a fake Bot API on 127.0.0.1, the clock in the test's
hands: invitations with buttons, answers by button or by number, the service restarted between scheduling
and the reminders — nothing is lost, nothing sent twice, nothing after the start — and the calendar file."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
from sqlalchemy import select

from bot.service import Role, Service
from storage import events
from storage.audiences import Audience
from storage.db import Database
from storage.events import EventDetails
from storage.models import Delivery
from tests.support.builders import families_on_telegram
from tests.support.fake_telegram import FakeTelegram, TelegramUser, settings_for
from tests.support.people import Clock, ar


async def running(database_url: str, fake: FakeTelegram, clock: Clock) -> Service:
    service = Service(
        settings_for(database_url, fake), clock=clock, role=Role.ALL, run_jobs=False, sleep=clock.sleep
    )
    await service.start()
    return service


async def test_invite_answer_restart_remind(
    database: Database, database_url: str, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    await families_on_telegram(database, clock, 3)  # Makkah, on Telegram as 9001-9003
    start = clock.now + timedelta(days=2)
    details = EventDetails(
        title_ar="ملتقى الأسر المنتجة",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        venue_ar="الغرفة التجارية",
        capacity=1,
    )
    audience = Audience(offices=("makkah",))
    invite_at = clock.now + timedelta(hours=1)
    await database.run(lambda s: events.create(s, details, audience, invite_at, "900", clock.now))

    service = await running(database_url, fake_telegram, clock)
    assert (await service.run_due_work())["invitations"] == []  # not yet
    await service.stop()  # down when the invitations fall due

    clock.advance(hours=2)
    service = await running(database_url, fake_telegram, clock)
    try:
        assert (await service.run_due_work())["invitations"] == [1]
        assert await service.dispatch_due() == 3
        fatima = TelegramUser(fake_telegram, 9001, deliver=fake_telegram.queue, clock=clock)
        invitation = fake_telegram.sent_to(9001)[-1]
        assert "ملتقى الأسر المنتجة" in invitation["text"] and "1448" in invitation["text"]
        await fatima.presses(ar("✅ Going"))
        await fatima.hears("سُجّلتِ في «ملتقى الأسر المنتجة»")
        nura = TelegramUser(fake_telegram, 9002, deliver=fake_telegram.queue, clock=clock)
        await nura.says("١")  # typed: the invitation's first option
        await nura.hears("اكتمل العدد")  # one place: she waits
    finally:
        await service.stop()

    # Down again through the 24-hour mark; back one hour before the start: the 2-hour reminder, once.
    clock.now = start - timedelta(hours=1)
    service = await running(database_url, fake_telegram, clock)
    try:
        assert (await service.run_due_work())["reminders"] == 1
        assert (await service.run_due_work())["reminders"] == 0
        assert await service.dispatch_due() == 1
        assert "تذكير" in fake_telegram.sent_to(9001)[-1]["text"]
        key = await database.run(lambda s: events.find(s, 1).calendar_key)  # type: ignore[union-attr]
        async with aiohttp.ClientSession() as http:
            calendar = await http.get(f"http://127.0.0.1:{service.port}/calendar/{key}.ics?lang=en")
            assert calendar.status == 200 and calendar.content_type == "text/calendar"
            assert "SUMMARY:ملتقى الأسر المنتجة" in await calendar.text()
            by_number = await http.get(f"http://127.0.0.1:{service.port}/calendar/event-1.ics")
            assert by_number.status == 404  # an address anyone could guess serves only older events
            missing = await http.get(f"http://127.0.0.1:{service.port}/calendar/{'x' * 22}.ics")
            assert missing.status == 404
        clock.now = start + timedelta(minutes=1)
        assert (await service.run_due_work())["reminders"] == 0
    finally:
        await service.stop()
    reminders = await database.run(
        lambda s: s.execute(select(Delivery.beneficiary_id).where(Delivery.kind == "reminder")).all()
    )
    assert [tuple(row) for row in reminders] == [(1,)]  # the one going, not the one waiting
