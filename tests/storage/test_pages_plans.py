"""The console's pages beside the families list read their indexes, not every row, once PostgreSQL has
vacuumed and analysed the tables (issue 30): the inbox, the dashboard's counts of families and messages, an
export's batches, an office's list. Each office action's queries run as the page runs them; what PostgreSQL
plans for each is read with EXPLAIN. A lost index fails here, without a timed test.

The tables hold tens of thousands of rows of four offices, enough that PostgreSQL prefers an index where one
serves (with a handful of rows it rightly reads them all), in an office's proportions after a year: one family
in 20 waiting for verification, two messages a family over the year (the dashboard counts the last 30 days),
a question for one family in 20, a tenth of them open, two messages each, 20 trainings of the last 20 months
with 2,000 guests each (every family invited once), a list of one contact for five families, and a chat for
every family with one more, linked to none, for 20 (a registration begun and left)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from office import dashboard, registrations
from office.rights import OPERATOR
from storage import beneficiaries, contacts, conversations, events
from storage import dashboard as dashboard_counts
from storage.db import Database
from storage.sealing import keyring

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
AT = "timestamp '2026-12-07 09:00:00'"  # NOW, in the seeding SQL
FAMILIES = 40_000
BIG = ("beneficiaries", "deliveries", "threads", "contacts", "event_guests", "audit_log", "conversations")

SEED = [
    f"""INSERT INTO beneficiaries (full_name, name_key, national_id_sealed, national_id_key, national_id_tail,
        mobile_sealed, mobile_key, mobile_tail, office_code, health_certificate, canteen_interest, language,
        consented_at, registered_at, verified_at)
    SELECT 'فاطمة ' || n, 'فاطمه ' || n, :family_id, md5('id' || n)::varchar(32),
        lpad((n % 10000)::text, 4, '0'), :family_mobile, md5('m' || n)::varchar(32),
        lpad((n % 10000)::text, 4, '0'),
        (ARRAY['makkah', 'jumum', 'jeddah', 'makkah'])[n % 4 + 1], n % 3 = 0, n % 2 = 0, 'ar',
        {AT}, {AT} - n * interval '1 minute', CASE WHEN n % 20 <> 0 THEN {AT} END
    FROM generate_series(1, {FAMILIES}) AS n""",
    f"""INSERT INTO deliveries (kind, source_id, beneficiary_id, payload, status, attempts, next_attempt_at,
        channel, created_at, updated_at)
    SELECT 'announcement', n % 2 + 1, n / 2 + 1, '{{}}',
        (ARRAY['sent', 'sent', 'failed', 'blocked'])[n % 4 + 1], 1,
        {AT} - (n * 6) * interval '1 minute', 'telegram', {AT} - (n * 6) * interval '1 minute',
        {AT} - (n * 6) * interval '1 minute'
    FROM generate_series(0, {FAMILIES * 2 - 1}) AS n""",
    f"""INSERT INTO threads (office_code, family_id, channel, address_sealed, address_key, topic, status,
        opened_at, waiting_since, closed_at)
    SELECT (ARRAY['makkah', 'jumum', 'jeddah', 'makkah'])[n % 4 + 1], n * 20, 'telegram', :thread_address,
        md5('t' || n),
        'other', CASE WHEN n % 10 = 0 THEN 'open' ELSE 'closed' END, {AT} - n * interval '1 hour',
        CASE WHEN n % 20 = 0 THEN {AT} - n * interval '1 hour' END,
        CASE WHEN n % 10 <> 0 THEN {AT} - n * interval '1 hour' END
    FROM generate_series(1, {FAMILIES // 20}) AS n""",
    f"""INSERT INTO thread_messages (thread_id, author, text, media_type, media_name, too_large, unread, at)
    SELECT n / 2 + 1, CASE WHEN n % 2 = 0 THEN 'family' ELSE 'staff' END,
        CASE WHEN n % 2 = 0 THEN 'السلام عليكم، متى الدورة القادمة؟' ELSE 'الأسبوع القادم' END, '', '', false,
        false, {AT} - n * interval '1 hour'
    FROM generate_series(0, {FAMILIES // 10 - 1}) AS n""",
    f"""INSERT INTO conversations (channel, address_key, address_sealed, beneficiary_id, language, answers,
        answers_keys, offered, version, created_at, updated_at)
    SELECT 'telegram', md5('c' || n), :chat_address, CASE WHEN n % 20 <> 0 THEN n END, 'ar', :draft,
        CASE WHEN n % 20 = 0 THEN md5('k' || n) || ' ' END, '[]', 1, {AT}, {AT}
    FROM generate_series(1, {FAMILIES}) AS n""",
    f"""INSERT INTO events (id, title_ar, description_ar, starts_at, ends_at, venue_ar, audience, invite_at,
        invited_at, schedule, created_by, created_at, updated_at, calendar_key, calendar_by_number)
    SELECT n, 'فعالية ' || n, '', {AT} - n * interval '30 days',
        {AT} - n * interval '30 days' + interval '3 hours', 'المركز', '{{}}', {AT}, {AT}, 1, 'test', {AT},
        {AT}, md5('e' || n), false
    FROM generate_series(1, 20) AS n""",
    f"""INSERT INTO event_guests (event_id, beneficiary_id, office_code, status, invited_at, answered_at,
        attended_at)
    SELECT n % 20 + 1, n, (ARRAY['makkah', 'jumum', 'jeddah', 'makkah'])[n % 4 + 1],
        (ARRAY['going', 'not_going', 'invited', 'waitlisted'])[n / 20 % 4 + 1], {AT},
        CASE WHEN n / 20 % 4 <> 2 THEN {AT} END, CASE WHEN n % 7 = 0 THEN {AT} END
    FROM generate_series(1, {FAMILIES}) AS n""",
    f"""INSERT INTO contacts (national_id_sealed, national_id_key, national_id_tail, full_name, mobile_sealed,
        mobile_key, mobile_tail, office_code, imported_at, imported_by, name_key)
    SELECT :contact_id, md5('cid' || n), '0000', 'نورة ' || n, :contact_mobile, md5('cm' || n), '0000',
        (ARRAY['makkah', 'jumum', 'jeddah', 'makkah'])[n % 4 + 1], {AT} - n * interval '1 minute', 'test',
        'نوره ' || n
    FROM generate_series(1, {FAMILIES // 5}) AS n""",
]


@pytest.fixture
async def analysed(postgres: Database) -> Database:
    sealed = {  # one value sealed for each column (as its type seals it): only the plans are read
        name: keyring().seal_text(b"1000000008", purpose.encode())
        for name, purpose in (
            ("family_id", "beneficiaries.national_id"),
            ("family_mobile", "beneficiaries.mobile"),
            ("thread_address", "threads.address"),
            ("contact_id", "contacts.national_id"),
            ("contact_mobile", "contacts.mobile"),
            ("chat_address", "conversations.address"),
        )
    }
    sealed["draft"] = keyring().seal_text(b"{}", b"conversations.answers")

    def seed(session: Session) -> None:
        for statement in SEED:
            session.execute(text(statement), {n: v for n, v in sealed.items() if f":{n}" in statement})

    await postgres.run(seed)
    # What autovacuum does soon after such a load (PostgreSQL 13 on vacuums after inserts too): the planner's
    # figures, and the map of pages all visible that lets a count read an index alone.
    async with postgres.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE"))
    return postgres


@contextmanager
def statements(session: Session) -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs run on this session's connection meanwhile, and their parameters as the driver had them."""
    seen: list[tuple[str, Any]] = []
    engine = session.get_bind()

    def heard(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", heard)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", heard)


def plans(database_work: Callable[[Session], Any]) -> Callable[[Session], list[tuple[str, str]]]:
    """`database_work` run, then each SELECT it ran explained: (its SQL, its plan)."""

    def work(session: Session) -> list[tuple[str, str]]:
        with statements(session) as seen:
            database_work(session)
        explained = []
        for statement, parameters in seen:
            rows = session.connection().exec_driver_sql("EXPLAIN " + statement, parameters).all()
            explained.append((statement, "\n".join(row[0] for row in rows)))
        return explained

    return work


def scans_of_big_tables(explained: list[tuple[str, str]]) -> list[str]:
    return [
        f"{statement}\n{plan}"
        for statement, plan in explained
        for table in BIG
        if f"Seq Scan on {table}" in plan
    ]


async def test_the_inbox_reads_its_index(analysed: Database) -> None:
    def inbox(session: Session) -> None:
        from storage import threads

        threads.inbox(session, "jeddah")  # open, waiting longest first
        threads.inbox(session, "jeddah", status=threads.CLOSED)  # the latest closed first
        threads.inbox(session, None)  # an admin's, every office's

    explained = await analysed.run(plans(inbox))
    assert explained and not scans_of_big_tables(explained), scans_of_big_tables(explained)


async def test_the_dashboard_counts_on_its_indexes(analysed: Database) -> None:
    explained = await analysed.run(plans(lambda s: dashboard.figures(s, OPERATOR, NOW)))
    assert len(explained) > 5 and not scans_of_big_tables(explained), scans_of_big_tables(explained)


async def test_an_exports_batches_read_the_lists_index(analysed: Database) -> None:
    def batches(session: Session) -> None:
        found = beneficiaries.Search(
            segment=registrations.search_for(session, OPERATOR, registrations.Wanted()).segment
        )
        for _ in beneficiaries.every_found(session, found, batch=1_000):
            pass

    explained = await analysed.run(plans(batches))
    assert len(explained) >= FAMILIES // 1_000  # a batch a thousand: no list of every number first
    assert not scans_of_big_tables(explained), scans_of_big_tables(explained)


async def test_an_offices_list_reads_its_index(analysed: Database) -> None:
    def pages(session: Session) -> None:
        contacts.waiting(session, "jeddah", 0, 50)
        contacts.waiting(session, "jeddah", 200, 50)

    explained = await analysed.run(plans(pages))

    assert explained and not scans_of_big_tables(explained), scans_of_big_tables(explained)


async def test_her_drafts_elsewhere_are_found_from_their_keys_index(analysed: Database) -> None:
    """Deleting her data, or her copy of it, looks for a registration she began on another channel by the keys
    of the numbers each unlinked draft holds: read from their index, not from every chat."""
    explained = await analysed.run(plans(lambda s: conversations.drafts_holding(s, {"1000000008"})))
    assert explained and not scans_of_big_tables(explained), scans_of_big_tables(explained)
    # (PostgreSQL reads the unlinked ones by either index on beneficiary_id: its own, or the keys' one.)


async def test_the_trainings_are_counted_and_their_guests_paged_without_reading_the_families(
    analysed: Database,
) -> None:
    """An office's part of each training is counted from the guest rows alone (they carry her office), and a
    page of guests reads the families by number: the page's, and each guest's name for the order."""
    tally = await analysed.run(plans(lambda s: dashboard_counts.training_answers(s, [1, 2, 3], "jeddah")))
    assert tally and not scans_of_big_tables(tally), scans_of_big_tables(tally)
    assert all("beneficiaries" not in plan for _, plan in tally), tally

    def pages(session: Session) -> None:
        first = events.guest_page(session, 3, "jeddah", 50)
        events.guest_page(session, 3, "jeddah", 50, after=first.lines[-1].beneficiary_id)
        events.guest_page(session, 3, None, 50, last=True)
        events.waiting_list(session, 3, "jeddah", 50)

    explained = await analysed.run(plans(pages))
    assert len(explained) >= 4 and not scans_of_big_tables(explained), scans_of_big_tables(explained)


async def test_an_offices_list_searched_by_part_of_a_name_reads_the_trigrams(analysed: Database) -> None:
    explained = await analysed.run(plans(lambda s: contacts.found(s, "jeddah", 0, 50, name_key="نوره 12")))
    assert explained and not scans_of_big_tables(explained), scans_of_big_tables(explained)
    assert any("ix_contacts_name_trigrams" in plan for _, plan in explained), explained


async def test_an_offices_questions_searched_by_a_common_word_are_walked_newest_first(
    analysed: Database,
) -> None:
    """A word in every question is found in the newest first: the office's questions read in that order from
    their index, the walk stopping at the page; not every message searched, then sorted (the statistics of
    the messages' words tell the planner how many hold it)."""
    from storage import threads

    asked = plans(lambda s: threads.inbox(s, "jeddah", None, None, 50, words="الدورة"))
    explained = await analysed.run(asked)
    assert explained and not scans_of_big_tables(explained), scans_of_big_tables(explained)
    walked = explained[0][1]
    assert "Index Scan Backward using ix_threads_" in walked, walked  # the office's, or every office's
    assert "Seq Scan on thread_messages" not in walked, walked
