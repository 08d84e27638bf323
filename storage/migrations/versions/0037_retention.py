"""Retention (decision 0116): what has no further purpose is purged by one scheduled job, in batches, each
found by an index that holds only what is left to purge:

- a delivery keeps its outcome and loses what it said and where it went (`emptied_at`; the index of those
  not emptied yet, by when their outcome was recorded);
- a message on a thread loses the reference to her file once the thread is long closed (the index of the
  messages that still hold one);
- a contact's number is never given again on SQLite (AUTOINCREMENT), since the audit log still names her by
  it once she is forgotten. PostgreSQL's sequences never give a number twice already.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

EMPTIED_NOT = sa.text("emptied_at IS NULL")
A_FILE = sa.text("media_reference IS NOT NULL")


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("emptied_at", sa.DateTime(), nullable=True))  # no copy of the table
    op.create_index(
        "ix_deliveries_to_empty",
        "deliveries",
        ["updated_at"],
        sqlite_where=EMPTIED_NOT,
        postgresql_where=EMPTIED_NOT,
    )
    op.create_index(
        "ix_thread_messages_files",
        "thread_messages",
        ["thread_id"],
        sqlite_where=A_FILE,
        postgresql_where=A_FILE,
    )
    if op.get_bind().dialect.name == "sqlite":
        # Migrations run with foreign keys off (decision 0113): the copy keeps what points at a contact.
        with op.batch_alter_table("contacts", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "contacts", recreate="always", table_kwargs={"sqlite_autoincrement": False}
        ):
            pass
    op.drop_index("ix_thread_messages_files", table_name="thread_messages")
    op.drop_index("ix_deliveries_to_empty", table_name="deliveries")
    with op.batch_alter_table("deliveries") as table:
        table.drop_column("emptied_at")
