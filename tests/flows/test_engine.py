"""The engine's promises: one person's messages never corrupt her state, a failure saves nothing."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from conversations.engine.engine import Engine, GlobalWord, KeyedLocks, global_word
from conversations.engine.forms import Form
from conversations.engine.turn import Answer, Dialogue, FlowName, Turn
from conversations.flows import all_flows
from core.i18n import N_
from storage.db import ATTEMPTS, Database
from storage.models import Beneficiary, Conversation
from tests.support.people import Clock, Person, ar


async def conversation(database: Database) -> Conversation:
    return await database.run(lambda s: s.scalars(select(Conversation)).one())


@pytest.mark.parametrize(
    ("typed", "meaning"),
    [
        ("menu", GlobalWord.MENU),
        ("القائمة", GlobalWord.MENU),
        ("القائمه", GlobalWord.MENU),
        (" Help ", GlobalWord.HELP),
        ("مساعدة", GlobalWord.HELP),
        ("إلغاء", GlobalWord.CANCEL),
        ("الغاء", GlobalWord.CANCEL),
        ("CANCEL", GlobalWord.CANCEL),
        ("اللغة", GlobalWord.LANGUAGE),
        ("English", GlobalWord.ENGLISH),
        ("العربية", GlobalWord.ARABIC),
        ("فاطمة", None),
        ("1", None),
    ],
)
def test_global_words_are_recognised_however_they_are_spelled(typed: str, meaning: GlobalWord | None) -> None:
    assert global_word(typed) is meaning


async def test_two_messages_at_once_from_one_person_are_answered_in_turn(
    fatima: Person, database: Database
) -> None:
    await fatima.says("مرحبا")
    await fatima.says("1")
    first, second = await asyncio.gather(fatima.says("فاطمة أحمد"), fatima.says("1000000008"))
    state = await conversation(database)
    assert state.step == "mobile"
    assert state.answers["registration"] == {"full_name": "فاطمة أحمد", "national_id": "1000000008"}
    assert ar("What is your national ID number (10 digits)?") in first[-1].text
    assert ar("What is your mobile number?") in second[-1].text


class Tally:
    """A flow for this test only: it keeps every message it is given, in order."""

    name = FlowName.HOME

    def begin(self, turn: Turn) -> None:
        turn.remember(seen=[])

    def answer(self, turn: Turn, answer: Answer) -> None:
        turn.remember(seen=[*turn.answers.get("seen", []), answer.text])

    def ask(self, turn: Turn) -> None: ...

    def help(self, turn: Turn) -> str | None:
        return None

    def cancel(self, turn: Turn) -> None: ...


def _process(url: str, texts: list[str], clock: Clock) -> None:
    """One `usar` process: its own event loop, connections and engine, answering one person."""

    async def main() -> None:
        database = Database(url)
        person = Person(Engine(database, Dialogue({FlowName.HOME: Tally()})), clock, address="966500000001")
        try:
            for text in texts:
                await person.says(text)
        finally:
            await database.dispose()

    asyncio.run(main())


async def test_two_processes_answering_one_person_at_once_lose_nothing(
    database_url: str, database: Database, clock: Clock
) -> None:
    await Person(Engine(database, Dialogue({FlowName.HOME: Tally()})), clock, address="966500000001").says(
        "start"
    )
    batches = [[f"a{n}" for n in range(25)], [f"b{n}" for n in range(25)]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in [pool.submit(_process, database_url, batch, clock) for batch in batches]:
            done.result()
    state = await conversation(database)
    seen = state.answers["seen"]
    assert sorted(seen) == sorted(batches[0] + batches[1])  # every message counted once
    assert [t for t in seen if t.startswith("a")] == batches[0]  # each process's messages in its order
    assert state.version == 1 + 50


async def test_a_transaction_that_raced_another_runs_again_and_other_errors_do_not(
    database: Database,
) -> None:
    calls: list[int] = []

    def raced_once(session: Session) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise StaleDataError("another turn saved this conversation first")
        return "done"

    assert await database.run(raced_once) == "done" and len(calls) == 2

    def broken(session: Session) -> None:
        calls.append(1)
        raise ValueError("a bug")

    calls.clear()
    with pytest.raises(ValueError):
        await database.run(broken)
    assert len(calls) == 1

    def always_raced(session: Session) -> None:
        calls.append(1)
        raise StaleDataError("again")

    calls.clear()
    with pytest.raises(StaleDataError):
        await database.run(always_raced)
    assert len(calls) == ATTEMPTS


async def test_a_turn_that_fails_half_way_saves_nothing_and_apologises(
    database: Database, clock: Clock
) -> None:
    def register_then_fail(turn: Turn, answers: dict[str, Any]) -> None:
        turn.session.add(
            Beneficiary(
                full_name="x y",
                national_id="1000000008",
                mobile="+966551234567",
                office_code="makkah",
                health_certificate=True,
                canteen_interest=True,
                language="ar",
                consented_at=turn.now,
                registered_at=turn.now,
            )
        )
        turn.session.flush()
        raise RuntimeError("the disk is full")

    failing = Form(
        name=FlowName.REGISTRATION,
        fields=[],
        on_complete=register_then_fail,
        intro=N_("Let us register your family. It takes a few minutes; you can type “cancel” at any time."),
        resumed=N_("Welcome back! Let us continue your registration where you left it."),
        cancelled=N_("Registration cancelled. Nothing was saved."),
    )
    fatima = Person(
        Engine(database, replace(all_flows(), flows={**all_flows().flows, FlowName.REGISTRATION: failing})),
        clock,
        address="966500000001",
    )
    await fatima.says("مرحبا")
    await fatima.says("1")
    assert ar("Please check your answers:") in fatima.heard
    step_before = (await conversation(database)).step
    await fatima.says("1")
    assert ar("Sorry, something went wrong on our side. Please send your message again.") in fatima.heard
    assert await database.run(lambda s: s.scalars(select(Beneficiary)).all()) == []
    assert (await conversation(database)).step == step_before


async def test_keyed_locks_are_released_when_nobody_waits() -> None:
    locks = KeyedLocks()
    order: list[str] = []

    async def hold(key: str, name: str) -> None:
        async with locks.hold(key):
            order.append(f"{name} in")
            await asyncio.sleep(0)
            order.append(f"{name} out")

    await asyncio.gather(hold("a", "one"), hold("a", "two"), hold("b", "three"))
    assert order.index("one out") < order.index("two in")
    assert locks._locks == {}


async def test_the_default_language_of_the_service_greets_strangers(database: Database, clock: Clock) -> None:
    stranger = Person(Engine(database, all_flows(), default_language="en"), clock, address="966500000009")
    await stranger.says("hi")
    assert "Welcome to Usar" in stranger.heard


async def test_idle_waits_for_the_messages_being_answered(fatima: Person, engine: Engine) -> None:
    answering = asyncio.ensure_future(fatima.says("مرحبا"))
    await asyncio.sleep(0)  # the turn has started
    waiting = asyncio.ensure_future(engine.idle())
    await asyncio.sleep(0)
    assert not waiting.done()
    await answering
    await asyncio.wait_for(waiting, timeout=5)


async def test_staff_rights_are_read_again_every_time(
    engine: Engine, clock: Clock, database: Database
) -> None:
    from core.domain import StaffRole
    from storage import staff
    from storage.models import StaffMember

    officer = Person(engine, clock, address="777")
    await database.run(lambda s: staff.add_or_update(s, "777", StaffRole.STAFF, "makkah", clock.now))
    await officer.says("hi")
    assert ar("Staff menu: what would you like to do?") in officer.heard
    await database.run(lambda s: s.query(StaffMember).delete())
    await officer.says("مساعدة")
    assert ar("Staff menu: what would you like to do?") not in officer.heard
    assert ar("How can I help you?") in officer.heard


def test_a_staff_member_without_an_office_cannot_be_saved() -> None:
    from core.domain import StaffRole
    from storage import staff

    with pytest.raises(ValueError, match="belongs to an office"):
        staff.add_or_update(None, "777", StaffRole.STAFF, None, None)  # type: ignore[arg-type]
