"""The tests' data, made in one place: national IDs, families (registered, on Telegram, a town of twelve),
staff members, an office's imported list, opportunities, events, announcements, and the files tests read.

A builder writes what it makes through the database given, or returns it; what a test reads back is in
`tests.support.reads`."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from conversations.engine.engine import Engine
from core.domain import Product, StaffRole
from core.i18n import use_language
from core.validators import with_check_digit
from office import contacts, registrations
from office import staff as staff_actions
from office.rights import OPERATOR, Actor
from office.tables import read_lines
from storage import beneficiaries, conversations, deliveries, kinds, staff
from storage.beneficiaries import NewBeneficiary, set_opted_out
from storage.canteens import NewOpportunity
from storage.contacts import Saved
from storage.db import Database
from storage.events import EventDetails
from storage.kinds import Message
from storage.models import Beneficiary, BeneficiaryProduct, Conversation, addressed, numbers
from tests.support.people import Clock, Person

DATA = (
    Path(__file__).resolve().parents[1] / "data"
)  # tips and services as shipped, and as an admin edits them


# People: national IDs, and who writes from Telegram.


def national_id(n: int) -> str:
    """A valid national ID of ten digits, different for each number."""
    return with_check_digit(f"1{n:08d}")


FATIMA_ID = 5550001  # her Telegram user id
MARY_ID = 5550002

# A whole registration as typed in the terminal (`usar chat`): Fatima, of Makkah, Arabic digits.
REGISTRATION = "\n".join(
    ["hi", "1", "فاطمة أحمد الزهراني", "١٠٠٠٠٠٠٠٠٨", "٠٥٥١٢٣٤٥٦٧", "1", "1 2", "تم", "1", "1", "1", "1", ""]
)


# Families.


async def town(database: Database, clock: Clock) -> None:
    """Twelve families: offices, verification, canteen interest, certificates and products vary."""

    def add(session: Session) -> None:
        for n in range(1, 13):
            office = ("makkah", "jumum", "jeddah")[n % 3]
            family = Beneficiary(
                full_name=f"أسرة {n}",
                national_id=national_id(n),
                mobile=f"+9665{n:08d}",
                office_code=office,
                health_certificate=n % 2 == 0,
                canteen_interest=n % 4 == 0,
                language="ar",
                consented_at=clock.now,
                registered_at=clock.now,
                verified_at=clock.now if n <= 6 else None,
                product_rows=[
                    BeneficiaryProduct(product="sewing" if n % 5 == 0 else "cooked_meals", office_code=office)
                ],
            )
            session.add(family)
        session.flush()
        set_opted_out(
            session, 12, clock.now
        )  # family 12: Makkah, certificate, canteen; stopped announcements

    await database.run(add)


def families_in(workdir: Path) -> None:
    """The twelve families of `town` (three offices; number 12 stopped announcements) in the working
    directory's database."""

    async def seed() -> None:
        database = Database(f"sqlite:///{workdir / 'usar.db'}")
        try:
            await database.migrate()
            await town(database, Clock())
        finally:
            await database.dispose()

    asyncio.run(seed())


async def register_families(
    database: Database, clock: Clock, families: list[tuple[str, str]], *, verified: int = 0
) -> list[int]:
    """Families registered as the bot registers them: (name, office code) each, on Telegram; the first
    `verified` of them verified by their office."""

    def work(session: Any) -> list[int]:
        ids = []
        for number, (name, office) in enumerate(families, start=1):
            new = NewBeneficiary(
                full_name=name,
                national_id=national_id(number),
                mobile=f"+9665{number:08d}",
                mobile_vouched=True,
                office_code=office,
                products=[Product.COOKED_MEALS] if number % 2 else [Product.SEWING],
                health_certificate=number % 3 == 0,
                canteen_interest=number % 2 == 0,
                language="ar",
                consented_at=clock.now,
            )
            ids.append(beneficiaries.register(session, new, clock.now + timedelta(minutes=number)))
        for family in ids[:verified]:
            registrations.verify(session, OPERATOR, family, clock.now)
        return ids

    return await database.run(work)


