"""Families on an office's imported list, searched by name in the console as registered families are (her
name folded, in an indexed column, filled here for those imported already), and taken off the list without
being forgotten, so that staff can put her back (`removed_at`; decision 0111).

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.text import fold

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as table:
        table.add_column(sa.Column("name_key", sa.String(200), nullable=False, server_default=""))
        table.add_column(sa.Column("removed_at", sa.DateTime(), nullable=True))
    connection = op.get_bind()
    contacts = sa.table(
        "contacts",
        sa.column("id", sa.Integer()),
        sa.column("full_name", sa.String()),
        sa.column("name_key", sa.String()),
    )
    rows = connection.execute(sa.select(contacts.c.id, contacts.c.full_name)).all()
    if rows:
        connection.execute(
            contacts.update().where(contacts.c.id == sa.bindparam("contact")),
            [{"contact": row.id, "name_key": fold(row.full_name)[:200]} for row in rows],
        )
    op.create_index("ix_contacts_name_key", "contacts", ["name_key"])
    op.create_index("ix_contacts_office_code_removed_at", "contacts", ["office_code", "removed_at"])


def downgrade() -> None:
    op.drop_index("ix_contacts_office_code_removed_at", table_name="contacts")
    op.drop_index("ix_contacts_name_key", table_name="contacts")
    with op.batch_alter_table("contacts") as table:
        table.drop_column("removed_at")
        table.drop_column("name_key")
