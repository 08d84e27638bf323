"""School-canteen opportunities and the families' applications.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "canteen_opportunities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("school_name", sa.String(200), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("girls", sa.Boolean(), nullable=False),
        sa.Column("district", sa.String(200), nullable=False),
        sa.Column("office_code", sa.String(32), sa.ForeignKey("offices.code"), nullable=False),
        sa.Column("students", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("requirements", sa.Text(), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_canteens_open", "canteen_opportunities", ["closed_at", "deadline"])
    op.create_index("ix_canteen_opportunities_office_code", "canteen_opportunities", ["office_code"])
    op.create_table(
        "canteen_applications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "opportunity_id",
            sa.Integer(),
            sa.ForeignKey("canteen_opportunities.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "beneficiary_id",
            sa.Integer(),
            sa.ForeignKey("beneficiaries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.UniqueConstraint("opportunity_id", "beneficiary_id", name="uq_canteen_applications_once"),
    )
    op.create_index("ix_canteen_applications_beneficiary_id", "canteen_applications", ["beneficiary_id"])


def downgrade() -> None:
    op.drop_index("ix_canteen_applications_beneficiary_id", table_name="canteen_applications")
    op.drop_table("canteen_applications")
    op.drop_index("ix_canteen_opportunities_office_code", table_name="canteen_opportunities")
    op.drop_index("ix_canteens_open", table_name="canteen_opportunities")
    op.drop_table("canteen_opportunities")
