"""Where a registration stands: waiting, verified, or a correction asked of her (she reads the staff's words);
she corrects it and it waits again; a verification can be taken back; each change is in its history; admins
correct a national ID, which she cannot."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.engine.engine import Engine
from core.domain import StaffRole, Verification
from core.i18n import use_language
from office import registrations
from office.errors import NotAllowed, Refused
from office.rights import OPERATOR, Actor
from storage import staff
from storage.db import Database
from storage.models import Beneficiary, Conversation, Delivery
from storage.sealing import key_of
from tests.support.builders import REGISTRATION, staff_person
from tests.support.people import Clock, Person, ar
from tests.support.processes import usar


async def told(database: Database) -> list[tuple[str, str]]:
    rows = await database.run(
        lambda s: s.execute(select(Delivery.kind, Delivery.payload).order_by(Delivery.id)).all()
    )
    return [(kind, payload["ar"]) for kind, payload in rows]


async def statuses(database: Database) -> list[tuple[str, str]]:
    rows = await database.run(
        lambda s: s.execute(select(Delivery.kind, Delivery.status).order_by(Delivery.id)).all()
    )
    return [(kind, status) for kind, status in rows]


async def test_a_correction_asked_in_the_chat_is_read_and_sent_back_by_her(
    database: Database, engine: Engine, clock: Clock, fatima: Person
) -> None:
    await fatima.registers()
    huda = await staff_person(database, engine, clock, StaffRole.STAFF, "makkah", "901")
    await huda.says("hello")
    await huda.chooses("Registrations")
    assert "Makkah: 1 registered, 1 waiting for verification, 0 asked to correct" in huda.heard
    await huda.chooses("Find a family")
    await huda.says("١٠٠٠٠٠٠٠١٦")  # nobody
    assert "No registered family with this national ID or mobile." in huda.heard
    await huda.says("0551234567")  # her mobile, as typed anywhere
    assert "Registration: waiting for verification" in huda.heard
    await huda.chooses("Ask for a correction")
    assert "She will read it" in huda.heard
    await huda.says("  ")  # nothing typed: the question again
    assert "She will read it" in huda.heard
    await huda.says("لا يوجد")
    assert "Please give the reason." in huda.heard
    await huda.says("اسم العائلة في الهوية «الزهراني» وليس «الزهرانى»")
    assert "She is asked to correct her registration, with your words." in huda.heard
    assert "asked to correct it: اسم العائلة في الهوية" in huda.heard
    [(kind, text)] = await told(database)
    assert kind == "registration_correction" and "«الزهراني» وليس «الزهرانى»" in text

    await fatima.says("القائمة")
    await fatima.chooses(ar("My account"))
    assert ar("Your office asks you to correct your registration:") in fatima.heard
    assert "«الزهراني» وليس «الزهرانى»" in fatima.heard
    await fatima.chooses(ar("Send my registration for review"))
    assert ar("Thank you. Your office will review your registration again.") in fatima.heard
    assert ar("Send my registration for review") not in fatima.options
    family = await database.run(lambda s: s.get(Beneficiary, 1))
    assert family is not None and family.verification is Verification.WAITING

    await huda.says("menu")
    await huda.chooses("Verify registrations")
    await huda.chooses("فاطمة أحمد الزهراني")
    await huda.chooses("Verify")
    # What to correct was not sent yet (quiet hours, say) when she had done it: only what stands goes.
    assert await statuses(database) == [
        ("registration_correction", "cancelled"),
        ("registration_verified", "pending"),
    ]
    [_correction, (_kind, verified)] = await told(database)
    assert verified == " ".join(
        [
            ar("Good news: your office has verified your registration."),
            ar("You can apply for school canteens when you meet their other conditions."),  # she wants one
        ]
    )

    with use_language("en"):
        history = await database.run(lambda s: registrations.history(s, Actor("901"), 1))
    assert [(line.action, line.outcome, line.by_family) for line in history] == [
        ("registrations.verify", "verified", False),
        ("registrations.corrected", "waiting", True),
        ("registrations.correction", "correction", False),
    ]


async def test_only_admins_correct_a_national_id(database: Database, clock: Clock, fatima: Person) -> None:
    await fatima.registers()

    def attempt(actor: Actor, typed: str) -> Callable[[Session], str]:
        def work(session: Session) -> str:
            with use_language("en"):
                try:
                    registrations.correct_national_id(session, actor, 1, typed, clock.now)
                except (NotAllowed, Refused) as refused:
                    return refused.message
            return "done"

        return work

    await database.run(lambda s: staff.add_or_update(s, "901", StaffRole.STAFF, "makkah", clock.now))
    assert await database.run(attempt(Actor("901"), "1000000016")) == "Only an administrator can do this."
    assert await database.run(attempt(OPERATOR, "1000000017")) == (
        "national_id: This ID number is not valid. Please check the digits and type it again."
    )
    assert await database.run(attempt(OPERATOR, "١٠٠٠٠٠٠٠١٦")) == "done"
    family = await database.run(lambda s: s.get(Beneficiary, 1))
    assert family is not None and family.national_id == "1000000016"


def test_the_command_line_follows_a_registration(tmp_path: Path) -> None:
    usar("chat", "--as", "966500000001", cwd=tmp_path, stdin=REGISTRATION)
    verified = usar("beneficiaries", "verify", "0551234567", cwd=tmp_path)
    assert verified.stdout == "Family 1 is verified; she is told, in her language.\n"
    refused = usar("beneficiaries", "unverify", "1000000008", "--reason", " ", cwd=tmp_path)
    assert refused.returncode == 2  # taking a verification back is not told to her: its reason is the log's
    assert "reason: Please give the reason: it is kept in the log; she is not told." in refused.stderr
    taken = usar("beneficiaries", "unverify", "1000000008", "--reason", "وثّقت بالخطأ", cwd=tmp_path)
    assert taken.returncode == 0 and "waits for it again" in taken.stdout
    asked = usar(
        "beneficiaries", "correction", "1000000008", "--reason", "أرفقي الشهادة الصحية", cwd=tmp_path
    )
    assert asked.returncode == 0, asked.stderr
    history = usar("beneficiaries", "history", "1000000008", cwd=tmp_path).stdout.splitlines()
    assert history[0] == "Family 1: asked to correct her registration"
    assert [line.split("  ")[2] for line in history[1:]] == [
        "asked for a correction (correction asked) by the operator — أرفقي الشهادة الصحية",
        "took a verification back (waiting again) by the operator — وثّقت بالخطأ",
        "verified a registration (verified) by the operator",
    ]
    audit = usar("audit", cwd=tmp_path)
    assert audit.returncode == 0, audit.stderr
    entries = [row[3] for row in csv.reader(io.StringIO(audit.stdout.removeprefix("\ufeff")))][1:]
    name = entries[0].rsplit(": ", 1)[1]  # hers, as registered
    assert entries == [  # each a sentence: who did what, to whom, what she wrote
        f"the operator verified a registration: {name}",
        f"the operator took a verification back: {name} («وثّقت بالخطأ»)",
        f"the operator asked for a correction: {name} («أرفقي الشهادة الصحية»)",
    ]
    assert "1000000008" not in audit.stdout and "551234567" not in audit.stdout  # by number, never her ID


async def test_what_a_reason_is_for_is_kept_as_it_always_was(
    database: Database, engine: Engine, clock: Clock, fatima: Person
) -> None:
    """A staff member who chose "Take the verification back" when the bot was upgraded types her reason
    after it: the conversation keeps what the reason is for in the form it always had, so her reason is
    never sent to the family as a correction."""
    await fatima.registers()
    await database.run(lambda s: registrations.verify(s, OPERATOR, 1, clock.now))
    huda = await staff_person(database, engine, clock, StaffRole.STAFF, "makkah", "901")
    await huda.says("hello")
    await huda.chooses("Registrations")
    await huda.chooses("Find a family")
    await huda.says("0551234567")
    await huda.chooses("Take the verification back")
    kept = await database.run(
        lambda s: s.scalars(
            select(Conversation.answers).where(Conversation.address_key == key_of("901"))
        ).one()
    )
    assert kept["registration_asking"] == "registration:unverify"
    await huda.says("وثّقتها بالخطأ")
    assert "The verification is taken back" in huda.heard
    assert [kind for kind, _text in await told(database)] == ["registration_verified"]  # nothing to correct
