"""Staff sign in to the web console: a login and a password for a staff member (her chat address is now
optional), console sessions, and the failed sign-ins that slow and lock the next tries.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as table:
        table.alter_column("address", existing_type=sa.String(64), nullable=True)
        table.add_column(sa.Column("login", sa.String(64), nullable=True))
        table.add_column(sa.Column("password_hash", sa.String(255), nullable=True))
        table.create_unique_constraint("uq_staff_login", ["login"])
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_console_sessions_staff_id", "console_sessions", ["staff_id"])
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("remote", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_sign_in_failures_login", "sign_in_failures", ["login", "at"])
    op.create_index("ix_sign_in_failures_from", "sign_in_failures", ["remote", "at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_from", table_name="sign_in_failures")
    op.drop_index("ix_sign_in_failures_login", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
    op.drop_index("ix_console_sessions_staff_id", table_name="console_sessions")
    op.drop_table("console_sessions")
    with op.batch_alter_table("staff") as table:
        table.drop_constraint("uq_staff_login", type_="unique")
        table.drop_column("password_hash")
        table.drop_column("login")
        table.alter_column("address", existing_type=sa.String(64), nullable=False)
