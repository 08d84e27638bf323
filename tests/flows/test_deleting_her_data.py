"""Deleting her data leaves nothing of her anywhere: a month of her life with Usar fills every table through
what people and staff really do, she deletes her data in the chat, and then no table — every table of the
models, so that a new one is read without changing this test — holds her name, national ID or mobile (in any
of the forms it is written), in any column; nor do the bytes of the SQLite file and its write-ahead log."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.outbox.dispatcher import OutboxDispatcher
from conversations.engine.engine import Engine
from core.channel import Channel, Outbound, SendOutcome, Sent
from core.domain import ApplicationStatus, StaffRole
from core.text import fold
from office import (
    announcements,
    canteens,
    event_notices,
    events,
    registrations,
    sign_in,
    threads,
    tips,
    uploads,
)
from office.rights import OPERATOR, Actor
from storage import announcements as announcement_store
from storage import delivery_reports, staff
from storage import tips as tip_store
from storage.audiences import Audience
from storage.db import Database
from storage.models import Base, Beneficiary, Delivery, Thread
from storage.sealing import key_of
from tests.support.builders import (
    DATA,
    FATIMA_ID,
    FORUM,
    add_staff,
    girls_school,
    imported,
    national_id,
    write,
)
from tests.support.people import Clock, Person, ar

NAME, NATIONAL_ID, MOBILE = "فاطمة أحمد الزهراني", "1000000008", "0551234567"
NOURA = ("نورة سعيد القرشي", "1000000016", "0551234568")  # a family who stays
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# Some of the places her data was before she deleted it: the test would prove little if it were not there.
# (Columns by their names: `_sealed` ones hold it sealed, and are read here opened.)
HELD_HERS = (
    "beneficiaries.full_name", "beneficiaries.name_key", "beneficiaries.national_id_sealed",
    "beneficiaries.mobile_sealed", "conversations.address_sealed", "deliveries.payload",
    "deliveries.address_sealed", "deliveries.provider_message_id",
    "delivery_reports.provider_message_id", "seen_messages.platform_id", "threads.address_sealed",
    "thread_messages.text", "audit_log.details", "canteen_applications.reason", "canteen_decisions.reason",
    "uploads.content", "conversations.offered",
)  # fmt: skip
# What a family's data leaves empty, and why: nothing of hers can be there.
NEVER_HERS = {
    "tap_templates": "WhatsApp's templates of taps, one for each shape of buttons",
    "data_keys": "the fingerprints of the keys that seal IDs and mobiles, recorded at each start",
}


def her_traces() -> list[str]:
    """Her name (as written, and as staff search it), her national ID and her mobile in every form stored
    or typed: 05…, 9665…, +9665…, 009665…, and in Arabic-Indic digits."""
    local = MOBILE
    international = "966" + MOBILE[1:]
    numbers = [NATIONAL_ID, local, international, "+" + international, "00" + international]
    return [NAME, fold(NAME), *numbers, *(number.translate(ARABIC_DIGITS) for number in numbers)]


def as_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "ignore") + value.decode("utf-16-le", "ignore")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def tables_holding(session: Session, traces: list[str]) -> list[str]:
    """Every column (table.column) of every table with a value that holds one of `traces`."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).mappings():
            for column, value in row.items():
                if value is not None and any(trace in as_text(value) for trace in traces):
                    found.append(f"{table.name}.{column}")
    return sorted(set(found))


def empty_tables(session: Session) -> set[str]:
    return {
        table.name
        for table in Base.metadata.sorted_tables
        if not session.scalar(select(func.count()).select_from(table))
    }


def file_bytes(database: Database) -> bytes:
    """The SQLite file as it is on the disk, with its write-ahead log and its index beside it."""
    path = Path(str(make_url(database.url).database))
    beside = [path.with_name(path.name + ending) for ending in ("-wal", "-shm")]
    return b"".join(found.read_bytes() for found in (path, *beside) if found.exists())