async def families_on_telegram(database: Database, clock: Clock, count: int, english: int = 0) -> None:
    """Families of Makkah, each with a Telegram conversation (chat 9000 + n); the first `english` in
    English."""

    def add(session: Session) -> None:
        for n in range(1, count + 1):
            family = Beneficiary(
                full_name=f"أسرة {n}",
                national_id=national_id(n),
                mobile=f"+9665{n:08d}",
                office_code="makkah",
                health_certificate=True,
                canteen_interest=True,
                language="en" if n <= english else "ar",
                consented_at=clock.now,
                registered_at=clock.now,
            )
            session.add(family)
            session.flush()
            state = conversations.start("telegram", str(9000 + n), family.language, clock.now)
            state.beneficiary_id = family.id
            conversations.save(session, state, clock.now)

    await database.run(add)


async def many_families_on_telegram(database: Database, clock: Clock, count: int) -> None:
    """Families with a Telegram conversation each, written in bulk (the dialogue is tested elsewhere)."""

    def add(session: Session) -> None:
        session.execute(
            insert(Beneficiary),
            [
                {
                    "id": n,
                    "full_name": f"أسرة {n}",
                    **numbers(national_id(n), f"+9665{n:08d}"),
                    "office_code": "makkah",
                    "health_certificate": True,
                    "canteen_interest": True,
                    "language": "ar",
                    "consented_at": clock.now,
                    "registered_at": clock.now,
                }
                for n in range(1, count + 1)
            ],
        )
        session.execute(
            insert(Conversation),
            [
                {
                    "channel": "telegram",
                    **addressed(str(9000 + n)),
                    "beneficiary_id": n,
                    "language": "ar",
                    "answers": {},
                    "offered": [],
                    "version": 1,
                    "created_at": clock.now,
                    "updated_at": clock.now,
                    "last_inbound_at": clock.now,
                }
                for n in range(1, count + 1)
            ],
        )

    await database.run(add)


# An office's imported list of families (its contacts).

AISHA_ID = with_check_digit("100000001")


def write(tmp_path: Path, text: str, name: str = "families.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


async def imported(
    database: Database, path: Path, *, dry_run: bool = False, staff: str | None = None
) -> Saved:
    """The list imported as `usar beneficiaries import` does it: in English, as the operator or `staff`."""
    actor = Actor.staff(staff) if staff else OPERATOR
    now = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)

    def work(session: Session) -> Saved:
        with use_language("en"):
            return contacts.import_list(
                session, actor, read_lines(path, contacts.COLUMNS), now, dry_run=dry_run
            )

    return await database.run(work)


# Staff members.

PASSWORD = "a long enough password"  # every console login's


async def staff_person(
    database: Database, engine: Engine, clock: Clock, role: StaffRole, office: str | None, address: str
) -> Person:
    """A staff member in the chat, writing in English from `address`."""
    await database.run(lambda s: staff.add_or_update(s, address, role, office, clock.now))
    return Person(engine, clock, address=address, language_hint="en")


async def add_staff(
    database: Database,
    clock: Clock,
    login: str,
    role: StaffRole = StaffRole.STAFF,
    office: str | None = "makkah",
) -> None:
    """A staff member with a console login and `PASSWORD`, as an admin makes one with `usar staff`."""

    def work(session: Any) -> None:
        staff_actions.add(
            session, OPERATOR, None, role, office if role is StaffRole.STAFF else None, clock.now, login=login
        )
        staff_actions.set_password(session, OPERATOR, login, PASSWORD, clock.now)

    await database.run(work)


# Opportunities, events, announcements.


def girls_school(name: str, deadline: datetime) -> NewOpportunity:
    """A girls' primary school of Makkah, one place."""
    return NewOpportunity(
        school_name=name, stage="primary", girls=True, district="العزيزية", office_code="makkah",
        students=200, starts_on=date(2027, 1, 10), deadline=deadline, places=1,
    )  # fmt: skip


START = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)  # 09:00 in Riyadh, a Thursday
FORUM = EventDetails(
    title_ar="ملتقى الأسر المنتجة",
    title_en="Productive families forum",
    starts_at=START,
    ends_at=START + timedelta(hours=3),
    venue_ar="قاعة الغرفة التجارية، مكة",
    venue_en="Chamber of Commerce hall, Makkah",
    map_url="https://maps.example.org/forum",
    capacity=2,
)

TEXTS = Message(
    {"ar": "ملتقى الأسر المنتجة يوم الثلاثاء", "en": "The productive families' forum is on Tuesday"}
)


async def announce(database: Database, clock: Clock) -> int:
    """Announcement 1 (`TEXTS`) enqueued now to every family; how many deliveries that made."""
    return await database.run(
        lambda s: deliveries.enqueue(
            s, kinds.ANNOUNCEMENT, 1, select(Beneficiary.id), TEXTS, clock.now, clock.now
        )
    )
