"""The terminal chat's channel is called "terminal" (it was "console"), so that "console" names the web
console alone: the rows that name the channel are renamed.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

TABLES = ("conversations", "delivery_reports", "seen_messages", "channel_paces", "deliveries")


def _rename(old: str, new: str) -> None:
    for table in TABLES:
        op.execute(f"UPDATE {table} SET channel = '{new}' WHERE channel = '{old}'")


def upgrade() -> None:
    _rename("console", "terminal")


def downgrade() -> None:
    _rename("terminal", "console")
