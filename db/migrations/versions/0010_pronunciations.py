"""The operators' edits to the loudspeaker's pronunciation list (audio/pronunciations.yaml is the
base): one row per change, the newest row of a term wins, the highest id is the list's version.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pronunciation_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reading", sa.String(length=300), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pronunciation_edits_term", "pronunciation_edits", ["term"])


def downgrade() -> None:
    op.drop_index("ix_pronunciation_edits_term", table_name="pronunciation_edits")
    op.drop_table("pronunciation_edits")
