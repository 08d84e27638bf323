"""The families waiting for their office to verify them, indexed apart (a partial index): the console counts
them above its list, and the staff chat lists them oldest first.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

WAITING = sa.text("verified_at IS NULL AND correction_asked_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_beneficiaries_waiting",
        "beneficiaries",
        ["office_code", "registered_at"],
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )


def downgrade() -> None:
    op.drop_index("ix_beneficiaries_waiting", table_name="beneficiaries")
