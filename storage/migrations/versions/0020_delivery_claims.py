"""Each claim of a delivery numbered apart from its attempts (`deliveries.claims`): a postponement gives an
attempt back, and a claim's token must never be used again.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as table:
        table.add_column(sa.Column("claims", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE deliveries SET claims = attempts")


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as table:
        table.drop_column("claims")
