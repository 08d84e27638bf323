"""The inbox's office actions, under the console and the staff chat: a question given to a colleague of
its office (never another office's), the filters "mine", "unassigned" and "all" (what the menu counts), a
search of her office's messages (a LIKE's own characters taken as written), several closed at once (each
audited, or none), a question passed on still read, read-only, by the office that passed it, and an answer
that WhatsApp would not carry said to be so."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain import StaffRole
from office import audit, threads
from office.errors import NotAllowed, NotFound, Refused
from office.rights import OPERATOR, Actor
from storage import staff
from storage.db import Database
from storage.kinds import Senders
from storage.models import AuditEntry, Conversation, Thread
from tests.support.people import Clock

SARA, AMAL, HUDA, REEM = "901", "902", "903", "904"  # Makkah, Makkah, Jeddah, Al-Jumum


@pytest.fixture
async def offices(database: Database, clock: Clock) -> dict[str, int]:
    """Four staff members of three offices, by their chat address; their ids."""

    def add(session: Session) -> dict[str, int]:
        made = {}
        for address, office in ((SARA, "makkah"), (AMAL, "makkah"), (HUDA, "jeddah"), (REEM, "jumum")):
            made[address] = staff.add_or_update(session, address, StaffRole.STAFF, office, clock.now).id
        return made

    return await database.run(add)


def asked(
    session: Session,
    clock: Clock,
    words: str,
    address: str,
    office: str = "makkah",
    channel: str = "telegram",
) -> int:
    asker = threads.Asker(channel, address, office)
    return threads.ask(session, asker, "other", [threads.Said(words)], clock.now)[0].id


def audited(session: Session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all())


async def test_a_question_goes_to_a_colleague_of_its_office_and_the_filters_agree_with_the_menu(
    database: Database, clock: Clock, offices: dict[str, int]
) -> None:
    def work(session: Session) -> None:
        first, second = asked(session, clock, "أولاً", "1"), asked(session, clock, "ثانياً", "2")
        asked(session, clock, "في جدة", "3", office="jeddah")
        with pytest.raises(Refused):  # a Jeddah staff member is not Makkah's colleague
            threads.assign(session, Actor(SARA), first, clock.now, to=offices[HUDA])
        with pytest.raises(NotFound):  # nor may Huda give Makkah's question to anyone
            threads.assign(session, Actor(HUDA), first, clock.now, to=offices[HUDA])
        assert audited(session, "inbox.assign") == []
        assert threads.assign(session, Actor(SARA), first, clock.now, to=offices[AMAL]) == AMAL
        [given] = audited(session, "inbox.assign")
        assert (given.target_id, given.details) == (
            first,
            {"staff": offices[AMAL]},
        )  # her id: named when read
        reading = audit.Reading(session, "ar")
        [line] = [line for line in audit.history(session, OPERATOR) if line.action == "inbox.assign"]
        reading.learn([line])
        assert reading.sentence(line).endswith(f"(إلى {AMAL})")  # her name now: here, her chat address
        threads.assign(session, Actor(SARA), second, clock.now)  # she takes the other herself

        def listed(actor: str, whose: str) -> list[int]:
            return [found.thread.id for found in threads.inbox(session, Actor(actor), whose=whose)]

        assert listed(AMAL, "mine") == [first] and listed(SARA, "mine") == [second]
        assert listed(SARA, "unassigned") == []
        assert sorted(listed(SARA, "all")) == [first, second]
        assert threads.open_count(session, Actor(SARA)) == len(listed(SARA, "all")) == 2
        assert threads.open_count(session, OPERATOR) == len(threads.inbox(session, OPERATOR)) == 3

    await database.run(work)


async def test_a_search_finds_her_offices_messages_as_written(
    database: Database, clock: Clock, offices: dict[str, int]
) -> None:
    def work(session: Session) -> None:
        percent = asked(session, clock, "خصم 50% على الرسوم", "1")
        underscore = asked(session, clock, "file_name.pdf", "2")
        plain = asked(session, clock, "Health Card renewal", "3")
        asked(session, clock, "خصم 50% في جدة", "4", office="jeddah")
        threads.close(session, OPERATOR, plain, clock.now)

        def found(words: str, actor: str = SARA) -> list[int]:
            return [listed.thread.id for listed in threads.inbox(session, Actor(actor), words=words)]

        assert found("50%") == [percent]  # hers only, not Jeddah's
        assert found("%") == [percent] and found("_") == [underscore]  # characters, not patterns
        assert found("health card") == [plain]  # closed too, in any case
        assert found("file%name") == []
        with pytest.raises(Refused):
            found("ا" * (threads.LONGEST_SEARCH + 1))
        for number in range(threads.FOUND_AT_MOST + 5):
            asked(session, clock, "سؤال متكرر", f"9{number}")
        assert len(found("متكرر")) == threads.FOUND_AT_MOST  # bounded

    await database.run(work)


async def test_several_close_at_once_each_audited_or_none_at_all(
    database: Database, clock: Clock, offices: dict[str, int]
) -> None:
    def work(session: Session) -> None:
        first, second = asked(session, clock, "أ", "1"), asked(session, clock, "ب", "2")
        assert (first, second) == (1, 2)
        jeddahs = asked(session, clock, "ج", "3", office="jeddah")
        with pytest.raises(Refused):
            threads.close_several(session, Actor(SARA), [], clock.now)
        with pytest.raises(NotFound):
            threads.close_several(session, Actor(SARA), [first, jeddahs], clock.now)

    await database.run(work)
    # The refused action changed nothing: its transaction rolled back with it.
    assert await database.run(lambda s: threads.open_count(s, OPERATOR)) == 3
    assert await database.run(lambda s: audited(s, "inbox.close")) == []
    closed = await database.run(lambda s: threads.close_several(s, Actor(SARA), [1, 2, 2], clock.now))
    assert closed == 2
    assert sorted(
        entry.target_id or 0 for entry in await database.run(lambda s: audited(s, "inbox.close"))
    ) == [1, 2]
    assert await database.run(lambda s: threads.close_several(s, Actor(SARA), [1], clock.now)) == 0


async def test_a_passed_question_is_read_only_to_the_office_that_passed_it(
    database: Database, clock: Clock, offices: dict[str, int]
) -> None:
    thread = await database.run(lambda s: asked(s, clock, "أسكن في جدة", "1"))
    await database.run(lambda s: threads.pass_to(s, Actor(SARA), thread, "jeddah", clock.now))

    def work(session: Session) -> None:
        kept = session.get(Thread, thread)
        assert kept is not None
        assert (kept.passed_from, kept.passed_by_staff_id, kept.passed_at) == (
            "makkah",
            offices[SARA],
            clock.now,
        )
        read = threads.thread_file(session, Actor(AMAL), thread)
        assert read.read_only and read.passed_by == SARA and read.colleagues == []
        assert not threads.thread_file(session, Actor(HUDA), thread).read_only
        with pytest.raises(NotAllowed):
            threads.answer(session, Actor(AMAL), thread, "مرحبا", clock.now)
        with pytest.raises(NotFound):
            threads.thread_file(session, Actor(REEM), thread)
        assert [listed.thread.id for listed in threads.inbox(session, Actor(AMAL), whose="passed")] == [
            thread
        ]
        assert threads.inbox(session, Actor(AMAL)) == [] and threads.open_count(session, Actor(AMAL)) == 0

    await database.run(work)


async def test_whether_an_answer_can_reach_her_on_whatsapp(
    database: Database, clock: Clock, offices: dict[str, int]
) -> None:
    on_telegram = await database.run(lambda s: asked(s, clock, "سؤال", "1"))
    on_whatsapp = await database.run(lambda s: asked(s, clock, "سؤال", "+966500000001", channel="whatsapp"))

    def wrote(session: Session) -> None:
        session.add(
            Conversation(
                channel="whatsapp", address="+966500000001", language="ar", version=1, created_at=clock.now,
                updated_at=clock.now, last_inbound_at=clock.now,
            )
        )  # fmt: skip

    await database.run(wrote)
    whatsapp = Senders(frozenset({"telegram", "whatsapp"}))
    templated = Senders(frozenset({"whatsapp"}), frozenset({"reply"}))

    async def check(thread: int, senders: Senders | None) -> bool:
        return await database.run(
            lambda s: not threads.needs_template(s, Actor(SARA), thread, senders, clock.now)
        )

    assert await check(on_telegram, whatsapp) and await check(on_whatsapp, whatsapp)  # she wrote just now
    clock.advance(hours=24)
    assert not await check(on_whatsapp, whatsapp)  # outside the 24 hours, with no template
    assert await check(on_whatsapp, templated) and await check(on_whatsapp, None)  # a template; not known
    assert await check(on_telegram, whatsapp)
