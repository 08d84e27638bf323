"""How families reach their office (phone, WhatsApp, address, map, opening hours as data), and which offices a
useful service is for.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The shipped services that are one region's (the loader never overwrites a row it finds).
SHIPPED_FOR = {"chamber": "makkah jumum", "municipality": "makkah jumum", "education": "makkah jumum",
               "labour-jeddah": "jeddah"}  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("offices") as batch:
        for name, kind in (
            ("phone", sa.String(20)),
            ("whatsapp", sa.String(20)),
            ("address_ar", sa.Text()),
            ("address_en", sa.Text()),
            ("map_url", sa.String(500)),
            ("hours_note_ar", sa.Text()),
            ("hours_note_en", sa.Text()),
        ):
            batch.add_column(sa.Column(name, kind, nullable=False, server_default=""))
        batch.add_column(sa.Column("hours", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("phone", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("offices", sa.String(200), nullable=False, server_default=""))
    connection = op.get_bind()
    for service, offices in SHIPPED_FOR.items():
        connection.execute(
            sa.text("UPDATE services SET offices = :offices WHERE id = :id"),
            {"offices": offices, "id": service},
        )


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("offices")
        batch.drop_column("phone")
    with op.batch_alter_table("offices") as batch:
        for name in ("hours", "hours_note_en", "hours_note_ar", "map_url", "address_en", "address_ar"):
            batch.drop_column(name)
        batch.drop_column("whatsapp")
        batch.drop_column("phone")
