"""The browsers staff signed in from (`known_browsers`): a wrong try from a known browser is counted apart
from its network address, so that an office behind one public address is not locked out by one person's
guesses.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_browsers",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("last_signed_in_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_known_browsers_staff_id", "known_browsers", ["staff_id"])


def downgrade() -> None:
    op.drop_index("ix_known_browsers_staff_id", table_name="known_browsers")
    op.drop_table("known_browsers")
