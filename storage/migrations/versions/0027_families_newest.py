"""The registered families newest first, indexed (of all offices, and of each office): the console's list
opens on its first page without sorting every family.

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_beneficiaries_newest", "beneficiaries", ["registered_at", "id"])
    op.create_index("ix_beneficiaries_office_newest", "beneficiaries", ["office_code", "registered_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_beneficiaries_office_newest", table_name="beneficiaries")
    op.drop_index("ix_beneficiaries_newest", table_name="beneficiaries")
