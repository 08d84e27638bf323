"""The outbox's fourth kind of recipient, a staff member (in the staff chat): a family's question unanswered
for too many of the office's working hours is said to its staff, once.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def _one_of(columns: tuple[str, ...]) -> str:
    return " + ".join(f"(CASE WHEN {column} IS NULL THEN 0 ELSE 1 END)" for column in columns) + " = 1"


THREE = ("beneficiary_id", "contact_id", "thread_id")
FOUR = (*THREE, "staff_id")


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as table:
        table.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        table.create_foreign_key(
            "fk_deliveries_staff_id_staff", "staff", ["staff_id"], ["id"], ondelete="CASCADE"
        )
        table.create_unique_constraint("uq_deliveries_once_staff", ["kind", "source_id", "staff_id"])
        table.drop_constraint("ck_deliveries_one_recipient", type_="check")
        table.create_check_constraint("ck_deliveries_one_recipient", _one_of(FOUR))
        table.create_index("ix_deliveries_staff_id", ["staff_id"])


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE staff_id IS NOT NULL")
    with op.batch_alter_table("deliveries") as table:
        table.drop_index("ix_deliveries_staff_id")
        table.drop_constraint("ck_deliveries_one_recipient", type_="check")
        table.create_check_constraint("ck_deliveries_one_recipient", _one_of(THREE))
        table.drop_constraint("uq_deliveries_once_staff", type_="unique")
        table.drop_constraint("fk_deliveries_staff_id_staff", type_="foreignkey")
        table.drop_column("staff_id")
