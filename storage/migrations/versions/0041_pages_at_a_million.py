"""The console's pages and office actions at a million families (issue 30, decision 0121):
- a chat's unsaved answers keep the look-up keys of the numbers they hold (`conversations.answers_keys`), so
  that deleting her data, or her copy of it, finds a registration she began elsewhere without opening every
  draft: kept here for the chats linked to no family (opened once, under the process's keys); a linked one
  gets them at its next save;
- indexes for what the pages read at that size (see each below).

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-07
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.sealing import NoKey, keyring

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

# (name, table, columns): each described where the model declares it (storage/models.py).
INDEXES: list[tuple[str, str, list[str]]] = [
    ("ix_threads_office_closed", "threads", ["office_code", "status", "closed_at", "id"]),
    ("ix_threads_by_status", "threads", ["status", "closed_at", "id"]),
    ("ix_threads_opened", "threads", ["opened_at"]),
    (
        "ix_conversations_drafts",
        "conversations",
        ["beneficiary_id", "answers_keys", "channel", "address_key"],
    ),
    ("ix_conversations_address_key", "conversations", ["address_key"]),
]
# On an office's list (not taken off it), as the list reads them: the newest first.
LISTED: list[tuple[str, list[str]]] = [
    ("ix_contacts_office_listed", ["office_code", "imported_at", "id"]),
    ("ix_contacts_listed", ["imported_at", "id"]),
]
ON_THE_LIST = sa.text("removed_at IS NULL")


def _numbers_in(answers: Any) -> set[str]:
    """The numbers (digits, and a leading +) among her answers, as `storage.conversations` finds them."""
    if isinstance(answers, dict):
        return set().union(*(_numbers_in(value) for value in answers.values()))
    if isinstance(answers, list):
        return set().union(*(_numbers_in(value) for value in answers))
    if isinstance(answers, str) and answers.removeprefix("+").isdigit():
        return {answers}
    return set()


def _keep_draft_keys() -> None:
    """Each unlinked chat's draft opened once, and the keys of the numbers it holds kept beside it."""
    ring, connection = keyring(), op.get_bind()
    table = sa.table(
        "conversations",
        sa.column("channel", sa.String()),
        sa.column("address_key", sa.String()),
        sa.column("beneficiary_id", sa.Integer()),
        sa.column("answers", sa.Text()),
        sa.column("answers_keys", sa.Text()),
    )
    unlinked = sa.select(table.c.channel, table.c.address_key, table.c.answers)
    kept = []
    for channel, address_key, sealed in connection.execute(unlinked.where(table.c.beneficiary_id.is_(None))):
        try:
            answers = json.loads(ring.open_text(sealed, b"conversations.answers")) if sealed else {}
        except (NoKey, ValueError):
            continue  # not one this process opens: left as drafts saved before were (opened when read)
        keys = "".join(f"{ring.key_of(value)} " for value in sorted(_numbers_in(answers)))
        kept.append({"k_channel": channel, "k_address": address_key, "answers_keys": keys})
    if kept:
        at = (table.c.channel == sa.bindparam("k_channel"), table.c.address_key == sa.bindparam("k_address"))
        connection.execute(table.update().where(*at).values(answers_keys=sa.bindparam("answers_keys")), kept)


def upgrade() -> None:
    op.add_column("conversations", sa.Column("answers_keys", sa.Text(), nullable=True))  # no copy of it
    _keep_draft_keys()
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
