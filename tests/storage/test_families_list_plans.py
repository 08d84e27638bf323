"""The console's families list reads each page, sort, filter and search on its index (decision 0120): the
query plans of the storage's own queries, once the table holds enough families (200,000 on PostgreSQL, made
by the server itself) and is analysed, never read the whole table. A lost index fails here, without a timed
test."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.text import fold
from storage.audiences import Audience
from storage.beneficiaries import Order, Reach, Search, count_query, counting, page_query
from storage.db import Database
from storage.models import Beneficiary
from tests.support.plans import plan

FAMILIES = 200_000  # on PostgreSQL
MAKERS = 2_000  # on PostgreSQL, for the products: few (1,000 showed it too, on PostgreSQL 15)
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
FIRST = ["فاطمة", "نورة", "مريم", "عائشة", "سارة", "هيا", "منيرة", "لطيفة", "حصة", "أمل", "هند", "رقية"]
FATHERS = ["أحمد", "محمد", "سعيد", "علي", "خالد", "حسن", "عبد الله", "إبراهيم", "صالح", "ناصر"]
OFFICES = ["makkah", "jumum", "jeddah"]
JEDDAH = ("jeddah",)


def seed(session: Session, count: int) -> None:
    """`count` families in three offices, in one bulk insert (their sealed numbers are never read here)."""
    rows = []
    for n in range(1, count + 1):
        name = f"{FIRST[n % 12]} {FATHERS[n // 12 % 10]} الزهراني"
        rows.append(
            {
                "id": n,
                "name": name,
                "key": fold(name),
                "id_key": f"id{n}",
                "tail": f"{n % 10_000:04d}",
                "mobile_key": f"mobile{n}",
                "office": OFFICES[n % 3],
                "certificate": n % 3 == 0,
                "canteen": n % 2 == 0,
                "registered": (NOW - timedelta(minutes=n)).replace(tzinfo=None),
                "verified": NOW.replace(tzinfo=None) if n % 10 == 0 else None,
                "stopped": NOW.replace(tzinfo=None) if n % 50 == 0 else None,
                "blocked": NOW.replace(tzinfo=None) if n % 70 == 0 else None,
                "correction": NOW.replace(tzinfo=None) if n % 499 == 0 else None,
            }
        )
    session.execute(
        text(
            "INSERT INTO beneficiaries (id, national_id_sealed, national_id_key, national_id_tail, full_name,"
            " name_key, mobile_sealed, mobile_key, mobile_tail, office_code, health_certificate,"
            " canteen_interest, language, consented_at, registered_at, verified_at, opted_out_at, blocked_at,"
            " correction_asked_at) VALUES (:id, 'sealed', :id_key, :tail, :name, :key, 'sealed', :mobile_key,"
            " :tail, :office, :certificate, :canteen, 'ar', :registered, :registered, :verified, :stopped,"
            " :blocked, :correction)"
        ),
        rows,
    )
    session.execute(text("ANALYZE"))


def seed_postgres(session: Session, count: int) -> None:
    """`count` families as `seed` makes them, written by the server itself (generate_series): enough of them
    that the planner prefers an index honestly, in a second or two."""
    names = [f"{FIRST[n % 12]} {FATHERS[n // 12 % 10]} الزهراني" for n in range(120)]
    session.execute(
        text(
            "INSERT INTO beneficiaries (id, national_id_sealed, national_id_key, national_id_tail, full_name,"
            " name_key, mobile_sealed, mobile_key, mobile_tail, office_code, health_certificate,"
            " canteen_interest, language, consented_at, registered_at, verified_at, opted_out_at, blocked_at,"
            " correction_asked_at)"
            " SELECT n, 'sealed', 'id' || n, lpad((n % 10000)::text, 4, '0'),"
            " (CAST(:names AS text[]))[n % 120 + 1], (CAST(:keys AS text[]))[n % 120 + 1], 'sealed',"
            " 'mobile' || n, lpad((n % 10000)::text, 4, '0'), (CAST(:offices AS text[]))[n % 3 + 1],"
            " n % 3 = 0, n % 2 = 0, 'ar', CAST(:now AS timestamp),"
            " CAST(:now AS timestamp) - n * interval '1 minute',"
            " CASE WHEN n % 10 = 0 THEN CAST(:now AS timestamp) END,"
            " CASE WHEN n % 50 = 0 THEN CAST(:now AS timestamp) END,"
            " CASE WHEN n % 70 = 0 THEN CAST(:now AS timestamp) END,"
            " CASE WHEN n % 499 = 0 THEN CAST(:now AS timestamp) END"
            " FROM generate_series(1, CAST(:count AS integer)) AS n"
        ),
        {
            "names": names,
            "keys": [fold(name) for name in names],
            "offices": OFFICES,
            "now": NOW.replace(tzinfo=None),
            "count": count,
        },
    )
    session.execute(text("ANALYZE beneficiaries"))


# What the list asks: her office's list in each order and from a deep page, the admin's list by office, the
# filters. Walked along an index in the list's order (no sort), on either database.
KEY_NEWEST = (NOW - timedelta(minutes=15_000), 15_000)
WALKED = [
    ("first page", Search(Audience(offices=JEDDAH)), None),
    ("a deep page", Search(Audience(offices=JEDDAH)), KEY_NEWEST),
    ("oldest", Search(Audience(offices=JEDDAH), order=Order.OLDEST), None),
    ("by name", Search(Audience(offices=JEDDAH), order=Order.NAME), None),
    ("by name, a deep page", Search(Audience(offices=JEDDAH), order=Order.NAME), ("هند", 15_000)),
    ("by office", Search(Audience(offices=JEDDAH), order=Order.OFFICE), None),
    ("every office by office", Search(order=Order.OFFICE), None),
    ("verified", Search(Audience(offices=JEDDAH, verified=True)), None),
    ("stopped", Search(Audience(offices=JEDDAH), reach=Reach.STOPPED), None),
]
# Few found (GATHERED or fewer): read on the index that finds them, then sorted.
GATHERED = [
    ("part of a name", Search(name_key=fold("هيا سعيد")), "ix_beneficiaries_name_trigrams"),
    (
        "part of a name, in her office",
        Search(Audience(offices=JEDDAH), name_key=fold("هند عبدالله")),
        "ix_beneficiaries_office_name_trigrams",  # her office and name in one expression (0045)
    ),
    ("asked to correct", Search(Audience(offices=JEDDAH), correction=True), "ix_beneficiaries_correction"),
    ("blocked", Search(Audience(offices=JEDDAH), reach=Reach.BLOCKED), "ix_beneficiaries_blocked"),
    ("4 digits", Search(Audience(offices=JEDDAH), national_id_tail="0042"), "national_id_tail"),
    ("a whole ID", Search(Audience(offices=JEDDAH), national_id="1000000008"), "national_id_key"),
]


@pytest.mark.postgres
async def test_on_postgresql_every_page_sort_filter_and_search_reads_an_index(postgres: Database) -> None:
    await postgres.run(lambda s: seed_postgres(s, FAMILIES))

    def plans(session: Session) -> tuple[dict[str, str], dict[str, str], str]:
        walked = {what: plan(session, page_query(search, 51, key)) for what, search, key in WALKED}
        gathered = {
            what: plan(session, page_query(search, 51, gathered=True)) for what, search, _index in GATHERED
        }
        by_name = Search(Audience(offices=JEDDAH), name_key=fold("هيا سعيد"))
        return walked, gathered, plan(session, count_query(by_name, lazily=True))

    walked, gathered, counted = await postgres.run(plans)
    for what, found in walked.items():
        assert "Seq Scan on beneficiaries" not in found and "Sort" not in found, (what, found)
    for what, _search, index in GATHERED:
        found = gathered[what]
        assert index in found and "Seq Scan on beneficiaries" not in found, (what, found)
    # Counted on the trigrams of her office and name (0045), never a walk of her office's names.
    assert "ix_beneficiaries_office_name_trigrams" in counted, counted
    assert "Seq Scan on beneficiaries" not in counted and "ix_beneficiaries_office_name " not in counted


async def test_on_sqlite_part_of_a_name_is_found_through_the_trigrams(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    try:
        await database.run(lambda s: seed(s, 3_000))

        def plans(session: Session) -> tuple[str, str, str, str]:
            in_her_office = Audience(offices=JEDDAH)
            return (
                plan(session, page_query(Search(in_her_office, name_key=fold("عبدالله")), 51)),
                plan(session, page_query(Search(in_her_office, name_key="هن"), 51)),
                plan(session, page_query(Search(in_her_office, order=Order.NAME), 51)),
                plan(session, page_query(Search(in_her_office, order=Order.NAME), 51, ("هند", 1_500))),
            )

        by_trigrams, short, by_name, deep_by_name = await database.run(plans)
        found = await database.run(
            lambda s: s.scalars(
                page_query(Search(Audience(offices=JEDDAH), name_key="عبدالله"), 3).with_only_columns(
                    Beneficiary.full_name
                )
            ).all()
        )
    finally:
        await database.dispose()
    assert "VIRTUAL TABLE INDEX" in by_trigrams and "beneficiary_names" in by_trigrams, by_trigrams
    assert "beneficiary_names" not in short, short  # two letters make no trigram: the office's list is read
    for sorted_by_name in (by_name, deep_by_name):
        assert "ix_beneficiaries_office_name" in sorted_by_name, sorted_by_name
        assert "TEMP B-TREE" not in sorted_by_name, sorted_by_name  # no sort: the index is in its order
    assert found and all("عبد الله" in name for name in found)  # her name spelt with the space


def seed_products(session: Session) -> None:
    """Every family makes one product: sewing in every office but jeddah, where they all cook."""
    session.execute(
        text(
            "INSERT INTO beneficiary_products (beneficiary_id, product, office_code) SELECT id,"
            " CASE WHEN office_code = 'jeddah' THEN 'cooked_meals' ELSE 'sewing' END, office_code"
            " FROM beneficiaries"
        )
    )
    session.execute(text("ANALYZE beneficiary_products"))


@pytest.mark.postgres
async def test_on_postgresql_a_product_within_her_office_is_read_from_its_range(postgres: Database) -> None:
    """No family of her office makes it, two thirds of the others do: the count reads her office's range of
    (office, product, family), and so does the page of few found; neither reads either table whole."""
    await postgres.run(lambda s: seed_postgres(s, MAKERS))
    await postgres.run(seed_products)
    sewing = Search(Audience(offices=JEDDAH, products=("sewing",)))
    verified_sewing = Search(
        Audience(offices=JEDDAH, verified=True, canteen_interest=True, products=("sewing",))
    )

    def plans(session: Session) -> list[str]:
        return [
            plan(session, query)
            for found in (sewing, verified_sewing)
            for query in (counting(found, "postgresql"), page_query(found, 51, gathered=True))
        ]

    for found in await postgres.run(plans):
        assert "ix_beneficiary_products_office" in found, found
        assert "Seq Scan on beneficiar" not in found, found
    assert await postgres.run(lambda s: s.scalar(counting(sewing, "postgresql"))) == 0


async def test_on_sqlite_a_name_within_her_office_is_read_there_and_follows_her(sqlite_url: str) -> None:
    """The FTS table's rows carry their office (decision 0122): a search within jeddah counts jeddah's
    families only, through the FTS table, and a family that moves to jeddah is found there, not in her old
    office, by the count and the page alike."""
    database = Database(sqlite_url)
    abdullah = Search(Audience(offices=JEDDAH), name_key=fold("عبدالله"))
    try:
        await database.run(lambda s: seed(s, 3_000))

        def found(session: Session, office: str) -> tuple[int, list[int], list[int]]:
            search = replace(abdullah, segment=Audience(offices=(office,)))
            total = int(session.scalar(counting(search, "sqlite")) or 0)
            ids = page_query(search, 500, gathered=True).with_only_columns(Beneficiary.id)
            walked = page_query(search, 500, many=True).with_only_columns(Beneficiary.id)
            return total, sorted(session.scalars(ids)), sorted(session.scalars(walked))

        counted = await database.run(lambda s: plan(s, counting(abdullah, "sqlite")))
        before = await database.run(lambda s: (found(s, "jeddah"), found(s, "jumum")))
        # Family 82, «هند عبد الله» of jumum, moves to jeddah.
        moved = text("UPDATE beneficiaries SET office_code = 'jeddah' WHERE id = 82")
        await database.run(lambda s: s.execute(moved))
        after = await database.run(lambda s: (found(s, "jeddah"), found(s, "jumum")))
    finally:
        await database.dispose()
    assert "beneficiary_names VIRTUAL TABLE INDEX" in counted, counted
    (jeddah, jeddah_ids, jeddah_walked), (jumum, jumum_ids, _) = before
    assert jeddah == len(jeddah_ids) > 0 and jeddah_ids == jeddah_walked and 82 not in jeddah_ids
    assert 82 in jumum_ids
    (jeddah_now, jeddah_ids_now, _), (jumum_now, jumum_ids_now, _) = after
    assert (jeddah_now, jumum_now) == (jeddah + 1, jumum - 1)
    assert 82 in jeddah_ids_now and 82 not in jumum_ids_now
