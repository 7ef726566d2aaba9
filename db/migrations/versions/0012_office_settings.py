"""The issuing body, document symbol, place and signer printed on the office's documents
(Nghị định 30/2020/NĐ-CP), one row per scope: the national default and optionally a province
("p:NN") or a locality; a dialogue session's attendees and conclusions, for its minutes.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("superior_body", sa.String(length=200), nullable=True),
        sa.Column("issuing_body", sa.String(length=200), nullable=False),
        sa.Column("symbol", sa.String(length=40), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("signer_authority", sa.String(length=200), nullable=True),
        sa.Column("signer_title", sa.String(length=200), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["updated_by"], ["officers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope"),
    )
    with op.batch_alter_table("dialogue_sessions") as batch:
        batch.add_column(sa.Column("attendees", sa.Text(), nullable=True))
        batch.add_column(sa.Column("conclusions", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dialogue_sessions") as batch:
        batch.drop_column("conclusions")
        batch.drop_column("attendees")
    op.drop_table("office_settings")
