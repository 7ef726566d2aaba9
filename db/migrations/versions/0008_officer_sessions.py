"""Officer sessions kept server-side, so logging out (or disabling an officer, or changing their
password) ends a session before its cookie runs out.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "officer_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_officer_sessions_officer", "officer_sessions", ["officer_id"])
    op.create_index("ix_officer_sessions_expires", "officer_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_officer_sessions_expires", table_name="officer_sessions")
    op.drop_index("ix_officer_sessions_officer", table_name="officer_sessions")
    op.drop_table("officer_sessions")
