"""Prepared statements give what SQLAlchemy would, on SQLite (through the driver) and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import beneficiaries, contacts
from storage.db import Database
from storage.models import Beneficiary, BeneficiaryProduct, Contact, Conversation, Office, numbers
from storage.prepared import Prepared
from storage.sealing import key_of

NOW = datetime(2026, 11, 29, 6, 30, tzinfo=UTC)

ADD_FAMILY = Prepared(
    insert(Beneficiary).values(
        {
            name: bindparam(name)
            for name in (
                "full_name",
                "name_key",
                "national_id",
                "national_id_key",
                "national_id_tail",
                "mobile",
                "mobile_key",
                "mobile_tail",
                "office_code",
                "health_certificate",
                "canteen_interest",
                "language",
                "consented_at",
                "registered_at",
            )
        }
    )
)
ADD_PRODUCT = Prepared(
    insert(BeneficiaryProduct).values(
        beneficiary_id=bindparam("family"), product=bindparam("product"), office_code=bindparam("office")
    )
)
FAMILY = Prepared(
    select(Beneficiary.id, Beneficiary.health_certificate, Beneficiary.consented_at, Beneficiary.blocked_at)
    .where(Beneficiary.national_id_key == bindparam("national_id"))
    .limit(1)
)
ACTIVE_CODES = Prepared(select(Office.code).where(Office.active).order_by(Office.position, Office.code))
BLOCK = Prepared(
    update(Beneficiary).where(Beneficiary.id == bindparam("family")).values(blocked_at=bindparam("since"))
)
ADD_STATE = Prepared(
    insert(Conversation).values(
        {
            name: bindparam(name)
            for name in (
                *("channel", "address_key", "address_sealed", "language", "answers", "offered"),
                *("created_at", "updated_at"),
            )
        }
        | {"version": 1, "contact_keyboard": False}
    )
)
STATE = Prepared(
    select(Conversation.answers, Conversation.offered, Conversation.version).where(
        Conversation.address_key == bindparam("address")
    )
)


def family(national_id: str, mobile: str) -> dict[str, object]:
    return {
        "full_name": "فاطمة أحمد",
        "name_key": "فاطمه احمد",
        **numbers(national_id, mobile),
        "office_code": "jumum",
        "health_certificate": True,
        "canteen_interest": False,
        "language": "ar",
        "consented_at": NOW,
        "registered_at": NOW,
    }


async def test_rows_are_written_and_read_back_with_their_types(database: Database) -> None:
    def work(session: Session) -> None:
        first = ADD_FAMILY.new_id(session, family("1000000001", "0500000001"))
        second = ADD_FAMILY.new_id(session, family("1000000002", "0500000002"))
        assert second == first + 1
        ADD_PRODUCT.many(
            session, [{"family": first, "product": p, "office": "jumum"} for p in ("sweets", "cooked_meals")]
        )
        ADD_PRODUCT.many(session, [])  # nothing to write is not an error

        found = FAMILY.first(session, {"national_id": key_of("1000000001")})
        assert found == {"id": first, "health_certificate": True, "consented_at": NOW, "blocked_at": None}
        assert found["health_certificate"] is True  # a bool, not SQLite's 1 (1 == True)
        assert FAMILY.first(session, {"national_id": key_of("1999999999")}) is None
        assert FAMILY.scalar(session, {"national_id": key_of("1000000002")}) == second

        assert BLOCK.rowcount(session, {"family": first, "since": NOW}) == 1
        assert BLOCK.rowcount(session, {"family": 999, "since": NOW}) == 0
        assert FAMILY.first(session, {"national_id": key_of("1000000001")}) == {**found, "blocked_at": NOW}
        products = session.scalars(
            select(BeneficiaryProduct.product).where(BeneficiaryProduct.beneficiary_id == first)
        ).all()
        assert sorted(products) == ["cooked_meals", "sweets"]

    await database.run(work)


async def test_values_written_in_the_statement_and_json_columns(database: Database) -> None:
    def work(session: Session) -> None:
        codes = [row["code"] for row in ACTIVE_CODES.rows(session)]
        assert (
            codes
            == session.scalars(
                select(Office.code).where(Office.active).order_by(Office.position, Office.code)
            ).all()
        )
        assert "jumum" in codes
        ADD_STATE.rowcount(
            session,
            {
                "channel": "telegram",
                "address_key": key_of("42"),
                "address_sealed": "42",
                "language": "ar",
                "answers": {"full_name": "فاطمة", "products": ["sweets"]},
                "offered": [{"payload": "yes", "label": "نعم"}],
                "created_at": NOW,
                "updated_at": NOW,
            },
        )
        assert STATE.first(
            session, {"address": key_of("42")}
        ) == {  # `version` is a value written in the INSERT
            "answers": {"full_name": "فاطمة", "products": ["sweets"]},
            "offered": [{"payload": "yes", "label": "نعم"}],
            "version": 1,
        }

    await database.run(work)


async def test_a_duplicate_is_sqlalchemys_integrity_error_and_writes_nothing_more(database: Database) -> None:
    await database.run(lambda session: ADD_FAMILY.new_id(session, family("1000000001", "0500000001")))

    def duplicate(session: Session) -> None:
        ADD_FAMILY.new_id(session, family("1000000003", "0500000003"))
        ADD_FAMILY.new_id(session, family("1000000001", "0500000009"))

    with pytest.raises(IntegrityError):
        await database.run(duplicate)
    count = await database.run(lambda session: len(session.scalars(select(Beneficiary.id)).all()))
    assert count == 1


async def test_pending_orm_changes_are_flushed_before_a_prepared_statement(database: Database) -> None:
    def work(session: Session) -> None:
        new_id = ADD_FAMILY.new_id(session, family("1000000001", "0500000001"))
        found = session.get(Beneficiary, new_id)
        assert found is not None
        found.blocked_at = NOW  # pending in the session, not yet written
        assert FAMILY.first(session, {"national_id": key_of("1000000001")}) == {
            "id": new_id,
            "health_certificate": True,
            "consented_at": NOW,
            "blocked_at": NOW,
        }

    await database.run(work)


def test_what_sqlalchemy_computes_at_each_execution_cannot_be_prepared() -> None:
    with pytest.raises(ValueError, match="timezone"):  # a Python-side default, left out
        Prepared(
            insert(Office).values(code=bindparam("code"), name_ar=bindparam("ar"), name_en=bindparam("en"))
        )
    with pytest.raises(ValueError, match="IN"):
        Prepared(select(Office.code).where(Office.code.in_(bindparam("codes", expanding=True))))


async def test_storage_writes_keep_what_the_session_loaded_in_step(database: Database) -> None:
    def work(session: Session) -> None:
        family_id = ADD_FAMILY.new_id(session, family("1000000001", "0500000001"))
        BLOCK.rowcount(session, {"family": family_id, "since": NOW})
        loaded = session.get(Beneficiary, family_id)
        assert loaded is not None and loaded.blocked_at == NOW
        beneficiaries.reachable_again(session, family_id)
        assert loaded.blocked_at is None

        contact = Contact(
            national_id="1000000002",
            full_name="مريم",
            mobile="0500000002",
            office_code="jumum",
            imported_at=NOW,
            imported_by="test",
        )
        session.add(contact)
        session.flush()
        contacts.forget(session, "1000000002", "0500000002")
        contact.full_name = "مريم أحمد"
        session.flush()  # the deleted contact is no longer the session's to write
        assert session.scalars(select(Contact)).all() == []

    await database.run(work)
