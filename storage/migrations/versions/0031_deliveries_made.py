"""The messages made in the last days, read by the console's dashboard (what became of them, by channel):
an index on when each was made, holding what is counted (its status and channel, and whose it is), so that
counting a month's reads neither every message ever sent nor the messages themselves.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deliveries_made", "deliveries", ["created_at", "status", "channel", "beneficiary_id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_made", table_name="deliveries")
