"""Conversations remember when the person last wrote (WhatsApp's 24-hour window is counted from it).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as table:
        table.add_column(sa.Column("last_inbound_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE conversations SET last_inbound_at = updated_at")


def downgrade() -> None:
    with op.batch_alter_table("conversations") as table:
        table.drop_column("last_inbound_at")
