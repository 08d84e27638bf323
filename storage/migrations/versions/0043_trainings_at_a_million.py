"""The trainings and an office's list at a million families (issue 30, decision 0124):
- each guest row carries her family's office (`event_guests.office_code`), filled here from the families and
  kept in step by the code that adds guests or moves a family to another office, so that an office's part of
  a training's guests is counted and listed from the guest rows alone (5,000 guests a training were joined
  to their families for the office: 942 ms for the trainings' page on PostgreSQL);
- a search index for part of a name on the offices' lists (`contacts`), as the families' (decision 0120,
  migration 0040): SQLite's FTS5 of trigrams in a table of its own kept in step by triggers, PostgreSQL's
  pg_trgm where the extension is (0040 created it if it could), on the folded name with its spaces removed;
- an index of an office's questions, the newest first, which the inbox searched by words walks; on PostgreSQL
  (14 and later) statistics of the messages' words in lower case, without which the planner guesses that
  hardly any message holds the word searched for, and reads every message for it instead of walking the
  office's newest questions (429 ms against 0.14 ms at a million for a word in every question).

Revision ID: 0043
Revises: 0041
Create Date: 2026-12-08
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

COMPACT = "replace({}name_key, ' ', '')"  # the folded name, spaces removed
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE contact_names USING fts5(name, tokenize = 'trigram')",
    "CREATE TRIGGER contact_names_added AFTER INSERT ON contacts BEGIN"
    f" INSERT INTO contact_names (rowid, name) VALUES (new.id, {COMPACT.format('new.')}); END",
    "CREATE TRIGGER contact_names_changed AFTER UPDATE OF name_key ON contacts BEGIN"
    f" UPDATE contact_names SET name = {COMPACT.format('new.')} WHERE rowid = new.id; END",
    "CREATE TRIGGER contact_names_deleted AFTER DELETE ON contacts BEGIN"
    " DELETE FROM contact_names WHERE rowid = old.id; END",
    f"INSERT INTO contact_names (rowid, name) SELECT id, {COMPACT.format('')} FROM contacts",
)
POSTGRESQL_SEARCH = (
    f"CREATE INDEX ix_contacts_name_trigrams ON contacts USING gin (({COMPACT.format('')}) gin_trgm_ops)"
)
# What ANALYZE learns of `lower(text)`, which the inbox's search by words filters the messages by.
WORDS_STATISTICS = (
    "CREATE STATISTICS IF NOT EXISTS st_thread_messages_words ON (lower(text)) FROM thread_messages"
)
FILL = (
    "UPDATE event_guests SET office_code ="
    " (SELECT office_code FROM beneficiaries WHERE beneficiaries.id = event_guests.beneficiary_id)"
)


def _search_index() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)
        return
    try:
        with bind.begin_nested():  # a refusal (no right to create it) undoes only this
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        log.warning("pg_trgm is not available: a search of the lists by part of a name reads the office's")
    if bind.scalar(sa.text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")):
        op.execute(POSTGRESQL_SEARCH)


def upgrade() -> None:
    op.add_column("event_guests", sa.Column("office_code", sa.String(32), nullable=True))
    op.execute(FILL)
    with op.batch_alter_table("event_guests") as table:  # not beneficiaries: no trigger of theirs is dropped
        table.alter_column("office_code", existing_type=sa.String(32), nullable=False)
    _search_index()
    op.create_index("ix_threads_office_opened", "threads", ["office_code", "opened_at", "id"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and int(bind.scalar(sa.text("SHOW server_version_num"))) >= 140000:
        op.execute(WORDS_STATISTICS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_thread_messages_words")
    op.drop_index("ix_threads_office_opened", table_name="threads")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("added", "changed", "deleted"):
            op.execute(f"DROP TRIGGER IF EXISTS contact_names_{trigger}")
        op.execute("DROP TABLE IF EXISTS contact_names")
    else:
        op.execute("DROP INDEX IF EXISTS ix_contacts_name_trigrams")  # the extension stays: not ours
    with op.batch_alter_table("event_guests") as table:
        table.drop_column("office_code")
