"""The console's families list at a million families (decision 0120): indexes for the sort by name and the
filters within an office, and a search index for part of a name — SQLite's FTS5 with its trigram tokenizer
(a table of its own, kept in step by triggers), PostgreSQL's pg_trgm where the extension can be had.

Both index the folded name with its spaces removed (`replace(name_key, ' ', '')`), as the list matches it:
«عبد الله» is found by «عبدالله» and the other way round.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-07
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

FILTERED = {
    "verified": "verified_at IS NOT NULL",
    "correction": "correction_asked_at IS NOT NULL",
    "stopped": "opted_out_at IS NOT NULL",
    "blocked": "blocked_at IS NOT NULL AND opted_out_at IS NULL",
}
COMPACT = "replace({}name_key, ' ', '')"  # the folded name, spaces removed
# SQLite: a table of its own (not external content: that would need a view over beneficiaries, and a view
# makes SQLite refuse the table copy by which a later migration changes beneficiaries).
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE beneficiary_names USING fts5(name, tokenize = 'trigram')",
    "CREATE TRIGGER beneficiary_names_added AFTER INSERT ON beneficiaries BEGIN"
    f" INSERT INTO beneficiary_names (rowid, name) VALUES (new.id, {COMPACT.format('new.')}); END",
    "CREATE TRIGGER beneficiary_names_changed AFTER UPDATE OF name_key ON beneficiaries BEGIN"
    f" UPDATE beneficiary_names SET name = {COMPACT.format('new.')} WHERE rowid = new.id; END",
    "CREATE TRIGGER beneficiary_names_deleted AFTER DELETE ON beneficiaries BEGIN"
    " DELETE FROM beneficiary_names WHERE rowid = old.id; END",
    f"INSERT INTO beneficiary_names (rowid, name) SELECT id, {COMPACT.format('')} FROM beneficiaries",
)
POSTGRESQL_SEARCH = (
    "CREATE INDEX ix_beneficiaries_name_trigrams ON beneficiaries"
    f" USING gin (({COMPACT.format('')}) gin_trgm_ops)"
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
        log.warning("pg_trgm is not available: a search by part of a name reads the office's families")
    if bind.scalar(sa.text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")):
        op.execute(POSTGRESQL_SEARCH)


def upgrade() -> None:
    op.create_index("ix_beneficiaries_office_name", "beneficiaries", ["office_code", "name_key", "id"])
    for name, where in FILTERED.items():
        op.create_index(
            f"ix_beneficiaries_{name}",
            "beneficiaries",
            ["office_code", "registered_at", "id"],
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )
    _search_index()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("added", "changed", "deleted"):
            op.execute(f"DROP TRIGGER IF EXISTS beneficiary_names_{trigger}")
        op.execute("DROP TABLE IF EXISTS beneficiary_names")
    else:
        op.execute("DROP INDEX IF EXISTS ix_beneficiaries_name_trigrams")  # the extension stays: not ours
    for name in FILTERED:
        op.drop_index(f"ix_beneficiaries_{name}", table_name="beneficiaries")
    op.drop_index("ix_beneficiaries_office_name", table_name="beneficiaries")
