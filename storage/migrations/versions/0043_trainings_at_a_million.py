"""The trainings at a million families (issue 30, decision 0124): each guest row carries her family's office
(`event_guests.office_code`), filled here from the families and kept in step by the code that adds guests or
moves a family to another office, so that an office's part of a training's guests is counted and listed from
the guest rows alone (5,000 guests a training were joined to their families for the office: 942 ms for the
trainings' page on PostgreSQL).

Revision ID: 0043
Revises: 0041
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0043"
down_revision = "0041"
branch_labels = None
depends_on = None

FILL = (
    "UPDATE event_guests SET office_code ="
    " (SELECT office_code FROM beneficiaries WHERE beneficiaries.id = event_guests.beneficiary_id)"
)


def upgrade() -> None:
    op.add_column("event_guests", sa.Column("office_code", sa.String(32), nullable=True))
    op.execute(FILL)
    with op.batch_alter_table("event_guests") as table:  # not beneficiaries: no trigger of theirs is dropped
        table.alter_column("office_code", existing_type=sa.String(32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("event_guests") as table:
        table.drop_column("office_code")
