"""Office actions: the audit log; staff removed keep their row; a registration's correction asked; each
canteen decision its own row (the source of the message that told her); events' calendar files at an address
that cannot be guessed.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

CANTEEN_KINDS = ("canteen_shortlisted", "canteen_accepted", "canteen_rejected")


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("removed_at", sa.DateTime(), nullable=True))
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("office_code", sa.String(32), nullable=True),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("target", sa.String(24), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("by_family", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_office", "audit_log", ["office_code", "at"])
    op.create_index("ix_audit_log_staff", "audit_log", ["staff_id", "at"])
    op.create_index("ix_audit_log_target", "audit_log", ["target", "target_id"])
    with op.batch_alter_table("beneficiaries") as batch:
        batch.add_column(sa.Column("correction_asked_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("correction_reason", sa.Text(), nullable=True))
    _canteen_decisions()
    _calendar_keys()


def _canteen_decisions() -> None:
    """Each decision already told becomes a decision row, and its delivery names that row."""
    op.create_table(
        "canteen_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id",
            sa.Integer(),
            sa.ForeignKey("canteen_applications.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_canteen_decisions_application_id", "canteen_decisions", ["application_id"])
    connection = op.get_bind()
    told = connection.execute(
        sa.text(
            "SELECT d.id, d.kind, d.created_at, a.id, a.reason, a.decided_by FROM deliveries d"
            " JOIN canteen_applications a ON a.id = d.source_id"
            " WHERE d.kind IN ('canteen_shortlisted', 'canteen_accepted', 'canteen_rejected')"
            " AND a.beneficiary_id = d.beneficiary_id ORDER BY d.id"
        )
    ).all()
    for delivery_id, kind, created_at, application_id, reason, decided_by in told:
        status = kind.removeprefix("canteen_")
        decision_id = connection.execute(
            sa.text(
                "INSERT INTO canteen_decisions (application_id, status, reason, decided_by, decided_at)"
                " VALUES (:application, :status, :reason, :by, :at) RETURNING id"
            ),
            {
                "application": application_id,
                "status": status,
                "reason": reason if status == "rejected" else None,
                "by": decided_by or "operator",
                "at": created_at,  # as the database gave it
            },
        ).scalar_one()
        connection.execute(
            sa.text("UPDATE deliveries SET source_id = :decision WHERE id = :delivery"),
            {"decision": decision_id, "delivery": delivery_id},
        )


def _calendar_keys() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("calendar_key", sa.String(32), nullable=True))
        batch.add_column(
            sa.Column("calendar_by_number", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    connection = op.get_bind()
    for (event_id,) in connection.execute(sa.text("SELECT id FROM events")).all():
        connection.execute(
            sa.text("UPDATE events SET calendar_key = :key WHERE id = :id"),
            {"key": secrets.token_urlsafe(16), "id": event_id},
        )
    # Links by number may have been sent for the events already invited: they keep working.
    connection.execute(sa.text("UPDATE events SET calendar_by_number = invited_at IS NOT NULL"))
    with op.batch_alter_table("events") as batch:
        batch.alter_column("calendar_key", existing_type=sa.String(32), nullable=False)
        batch.alter_column("calendar_by_number", server_default=None)
        batch.create_unique_constraint("uq_events_calendar_key", ["calendar_key"])


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("uq_events_calendar_key", type_="unique")
        batch.drop_column("calendar_by_number")
        batch.drop_column("calendar_key")
    connection = op.get_bind()
    told = connection.execute(
        sa.text(
            "SELECT d.id, d.kind, d.beneficiary_id, c.application_id FROM deliveries d"
            " JOIN canteen_decisions c ON c.id = d.source_id"
            " WHERE d.kind IN ('canteen_shortlisted', 'canteen_accepted', 'canteen_rejected') ORDER BY d.id"
        )
    ).all()
    kept = set()
    for delivery_id, kind, family, application_id in told:  # before decisions had rows, one per kind
        if (kind, family, application_id) in kept:
            connection.execute(sa.text("DELETE FROM deliveries WHERE id = :id"), {"id": delivery_id})
        else:
            kept.add((kind, family, application_id))
            connection.execute(
                sa.text("UPDATE deliveries SET source_id = :application WHERE id = :id"),
                {"application": application_id, "id": delivery_id},
            )
    op.drop_table("canteen_decisions")
    with op.batch_alter_table("beneficiaries") as batch:
        batch.drop_column("correction_reason")
        batch.drop_column("correction_asked_at")
    op.drop_table("audit_log")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("removed_at")
