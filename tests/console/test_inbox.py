"""The console's inbox over HTTP: her office's questions, one read and answered, taken, closed and opened
again, passed to another office, a note kept from her; her files fetched from the platform through our
server (a voice note from Telegram, a photo from WhatsApp), one too large refused with her told; another
office's question not found."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.service import Service
from core.channel import Media
from core.domain import StaffRole
from office import threads
from office.rights import OPERATOR
from storage.db import Database
from storage.models import Delivery, Thread
from tests.support.builders import add_staff, register_families
from tests.support.console import console_server, visitor
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.support.people import Clock

VOICE_BYTES = b"OggS" + b"\x00" * 2000


async def her_question(
    database: Database, clock: Clock, family: int, said: list[threads.Said], channel: str = "telegram",
    address: str = "5550001", office: str = "makkah",
) -> int:  # fmt: skip
    asker = threads.Asker(channel, address, office, family_id=family)
    thread, _ = await database.run(lambda s: threads.ask(s, asker, "canteens", said, clock.now))
    return thread.id


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio(auth_token=AUTH_TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def console(
    database: Database, database_url: str, clock: Clock, fake_telegram: FakeTelegram, twilio: FakeTwilio
) -> AsyncIterator[Service]:
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "huda", office="jeddah")
    settings: dict[str, Any] = {
        "telegram_token": TOKEN,
        "telegram_api_base": fake_telegram.url,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_whatsapp_from": "whatsapp:+14155238886",
        "twilio_api_base": twilio.url,
        "public_url": "http://usar.example.org",  # http: the console's cookies travel to this test's client
    }
    async with console_server(database_url, clock, **settings) as service:
        yield service


async def test_sara_reads_answers_and_closes_a_question_and_huda_of_jeddah_cannot_see_it(
    console: Service, database: Database, clock: Clock
) -> None:
    [fatima] = await register_families(database, clock, [("فاطمة أحمد", "makkah")])
    thread = await her_question(database, clock, fatima, [threads.Said("متى يفتح التقديم على المقاصف؟")])
    async with visitor(console) as huda:
        await huda.signs_in("huda")
        assert "فاطمة أحمد" not in await huda.get("/console/inbox")
        await huda.get(f"/console/inbox/{thread}")
        assert huda.status == 404
        await huda.get("/console/inbox")
        await huda.post(f"/console/inbox/{thread}/answer", {"csrf": huda.form_token(), "text": "نعم"})
        assert huda.status == 404
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        page = await sara.get("/console/inbox")
        assert "فاطمة أحمد" in page and "متى يفتح التقديم" in page and "سؤال واحد مفتوح" in page
        await sara.get(f"/console/inbox/{thread}")
        token = sara.form_token()
        await sara.post(f"/console/inbox/{thread}/answer", {"csrf": token, "text": "   "})
        assert sara.status == 400 and "اكتبي شيئاً أولاً" in sara.alert()
        await sara.post(f"/console/inbox/{thread}/answer", {"csrf": token, "text": "يفتح الأحد القادم"})
        page = await sara.get(sara.location)
        assert "إجابتك في طريقها إليها" in page and "يفتح الأحد القادم" in page
        assert '<p class="hint delivery">بانتظار الإرسال' in page  # what became of it, as the outbox says
        await sara.post(f"/console/inbox/{thread}/note", {"csrf": token, "text": "اتصلت بها أيضاً"})
        await sara.post(f"/console/inbox/{thread}/assign", {"csrf": token})
        await sara.post(f"/console/inbox/{thread}/topic", {"csrf": token, "topic": "trainings"})
        await sara.post(f"/console/inbox/{thread}/close", {"csrf": token})
        assert "لا يوجد سؤال مفتوح من الأسر" in await sara.get("/console/inbox")
        assert "فاطمة أحمد" in await sara.get("/console/inbox?closed=yes")
        await sara.post(f"/console/inbox/{thread}/reopen", {"csrf": token})
        page = await sara.get(f"/console/inbox/{thread}")
        assert "استلمته sara" in page  # taken

    [delivery] = await database.run(lambda s: s.scalars(select(Delivery)).all())
    assert delivery.kind == "reply" and "اتصلت بها" not in delivery.payload["ar"]  # the note stays inside
    found = await database.run(lambda s: s.get(Thread, thread))
    assert found is not None
    assert (found.status, found.topic, found.first_answered_at) == ("open", "trainings", clock.now)


async def test_a_question_passed_to_jeddah_leaves_makkahs_inbox_for_jeddahs(
    console: Service, database: Database, clock: Clock
) -> None:
    [fatima] = await register_families(database, clock, [("فاطمة أحمد", "makkah")])
    thread = await her_question(database, clock, fatima, [threads.Said("أسكن في جدة الآن")])
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get(f"/console/inbox/{thread}")
        await sara.post(f"/console/inbox/{thread}/pass", {"csrf": sara.form_token(), "office": ""})
        assert sara.status == 400 and "اختاري المكتب الذي يخدمها" in sara.alert()
        await sara.post(f"/console/inbox/{thread}/pass", {"csrf": sara.form_token(), "office": "jeddah"})
        assert sara.location == "/console/inbox"
        assert "حُوّل السؤال إلى \u2068جدة\u2069، وهو الآن في أسئلتهم." in await sara.get(sara.location)
        await sara.get(f"/console/inbox/{thread}")
        assert sara.status == 404
    async with visitor(console) as huda:
        await huda.signs_in("huda")
        assert "أسكن في جدة الآن" in await huda.get("/console/inbox")
    await add_staff(database, clock, "noura", StaffRole.ADMIN)
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        audit_page = await noura.get("/console/audit")
        assert "\u2068sara\u2069 حوّلت سؤالاً إلى مكتب آخر: سؤال 1 (إلى جدة)" in audit_page


async def test_her_voice_note_from_telegram_plays_through_our_server(
    console: Service, database: Database, clock: Clock, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.files["voice-1"] = VOICE_BYTES
    [fatima] = await register_families(database, clock, [("فاطمة أحمد", "makkah")])
    voice = Media("voice", "voice-1", "audio/ogg", len(VOICE_BYTES))
    thread = await her_question(database, clock, fatima, [threads.Said("", voice)])
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        page = await sara.get(f"/console/inbox/{thread}")
        address = page.split('<audio controls preload="none" src="', 1)[1].split('"', 1)[0]
        assert not address.startswith("http") and TOKEN not in page  # ours, never Telegram's link
        async with sara.http.get(sara.base + address) as response:
            assert response.status == 200 and response.content_type == "audio/ogg"
            assert await response.read() == VOICE_BYTES
        async with sara.http.get(sara.base + address, headers={"Range": "bytes=0-3"}) as response:
            assert response.status == 206 and await response.read() == b"OggS"  # as Safari plays it
            assert response.headers["Content-Range"] == f"bytes 0-3/{len(VOICE_BYTES)}"
    assert fake_telegram.calls.count("getfile") == 1  # its parts are one fetch from Telegram


async def test_a_photo_from_whatsapp_is_fetched_with_our_credentials_and_one_too_large_is_refused(
    console: Service, database: Database, clock: Clock, twilio: FakeTwilio
) -> None:
    twilio.files["photo-1"] = ("image/jpeg", b"\xff\xd8\xff" + b"\x00" * 1000)
    twilio.files["big-1"] = ("application/pdf", b"%PDF" + b"\x00" * (20 * 1024 * 1024))
    [fatima] = await register_families(database, clock, [("فاطمة أحمد", "makkah")])
    photo = Media("photo", f"{twilio.url}/media/photo-1", "image/jpeg")
    big = Media("document", f"{twilio.url}/media/big-1", "application/pdf", name="شهادة.pdf")
    elsewhere = Media("photo", "https://attacker.example/media/photo-1", "image/jpeg")
    said = [threads.Said("هذه شهادتي", photo), threads.Said("", big), threads.Said("", elsewhere)]
    thread = await her_question(database, clock, fatima, said, channel="whatsapp", address="+966500000001")
    messages = await database.run(lambda s: [m.id for m in threads.thread_file(s, OPERATOR, thread).messages])
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        async with sara.http.get(f"{sara.base}/console/inbox/{thread}/files/{messages[0]}") as response:
            assert response.status == 200 and response.content_type == "image/jpeg"
        async with sara.http.get(f"{sara.base}/console/inbox/{thread}/files/{messages[1]}") as response:
            assert response.status == 413 and "أكبر من أن يُعرض" in await response.text()
        async with sara.http.get(f"{sara.base}/console/inbox/{thread}/files/{messages[2]}") as response:
            assert response.status == 502  # never asked of another host with our credentials
        assert "هذا الملف أكبر من أن يُعرض" in await sara.get(f"/console/inbox/{thread}")
    [told] = await database.run(lambda s: s.scalars(select(Delivery)).all())
    assert told.thread_id == thread and "لم يستطع مكتبك فتح الملف" in told.payload["ar"]


async def test_sara_keeps_a_saved_reply_puts_it_in_an_answer_and_huda_never_sees_it(
    console: Service, database: Database, clock: Clock
) -> None:
    [fatima] = await register_families(database, clock, [("فاطمة أحمد", "makkah")])
    thread = await her_question(database, clock, fatima, [threads.Said("وين أجدد الشهادة الصحية؟")])
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/inbox/replies")
        token = sara.form_token()
        await sara.post("/console/inbox/replies", {"csrf": token, "title": "", "text_ar": "", "text_en": ""})
        assert sara.status == 400 and "اكتبي له عنواناً قصيراً" in sara.alert()
        kept = {"csrf": token, "title": "الشهادة الصحية", "text_en": "At the health centre near you.",
                "text_ar": "تُجدَّد الشهادة الصحية في المركز الصحي القريب منك.", "office": "jeddah"}  # fmt: skip
        await sara.post("/console/inbox/replies", kept)
        assert sara.status == 303 and "حُفظ الرد" in await sara.get(sara.location)
        [reply] = await database.run(lambda s: threads.saved_replies(s, OPERATOR))
        assert reply.office_code == "makkah"  # her own office's, whatever the form said
        page = await sara.get(f"/console/inbox/{thread}?use={reply.id}")
        assert "تُجدَّد الشهادة الصحية في المركز الصحي القريب منك.</textarea>" in page  # to edit, then send
    async with visitor(console) as huda:
        await huda.signs_in("huda")
        assert "الشهادة الصحية" not in await huda.get("/console/inbox/replies")
        await huda.post(
            "/console/inbox/replies", {"csrf": huda.form_token(), "reply": str(reply.id), "change": "remove"}
        )
        assert huda.status == 404
    assert len(await database.run(lambda s: threads.saved_replies(s, OPERATOR))) == 1
