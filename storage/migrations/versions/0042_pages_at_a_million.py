"""The console's pages and office actions at a million families (issue 30, decision 0121):
- a chat's unsaved answers keep the look-up keys of the numbers they hold (`conversations.answers_keys`), so
  that deleting her data, or her copy of it, finds a registration she began elsewhere without opening every
  draft; drafts saved before are opened as before (None) until they are saved again;
- indexes for what the pages read at that size (see each below).

Revision ID: 0042
Revises: 0038
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0042"
down_revision = "0038"
branch_labels = None
depends_on = None

# (name, table, columns): each described where the model declares it (storage/models.py).
INDEXES: list[tuple[str, str, list[str]]] = [
    ("ix_threads_office_closed", "threads", ["office_code", "status", "closed_at", "id"]),
    ("ix_threads_by_status", "threads", ["status", "closed_at", "id"]),
    ("ix_threads_opened", "threads", ["opened_at"]),
]
# On an office's list (not taken off it), as the list reads them: the newest first.
LISTED: list[tuple[str, list[str]]] = [
    ("ix_contacts_office_listed", ["office_code", "imported_at", "id"]),
    ("ix_contacts_listed", ["imported_at", "id"]),
]
ON_THE_LIST = sa.text("removed_at IS NULL")


def upgrade() -> None:
    op.add_column(
        "conversations", sa.Column("answers_keys", sa.Text(), nullable=True)
    )  # no copy of the table
    for name, table_name, columns in INDEXES:
        op.create_index(name, table_name, columns)
    for name, columns in LISTED:
        op.create_index(name, "contacts", columns, sqlite_where=ON_THE_LIST, postgresql_where=ON_THE_LIST)


def downgrade() -> None:
    for name, _ in reversed(LISTED):
        op.drop_index(name, table_name="contacts")
    for name, table_name, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table_name)
    with op.batch_alter_table("conversations") as table:
        table.drop_column("answers_keys")
