"""An office's questions searched by words, on SQLite: walked newest first on the index of the office's
questions by when they opened (migration 0043), so that a common word's first page is found in the newest
questions and the walk stops there, with no sort of every question of the office."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from storage import threads
from storage.db import Database
from storage.models import Thread
from tests.support.plans import plan

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC).replace(tzinfo=None)
OFFICES = ["makkah", "jumum", "jeddah"]


def seed(session: Session, count: int) -> None:
    """`count` questions of three offices, each with her message and the office's answer."""
    session.execute(
        text(
            "INSERT INTO threads (id, office_code, channel, address_sealed, address_key, topic, status,"
            " opened_at) VALUES (:id, :office, 'telegram', 'sealed', :key, 'other', 'closed', :opened)"
        ),
        [
            {"id": n, "office": OFFICES[n % 3], "key": f"t{n}", "opened": NOW - timedelta(hours=n)}
            for n in range(1, count + 1)
        ],
    )
    session.execute(
        text(
            "INSERT INTO thread_messages (thread_id, author, text, media_type, media_name, too_large, unread,"
            " at) VALUES (:thread, :author, :text, '', '', 0, 0, :at)"
        ),
        [
            {"thread": n, "author": author, "text": said, "at": NOW - timedelta(hours=n)}
            for n in range(1, count + 1)
            for author, said in (("family", "متى الدورة القادمة؟"), ("staff", "الأسبوع القادم"))
        ],
    )
    session.execute(text("ANALYZE"))


async def test_a_word_is_looked_for_in_the_newest_questions_first(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    try:
        await database.run(lambda s: seed(s, 3_000))
        query = threads.inbox_query("jeddah", None, words="الدورة").limit(50)
        found = await database.run(lambda s: plan(s, query))
        listed = await database.run(lambda s: list(s.scalars(query.with_only_columns(Thread.id))))
    finally:
        await database.dispose()
    assert "ix_threads_office_opened" in found and "TEMP B-TREE" not in found, found
    assert listed[:3] == [2, 5, 8]  # the newest of Jeddah's first
