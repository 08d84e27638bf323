"""A family's products are kept with her office beside them (decision 0122): when her office changes, by her
own changes or by any other statement, her products go with her, and a filter by product within an office
finds her in the new one only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from core.domain import Product
from storage import beneficiaries
from storage.audiences import Audience
from storage.beneficiaries import NewBeneficiary, OwnChanges, Search, count_query
from storage.db import Database
from storage.models import Beneficiary, BeneficiaryProduct

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def registered(session: Session, national_id: str, mobile: str, office: str) -> int:
    return beneficiaries.register(
        session,
        NewBeneficiary(
            full_name="فاطمة أحمد",
            national_id=national_id,
            mobile=mobile,
            mobile_vouched=False,
            office_code=office,
            products=[Product.SEWING, Product.DRINKS],
            health_certificate=False,
            canteen_interest=True,
            language="ar",
            consented_at=NOW,
        ),
        NOW,
    )


def sewing_in(session: Session, office: str) -> int:
    found = Search(Audience(offices=(office,), products=(Product.SEWING.value,)))
    return int(session.scalar(count_query(found)) or 0)


def offices_of_her_products(session: Session, family: int) -> set[str]:
    rows = select(BeneficiaryProduct.office_code).where(BeneficiaryProduct.beneficiary_id == family)
    return set(session.scalars(rows))


async def test_her_products_follow_her_office_when_she_changes_it(database: Database) -> None:
    family = await database.run(lambda s: registered(s, "1000000008", "0551234567", "jumum"))
    assert await database.run(lambda s: (sewing_in(s, "jumum"), sewing_in(s, "jeddah"))) == (1, 0)

    def moves_to_jeddah(session: Session) -> list[str]:
        her = beneficiaries.locked(session, family)
        assert her is not None
        changes = OwnChanges(
            full_name=her.full_name,
            mobile=her.mobile,
            mobile_vouched=False,
            office_code="jeddah",
            products=[Product.SEWING, Product.COOKED_MEALS],  # drinks no more, cooked meals added
            health_certificate=her.health_certificate,
            canteen_interest=her.canteen_interest,
        )
        return beneficiaries.change(session, her, changes, NOW)

    assert await database.run(moves_to_jeddah) == ["office_code", "products"]
    assert await database.run(lambda s: offices_of_her_products(s, family)) == {"jeddah"}
    assert await database.run(lambda s: (sewing_in(s, "jumum"), sewing_in(s, "jeddah"))) == (0, 1)


async def test_her_products_follow_her_office_whoever_changes_it(database: Database) -> None:
    family = await database.run(lambda s: registered(s, "1000000016", "0551234568", "jumum"))
    await database.run(
        lambda s: s.execute(update(Beneficiary).where(Beneficiary.id == family).values(office_code="makkah"))
    )
    assert await database.run(lambda s: offices_of_her_products(s, family)) == {"makkah"}
    assert await database.run(lambda s: (sewing_in(s, "jumum"), sewing_in(s, "makkah"))) == (0, 1)


async def test_families_read_their_products_by_their_numbers_alone(sqlite_url: str) -> None:
    """Her products are read with her on the products' own key (by her number), never from her office's
    range of (office, product, family): that would be 250,000 rows for each family read at a million."""
    database = Database(sqlite_url)
    try:
        await database.run(lambda s: registered(s, "1000000008", "0551234567", "jumum"))

        def products_read(session: Session) -> tuple[str, str]:
            connection = session.connection()
            sent: list[tuple[str, Any]] = []

            def keep(_c: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
                sent.append((statement, parameters))

            event.listen(connection, "before_cursor_execute", keep)
            try:
                session.scalars(select(Beneficiary)).all()
            finally:
                event.remove(connection, "before_cursor_execute", keep)
            [(statement, parameters)] = [(q, p) for q, p in sent if "FROM beneficiary_products" in q]
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return statement, "\n".join(str(row[-1]) for row in rows)

        statement, plan = await database.run(products_read)
    finally:
        await database.dispose()
    assert "JOIN" not in statement, statement
    assert "ix_beneficiary_products_office" not in plan and "beneficiary_products" in plan, plan
