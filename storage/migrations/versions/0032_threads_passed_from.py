"""A question passed to another office remembers the office that passed it, who there passed it and when:
that office still reads it, read-only.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("threads") as table:
        table.add_column(sa.Column("passed_from", sa.String(32), nullable=True))
        table.add_column(sa.Column("passed_by_staff_id", sa.Integer(), nullable=True))
        table.add_column(sa.Column("passed_at", sa.DateTime(), nullable=True))
        table.create_foreign_key("fk_threads_passed_from_offices", "offices", ["passed_from"], ["code"])
        table.create_foreign_key(
            "fk_threads_passed_by_staff_id_staff", "staff", ["passed_by_staff_id"], ["id"]
        )
        table.create_index("ix_threads_passed_from", ["passed_from"])


def downgrade() -> None:
    with op.batch_alter_table("threads") as table:
        table.drop_index("ix_threads_passed_from")
        table.drop_constraint("fk_threads_passed_by_staff_id_staff", type_="foreignkey")
        table.drop_constraint("fk_threads_passed_from_offices", type_="foreignkey")
        table.drop_column("passed_at")
        table.drop_column("passed_by_staff_id")
        table.drop_column("passed_from")
