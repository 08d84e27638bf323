"""A staff member's full name, as people read it (`StaffMember.name`); those added before have none, and are
named by their login until an admin gives one.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as table:
        table.add_column(sa.Column("full_name", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff") as table:
        table.drop_column("full_name")
