"""Chat handoff (人工转接): handoffs and their transcript, whose clerk lines are also a delivery outbox.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OPEN_SQL = "state <> 'closed'"
PENDING_SQL = "intent IS NOT NULL AND sent_at IS NULL AND given_up_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("operator", sa.String(64)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("taken_at", sa.DateTime),
        sa.Column("closed_at", sa.DateTime),
        sa.Column("closed_by", sa.String(64)),
        sa.Column("last_resident_at", sa.DateTime, nullable=False),
        sa.Column("ticket_number", sa.String(15)),
    )
    op.create_index(
        "uq_handoffs_open_sender",
        "handoffs",
        ["sender_id"],
        unique=True,
        postgresql_where=sa.text(OPEN_SQL),
        sqlite_where=sa.text(OPEN_SQL),
    )
    op.create_index("ix_handoffs_state_created_at", "handoffs", ["state", "created_at"])
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("operator", sa.String(64)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("intent", sa.String(48)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime),
        sa.Column("claimed_until", sa.DateTime),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("given_up_at", sa.DateTime),
        sa.Column("last_error", sa.String(500)),
    )
    op.create_index("ix_handoff_messages_handoff_id_id", "handoff_messages", ["handoff_id", "id"])
    op.create_index(
        "ix_handoff_messages_pending",
        "handoff_messages",
        ["id"],
        postgresql_where=sa.text(PENDING_SQL),
        sqlite_where=sa.text(PENDING_SQL),
    )


def downgrade() -> None:
    op.drop_table("handoff_messages")
    op.drop_index("ix_handoffs_state_created_at", table_name="handoffs")
    op.drop_index("uq_handoffs_open_sender", table_name="handoffs")
    op.drop_table("handoffs")
