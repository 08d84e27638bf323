"""Deliveries to imported contacts (an invitation to register), and contacts who sent STOP.

A delivery is for a registered family (beneficiary_id) or for a contact (contact_id), never both: each has its
own once-only key.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as table:
        table.alter_column("beneficiary_id", existing_type=sa.Integer(), nullable=True)
        table.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        table.create_foreign_key(
            "fk_deliveries_contact_id_contacts", "contacts", ["contact_id"], ["id"], ondelete="CASCADE"
        )
        table.create_unique_constraint("uq_deliveries_once_contact", ["kind", "source_id", "contact_id"])
        table.create_check_constraint(
            "ck_deliveries_one_recipient", "(beneficiary_id IS NULL) <> (contact_id IS NULL)"
        )
        table.create_index("ix_deliveries_contact_id", ["contact_id"])
    with op.batch_alter_table("contacts") as table:
        table.add_column(sa.Column("opted_out_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as table:
        table.drop_column("opted_out_at")
    op.execute("DELETE FROM deliveries WHERE contact_id IS NOT NULL")
    with op.batch_alter_table("deliveries") as table:
        table.drop_index("ix_deliveries_contact_id")
        table.drop_constraint("ck_deliveries_one_recipient", type_="check")
        table.drop_constraint("uq_deliveries_once_contact", type_="unique")
        table.drop_constraint("fk_deliveries_contact_id_contacts", type_="foreignkey")
        table.drop_column("contact_id")
        table.alter_column("beneficiary_id", existing_type=sa.Integer(), nullable=False)
