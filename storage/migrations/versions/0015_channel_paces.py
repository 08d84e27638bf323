"""One pace for each channel, shared by every worker through the database (`channel_paces`).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_paces",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("next_send_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("channel_paces")
