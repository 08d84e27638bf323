"""Whether her chat shows Telegram's "share my number" keyboard: it stays under her messages until a message
removes it, so the turn after her number was given or typed says so (`conversations.engine.engine`).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as table:
        table.add_column(
            sa.Column("contact_keyboard", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("conversations") as table:
        table.drop_column("contact_keyboard")
