"""Ask the office: a family's questions to her office (`threads`) and what is said on them
(`thread_messages`: hers, with media by its platform's reference, her office's answers, staff's notes), and
the outbox's third kind of recipient, a thread (her office's answer, to where she wrote from).

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

TWO_RECIPIENTS = "(beneficiary_id IS NULL) <> (contact_id IS NULL)"
ONE_RECIPIENT = (
    " + ".join(
        f"(CASE WHEN {column} IS NULL THEN 0 ELSE 1 END)"
        for column in ("beneficiary_id", "contact_id", "thread_id")
    )
    + " = 1"
)


def upgrade() -> None:
    op.create_table(
        "threads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_code", sa.String(32), sa.ForeignKey("offices.code"), nullable=False),
        sa.Column(
            "family_id", sa.Integer(), sa.ForeignKey("beneficiaries.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column(
            "contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(16), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("assigned_staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("waiting_since", sa.DateTime(), nullable=True),
        sa.Column("first_answered_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_threads_inbox", "threads", ["office_code", "status", "waiting_since"])
    op.create_index("ix_threads_hers", "threads", ["channel", "address", "status"])
    op.create_index("ix_threads_family_id", "threads", ["family_id"])
    op.create_index("ix_threads_contact_id", "threads", ["contact_id"])
    op.create_table(
        "thread_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("thread_id", sa.Integer(), sa.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author", sa.String(8), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("media_kind", sa.String(16), nullable=True),
        sa.Column("media_reference", sa.String(500), nullable=True),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("media_size", sa.Integer(), nullable=True),
        sa.Column("media_name", sa.String(200), nullable=False),
        sa.Column("too_large", sa.Boolean(), nullable=False),
        sa.Column("unread", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_thread_messages_thread_id", "thread_messages", ["thread_id"])
    with op.batch_alter_table("deliveries") as table:
        table.add_column(sa.Column("thread_id", sa.Integer(), nullable=True))
        table.create_foreign_key(
            "fk_deliveries_thread_id_threads", "threads", ["thread_id"], ["id"], ondelete="CASCADE"
        )
        table.create_unique_constraint("uq_deliveries_once_thread", ["kind", "source_id", "thread_id"])
        table.drop_constraint("ck_deliveries_one_recipient", type_="check")
        table.create_check_constraint("ck_deliveries_one_recipient", ONE_RECIPIENT)
        table.create_index("ix_deliveries_thread_id", ["thread_id"])


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE thread_id IS NOT NULL")
    with op.batch_alter_table("deliveries") as table:
        table.drop_index("ix_deliveries_thread_id")
        table.drop_constraint("ck_deliveries_one_recipient", type_="check")
        table.create_check_constraint("ck_deliveries_one_recipient", TWO_RECIPIENTS)
        table.drop_constraint("uq_deliveries_once_thread", type_="unique")
        table.drop_constraint("fk_deliveries_thread_id_threads", type_="foreignkey")
        table.drop_column("thread_id")
    op.drop_table("thread_messages")
    op.drop_table("threads")