def encoded(traces: list[str]) -> list[bytes]:
    """How the traces are written in the file: UTF-8, and JSON's escapes (`\\u0641…`) in JSON columns."""
    return [form for trace in traces for form in (trace.encode(), json.dumps(trace)[1:-1].encode())]


def her_messages_ids(session: Session, family_id: int) -> list[str]:
    """The platforms' ids of the messages we sent her: to her family, and on her questions."""
    at_her_mobile = Thread.address_key == key_of("+966" + MOBILE[1:])
    hers = select(Thread.id).where((Thread.family_id == family_id) | at_her_mobile)
    found = session.scalars(
        select(Delivery.provider_message_id).where(
            (Delivery.beneficiary_id == family_id) | Delivery.thread_id.in_(hers),
            Delivery.provider_message_id.is_not(None),
        )
    ).all()
    return [message_id for message_id in found if message_id]


@dataclass
class Stamping:
    """A channel's sender that sends everything, each message its platform's id."""

    channel: Channel

    async def send(self, message: Outbound) -> SendOutcome:
        return Sent(f"SM{uuid.uuid4().hex}")


async def dispatch(database: Database, clock: Clock) -> int:
    senders = {channel: Stamping(channel) for channel in (Channel.TELEGRAM, Channel.WHATSAPP)}
    rates = {Channel.TELEGRAM: 25.0, Channel.WHATSAPP: 50.0}
    return await OutboxDispatcher(database, senders, rates, clock, sleep=clock.sleep).drain()


