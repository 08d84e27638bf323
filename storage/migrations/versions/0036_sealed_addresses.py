"""The addresses families write from (on WhatsApp, her mobile) sealed at rest: a conversation and a thread
are found by the address's look-up key; what the outbox sent keeps the address sealed (decision 0114).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07
"""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic import op

from storage.sealing import keyring

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

BATCH = 5000


def _seal_addresses(name: str, key: str, with_key: bool) -> None:
    """Each row's address sealed into `address_sealed` (and its look-up key into `address_key`)."""
    ring, connection = keyring(), op.get_bind()
    table = sa.table(
        name,
        sa.column(key, sa.String()),
        sa.column("address", sa.String()),
        sa.column("address_sealed", sa.Text()),
        sa.column("address_key", sa.String()),
    )
    purpose = f"{name}.address".encode()
    rows = connection.execute(
        sa.select(table.c[key], table.c.address).where(table.c.address.is_not(None))
    ).all()
    for start in range(0, len(rows), BATCH):
        values = []
        for row in rows[start : start + BATCH]:
            value = {"k": row[0], "address_sealed": ring.seal_text(row.address.encode(), purpose)}
            if with_key:
                value["address_key"] = ring.key_of(row.address)
            values.append(value)
        connection.execute(table.update().where(table.c[key] == sa.bindparam("k")), values)


def _open_addresses(name: str, key: str) -> None:
    ring, connection = keyring(), op.get_bind()
    table = sa.table(
        name,
        sa.column(key, sa.String()),
        sa.column("address", sa.String()),
        sa.column("address_sealed", sa.Text()),
    )
    purpose = f"{name}.address".encode()
    rows = connection.execute(
        sa.select(table.c[key], table.c.address_sealed).where(table.c.address_sealed.is_not(None))
    ).all()
    if rows:
        connection.execute(
            table.update().where(table.c[key] == sa.bindparam("k")),
            [{"k": row[0], "address": ring.open_text(row.address_sealed, purpose).decode()} for row in rows],
        )


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    # Conversations: the look-up key takes the address's place in the primary key.
    with op.batch_alter_table("conversations") as table:
        table.add_column(sa.Column("address_key", sa.String(32), nullable=True))
        table.add_column(sa.Column("address_sealed", sa.Text(), nullable=True))
    connection = op.get_bind()
    conversations = sa.table(
        "conversations",
        sa.column("channel", sa.String()),
        sa.column("address", sa.String()),
        sa.column("address_sealed", sa.Text()),
        sa.column("address_key", sa.String()),
    )
    ring = keyring()
    rows = connection.execute(sa.select(conversations.c.channel, conversations.c.address)).all()
    for start in range(0, len(rows), BATCH):
        connection.execute(
            conversations.update().where(
                conversations.c.channel == sa.bindparam("k_channel"),
                conversations.c.address == sa.bindparam("k_address"),
            ),
            [
                {
                    "k_channel": row.channel,
                    "k_address": row.address,
                    "address_key": ring.key_of(row.address),
                    "address_sealed": ring.seal_text(row.address.encode(), b"conversations.address"),
                }
                for row in rows[start : start + BATCH]
            ],
        )
    if postgresql:
        op.drop_constraint("conversations_pkey", "conversations", type_="primary")
    # SQLite's batch copy warns that the primary key moves, which is what this does (the resulting table is
    # checked against the models by tests/storage/test_migrations.py).
    with warnings.catch_warnings(), op.batch_alter_table("conversations") as table:
        warnings.filterwarnings("ignore", "Table '_alembic_tmp_conversations' specifies columns")
        table.alter_column("address_key", nullable=False, existing_type=sa.String(32))
        table.alter_column("address_sealed", nullable=False, existing_type=sa.Text())
        table.create_primary_key("conversations_pkey", ["channel", "address_key"])
        table.drop_column("address")

    op.drop_index("ix_threads_hers", table_name="threads")
    with op.batch_alter_table("threads") as table:
        table.add_column(sa.Column("address_key", sa.String(32), nullable=True))
        table.add_column(sa.Column("address_sealed", sa.Text(), nullable=True))
    _seal_addresses("threads", "id", with_key=True)
    with op.batch_alter_table("threads") as table:
        table.drop_column("address")
        table.alter_column("address_key", nullable=False, existing_type=sa.String(32))
        table.alter_column("address_sealed", nullable=False, existing_type=sa.Text())
    op.create_index("ix_threads_hers", "threads", ["channel", "address_key", "status"])

    with op.batch_alter_table("deliveries") as table:
        table.add_column(sa.Column("address_sealed", sa.Text(), nullable=True))
    _seal_addresses("deliveries", "id", with_key=False)
    with op.batch_alter_table("deliveries") as table:
        table.drop_column("address")


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as table:
        table.add_column(sa.Column("address", sa.String(64), nullable=True))
    _open_addresses("deliveries", "id")
    with op.batch_alter_table("deliveries") as table:
        table.drop_column("address_sealed")

    op.drop_index("ix_threads_hers", table_name="threads")
    with op.batch_alter_table("threads") as table:
        table.add_column(sa.Column("address", sa.String(64), nullable=True))
    _open_addresses("threads", "id")
    with op.batch_alter_table("threads") as table:
        table.drop_column("address_sealed")
        table.drop_column("address_key")
        table.alter_column("address", nullable=False, existing_type=sa.String(64))
    op.create_index("ix_threads_hers", "threads", ["channel", "address", "status"])

    with op.batch_alter_table("conversations") as table:
        table.add_column(sa.Column("address", sa.String(64), nullable=True))
    _open_addresses("conversations", "address_key")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("conversations_pkey", "conversations", type_="primary")
    with warnings.catch_warnings(), op.batch_alter_table("conversations") as table:
        warnings.filterwarnings("ignore", "Table '_alembic_tmp_conversations' specifies columns")
        table.alter_column("address", nullable=False, existing_type=sa.String(64))
        table.create_primary_key("conversations_pkey", ["channel", "address"])
        table.drop_column("address_sealed")
        table.drop_column("address_key")
