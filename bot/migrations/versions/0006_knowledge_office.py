"""Knowledge base: where to go (办理地点/咨询渠道) kept apart from the answer, so the bot can always say it.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("knowledge_articles") as table:
        table.add_column(sa.Column("office", sa.String(300), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("knowledge_articles") as table:
        table.drop_column("office")
