"""Foundation: offices (seeded), beneficiaries and their products, conversations, staff.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Times are stored as naive UTC (storage.models.UTCDateTime); a plain DateTime keeps this file independent
# of the models as they change.
UTC_TIME = sa.DateTime()

SEED_OFFICES = [
    {"code": "makkah", "name_ar": "مكة المكرمة", "name_en": "Makkah", "position": 1},
    {"code": "jumum", "name_ar": "الجموم", "name_en": "Al-Jumum", "position": 2},
    {"code": "jeddah", "name_ar": "جدة", "name_en": "Jeddah", "position": 3},
]


def upgrade() -> None:
    offices = op.create_table(
        "offices",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name_ar", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.bulk_insert(
        offices, [{**office, "timezone": "Asia/Riyadh", "active": True} for office in SEED_OFFICES]
    )

    op.create_table(
        "beneficiaries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("national_id", sa.String(10), nullable=False, unique=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("mobile", sa.String(16), nullable=False, unique=True),
        sa.Column("office_code", sa.String(32), sa.ForeignKey("offices.code"), nullable=False, index=True),
        sa.Column("health_certificate", sa.Boolean(), nullable=False),
        sa.Column("canteen_interest", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("consented_at", UTC_TIME, nullable=False),
        sa.Column("registered_at", UTC_TIME, nullable=False),
        sa.Column("verified_at", UTC_TIME, nullable=True),
    )
    op.create_table(
        "beneficiary_products",
        sa.Column(
            "beneficiary_id",
            sa.Integer(),
            sa.ForeignKey("beneficiaries.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("product", sa.String(32), primary_key=True, index=True),
    )
    op.create_table(
        "conversations",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("address", sa.String(64), primary_key=True),
        sa.Column(
            "beneficiary_id",
            sa.Integer(),
            sa.ForeignKey("beneficiaries.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("flow", sa.String(32), nullable=True),
        sa.Column("step", sa.String(32), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("offered", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("address", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("office_code", sa.String(32), sa.ForeignKey("offices.code"), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staff")
    op.drop_table("conversations")
    op.drop_table("beneficiary_products")
    op.drop_table("beneficiaries")
    op.drop_table("offices")
