"""What is due, and what most deliveries have not, indexed apart (decision 0118).

- A claim reads only what is due: `ix_deliveries_due` holds the pending deliveries alone, by kind, in the
  order they fall due and then by id (a million due at the same moment are still read in order, a batch at a
  time);
  `ix_deliveries_leased` holds the claims under a lease, by when it runs out.
- The recipients most deliveries have not (a contact, a thread, a staff member) and the platforms' ids are
  indexed only where a row has one, their "once" keys too: an announcement to a million writes none of them.
  The "once" key of a family's deliveries stays a unique constraint, as it was.

On SQLite the three "once" keys are constraints of the table: it is copied without them (foreign keys are off
while migrations run), and every index of the deliveries is made again after the copy, each with its own
condition.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")
SENDING = sa.text("status = 'sending'")
EMPTIED_NOT = sa.text("emptied_at IS NULL")
OTHER_RECIPIENTS = ("contact_id", "thread_id", "staff_id")
ONLY_SOME = (*OTHER_RECIPIENTS, "provider_message_id")
# Every index of the deliveries that the table's copy on SQLite would otherwise make again as it read it.
PLAIN = {
    "ix_deliveries_beneficiary_id": ["beneficiary_id"],
    "ix_deliveries_made": ["created_at", "status", "channel", "beneficiary_id"],
}


def _not_null(column: str) -> sa.TextClause:
    return sa.text(f"{column} IS NOT NULL")


def _drop_indexes(names: list[str]) -> None:
    for name in names:
        op.execute(f"DROP INDEX IF EXISTS {name}")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _drop_indexes(["ix_deliveries_due", *(f"ix_deliveries_{column}" for column in ONLY_SOME)])
    if sqlite:
        _drop_indexes(["ix_deliveries_to_empty", *PLAIN])
    with op.batch_alter_table("deliveries") as table:
        for column in OTHER_RECIPIENTS:
            table.drop_constraint(f"uq_deliveries_once_{column.removesuffix('_id')}", type_="unique")
    if sqlite:
        _drop_indexes(["ix_deliveries_to_empty", *PLAIN])  # as the copy made them again
        for name, columns in PLAIN.items():
            op.create_index(name, "deliveries", columns)
        op.create_index("ix_deliveries_to_empty", "deliveries", ["updated_at"], sqlite_where=EMPTIED_NOT)
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["kind", "next_attempt_at", "id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index(
        "ix_deliveries_leased",
        "deliveries",
        ["claimed_until", "id"],
        sqlite_where=SENDING,
        postgresql_where=SENDING,
    )
    for column in ONLY_SOME:
        not_null = _not_null(column)
        op.create_index(
            f"ix_deliveries_{column}",
            "deliveries",
            [column],
            sqlite_where=not_null,
            postgresql_where=not_null,
        )
    for column in OTHER_RECIPIENTS:
        not_null = _not_null(column)
        op.create_index(
            f"uq_deliveries_once_{column.removesuffix('_id')}",
            "deliveries",
            ["kind", "source_id", column],
            unique=True,
            sqlite_where=not_null,
            postgresql_where=not_null,
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _drop_indexes(
        [
            "ix_deliveries_leased",
            "ix_deliveries_due",
            *(f"ix_deliveries_{column}" for column in ONLY_SOME),
            *(f"uq_deliveries_once_{column.removesuffix('_id')}" for column in OTHER_RECIPIENTS),
        ]
    )
    if sqlite:
        _drop_indexes(["ix_deliveries_to_empty", *PLAIN])
    with op.batch_alter_table("deliveries") as table:
        for column in OTHER_RECIPIENTS:
            table.create_unique_constraint(
                f"uq_deliveries_once_{column.removesuffix('_id')}", ["kind", "source_id", column]
            )
    if sqlite:
        _drop_indexes(["ix_deliveries_to_empty", *PLAIN])
        for name, columns in PLAIN.items():
            op.create_index(name, "deliveries", columns)
        op.create_index("ix_deliveries_to_empty", "deliveries", ["updated_at"], sqlite_where=EMPTIED_NOT)
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    for column in ONLY_SOME:
        op.create_index(f"ix_deliveries_{column}", "deliveries", [column])