async def a_month_of_her_life(engine: Engine, database: Database, clock: Clock, tmp_path: Path) -> Person:
    """Everything that leaves something of a family behind, done as people do it: her office's list, her
    question before she registered, her registration, a note on her verification, a training, a quiz, her
    daily tip, a canteen refused with her name in the reason, announcements, her questions and their
    answers, the outbox sent and reported on, the console used. Fatima on Telegram, as she is at the end."""
    await database.run(lambda s: tip_store.load_shipped(s, DATA / "tips.toml", DATA / "services.toml"))
    await add_staff(database, clock, "sara")
    await database.run(lambda s: staff.add_or_update(s, "900", StaffRole.STAFF, "makkah", clock.now))
    sara = Actor.staff("900")

    def console(session: Session) -> None:  # Sara signs in, after a wrong password from another address
        sign_in.wrong_password(session, sign_in.attempt(session, "sara", "10.0.0.9", clock.now), clock.now)
        tried = sign_in.attempt(session, "sara", "10.0.0.1", clock.now)
        sign_in.succeeded(session, tried, "ar", clock.now)

    await database.run(console)
    listed = f"رقم الهوية,الاسم,الجوال,المكتب\n{NATIONAL_ID},{NAME},{MOBILE},مكة المكرمة\n"
    others = (
        f"{NOURA[1]},{NOURA[0]},{NOURA[2]},makkah\n{national_id(31)},هند سعيد الغامدي,0551110002,makkah\n"
    )
    await imported(database, write(tmp_path, listed + others))
    member = await database.run(lambda s: staff.by_login(s, "sara"))
    assert member is not None
    await database.run(
        lambda s: uploads.hold(s, Actor.signed_in(member.id), "families.csv", listed.encode(), clock.now)
    )
    invitation = Audience(offices=("makkah",), contacts=True)
    await database.run(
        lambda s: announcements.create(s, OPERATOR, "سجّلي في «أسر»", None, invitation, clock.now, clock.now)
    )
    await database.run(lambda s: announcement_store.enqueue_due(s, clock.now))

    # Before registering, she asks her office on WhatsApp, her mobile in her words.
    on_whatsapp = Person(
        engine, clock, address="+966" + MOBILE[1:], channel=Channel.WHATSAPP, platform_ids=True
    )
    await on_whatsapp.says("السلام عليكم")
    assert "أهلاً يا فاطمة" in on_whatsapp.heard  # her office's list knew her
    await on_whatsapp.chooses("التواصل مع مكتبي")
    await on_whatsapp.says(f"متى تبدأ الدورات؟ جوالي {MOBILE}")

    # She registers on Telegram; Noura in the terminal.
    fatima = Person(engine, clock, address=str(FATIMA_ID), channel=Channel.TELEGRAM, platform_ids=True)
    await fatima.registers(name=NAME, national_id=NATIONAL_ID, mobile=MOBILE)
    noura = Person(engine, clock, address="966500000077")
    await noura.registers(name=NOURA[0], national_id=NOURA[1], mobile=NOURA[2])
    note = f"تحققت من هوية {NAME} ({NATIONAL_ID}) بالاتصال على {MOBILE}"
    await database.run(lambda s: registrations.verify(s, sara, 1, clock.now, note=note))

    await database.run(
        lambda s: events.create(s, OPERATOR, FORUM, Audience(offices=("makkah",)), clock.now, clock.now)
    )
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    await fatima.chooses(ar("Trainings"))
    await fatima.chooses("ملتقى الأسر المنتجة")
    await fatima.chooses(ar("✅ Going"))
    await fatima.says("القائمة")
    await fatima.chooses(ar("Food-safety tips"))
    await fatima.chooses("الحفاظ على النظافة")
    await fatima.chooses(ar("Next tip"))
    await fatima.chooses(ar("Take the quiz"))
    for answer in ("2", "1", "2"):
        await fatima.says(answer)
    await database.run(lambda s: tips.subscribe(s, 1, 9, clock.now))

    school = girls_school("ابتدائية العزيزية الأولى", clock.now + timedelta(days=10))
    await database.run(lambda s: canteens.publish(s, sara, school, clock.now))
    await fatima.says("القائمة")
    await fatima.chooses(ar("Canteen opportunities"))
    await fatima.chooses("ابتدائية العزيزية الأولى")
    await fatima.chooses(ar("Apply"))
    await fatima.chooses(ar("Yes, apply"))
    reason = f"المقصف لأسرة أقرب إلى المدرسة من أسرة {NAME}"
    await database.run(
        lambda s: canteens.decide(s, sara, 1, ApplicationStatus.REJECTED, reason, clock.now, confirmed=True)
    )
    await database.run(
        lambda s: announcements.create(
            s, sara, "ملتقى الأسر يوم الخميس", None, Audience(), clock.now, clock.now
        )
    )
    await database.run(lambda s: announcement_store.enqueue_due(s, clock.now))

    await fatima.says("القائمة")
    await fatima.chooses("التواصل مع مكتبي")
    await fatima.says(f"أنا {NAME}، هويتي {NATIONAL_ID}: هل قُبل طلبي؟")
    await fatima.says("القائمة")
    huda = Person(engine, clock, address="900", language_hint="en")  # in the staff chat, her questions listed
    await huda.says("hello")
    await huda.chooses("Questions from families")
    assert NAME in huda.heard
    asked = await database.run(
        lambda s: s.execute(select(Thread.id, Thread.channel).order_by(Thread.id)).all()
    )
    assert [channel for _, channel in asked] == ["whatsapp", "telegram"]
    for thread, _ in asked:

        def noted_and_answered(session: Session, thread: int = thread) -> None:
            threads.note(session, sara, thread, f"اتصلت بها على {MOBILE}", clock.now)
            threads.answer(session, sara, thread, f"أهلاً {NAME}، سنتصل بك", clock.now)

        await database.run(noted_and_answered)
    await database.run(
        lambda s: threads.keep_saved_reply(s, sara, "makkah", "ترحيب", "أهلاً بك", "", clock.now)
    )
    clock.advance(hours=9)
    await fatima.chooses("التواصل مع مكتبي")
    await fatima.says("هل من جديد؟")  # her question waits again, long enough to be flagged
    await fatima.says("القائمة")
    clock.advance(hours=9)
    assert await database.run(lambda s: threads.remind_unanswered(s, clock.now)) == 1
    clock.now = clock.now.replace(hour=6)  # 09:00 in Riyadh: her daily tip's hour
    assert await database.run(lambda s: tips.send_due(s, clock.now)) == 1

    clock.now = FORUM.starts_at - timedelta(hours=23)  # a day before the forum: its reminder
    assert await database.run(lambda s: event_notices.remind_due(s, clock.now)) == 1
    assert await dispatch(database, clock) > 0
    answered = await database.run(
        lambda s: s.scalar(
            select(Delivery.provider_message_id).where(
                Delivery.channel == "whatsapp", Delivery.thread_id.is_not(None)
            )
        )
    )
    assert answered is not None
    await database.run(lambda s: delivery_reports.record(s, "whatsapp", answered, "read", None, clock.now))
    clock.now = FORUM.starts_at + timedelta(hours=1)
    await database.run(lambda s: events.mark_attendance(s, sara, 1, [1], clock.now))
    await database.run(lambda s: events.thank(s, sara, 1, clock.now))
    await dispatch(database, clock)
    return fatima


