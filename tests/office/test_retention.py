"""Retention: the scheduler's one job purges what has no further purpose, each kind after its period. For each
period, what is just inside it stays and what is just past it goes; what is purged in batches is all purged,
and said in one line without anything personal."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.jobs import run_retention
from core.channel import Media
from office import contacts as office_contacts
from office import threads, uploads
from office.retention import Periods, forget_uploads
from office.rights import OPERATOR, Actor
from office.tables import read_lines
from storage import deliveries, kinds, seen, staff
from storage.db import Database
from storage.kinds import Button, Message
from storage.models import AuditEntry, Beneficiary, Contact, Delivery, Thread, ThreadMessage, Upload
from tests.support.builders import (
    AISHA_ID,
    TEXTS,
    add_staff,
    announce,
    imported,
    national_id,
    register_families,
    write,
)
from tests.support.people import Clock

LEASE = timedelta(minutes=1)


async def count(database: Database, model: type[object]) -> int:
    return await database.run(lambda s: int(s.scalar(select(func.count()).select_from(model)) or 0))


async def sara(database: Database, clock: Clock) -> Actor:
    await add_staff(database, clock, "sara", office="makkah")
    member = await database.run(lambda s: staff.by_login(s, "sara"))
    assert member is not None
    return Actor.signed_in(member.id)


def sent_all(session: Session, clock: Clock) -> None:
    """The outbox's work: every delivery due, claimed and sent on Telegram."""
    for number, delivery in enumerate(deliveries.claim(session, clock.now, 50, LEASE), start=1):
        deliveries.sent(session, delivery, "telegram", f"{9000 + number}", f"m{number}", clock.now)


async def test_a_list_checked_and_never_confirmed_waits_the_period_set_then_goes(
    database: Database, clock: Clock
) -> None:
    actor = await sara(database, clock)
    half_an_hour = Periods(uploads=timedelta(minutes=30))
    token = await database.run(
        lambda s: uploads.hold(s, actor, "list.csv", b"national id\n", clock.now, half_an_hour.uploads)
    )
    clock.advance(minutes=30)
    assert (await run_retention(database, clock, half_an_hour))["uploads"] == 0
    name, _ = await database.run(lambda s: uploads.held(s, actor, token, clock.now, half_an_hour.uploads))
    assert name == "list.csv"  # she may still confirm it
    clock.advance(seconds=1)
    assert (await run_retention(database, clock, half_an_hour))["uploads"] == 1
    assert await count(database, Upload) == 0


async def test_a_message_keeps_its_outcome_and_loses_what_it_said_ninety_days_after(
    database: Database, clock: Clock
) -> None:
    await register_families(database, clock, [("فاطمة أحمد", "makkah"), ("نورة سعيد", "makkah")])
    await announce(database, clock)
    await database.run(lambda s: sent_all(s, clock))
    sent_at = clock.now
    clock.advance(days=90)
    assert (await run_retention(database, clock, Periods()))["delivery texts"] == 0
    kept = await database.run(lambda s: s.scalars(select(Delivery).order_by(Delivery.id)).all())
    assert [d.payload["ar"] for d in kept] == [TEXTS.texts["ar"]] * 2 and kept[0].address == "9001"

    clock.advance(seconds=1)
    assert (await run_retention(database, clock, Periods()))["delivery texts"] == 2
    emptied = await database.run(lambda s: s.scalars(select(Delivery).order_by(Delivery.id)).all())
    assert [(d.payload, d.address, d.emptied_at) for d in emptied] == [({}, None, clock.now)] * 2
    assert [(d.kind, d.status, d.channel, d.provider_message_id, d.updated_at) for d in emptied] == [
        ("announcement", "sent", "telegram", "m1", sent_at),
        ("announcement", "sent", "telegram", "m2", sent_at),
    ]  # what became of each, and when, stays
    assert (await run_retention(database, clock, Periods()))["delivery texts"] == 0  # emptied once
    assert await announce(database, clock) == 0  # the rows stay: the same announcement is never sent twice
    assert await database.run(lambda s: deliveries.claim(s, clock.now, 50, LEASE)) == []  # never sent again


