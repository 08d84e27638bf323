"""A family's, a question's and an application's number is never given to another once she deletes her data:
SQLite gives the highest number again unless the table is AUTOINCREMENT (PostgreSQL's sequences never do), and
staff screens, the staff chat and the audit log name them by number (decision 0117).

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

TABLES = ("beneficiaries", "threads", "canteen_applications")


def _autoincrement(on: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TABLES:
        # Migrations run with foreign keys off (decision 0113): the copy keeps what points at its rows.
        with op.batch_alter_table(name, recreate="always", table_kwargs={"sqlite_autoincrement": on}):
            pass


def upgrade() -> None:
    _autoincrement(True)


def downgrade() -> None:
    _autoincrement(False)