async def test_deleting_her_data_leaves_nothing_of_her_in_any_table_nor_in_the_files(
    engine: Engine, database: Database, clock: Clock, tmp_path: Path
) -> None:
    fatima = await a_month_of_her_life(engine, database, clock, tmp_path)
    assert await database.run(empty_tables) == set(NEVER_HERS)  # every other table has rows
    # The platforms' ids of the messages we sent her lead to them (and to her number) at the platform.
    traces = her_traces() + await database.run(lambda s: her_messages_ids(s, 1))
    before = await database.run(lambda s: tables_holding(s, traces))
    for column in HELD_HERS:
        assert column in before, column  # what this test reads for

    await fatima.says("حسابي")  # typed: the messages sent her since offered their own buttons
    await fatima.chooses(ar("Delete my data"))
    await fatima.chooses(ar("Yes, delete everything"))
    deleted = ar("All your data has been deleted. If you write to us again, we will welcome you as new.")
    assert deleted in fatima.heard

    assert await database.run(lambda s: tables_holding(s, traces)) == []
    huda = Person(engine, clock, address="900", language_hint="en")
    await huda.says("1")  # the first of the questions she was shown, hers: the list as it is now
    assert "No question from a family is open." in huda.heard and NAME not in huda.heard
    assert await database.run(lambda s: tables_holding(s, [NOURA[0], NOURA[1]])) != []  # the search finds
    if database.is_sqlite:  # whatever SQLite was built with: deleted content zeroed, the log emptied
        assert await database.run(lambda s: s.scalar(text("PRAGMA secure_delete"))) == 1
        on_disk = file_bytes(database)
        assert [trace for trace in encoded(traces) if trace in on_disk] == []
        assert NOURA[0].encode() in on_disk  # what was not deleted is read there


def highest_numbers(session: Session) -> tuple[int, int]:
    """The highest family number and question number given so far."""
    return (
        session.scalar(select(func.max(Beneficiary.id))) or 0,
        session.scalar(select(func.max(Thread.id))) or 0,
    )


async def test_the_number_of_a_family_who_deleted_her_data_is_never_given_to_another(
    database: Database, clock: Clock, fatima: Person
) -> None:
    """Staff screens, the staff chat and the audit log name families and questions by number: a woman who
    registers after another deleted her data is never taken for her."""
    await fatima.registers()
    await fatima.says("ابي اكلم موظفة عن الدورة")
    await fatima.chooses("أرسله إلى مكتبي")
    first = await database.run(highest_numbers)
    await fatima.says("القائمة")
    await fatima.says("احذفي بياناتي")
    await fatima.chooses(ar("Yes, delete everything"))
    assert await database.run(lambda s: s.scalar(select(func.count()).select_from(Beneficiary))) == 0
    noura = Person(fatima.engine, clock, address="966500000077")
    await noura.registers(name=NOURA[0], national_id=NOURA[1], mobile=NOURA[2])
    await noura.says("ابي اكلم موظفة عن الدورة")
    await noura.chooses("أرسله إلى مكتبي")
    again = await database.run(highest_numbers)
    assert again[0] > first[0] and again[1] > first[1]
