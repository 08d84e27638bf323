"""What staff read once retention has purged: an announcement's page, a family's messages and the dashboard
count what became of messages whose text is gone; a question long closed says that her file is no longer
kept (in the console and in the staff chat), and its address finds nothing; the audit log names a family of a
list who was forgotten by her number alone, never by the name of the one imported after her."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.service import Service
from conversations.engine.engine import Engine
from core.channel import Media
from core.domain import DeliveryStatus, StaffRole
from office import announcements, threads
from office import contacts as office_contacts
from office.rights import OPERATOR
from office.tables import read_lines
from storage import announcements as stored_announcements
from storage import deliveries, delivery_reports, staff
from storage.audiences import Audience
from storage.db import Database
from storage.models import Contact, Delivery
from storage.sealing import key_of
from tests.support.builders import AISHA_ID, add_staff, national_id, register_families, staff_person, write
from tests.support.console import console_server, visitor
from tests.support.people import Clock

LEASE = timedelta(minutes=1)
MAKKAH = [("فاطمة أحمد الزهراني", "makkah"), ("نورة سعيد القرشي", "makkah"), ("مريم خالد العتيبي", "makkah")]


@pytest.fixture
async def console(database_url: str, database: Database, clock: Clock) -> AsyncIterator[Service]:
    """The console of an office that keeps what its messages said a week (USAR_KEEP_DELIVERY_TEXTS=7d)."""
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "noura", role=StaffRole.ADMIN)
    async with console_server(database_url, clock, keep_delivery_texts="7d") as service:
        yield service


def sent_out(session: Session, clock: Clock) -> None:
    """Announcement 1, to Makkah's families: the first had blocked the bot, the others got it on WhatsApp
    and read it."""
    announcements.create(
        session, OPERATOR, "ملتقى الأسر المنتجة يوم الثلاثاء", None, Audience(offices=("makkah",)), clock.now,
        clock.now,
    )  # fmt: skip
    stored_announcements.enqueue_due(session, clock.now)
    first, *others = deliveries.claim(session, clock.now, 50, LEASE)
    deliveries.finish(session, first, DeliveryStatus.BLOCKED, "403 blocked", clock.now)
    for number, delivery in enumerate(others, start=1):
        deliveries.sent(session, delivery, "whatsapp", f"+96650000000{number}", f"SM{number}", clock.now)
        delivery_reports.record(session, "whatsapp", f"SM{number}", "read", None, clock.now)


async def texts_left(database: Database) -> list[object]:
    return await database.run(lambda s: [d.payload.get("ar") for d in s.scalars(select(Delivery))])


async def test_an_announcement_her_messages_and_the_dashboard_still_count_what_became_of_them(
    console: Service, database: Database, clock: Clock
) -> None:
    [fatima, noura, _] = await register_families(database, clock, MAKKAH)
    await database.run(lambda s: sent_out(s, clock))
    clock.advance(days=7, seconds=1)
    assert (await console.run_retention())["delivery texts"] == 3  # the office's setting: a week
    assert await texts_left(database) == [None, None, None]
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        page = await sara.get("/console/announcements/1")
        assert sara.status == 200 and "3 من 3" in page  # handled
        counts = dict(re.findall(r"<tr><th>(.*?)</th><td class=\"number\">(\d+)</td></tr>", page))
        assert counts["أُرسلت"] == "2" and counts["حظرن البوت"] == "1"
        assert counts["منها ما وصل (بحسب واتساب)"] == "2"  # the platform's reports, by the message's id
        assert "ملتقى الأسر المنتجة يوم الثلاثاء" in page  # what the announcement says is the office's own
        [missed] = [row for row in page.split("<tr>") if "حظرت البوت" in row]
        assert "فاطمة أحمد الزهراني" in missed  # whom it did not reach, by name, and why

        hers = await sara.get(f"/console/families/{noura}")
        messages = hers.split("الرسائل التي أرسلناها لها", 1)[1]
        assert "إعلان" in messages and "واتساب" in messages and "قُرئت" in messages
        blocked = (await sara.get(f"/console/families/{fatima}")).split("الرسائل التي أرسلناها لها", 1)[1]
        assert "حظرت البوت" in blocked

        dashboard = await sara.get("/console/")
        messages_table = dashboard.split('aria-labelledby="messages-title"', 1)[1].split("</section>", 1)[0]
        assert "لا رسائل إلى الأسر" not in messages_table and "واتساب" in messages_table


async def test_a_question_long_closed_says_her_file_is_no_longer_kept(
    console: Service, database: Database, clock: Clock, engine: Engine
) -> None:
    [fatima] = await register_families(database, clock, MAKKAH[:1])
    voice = Media("voice", "voice-1", "audio/ogg", 2000)
    asker = threads.Asker("telegram", "5550001", "makkah", family_id=fatima)
    question, _ = await database.run(
        lambda s: threads.ask(s, asker, "canteens", [threads.Said("", voice)], clock.now)
    )
    sara = await database.run(lambda s: staff.by_login(s, "sara"))
    assert sara is not None
    await database.run(lambda s: threads.answer(s, OPERATOR, question.id, "وصلت رسالتك، سنتصل بك", clock.now))

    def answered(session: Session) -> None:
        [delivery] = deliveries.claim(session, clock.now, 50, LEASE)
        deliveries.sent(session, delivery, "telegram", "5550001", "77", clock.now)
        threads.close(session, OPERATOR, question.id, clock.now)

    await database.run(answered)
    clock.advance(days=365)
    async with visitor(console) as reader:
        await reader.signs_in("sara")
        page = await reader.get(f"/console/inbox/{question.id}")
        assert "لم يعد الملف محفوظاً" not in page  # a year to the second: still kept
        clock.advance(seconds=1)
        assert (await console.run_retention())["thread files"] == 1
        page = await reader.get(f"/console/inbox/{question.id}")
        assert "أرسلت رسالة صوتية، ولم يعد الملف محفوظاً" in page
        assert "وصلت رسالتك، سنتصل بك" in page and "أُرسلت" in page  # the answer, and what became of it
        [message_id] = re.findall(rf"/console/inbox/{question.id}/files/(\d+)", page) or [None]
        assert message_id is None  # nothing to open
        file = await database.run(lambda s: threads.thread_file(s, OPERATOR, question.id).messages[0].id)
        async with reader.http.get(f"{reader.base}/console/inbox/{question.id}/files/{file}") as response:
            assert response.status == 404

    await database.run(lambda s: threads.reopen(s, OPERATOR, question.id, clock.now))
    amal = await staff_person(database, engine, clock, StaffRole.STAFF, "makkah", "900")
    await amal.says("hello")
    await amal.chooses("Questions from families")
    await amal.chooses(amal.options[0])
    assert "a voice note (no longer kept)" in amal.heard


async def test_the_audit_log_names_a_forgotten_family_of_a_list_by_her_number_alone(
    console: Service, database: Database, clock: Clock, tmp_path: Path
) -> None:
    def imported(session: Session, national: str, name: str, mobile: str) -> int:
        line = f"national id,name,mobile,office\n{national},{name},{mobile},makkah\n"
        office_contacts.import_list(
            session, OPERATOR, read_lines(write(tmp_path, line), office_contacts.COLUMNS), clock.now
        )
        listed = select(Contact.id).where(Contact.national_id_key == key_of(national))
        return int(session.scalars(listed).one())

    aisha = await database.run(lambda s: imported(s, AISHA_ID, "عائشة محمد الحربي", "0551110001"))
    await database.run(lambda s: office_contacts.remove(s, OPERATOR, aisha, clock.now))
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        assert "عائشة محمد الحربي" in await noura.get("/console/audit")  # named while she is kept
    clock.advance(days=365, seconds=1)
    assert (await console.run_retention())["contacts"] == 1
    hind = await database.run(lambda s: imported(s, national_id(2), "هند سعيد الغامدي", "0551110002"))
    assert hind != aisha
    async with visitor(console) as noura:
        await noura.signs_in("noura")
        page = await noura.get("/console/audit")
        entries = re.findall(r'<td class="what">(.*?)</td>', page, re.S)
        [removed] = [entry for entry in entries if "أخرجت أسرة من قائمة مستوردة" in entry]
        assert removed.endswith(f": أسرة مستوردة {aisha}")  # by her number alone, never another's name
