"""Contacts: families an office imported from its lists, not yet registered through the bot.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("national_id", sa.String(10), nullable=False, unique=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("mobile", sa.String(16), nullable=False, unique=True),
        sa.Column("office_code", sa.String(32), sa.ForeignKey("offices.code"), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("contacts")
