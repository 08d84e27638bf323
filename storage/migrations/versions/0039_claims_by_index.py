"""A claim reads only what is due (decision 0118): the index of what is due holds the pending deliveries
alone, by kind, in the order they fall due and then by id (a million due at the same moment are still read in
order, a batch at a time), and a new index holds the claims under a lease, by when it runs out.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")
SENDING = sa.text("status = 'sending'")


def upgrade() -> None:
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["kind", "next_attempt_at", "id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index(
        "ix_deliveries_leased",
        "deliveries",
        ["claimed_until", "id"],
        sqlite_where=SENDING,
        postgresql_where=SENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_leased", table_name="deliveries")
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
