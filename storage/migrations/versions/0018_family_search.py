"""What staff search families by in the console: the name folded as the bot folds typing, and the last four
digits of the national ID, in indexed columns (filled here for the families registered already).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.text import fold

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("beneficiaries") as table:
        table.add_column(sa.Column("name_key", sa.String(200), nullable=False, server_default=""))
        table.add_column(sa.Column("national_id_tail", sa.String(4), nullable=False, server_default=""))
    connection = op.get_bind()
    families = sa.table(
        "beneficiaries",
        sa.column("id", sa.Integer()),
        sa.column("full_name", sa.String()),
        sa.column("national_id", sa.String()),
        sa.column("name_key", sa.String()),
        sa.column("national_id_tail", sa.String()),
    )
    rows = connection.execute(sa.select(families.c.id, families.c.full_name, families.c.national_id)).all()
    if rows:
        connection.execute(
            families.update().where(families.c.id == sa.bindparam("family")),
            [
                {
                    "family": row.id,
                    "name_key": fold(row.full_name)[:200],
                    "national_id_tail": row.national_id[-4:],
                }
                for row in rows
            ],
        )
    op.create_index("ix_beneficiaries_name_key", "beneficiaries", ["name_key"])
    op.create_index("ix_beneficiaries_national_id_tail", "beneficiaries", ["national_id_tail"])


def downgrade() -> None:
    op.drop_index("ix_beneficiaries_national_id_tail", table_name="beneficiaries")
    op.drop_index("ix_beneficiaries_name_key", table_name="beneficiaries")
    with op.batch_alter_table("beneficiaries") as table:
        table.drop_column("national_id_tail")
        table.drop_column("name_key")