async def test_her_yes_to_a_message_whose_text_is_gone_answers_nothing(
    database: Database, clock: Clock
) -> None:
    """«ايه» typed after an invitation answers it (its options, read from what it said); once what it said
    is emptied, there is nothing for her words to answer, and nothing breaks."""
    [fatima] = await register_families(database, clock, [("فاطمة أحمد", "makkah")])
    invitation = Message(
        {"ar": "هل تحضرين؟"}, (Button("rsvp:1:yes", {"ar": "نعم"}), Button("rsvp:1:no", {"ar": "لا"}))
    )
    await database.run(
        lambda s: deliveries.enqueue(
            s, kinds.ANNOUNCEMENT, 1, select(Beneficiary.id), invitation, clock.now, clock.now
        )
    )
    await database.run(lambda s: sent_all(s, clock))
    since = clock.now - timedelta(minutes=1)

    def asked(session: Session) -> list[str]:
        return deliveries.asked_since(session, fatima, "telegram", "9001", since)

    assert await database.run(asked) == ["rsvp:1:yes", "rsvp:1:no"]
    clock.advance(days=90, seconds=1)
    await run_retention(database, clock, Periods())
    assert await database.run(asked) == []


async def test_a_message_still_being_tried_keeps_its_text_whatever_its_age(
    database: Database, clock: Clock
) -> None:
    await register_families(database, clock, [("فاطمة أحمد", "makkah")])
    await announce(database, clock)
    [trying] = await database.run(lambda s: deliveries.claim(s, clock.now, 50, LEASE))
    await database.run(
        lambda s: deliveries.retry(s, trying, "502 from Telegram", clock.now, timedelta(days=200))
    )
    clock.advance(days=120)
    assert (await run_retention(database, clock, Periods()))["delivery texts"] == 0
    clock.advance(days=81)
    [again] = await database.run(lambda s: deliveries.claim(s, clock.now, 50, LEASE))
    assert again.id == trying.id and again.message.texts == TEXTS.texts  # the retry sends what it said


async def test_her_files_on_a_question_closed_a_year_ago_are_forgotten_and_what_she_wrote_stays(
    database: Database, clock: Clock
) -> None:
    [fatima, noura] = await register_families(
        database, clock, [("فاطمة أحمد", "makkah"), ("نورة سعيد", "makkah")]
    )

    async def question(family: int, address: str, said: list[threads.Said]) -> int:
        asker = threads.Asker("telegram", address, "makkah", family_id=family)
        thread, _ = await database.run(lambda s: threads.ask(s, asker, "canteens", said, clock.now))
        return thread.id

    voice = Media("voice", "voice-1", "audio/ogg", 2000)
    document = Media("document", "doc-1", "application/pdf", name="شهادة فاطمة.pdf")
    closed = await question(
        fatima, "5550001", [threads.Said("هذه شهادتي", document), threads.Said("", voice)]
    )
    still_open = await question(noura, "5550002", [threads.Said("", Media("photo", "photo-1", "image/jpeg"))])
    await database.run(lambda s: threads.close(s, OPERATOR, closed, clock.now))
    clock.advance(days=365)
    assert (await run_retention(database, clock, Periods()))["thread files"] == 0

    clock.advance(seconds=1)
    assert (await run_retention(database, clock, Periods()))["thread files"] == 2

    def said_on(session: Session, thread: int) -> list[tuple[str, str | None, str | None, str]]:
        messages = session.scalars(
            select(ThreadMessage).where(ThreadMessage.thread_id == thread).order_by(ThreadMessage.id)
        )
        return [(m.text, m.media_kind, m.media_reference, m.media_name) for m in messages]

    assert await database.run(lambda s: said_on(s, closed)) == [
        ("هذه شهادتي", "document", None, ""),  # her words, and that she sent a document, stay
        ("", "voice", None, ""),
    ]
    assert await database.run(lambda s: said_on(s, still_open)) == [("", "photo", "photo-1", "")]


LIST = f"national id,name,mobile,office\n{AISHA_ID},عائشة محمد الحربي,0551110001,makkah\n"


async def test_a_family_of_a_list_who_never_registered_goes_a_year_after_her_import(
    database: Database, clock: Clock, tmp_path: Path
) -> None:
    await imported(database, write(tmp_path, LIST))  # at the clock's time
    [aisha] = await database.run(lambda s: s.scalars(select(Contact.id)).all())
    await database.run(
        lambda s: deliveries.enqueue(
            s, kinds.ANNOUNCEMENT, 7, select(Contact.id), TEXTS, clock.now, clock.now, recipient="contact_id"
        )
    )
    await database.run(lambda s: sent_all(s, clock))
    asker = threads.Asker("whatsapp", "+966551110001", "makkah", contact_id=aisha)
    await database.run(
        lambda s: threads.ask(s, asker, "registration", [threads.Said("كيف أسجل؟")], clock.now)
    )
    await database.run(lambda s: office_contacts.remove(s, OPERATOR, aisha, clock.now))
    clock.advance(days=365)
    assert (await run_retention(database, clock, Periods()))["contacts"] == 0
    assert await count(database, Contact) == 1

    clock.advance(seconds=1)
    assert (await run_retention(database, clock, Periods()))["contacts"] == 1
    assert await count(database, Contact) == 0
    assert await count(database, Delivery) == 0  # where we wrote to her, and when, go with her
    question = await database.run(lambda s: s.scalars(select(Thread)).one())
    assert question.contact_id is None  # her question stays her office's, without her on a list
    entry = await database.run(lambda s: s.scalars(select(AuditEntry)).all())
    assert [(e.action, e.target, e.target_id) for e in entry][-1] == ("families.remove", "contact", aisha)


