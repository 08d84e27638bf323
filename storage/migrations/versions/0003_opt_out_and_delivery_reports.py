"""Beneficiaries can stop announcements (opted_out_at) and have a vouched-for mobile (mobile_verified_at);
delivery reports from Twilio are kept.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("beneficiaries") as table:
        table.add_column(sa.Column("opted_out_at", sa.DateTime(), nullable=True))
        table.add_column(sa.Column("mobile_verified_at", sa.DateTime(), nullable=True))
    op.create_table(
        "delivery_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("provider_message_id", sa.String(64), nullable=False, index=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("error_code", sa.String(16), nullable=True),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("delivery_reports")
    with op.batch_alter_table("beneficiaries") as table:
        table.drop_column("mobile_verified_at")
        table.drop_column("opted_out_at")
