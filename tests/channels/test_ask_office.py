"""Ask the office on the real channels: a text, a voice note and a photo from Telegram (the fake Bot API) and
from WhatsApp (the fake Twilio) become a thread with her office; staff answer, in the staff chat and as an
office action; the answer reaches her on the channel she wrote from, in the order written, whatever the hour;
on WhatsApp outside the 24 hours as the "reply" template, and the answer itself when she next writes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.service import Service
from core.domain import StaffRole
from office import offices, threads
from office.errors import NotFound
from office.rights import OPERATOR, Actor
from storage import staff
from storage.db import Database
from storage.models import Thread, ThreadMessage
from tests.support.builders import FATIMA_ID, MARY_ID
from tests.support.fake_telegram import FakeTelegram, TelegramUser, on_phone
from tests.support.fake_twilio import AUTH_TOKEN, FakeTwilio, OnWhatsApp, whatsapp_settings
from tests.support.people import Clock

REPLY_TEMPLATE = "HX" + "7" * 32


async def said_on_threads(database: Database) -> list[str]:
    def read(session: Any) -> list[str]:
        rows = session.execute(
            select(ThreadMessage.author, ThreadMessage.text, ThreadMessage.media_kind).order_by(
                ThreadMessage.id
            )
        ).all()
        return [f"{row.author}: {row.text or row.media_kind}" for row in rows]

    return await database.run(read)


async def the_thread(database: Database) -> Thread:
    return await database.run(lambda s: s.scalars(select(Thread)).one())


async def asks_her_office(fatima: TelegramUser, office: str) -> None:
    """Not registered, on Telegram: she chooses "Ask my office" and her office, and is asked her question."""
    await fatima.says("مرحبا")
    await fatima.hears("كيف يمكنني مساعدتك؟")
    await fatima.presses("التواصل مع مكتبي")
    await fatima.hears("ما مكتب الضمان الاجتماعي الذي يخدمك؟")
    await fatima.presses(office)
    await fatima.hears(f"اكتبي سؤالك إلى مكتب {office}")


async def test_on_telegram_her_words_voice_note_and_photo_reach_her_office_and_staff_answer_in_the_chat(
    polling: Service, fake_telegram: FakeTelegram, database: Database, clock: Clock
) -> None:
    await database.run(lambda s: staff.add_or_update(s, str(MARY_ID), StaffRole.STAFF, "jeddah", clock.now))
    fatima = on_phone(fake_telegram, FATIMA_ID, clock)
    await asks_her_office(fatima, "جدة")
    await fatima.says("متى تبدأ دورة سلامة الغذاء؟")
    await fatima.hears("وصل سؤالك إلى مكتب جدة")
    await fatima.sends_voice_note()
    await fatima.hears("أُضيفت رسالتك إلى سؤالك")
    await fatima.sends_photo(size=120_000)
    await fatima.hears("أُضيفت رسالتك إلى سؤالك")
    assert await said_on_threads(database) == [
        "family: متى تبدأ دورة سلامة الغذاء؟",
        "family: voice",
        "family: photo",
    ]

    mary = on_phone(fake_telegram, MARY_ID, clock, first_name="Mary", language_code="en")
    await mary.says("/start")
    await mary.hears("Staff menu")
    await mary.presses("Questions from families")
    await mary.hears("Questions from families, those waiting longest first")
    await mary.presses("a family not registered · other · 🖼️ a photo")
    thread = await mary.hears("متى تبدأ دورة سلامة الغذاء؟")
    assert "🎤 a voice note" in thread["text"] and "🖼️ a photo" in thread["text"]
    await mary.says("Next Sunday at 9, at the office.")
    await mary.hears("Your answer is on its way to her.")
    await mary.says("Bring your ID, please.")
    await mary.hears("Your answer is on its way to her.")
    clock.advance(hours=16)  # 22:00 in Riyadh: an answer she asked for does not wait for the morning
    await polling.dispatch_due()
    first = await fatima.hears("Next Sunday at 9, at the office.")
    second = await fatima.hears("Bring your ID, please.")
    assert first["text"].startswith("مكتبك (جدة) يجيبك:") and first["message_id"] < second["message_id"]


async def test_another_offices_staff_cannot_open_her_question(
    polling: Service, fake_telegram: FakeTelegram, database: Database, clock: Clock
) -> None:
    await database.run(lambda s: staff.add_or_update(s, str(MARY_ID), StaffRole.STAFF, "makkah", clock.now))
    fatima = on_phone(fake_telegram, FATIMA_ID, clock)
    await asks_her_office(fatima, "جدة")
    await fatima.says("سؤال عن المقصف")
    await fatima.hears("وصل سؤالك إلى مكتب جدة")
    mary = on_phone(fake_telegram, MARY_ID, clock, first_name="Mary", language_code="en")
    await mary.says("/start")
    await mary.hears("Staff menu")
    await mary.presses("Questions from families")
    await mary.hears("No question from a family is open.")
    thread = await the_thread(database)
    with pytest.raises(NotFound):
        await database.run(lambda s: threads.thread_file(s, Actor.staff(str(MARY_ID)), thread.id))


async def test_a_file_telegram_says_is_too_large_is_refused_at_once(
    polling: Service, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    fatima = on_phone(fake_telegram, FATIMA_ID, clock)
    await asks_her_office(fatima, "مكة المكرمة")
    await fatima.sends_photo(size=25 * 1024 * 1024)
    await fatima.hears("هذا الملف أكبر من أن يفتحه مكتبك")


@pytest.fixture
async def whatsapp(
    database: Database, database_url: str, clock: Clock
) -> AsyncIterator[tuple[Service, FakeTwilio]]:
    twilio = FakeTwilio(auth_token=AUTH_TOKEN)
    settings = whatsapp_settings(database_url)
    settings.twilio_api_base = await twilio.start()  # type: ignore[assignment]
    settings.whatsapp_templates = {"reply": REPLY_TEMPLATE}
    service = Service(settings, clock=clock, run_jobs=False, sleep=clock.sleep)
    await service.start()
    yield service, twilio
    await service.stop()
    await twilio.stop()


async def test_on_whatsapp_her_voice_note_reaches_her_office_and_answers_reach_her_within_and_after_24_hours(
    whatsapp: tuple[Service, FakeTwilio], database: Database, clock: Clock
) -> None:
    service, twilio = whatsapp
    await database.run(lambda s: staff.add_or_update(s, "900", StaffRole.STAFF, "makkah", clock.now))
    fatima = OnWhatsApp(service, "+966551234567", twilio=twilio)
    await fatima.says("مرحبا")
    assert "هل أرسله إلى مكتبك؟" in await fatima.says("ابغى اكلم الموظفة عن شهادتي")
    assert "ما مكتب الضمان الاجتماعي الذي يخدمك؟" in await fatima.says("1")  # send it: to which office?
    assert "وصل سؤالك إلى مكتب مكة المكرمة" in await fatima.says("1")  # her words kept, never typed again
    await fatima.post({"Body": "", "NumMedia": "1", "MediaUrl0": twilio.url + "/media/voice-1",
                       "MediaContentType0": "audio/ogg"})  # fmt: skip
    assert "أُضيفت رسالتك إلى سؤالك" in "\n".join(fatima.heard)
    await fatima.post({"Body": "هذه الشهادة", "NumMedia": "1", "MediaUrl0": twilio.url + "/media/photo-1",
                       "MediaContentType0": "image/jpeg"})  # fmt: skip
    assert await said_on_threads(database) == [
        "family: ابغى اكلم الموظفة عن شهادتي",
        "family: voice",
        "family: هذه الشهادة",
    ]
    thread = await the_thread(database)

    await database.run(lambda s: threads.answer(s, Actor.staff("900"), thread.id, "وصلت، شكراً", clock.now))
    await service.dispatch_due()
    assert twilio.created[-1]["Body"].endswith("وصلت، شكراً") and "ContentSid" not in twilio.created[-1]

    clock.advance(hours=25)  # outside the 24 hours: the "reply" template says her office answered
    await database.run(lambda s: threads.answer(s, Actor.staff("900"), thread.id, "موعدك الأحد", clock.now))
    await service.dispatch_due()
    assert twilio.created[-1]["ContentSid"] == REPLY_TEMPLATE
    assert json.loads(twilio.created[-1]["ContentVariables"]) == {"1": "مكة المكرمة"}
    heard = await fatima.says("مرحبا")  # she writes, and reads the answer itself first
    assert heard.startswith("مكتبك (مكة المكرمة) يجيبك:\nموعدك الأحد")
    assert "موعدك الأحد" not in await fatima.says("مرحبا")  # read once


async def test_a_question_unanswered_for_eight_working_hours_is_flagged_and_her_offices_staff_told_once(
    polling: Service, fake_telegram: FakeTelegram, database: Database, clock: Clock
) -> None:
    hours = offices.read_hours("sun-thu 08:00-14:00")
    await database.run(lambda s: offices.edit(s, OPERATOR, "jeddah", {"hours": hours}, clock.now))
    await database.run(lambda s: staff.add_or_update(s, str(MARY_ID), StaffRole.STAFF, "jeddah", clock.now))
    mary = on_phone(fake_telegram, MARY_ID, clock, first_name="Mary", language_code="en")
    await mary.says("/start")
    await mary.hears("Staff menu")
    fatima = on_phone(fake_telegram, FATIMA_ID, clock)
    await asks_her_office(fatima, "جدة")
    await fatima.says("سؤال عن الدورة")  # Saturday 09:00 in Riyadh: the office is closed
    await fatima.hears("المكتب مغلق الآن")

    clock.advance(hours=29)  # Sunday 14:00: six working hours
    assert (await polling.run_due_work())["questions unanswered"] == 0
    clock.advance(hours=20, minutes=30)  # Monday 10:30: eight and a half
    assert (await polling.run_due_work())["questions unanswered"] == 1
    assert (await polling.run_due_work())["questions unanswered"] == 0  # told once
    await polling.dispatch_due()
    told = await mary.hears("has waited 8 working hours")
    assert "Jeddah" in told["text"]
    [listed] = await database.run(lambda s: threads.inbox(s, OPERATOR))
    assert listed.thread.reminded_at == clock.now  # flagged in the inbox
