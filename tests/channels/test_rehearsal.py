"""Rehearsal in the terminal: what the scheduler pushes — an invitation, its reminder, a daily tip — reaches a
family chatting in a terminal as it falls due, on a controlled clock; and only her terminal, not another's."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from bot.jobs import TerminalDelivery
from conversations.engine.engine import Engine
from office import threads
from office.rights import OPERATOR
from storage import events, tips
from storage.audiences import Audience
from storage.db import Database
from storage.events import EventDetails
from storage.kinds import QuietHours
from storage.models import Delivery
from tests.support.builders import DATA
from tests.support.people import Clock, Person, ar


def terminal(database: Database, person: Person, clock: Clock) -> tuple[TerminalDelivery, io.StringIO]:
    shown = io.StringIO()
    pushed = TerminalDelivery(
        database,
        person.address,
        shown,
        clock,
        interactive=False,
        quiet=QuietHours.parse("22:00-08:00"),
        reminders=(timedelta(hours=24), timedelta(hours=2)),
    )
    return pushed, shown


async def test_an_invitation_its_reminder_and_a_daily_tip_reach_her_terminal(
    database: Database, engine: Engine, clock: Clock, fatima: Person, mary: Person
) -> None:
    await database.run(lambda s: tips.load_shipped(s, DATA / "tips.toml", DATA / "services.toml"))
    await fatima.registers()  # Makkah, in the terminal
    await mary.registers(national_id="1000000016", mobile="0551234568", language="en")
    await fatima.chooses(ar("Food-safety tips"))
    await fatima.chooses(ar("🔔 Daily tip: off"))
    await fatima.says("١٠:٠٠")
    start = clock.now + timedelta(days=2)
    forum = EventDetails(
        title_ar="ملتقى الأسر المنتجة",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        venue_ar="الغرفة التجارية",
    )
    await database.run(
        lambda s: events.create(s, forum, Audience(offices=("makkah",)), clock.now, "900", clock.now)
    )
    hers, her_screen = terminal(database, fatima, clock)
    marys, mary_screen = terminal(database, mary, clock)

    # 09:00 in Riyadh: the invitations fall due; each terminal shows its own family's, and only hers.
    await hers.run_due_work()
    assert await marys.dispatch_due() == 1  # Mary's only: Fatima's stays for her terminal
    assert await hers.dispatch_due() == 1
    assert "أنتِ مدعوّة إلى دورة تدريبية: ملتقى الأسر المنتجة" in her_screen.getvalue()
    assert "  1. ✅ سأحضر" in her_screen.getvalue()  # numbered, as the terminal shows options
    assert "You are invited to a training: ملتقى الأسر المنتجة" in mary_screen.getvalue()
    assert "أنتِ مدعوّة" not in mary_screen.getvalue()  # Fatima's is not shown to Mary
    await fatima.says("١")  # the invitation's first option, typed in her chat
    assert "شكراً لك! سُجّلتِ في «ملتقى الأسر المنتجة»" in fatima.heard

    # 10:00: her daily tip.
    clock.advance(hours=1)
    await hers.run_due_work()
    assert await hers.dispatch_due() == 1
    assert "💡 نصيحة اليوم في سلامة الغذاء:" in her_screen.getvalue()

    # A day before the start: the reminder, to her who said she is going.
    clock.now = start - timedelta(hours=23)
    await hers.run_due_work()
    assert await hers.dispatch_due() >= 1
    assert "تذكير" in her_screen.getvalue()
    kinds = await database.run(
        lambda s: s.execute(select(Delivery.kind, Delivery.status).where(Delivery.beneficiary_id == 1)).all()
    )
    assert {kind for kind, status in kinds if status == "sent"} >= {"invitation", "tip", "reminder"}


async def test_her_offices_answer_reaches_her_terminal_and_not_anothers(
    database: Database, engine: Engine, clock: Clock, fatima: Person, mary: Person
) -> None:
    await fatima.says("مرحبا")  # not registered: she chooses her office
    await fatima.chooses("التواصل مع مكتبي")
    await fatima.chooses("جدة")
    await fatima.says("متى تبدأ الدورة؟")
    await mary.says("hello")
    [listed] = await database.run(lambda s: threads.inbox(s, OPERATOR))
    await database.run(lambda s: threads.answer(s, OPERATOR, listed.thread.id, "الأحد القادم", clock.now))
    marys, mary_screen = terminal(database, mary, clock)
    await marys.dispatch_due()
    hers, her_screen = terminal(database, fatima, clock)
    await hers.dispatch_due()
    assert "مكتبك (جدة) يجيبك:\nالأحد القادم" in her_screen.getvalue() and mary_screen.getvalue() == ""
