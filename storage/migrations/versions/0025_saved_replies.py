"""Saved replies: answers an office's staff give often, in Arabic and English (`saved_replies`).

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_code", sa.String(32), sa.ForeignKey("offices.code"), nullable=False),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("text_ar", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_saved_replies_office_code", "saved_replies", ["office_code"])


def downgrade() -> None:
    op.drop_index("ix_saved_replies_office_code", table_name="saved_replies")
    op.drop_table("saved_replies")
