"""Food-safety tips and quizzes, useful services, daily-tip subscriptions, what each family has seen, quiz
results.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tip_topics",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name_ar", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "tips",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("topic_id", sa.String(32), sa.ForeignKey("tip_topics.id"), nullable=False),
        sa.Column("text_ar", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_tips_topic", "tips", ["topic_id", "position"])
    op.create_table(
        "quiz_questions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("topic_id", sa.String(32), sa.ForeignKey("tip_topics.id"), nullable=False),
        sa.Column("question_ar", sa.Text(), nullable=False),
        sa.Column("question_en", sa.Text(), nullable=False),
        sa.Column("options_ar", sa.JSON(), nullable=False),
        sa.Column("options_en", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Integer(), nullable=False),
        sa.Column("explain_ar", sa.Text(), nullable=False),
        sa.Column("explain_en", sa.Text(), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_quiz_questions_topic_id", "quiz_questions", ["topic_id"])
    op.create_table(
        "services",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name_ar", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("about_ar", sa.Text(), nullable=False),
        sa.Column("about_en", sa.Text(), nullable=False),
        sa.Column("how_ar", sa.Text(), nullable=False),
        sa.Column("how_en", sa.Text(), nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "tip_subscriptions",
        sa.Column(
            "beneficiary_id",
            sa.Integer(),
            sa.ForeignKey("beneficiaries.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
    )
    op.create_table(
        "tips_seen",
        sa.Column(
            "beneficiary_id",
            sa.Integer(),
            sa.ForeignKey("beneficiaries.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tip_id", sa.String(32), sa.ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "quiz_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "beneficiary_id",
            sa.Integer(),
            sa.ForeignKey("beneficiaries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("topic_id", sa.String(32), sa.ForeignKey("tip_topics.id"), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_quiz_results_family", "quiz_results", ["beneficiary_id", "topic_id"])


def downgrade() -> None:
    op.drop_index("ix_quiz_results_family", table_name="quiz_results")
    op.drop_table("quiz_results")
    op.drop_table("tips_seen")
    op.drop_table("tip_subscriptions")
    op.drop_table("services")
    op.drop_index("ix_quiz_questions_topic_id", table_name="quiz_questions")
    op.drop_table("quiz_questions")
    op.drop_index("ix_tips_topic", table_name="tips")
    op.drop_table("tips")
    op.drop_table("tip_topics")
