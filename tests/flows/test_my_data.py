"""Send me my data: from "My account", everything stored about her — her registration, her trainings, her
canteen applications and their decisions, her quizzes, the messages we sent her, her questions to her office —
as messages in her language, and as a file on Telegram; WhatsApp gets the messages, each under its limit."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.engine.engine import Engine
from core.channel import Channel
from core.domain import ApplicationStatus, StaffRole
from handlers.whatsapp.replies import BODY_LIMIT, bodies
from office import canteens, event_notices, events, registrations, threads
from office.rights import OPERATOR, Actor
from storage import deliveries, kinds, staff, tips
from storage.audiences import Audience
from storage.db import Database
from storage.kinds import Message
from storage.models import AuditEntry, Beneficiary
from tests.support.builders import DATA, FATIMA_ID, FORUM, girls_school
from tests.support.people import Clock, Person, ar, en


def part(person: Person, title: str) -> str:
    """The part of her last answer that starts with `title`."""
    found = [reply.text for reply in person.replies if reply.text.startswith(title)]
    assert len(found) == 1, [reply.text for reply in person.replies]
    return found[0]


async def a_month_of_hers(person: Person, database: Database, clock: Clock) -> None:
    """She registers, is verified, is invited to the forum and answers, takes a quiz, applies to a canteen
    and is accepted, and asks her office a question that is answered."""
    await database.run(lambda s: tips.load_shipped(s, DATA / "tips.toml", DATA / "services.toml"))
    await person.registers()
    await database.run(lambda s: registrations.verify(s, OPERATOR, 1, clock.now))
    await database.run(
        lambda s: events.create(s, OPERATOR, FORUM, Audience(offices=("makkah",)), clock.now, clock.now)
    )
    await database.run(lambda s: event_notices.invite_due(s, clock.now))
    await person.chooses(ar("Trainings"))
    await person.chooses("ملتقى الأسر المنتجة")
    await person.chooses(ar("✅ Going"))
    await person.says("القائمة")
    await person.chooses(ar("Food-safety tips"))
    await person.chooses("الحفاظ على النظافة")
    await person.chooses(ar("Next tip"))
    await person.chooses(ar("Take the quiz"))
    for answer in ("2", "1", "2"):
        await person.says(answer)
    assert "حصلتِ على 3 من 3" in person.heard
    school = girls_school("ابتدائية العزيزية الأولى", clock.now + timedelta(days=10))
    await database.run(lambda s: canteens.publish(s, OPERATOR, school, clock.now))
    await person.says("القائمة")
    await person.chooses(ar("Canteen opportunities"))
    await person.chooses("ابتدائية العزيزية الأولى")
    await person.chooses(ar("Apply"))
    await person.chooses(ar("Yes, apply"))
    clock.advance(hours=2)
    await database.run(
        lambda s: canteens.decide(s, OPERATOR, 1, ApplicationStatus.ACCEPTED, None, clock.now, confirmed=True)
    )
    await person.says("القائمة")
    await person.chooses("التواصل مع مكتبي")
    await person.says("هل أحتاج شهادة صحية جديدة للمقصف؟")
    await database.run(lambda s: staff.add_or_update(s, "900", StaffRole.STAFF, "makkah", clock.now))
    [question] = await database.run(lambda s: threads.inbox(s, Actor.staff("900")))
    await database.run(
        lambda s: threads.answer(s, Actor.staff("900"), question.thread.id, "نعم، جددي شهادتك", clock.now)
    )
    await person.says("القائمة")


async def test_she_reads_each_part_of_her_data_and_keeps_it_as_a_file_on_telegram(
    engine: Engine, database: Database, clock: Clock
) -> None:
    fatima = Person(engine, clock, address=str(FATIMA_ID), channel=Channel.TELEGRAM)
    await a_month_of_hers(fatima, database, clock)
    await fatima.chooses(ar("My account"))
    await fatima.chooses(ar("Send me my data"))

    registration = part(fatima, ar("Your registration:"))
    for line in (
        ar("Name: %(value)s", value="فاطمة أحمد الزهراني"),
        ar("National ID: %(value)s", value="******0008"),  # the end of her ID only, as everywhere
        ar("Mobile: %(value)s", value="+966551234567"),
        ar("Office: %(value)s", value="مكة المكرمة"),
        "تاريخ توثيق مكتبك لتسجيلك: 28 نوفمبر 2026",
    ):
        assert line in registration
    assert "1000000008" not in fatima.heard
    where = part(fatima, ar("Where you write to us from:"))
    assert f"تيليجرام ({FATIMA_ID})" in where
    trainings = part(fatima, ar("Your trainings:"))
    assert "ملتقى الأسر المنتجة" in trainings
    assert ar("Your answer: %(value)s", value=ar("you are going")) in trainings
    applications = part(fatima, ar("Your canteen applications:"))
    assert "ابتدائية العزيزية الأولى، العزيزية" in applications
    assert ar("Now: %(value)s", value=ar("accepted")) in applications
    assert "قرار مكتبك في 28 نوفمبر 2026" in applications
    quizzes = part(fatima, ar("Your quizzes:"))
    assert "الحفاظ على النظافة" in quizzes and "3 من 3، نجحتِ" in quizzes
    sent = part(fatima, "الرسائل التي أرسلناها إليك (4):")
    for kind in (
        "registration verified",
        "invitation to a training",
        "canteen: accepted",
        "an answer to a question",
    ):
        assert ar(kind) in sent, kind
    assert "نعم، جددي شهادتك»" in sent and ar("waiting to be sent") in sent
    questions = part(fatima, ar("Your questions to your office:"))
    assert "هل أحتاج شهادة صحية جديدة للمقصف؟" in questions
    assert ar("Your office") + ": نعم، جددي شهادتك" in questions
    assert ar("My account") in fatima.heard  # and her account's menu again

    [file] = [reply.attachment for reply in fatima.replies if reply.attachment is not None]
    assert file.name == "usar-my-data-2026-11-28.json" and file.content_type == "application/json"
    copy: dict[str, Any] = json.loads(file.content)
    assert copy["registration"]["national_id"] == "1000000008"  # her copy is whole
    assert copy["registration"]["full_name"] == "فاطمة أحمد الزهراني"
    assert [(one["title"]["ar"], one["answer"]) for one in copy["invitations"]] == [
        ("ملتقى الأسر المنتجة", "going")
    ]
    [application] = copy["applications"]
    assert [decision["status"] for decision in application["decisions"]] == ["accepted"]
    assert [(quiz["score"], quiz["total"]) for quiz in copy["quizzes"]] == [(3, 3)]
    assert {message["kind"] for message in copy["messages"]} == {
        "registration_verified", "invitation", "canteen_accepted", "reply",
    }  # fmt: skip
    [question_copy] = copy["questions"]
    assert [(said["by"], said["text"]) for said in question_copy["said"]] == [
        ("family", "هل أحتاج شهادة صحية جديدة للمقصف؟"),
        ("staff", "نعم، جددي شهادتك"),
    ]

    entries = await database.run(
        lambda s: s.execute(
            select(AuditEntry.target, AuditEntry.target_id, AuditEntry.details, AuditEntry.by_family).where(
                AuditEntry.action == "registrations.data"
            )
        ).all()
    )
    assert [tuple(entry) for entry in entries] == [("family", 1, None, True)]  # by number, by herself


async def test_on_whatsapp_her_data_comes_as_messages_under_its_limit_without_a_file(
    engine: Engine, database: Database, clock: Clock
) -> None:
    mary = Person(engine, clock, address="+966551234567", channel=Channel.WHATSAPP, language_hint="en")
    await mary.registers(name="Mary Smith", language="en")
    long_news = "The productive families' forum moves to the Chamber of Commerce hall. " * 8
    news = Message({"ar": "خبر", "en": long_news})

    def forty_announcements(session: Session) -> None:
        for number in range(1, 41):
            deliveries.enqueue(
                session, kinds.ANNOUNCEMENT, number, select(Beneficiary.id), news, clock.now, clock.now
            )

    await database.run(forty_announcements)
    await mary.chooses("My account")
    await mary.chooses("Send me my data")
    assert all(reply.attachment is None for reply in mary.replies)
    assert en("The same, with every message we sent you in full, is in this file.") not in mary.heard
    sent = part(mary, "The messages we sent you (40):")
    assert sent.count("• ") == 40 and sent.count("«The productive families' forum moves") == 40
    assert "…»" in sent  # the opening words of each, not the whole
    opening = sent.split("«", 1)[1].split("…»", 1)[0]
    assert long_news.startswith(opening + " ")  # cut between two words, never inside one

    messages = bodies(mary.replies)
    assert all(len(body) <= BODY_LIMIT for body in messages)
    lines = [line for body in messages for line in body.splitlines()]
    assert sum(line.startswith("• ") and "announcement" in line for line in lines) == 40  # none cut
    assert lines.count("Your registration:") == 1


async def test_someone_not_registered_has_no_data_to_send(mary: Person, database: Database) -> None:
    await mary.says("hi")
    await mary.says("send me my data")
    assert "Send me my data" not in mary.options
    assert await database.run(lambda s: s.scalars(select(AuditEntry)).all()) == []
