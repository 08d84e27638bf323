"""A claim reads only what is due (decision 0118): the index of what is due holds the pending deliveries
alone, by kind, in the order they fall due and then by id (a million due at the same moment are still read in
order, a batch at a time), and a new index holds the claims under a lease, by when it runs out. The indexes of
the recipients most deliveries have not (a contact, a thread, a staff member) and of the platforms' ids hold
only the rows that have one: an announcement to a million writes none of them.

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
ONLY_SOME = ("contact_id", "thread_id", "staff_id", "provider_message_id")


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
    for column in ONLY_SOME:
        name = f"ix_deliveries_{column}"
        not_null = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name="deliveries")
        op.create_index(name, "deliveries", [column], sqlite_where=not_null, postgresql_where=not_null)


def downgrade() -> None:
    for column in ONLY_SOME:
        op.drop_index(f"ix_deliveries_{column}", table_name="deliveries")
        op.create_index(f"ix_deliveries_{column}", "deliveries", [column])
    op.drop_index("ix_deliveries_leased", table_name="deliveries")
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
