"""PostgreSQL: part of a name searched within her office (decision 0122's last consequence, measured): a
trigram index of her office and her name in one expression, `office_code || ':' || replace(name_key, ' ',
'')`, so that a search in one office reads that office's matches alone, and ANALYZE gathers the expression's
statistics, which tell the planner how many of them her office has (a name her office lacks is expected rare,
not at its share of every office). Where pg_trgm is missing, nothing: the search reads her office's names.
SQLite's name index is numbered by office already (0042).

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0045"
down_revision = "0044"
branch_labels = None
depends_on = None

INDEX = "ix_beneficiaries_office_name_trigrams"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        return
    if bind.scalar(sa.text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")):
        op.execute(
            f"CREATE INDEX {INDEX} ON beneficiaries"
            " USING gin ((office_code || ':' || replace(name_key, ' ', '')) gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
