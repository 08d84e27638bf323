"""The console's inbox over HTTP: her office's questions, one read and answered, taken, closed and opened
again, passed to another office, a note kept from her; her files fetched from the platform through our
server (a voice note from Telegram, a photo from WhatsApp), one too large refused with her told; another
office's question not found."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

from bot.service import Service
from console.threads_pages import REFRESH_EVERY
from core.channel import Media
from core.domain import StaffRole
from office import staff as office_staff
from office import threads
from office.rights import OPERATOR
from storage import threads as threads_storage
from storage.db import Database
from storage.models import AuditEntry, Conversation, Delivery, Thread
from tests.support.builders import add_staff, register_families
from tests.support.console import browser_page, console_server, screenshot, signed_in, visitor
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.support.people import Clock

AMAL = "أمل ناصر الحارثي"
VOICE_BYTES = b"OggS" + b"\x00" * 2000


def english_reader(channel: str, address: str, clock: Clock) -> Conversation:
    """Her chat with us, in English, where she last wrote just now."""
    return Conversation(
        channel=channel, address=address, language="en", version=1, created_at=clock.now,
        updated_at=clock.now, last_inbound_at=clock.now,
    )  # fmt: skip


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
        assert "حُوّل السؤال إلى \u2068جدة\u2069، وهو الآن في أسئلتهن." in await sara.get(sara.location)
        assert "أسكن في جدة الآن" not in await sara.get("/console/inbox")  # not among Makkah's own
        assert "أسكن في جدة الآن" in await sara.get("/console/inbox?whose=passed")
        page = await sara.get(f"/console/inbox/{thread}")  # still hers to read, and hers alone to read
        assert sara.status == 200 and "أسكن في جدة الآن" in page
        assert "حوّل مكتبك هذا السؤال إلى \u2068جدة\u2069" in page and "حوّلته \u2068sara\u2069" in page
        assert "وهنّ وحدهن يُجبن عنه الآن" in page  # Jeddah's staff: women
        assert 'id="answer"' not in page and "/assign" not in page and "/close" not in page  # read-only
        await sara.post(f"/console/inbox/{thread}/answer", {"csrf": sara.form_token(), "text": "مرحبا"})
        assert sara.status == 403  # a forged answer
    async with visitor(console) as huda:
        await huda.signs_in("huda")
        assert "أسكن في جدة الآن" in await huda.get("/console/inbox")
        assert 'id="answer"' in await huda.get(f"/console/inbox/{thread}")  # Jeddah's to answer now
    await add_staff(database, clock, "reem", office="jumum")
    async with visitor(console) as reem:  # neither the office it is with nor the one that passed it
        await reem.signs_in("reem")
        await reem.get(f"/console/inbox/{thread}")
        assert reem.status == 404 and "لا يوجد سؤال" in reem.text
    found = await database.run(lambda s: s.get(Thread, thread))
    assert found is not None and (found.office_code, found.passed_from, found.passed_at) == (
        "jeddah",
        "makkah",
        clock.now,
    )
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


async def test_sara_gives_a_question_to_amal_and_each_sees_hers_under_mine(
    console: Service, database: Database, clock: Clock
) -> None:
    await add_staff(database, clock, "amal", office="makkah")
    [fatima, noura] = await register_families(
        database, clock, [("فاطمة أحمد", "makkah"), ("نورة سعيد", "makkah")]
    )
    first = await her_question(database, clock, fatima, [threads.Said("سؤال فاطمة")])
    await her_question(database, clock, noura, [threads.Said("سؤال نورة")], address="5550002")
    await database.run(  # her full name, as an admin gives it: what names her everywhere in the inbox
        lambda s: office_staff.add(
            s, OPERATOR, None, StaffRole.STAFF, "makkah", clock.now, login="amal", name=AMAL
        )
    )
    staff_ids = await database.run(lambda s: dict(threads_storage.colleagues(s, "makkah")))
    amal = next(staff_id for staff_id, name in staff_ids.items() if name == AMAL)
    [(huda, _)] = await database.run(lambda s: threads_storage.colleagues(s, "jeddah"))
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        page = await sara.get(f"/console/inbox/{first}")
        assert (
            f'<option value="{amal}">{AMAL}</option>' in page
            and ">amal<" not in page
            and ">huda<" not in page
        )
        token = sara.form_token()
        await sara.post(f"/console/inbox/{first}/assign", {"csrf": token, "staff": str(huda)})  # forged
        assert sara.status == 400 and "اختاري زميلة من المكتب" in sara.alert()
        await sara.post(f"/console/inbox/{first}/assign", {"csrf": token, "staff": ""})
        assert sara.status == 400 and "اختاري زميلة تسندين إليها السؤال" in sara.alert()
        await sara.post(f"/console/inbox/{first}/assign", {"csrf": token, "staff": str(amal)})
        assert f"صار السؤال لدى \u2068{AMAL}\u2069" in await sara.get(sara.location)
        assert "سؤال فاطمة" not in await sara.get("/console/inbox?whose=mine")
        every = await sara.get("/console/inbox?whose=all")
        assert AMAL in every and ">amal<" not in every  # the list's "taken by": her name
        unassigned = await sara.get("/console/inbox?whose=unassigned")
        assert "سؤال نورة" in unassigned and "سؤال فاطمة" not in unassigned
        every = await sara.get("/console/inbox?whose=all")
        policy = sara.headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe" not in policy  # our own file, nothing inline
        assert every.count("<script") == every.count('<script src="/console/static/console.js" defer>') == 1
        assert "سؤال نورة" in every and "سؤال فاطمة" in every
        # The menu counts every open question of her office: what "every question" lists.
        assert '<span class="count" aria-label="سؤالان مفتوحان">2</span>' in every
        assert every.count('<tr data-key="') == 2
    async with visitor(console) as amal_at_console:
        await amal_at_console.signs_in("amal")
        mine = await amal_at_console.get("/console/inbox?whose=mine")
        assert "سؤال فاطمة" in mine and "سؤال نورة" not in mine
    await add_staff(database, clock, "noura", StaffRole.ADMIN)
    async with visitor(console) as admin:
        await admin.signs_in("noura")
        log = await admin.get("/console/audit")
        assert f"\u2068sara\u2069 استلمت سؤالاً أو أسندته: سؤال 1 (إلى \u2068{AMAL}\u2069)" in log
        assert "amal" not in log.split("<tbody>", 1)[1]


async def test_sara_searches_her_offices_messages_and_nothing_of_jeddahs(
    console: Service, database: Database, clock: Clock
) -> None:
    [fatima, noura, hana] = await register_families(
        database, clock, [("فاطمة أحمد", "makkah"), ("نورة سعيد", "makkah"), ("هناء علي", "jeddah")]
    )
    await her_question(database, clock, fatima, [threads.Said("أريد تجديد الشهادة الصحية")])
    closed = await her_question(
        database, clock, noura, [threads.Said("الشهادة الصحية انتهت 100%")], address="2"
    )
    await database.run(lambda s: threads.close(s, OPERATOR, closed, clock.now))
    await her_question(
        database, clock, hana, [threads.Said("الشهادة الصحية في جدة")], address="3", office="jeddah"
    )
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        found = await sara.get("/console/inbox?q=" + quote("  الشهادة   الصحية "))
        assert "فاطمة أحمد" in found and "نورة سعيد" in found and "هناء علي" not in found  # open and closed
        assert 'value="الشهادة الصحية"' in found
        percent = await sara.get("/console/inbox?q=" + quote("100%"))
        assert "نورة سعيد" in percent and "فاطمة أحمد" not in percent
        assert "فاطمة أحمد" not in await sara.get("/console/inbox?q=" + quote("%"))  # % is a character here
        assert "لا يوجد سؤال فيه هذه الكلمات" in await sara.get("/console/inbox?q=" + quote("مقصف"))
        await sara.get("/console/inbox?q=" + "ا" * 101)
        assert sara.status == 400 and "ابحثي عن 100 حرف على الأكثر" in sara.alert()


async def test_sara_closes_two_questions_at_once_and_none_ticked_says_so(
    console: Service, database: Database, clock: Clock
) -> None:
    [fatima, noura, hana] = await register_families(
        database, clock, [("فاطمة أحمد", "makkah"), ("نورة سعيد", "makkah"), ("هناء علي", "jeddah")]
    )
    first = await her_question(database, clock, fatima, [threads.Said("شكراً")])
    second = await her_question(database, clock, noura, [threads.Said("وصلت")], address="2")
    jeddahs = await her_question(database, clock, hana, [threads.Said("سؤال")], address="3", office="jeddah")
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/inbox")
        token = sara.form_token()
        await sara.post("/console/inbox/closing", {"csrf": token})
        assert sara.status == 400 and "حدّدي الأسئلة التي تغلقينها أولاً" in sara.alert()
        await sara.post(
            "/console/inbox/closing", [("csrf", token), ("thread", str(first)), ("thread", str(jeddahs))]
        )
        assert sara.status == 404  # another office's, in a forged form: nothing closed
        assert await database.run(lambda s: threads.open_count(s, OPERATOR)) == 3
        await sara.post(
            "/console/inbox/closing", [("csrf", token), ("thread", str(first)), ("thread", str(second))]
        )
        assert "أُغلق سؤالان." in await sara.get(sara.location)
        assert "لا يوجد سؤال مفتوح من الأسر" in sara.text
    entries = await database.run(
        lambda s: s.scalars(select(AuditEntry).where(AuditEntry.action == "inbox.close")).all()
    )
    assert sorted(entry.target_id or 0 for entry in entries) == sorted([first, second])  # one each


async def test_a_saved_reply_with_no_english_is_not_sent_to_an_english_reader_unseen(
    console: Service, database: Database, clock: Clock
) -> None:
    [mary] = await register_families(database, clock, [("Mary Smith", "makkah")])
    thread = await her_question(database, clock, mary, [threads.Said("When is the training?")])
    await database.run(lambda s: s.add(english_reader("telegram", "5550001", clock)))
    reply = await database.run(
        lambda s: (
            threads.keep_saved_reply(s, OPERATOR, "makkah", "الموعد", "الدورة يوم الأحد", "", clock.now).id
        )
    )
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        assert "لا نص إنجليزياً له بعد" in await sara.get("/console/inbox/replies")
        page = await sara.get(f"/console/inbox/{thread}")
        assert "الموعد · لا نص إنجليزياً له" in page  # said beside it in the list
        assert '<div id="arabic-warning" class="warning" hidden>' in page  # until she chooses it
        page = await sara.get(f"/console/inbox/{thread}?use={reply}")
        assert '<div id="arabic-warning" class="warning" >' in page and "تقرأ بالإنجليزية" in page
        token = sara.form_token()
        await sara.post(f"/console/inbox/{thread}/answer", {"csrf": token, "text": "Hello, الدورة يوم الأحد"})
        assert (
            sara.status == 400
            and "«الموعد»" in sara.alert()
            and "Hello, الدورة يوم الأحد</textarea>" in sara.text
        )
        assert await database.run(lambda s: s.scalars(select(Delivery)).all()) == []  # nothing sent unseen
        form = {"csrf": token, "text": "Hello, الدورة يوم الأحد", "in_arabic": "yes"}
        await sara.post(f"/console/inbox/{thread}/answer", form)
        assert sara.status == 303
    [sent] = await database.run(lambda s: s.scalars(select(Delivery)).all())
    assert "الدورة يوم الأحد" in sent.payload["en"]


async def test_an_answer_that_cannot_reach_her_on_whatsapp_says_so_in_arabic(
    console: Service, database: Database, clock: Clock
) -> None:
    [fatima] = await register_families(database, clock, [("فاطمة أحمد", "makkah")])
    thread = await her_question(
        database, clock, fatima, [threads.Said("هل وصل طلبي؟")], channel="whatsapp", address="+966500000001"
    )
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        page = await sara.get(f"/console/inbox/{thread}")
        assert "لن تصلها إجابة ترسلينها الآن" in page  # said before she sends
        await sara.post(f"/console/inbox/{thread}/answer", {"csrf": sara.form_token(), "text": "نعم وصل"})
        page = await sara.get(sara.location)
        assert "حُفظت إجابتك على السؤال، لكنها لن تصلها" in page
        assert "إجابتك في طريقها إليها" not in page

        def outbox_finds_no_template(session: Any) -> None:  # as the outbox records it
            [delivery] = session.scalars(select(Delivery)).all()
            delivery.status, delivery.last_error = "needs_template", "no template for reply"

        await database.run(outbox_finds_no_template)
        page = await sara.get(f"/console/inbox/{thread}")
        assert "لم تُرسل: كتبت آخر مرة على واتساب قبل أكثر من 24 ساعة" in page
        assert "no template for reply" not in page


# -- in a browser: the page keeps up by itself (console/static/console.js) ----------------------------------


async def test_a_new_message_shows_while_sara_types_and_her_half_answer_stays(
    console: Service, database: Database, clock: Clock
) -> None:
    [fatima, noura] = await register_families(
        database, clock, [("فاطمة أحمد", "makkah"), ("نورة سعيد", "makkah")]
    )
    thread = await her_question(database, clock, fatima, [threads.Said("متى يفتح التقديم على المقاصف؟")])
    async with browser_page(console) as page:
        await page.clock.install()  # the page's timers run when the test says, not on the wall clock
        await page.set_viewport_size({"width": 1366, "height": 900})
        await signed_in(page, "sara")
        await page.goto("/console/inbox")
        await page.check(f"input[name=thread][value='{thread}']")  # she ticks one, to close it later
        await her_question(database, clock, noura, [threads.Said("أين أجد نموذج التسجيل؟")], address="2")
        await page.clock.fast_forward(REFRESH_EVERY * 1000)
        await page.locator("#questions", has_text="أين أجد نموذج التسجيل؟").wait_for()
        assert await page.is_checked(f"input[name=thread][value='{thread}']")  # her tick is kept
        assert await page.locator("#questions tbody tr").count() == 2
        assert await page.locator("#menu-inbox .count").inner_text() == "2"  # the menu agrees
        assert await page.locator("#menu > summary .count").inner_text() == "2"  # «Menu», on a phone
        assert "سؤالان مفتوحان" in await page.locator(".measures").inner_text()
        await screenshot(page, "inbox-live-ar")

        await page.goto(f"/console/inbox/{thread}")
        await page.click("textarea#answer")
        await page.keyboard.type("يفتح التقديم يوم")  # half an answer
        asker = threads.Asker("telegram", "5550001", "makkah", family_id=fatima)
        more = [threads.Said("وهل يلزم سجل تجاري؟")]
        await database.run(lambda s: threads.ask(s, asker, "canteens", more, clock.now))
        await page.clock.fast_forward(REFRESH_EVERY * 1000)
        await page.locator("#said article.said.family", has_text="وهل يلزم سجل تجاري؟").wait_for()
        assert await page.input_value("textarea#answer") == "يفتح التقديم يوم"  # what she typed is there
        await page.keyboard.type(" الأحد، ولا يلزم سجل تجاري.")  # and she goes on where she was
        await screenshot(page, "thread-live-ar")
        await page.click("text=إرسال إليها")
        assert await page.locator("[role=status]").inner_text() == "إجابتك في طريقها إليها."
        answer = page.locator("article.said.staff p[dir=auto]")
        assert await answer.inner_text() == "يفتح التقديم يوم الأحد، ولا يلزم سجل تجاري."


async def test_a_saved_reply_goes_where_the_cursor_is_and_one_with_no_english_is_flagged(
    console: Service, database: Database, clock: Clock
) -> None:
    [mary] = await register_families(database, clock, [("Mary Smith", "makkah")])
    thread = await her_question(database, clock, mary, [threads.Said("Where do I renew my health card?")])
    await database.run(lambda s: s.add(english_reader("telegram", "5550001", clock)))

    def saved_replies(session: Any) -> None:
        threads.keep_saved_reply(
            session,
            OPERATOR,
            "makkah",
            "Health card",
            "في المركز الصحي",
            "at the health centre near you",
            clock.now,
        )
        threads.keep_saved_reply(
            session, OPERATOR, "makkah", "Training day", "الدورة يوم الأحد", "", clock.now
        )

    await database.run(saved_replies)
    async with browser_page(console) as page:
        await page.set_viewport_size({"width": 1366, "height": 900})
        await signed_in(page, "sara")
        await page.click("button[name=language][value=en]")
        await page.goto(f"/console/inbox/{thread}")
        await page.fill("textarea#answer", "Dear Mary, you renew it . Thank you.")
        await page.press("textarea#answer", "End")
        for _ in ". Thank you.":
            await page.press("textarea#answer", "ArrowLeft")
        await page.select_option("select[name=use]", label="Health card")
        await page.click("text=Put it in the answer")
        typed = "Dear Mary, you renew it at the health centre near you. Thank you."
        assert await page.input_value("textarea#answer") == typed  # inserted, nothing written over
        assert "use=" not in page.url  # in the page: nothing was asked of the server
        assert not await page.locator("#arabic-warning").is_visible()

        await page.select_option("select[name=use]", label="Training day · no English text")
        await page.click("text=Put it in the answer")
        warning = page.locator("#arabic-warning")
        assert await warning.is_visible() and "She reads English" in await warning.inner_text()
        await screenshot(page, "thread-arabic-reply-warning-en")
        await page.click("text=Send to her")  # without ticking "Send it in Arabic": refused, kept
        alert = await page.locator("[role=alert]").inner_text()
        assert "“Training day” has no English text" in alert
        assert "الدورة يوم الأحد" in await page.input_value("textarea#answer")
        await page.check("input[name=in_arabic]")
        await page.click("text=Send to her")
        assert await page.locator("[role=status]").inner_text() == "Your answer is on its way to her."


async def test_the_inbox_and_a_question_on_a_phone(
    console: Service, database: Database, clock: Clock
) -> None:
    [fatima] = await register_families(database, clock, [("فاطمة أحمد الزهراني", "makkah")])
    thread = await her_question(
        database, clock, fatima, [threads.Said("هل وصل طلبي؟ أرسلت الأوراق أمس")], channel="whatsapp",
        address="+966500000001",
    )  # fmt: skip
    await database.run(lambda s: threads.answer(s, OPERATOR, thread, "وصل، شكراً لك", clock.now))

    def outbox_finds_no_template(session: Any) -> None:  # as the outbox records it
        [delivery] = session.scalars(select(Delivery)).all()
        delivery.status, delivery.last_error = "needs_template", "no template for reply"

    await database.run(outbox_finds_no_template)
    async with browser_page(console) as page:
        await page.set_viewport_size({"width": 390, "height": 844})
        await signed_in(page, "sara")
        await page.goto("/console/inbox")
        await screenshot(page, "inbox-phone-ar")
        await page.goto(f"/console/inbox/{thread}")
        shown = await page.locator("main").inner_text()
        assert "لن تصلها إجابة ترسلينها الآن" in shown and "لم تُرسل: كتبت آخر مرة على واتساب" in shown
        assert "no template" not in shown
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await screenshot(page, "thread-phone-ar")


@pytest.mark.parametrize(
    ("waited", "since"),
    [
        ({"hours": 2}, "منذ ساعتين"),
        ({"minutes": 2}, "منذ دقيقتين"),
        ({"days": 2}, "منذ يومين"),
        ({"hours": 5}, "منذ 5 ساعات"),
        ({"hours": 26}, "منذ 26 ساعة"),
        ({"minutes": 11}, "منذ 11 دقيقة"),
    ],
)
async def test_how_long_a_question_waits_is_said_as_arabic_says_it_after_since(
    console: Service, database: Database, clock: Clock, waited: dict[str, int], since: str
) -> None:
    [fatima] = await register_families(database, clock, [("فاطمة أحمد", "makkah")])
    await her_question(database, clock, fatima, [threads.Said("متى يفتح التقديم؟")])
    clock.advance(**waited)
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        page = await sara.get("/console/inbox")
        assert f'<span class="hint">{since}</span>' in page
        assert "ساعتان" not in page and "الوسيط" not in page


async def test_the_inbox_says_how_fast_questions_are_answered_in_plain_words(
    console: Service, database: Database, clock: Clock
) -> None:
    [fatima] = await register_families(database, clock, [("فاطمة أحمد", "makkah")])
    thread = await her_question(database, clock, fatima, [threads.Said("متى يفتح التقديم؟")])
    clock.advance(hours=2)
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get(f"/console/inbox/{thread}")
        await sara.post(f"/console/inbox/{thread}/answer", {"csrf": sara.form_token(), "text": "الأحد"})
        page = await sara.get("/console/inbox?closed=yes")
        assert "نصف الأسئلة أُجيبت في أقل من ساعتين (آخر 30 يوماً)" in page
        await sara.post("/console/language", {"csrf": sara.form_token(), "language": "en"})
        english = await sara.get("/console/inbox?closed=yes")
        assert "half the questions were answered within 2 hours (last 30 days)" in english
