"""Tip and quiz sources in Arabic too (`source_ar`; the shipped ones are filled at start by
`storage.tips.load_shipped`), and no internal note "(why)" in a source.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("tips", "quiz_questions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("source_ar", sa.String(300), nullable=False, server_default=""))
        op.execute(sa.text(f"UPDATE {table} SET source = REPLACE(source, ' (why)', '')"))


def downgrade() -> None:
    for table in ("tips", "quiz_questions"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("source_ar")
