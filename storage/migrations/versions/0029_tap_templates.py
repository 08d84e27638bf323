"""The content templates of WhatsApp's taps, made once in Twilio for each shape (quick replies of one to
three buttons, lists of one to ten items): their SIDs (`storage.tap_templates`).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tap_templates",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("sid", sa.String(34), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),  # naive UTC, as storage.models.UTCDateTime
    )


def downgrade() -> None:
    op.drop_table("tap_templates")
