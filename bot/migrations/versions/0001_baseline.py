"""Baseline: the schema of the first resident-complaint slice (tickets, events, departments).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
    )
    op.create_table(
        "daily_sequences",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(15), nullable=False, unique=True),
        sa.Column("idempotency_key", sa.String(128), unique=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("appeal_type", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("category_confidence", sa.Float, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("address", sa.String(256), nullable=False),
        sa.Column("address_full", sa.String(300), nullable=False),
        sa.Column("community", sa.String(64)),
        sa.Column("occurred_at", sa.String(128)),
        sa.Column("contact_phone", sa.String(32)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("department_code", sa.String(64), sa.ForeignKey("departments.code"), nullable=False),
        sa.Column("accepted_at", sa.DateTime, nullable=False),
        sa.Column("sign_due_at", sa.DateTime, nullable=False),
        sa.Column("due_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_tickets_sender_id", "tickets", ["sender_id"])
    op.create_index("ix_tickets_category", "tickets", ["category"])
    op.create_index("ix_tickets_status", "tickets", ["status"])
    op.create_index("ix_tickets_department_code", "tickets", ["department_code"])
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(16)),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("department_code", sa.String(64), sa.ForeignKey("departments.code")),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
    )
    op.create_index("ix_ticket_events_ticket_id", "ticket_events", ["ticket_id"])


def downgrade() -> None:
    op.drop_table("ticket_events")
    op.drop_table("tickets")
    op.drop_table("daily_sequences")
    op.drop_table("departments")
