"""Linkage system: lifecycle and SLA columns, optimistic version, accounts, tokens, sessions.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_RUNNING_SQL = "status IN ('accepted', 'dispatched', 'signed', 'in_progress', 'reopened')"
_TICKET_TIMES = ("dispatched_at", "warn_at", "warned_at", "sign_escalated_at", "escalated_at", "paused_at")


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("street", sa.String(64)))
        batch.add_column(sa.Column("grid", sa.String(64)))
        for name in _TICKET_TIMES:
            batch.add_column(sa.Column(name, sa.DateTime))
        batch.add_column(sa.Column("escalations", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("merged_into", sa.String(15)))
        batch.add_column(sa.Column("result", sa.Text))
        batch.add_column(sa.Column("rating", sa.Integer))
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
        batch.drop_index("ix_tickets_status")
        batch.create_index("ix_tickets_community", ["community"])
        batch.create_index("ix_tickets_status_due_at", ["status", "due_at"])
        batch.create_index("ix_tickets_department_status_due_at", ["department_code", "status", "due_at"])
        batch.create_index("ix_tickets_accepted_at", ["accepted_at"])
        batch.create_index(
            "ix_tickets_running_due_at",
            ["due_at", "id"],
            postgresql_where=sa.text(_RUNNING_SQL),
            sqlite_where=sa.text(_RUNNING_SQL),
        )
    with op.batch_alter_table("ticket_events") as batch:
        batch.add_column(sa.Column("actor_role", sa.String(16), nullable=False, server_default="system"))
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("department_code", sa.String(64), sa.ForeignKey("departments.code")),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("department_code", sa.String(64), sa.ForeignKey("departments.code")),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_table("web_sessions")
    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("ticket_events") as batch:
        batch.drop_column("actor_role")
    with op.batch_alter_table("tickets") as batch:
        for name in (
            "ix_tickets_running_due_at",
            "ix_tickets_accepted_at",
            "ix_tickets_department_status_due_at",
            "ix_tickets_status_due_at",
        ):
            batch.drop_index(name)
        batch.drop_index("ix_tickets_community")
        batch.create_index("ix_tickets_status", ["status"])
        for name in ("version", "rating", "result", "merged_into", "escalations", *_TICKET_TIMES, "grid", "street"):
            batch.drop_column(name)