async def test_a_list_sent_again_keeps_her_a_year_from_then(
    database: Database, clock: Clock, tmp_path: Path
) -> None:
    await imported(database, write(tmp_path, LIST))
    clock.advance(days=200)

    def again(session: Session) -> None:
        lines = read_lines(write(tmp_path, LIST, "again.csv"), office_contacts.COLUMNS)
        office_contacts.import_list(session, OPERATOR, lines, clock.now)

    await database.run(again)
    clock.advance(days=200)
    assert (await run_retention(database, clock, Periods()))["contacts"] == 0
    clock.advance(days=166)
    assert (await run_retention(database, clock, Periods()))["contacts"] == 1


async def test_a_message_on_its_way_to_her_goes_before_she_does(
    database: Database, clock: Clock, tmp_path: Path
) -> None:
    await imported(database, write(tmp_path, LIST))
    clock.advance(days=365, seconds=1)
    await database.run(
        lambda s: deliveries.enqueue(
            s, kinds.ANNOUNCEMENT, 7, select(Contact.id), TEXTS, clock.now, clock.now, recipient="contact_id"
        )
    )
    assert (await run_retention(database, clock, Periods()))["contacts"] == 0
    await database.run(lambda s: sent_all(s, clock))
    assert (await run_retention(database, clock, Periods()))["contacts"] == 1


async def test_her_number_is_never_given_to_the_next_family_imported(
    database: Database, clock: Clock, tmp_path: Path
) -> None:
    """The audit log names a family of a list by her number once she is gone: another must never get it."""
    await imported(database, write(tmp_path, LIST))
    [aisha] = await database.run(lambda s: s.scalars(select(Contact.id)).all())
    clock.advance(days=366)
    await run_retention(database, clock, Periods())

    hers = f"national id,name,mobile,office\n{national_id(2)},هند سعيد الغامدي,0551110002,makkah\n"

    def hind(session: Session) -> int:
        lines = read_lines(write(tmp_path, hers, "new.csv"), office_contacts.COLUMNS)
        office_contacts.import_list(session, OPERATOR, lines, clock.now)
        return int(session.scalars(select(Contact.id)).one())

    assert await database.run(hind) != aisha


async def test_a_message_seen_is_forgotten_two_days_after(database: Database, clock: Clock) -> None:
    await database.run(lambda s: seen.first_time(s, "telegram", "1001", clock.now))
    clock.advance(days=2)
    assert (await run_retention(database, clock, Periods()))["messages seen"] == 0
    clock.advance(seconds=1)
    assert (await run_retention(database, clock, Periods()))["messages seen"] == 1


async def test_many_are_purged_in_small_batches_and_said_in_one_line(
    database: Database, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    actor = await sara(database, clock)
    for number in range(5):
        content = f"{AISHA_ID},0551110001,{number}".encode()
        await database.run(
            partial(uploads.hold, actor=actor, name="list.csv", content=content, now=clock.now)
        )
    assert (
        await database.run(lambda s: forget_uploads(s, clock.now + timedelta(hours=2), timedelta(hours=1), 2))
        == 2
    )
    assert await count(database, Upload) == 3  # one batch: two of them
    clock.advance(hours=1, seconds=1)
    with caplog.at_level(logging.INFO, logger="bot.jobs"):
        done = await run_retention(database, clock, Periods(), batch=2)
    assert done["uploads"] == 3 and await count(database, Upload) == 0
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.jobs"]
    assert line == (
        "retention: purged uploads 3, delivery texts 0, thread files 0, contacts 0, console sign-ins 0, "
        "messages seen 0"
    )
    assert AISHA_ID not in caplog.text and "551110001" not in caplog.text


async def test_a_run_with_nothing_to_purge_says_nothing(
    database: Database, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    await register_families(database, clock, [("فاطمة أحمد", "makkah")])
    with caplog.at_level(logging.INFO, logger="bot.jobs"):
        done = await run_retention(database, clock, Periods())
    assert set(done.values()) == {0} and not [r for r in caplog.records if r.name == "bot.jobs"]
    assert await count(database, Beneficiary) == 1
