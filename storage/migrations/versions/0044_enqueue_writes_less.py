"""What retention has to empty, indexed only once finished (decision 0123): `ix_deliveries_to_empty` holds
the deliveries whose outcome is recorded and not yet emptied, so that an announcement's million pending rows
are not written into it (they enter it when they are sent, an update that writes every index's new entry
anyway).

Revision ID: 0044
Revises: 0041
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0044"
down_revision = "0043"
branch_labels = None
depends_on = None

EMPTIED_NOT = sa.text("emptied_at IS NULL")
FINISHED_NOT_EMPTIED = sa.text(
    "emptied_at IS NULL AND status IN ('sent', 'blocked', 'needs_template', 'failed', 'cancelled')"
)


def _to_empty(condition: sa.TextClause) -> None:
    op.drop_index("ix_deliveries_to_empty", table_name="deliveries")
    op.create_index(
        "ix_deliveries_to_empty",
        "deliveries",
        ["updated_at"],
        sqlite_where=condition,
        postgresql_where=condition,
    )


def upgrade() -> None:
    _to_empty(FINISHED_NOT_EMPTIED)


def downgrade() -> None:
    _to_empty(EMPTIED_NOT)
