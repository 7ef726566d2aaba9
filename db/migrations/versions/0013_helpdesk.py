"""The inbox as a helpdesk: assignment and group overrides per question, internal notes, tags
and saved replies.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _officer(name: str) -> sa.Column:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey("officers.id", ondelete="SET NULL"), nullable=True
    )


def _question() -> sa.Column:
    return sa.Column(
        "question_id",
        sa.Integer(),
        sa.ForeignKey("questions.id", ondelete="CASCADE"),
        nullable=False,
    )


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "question_desk",
        sa.Column(
            "question_id",
            sa.Integer(),
            sa.ForeignKey("questions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _officer("assignee_id"),
        _officer("assigned_by"),
        _at("assigned_at", nullable=True),
        sa.Column("group_label", sa.String(length=32), nullable=True),
        _at("updated_at"),
    )
    op.create_index("ix_question_desk_assignee", "question_desk", ["assignee_id"])
    op.create_index("ix_question_desk_group", "question_desk", ["group_label"])
    op.create_table(
        "question_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _question(),
        _officer("officer_id"),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _at("created_at"),
    )
    op.create_index("ix_question_notes_question", "question_notes", ["question_id"])
    op.create_table(
        "question_tags",
        sa.Column("id", sa.Integer(), primary_key=True),
        _question(),
        sa.Column("tag", sa.String(length=40), nullable=False),
        _officer("created_by"),
        _at("created_at"),
        sa.UniqueConstraint("question_id", "tag", name="uq_question_tag"),
    )
    op.create_index("ix_question_tags_tag", "question_tags", ["tag"])
    op.create_table(
        "saved_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("faq_id", sa.String(length=64), nullable=True),
        sa.Column("locality_id", sa.String(length=64), nullable=True),
        _officer("created_by"),
        _at("created_at"),
        _at("updated_at"),
    )
    op.create_index("ix_saved_replies_locality", "saved_replies", ["locality_id"])


def downgrade() -> None:
    op.drop_index("ix_saved_replies_locality", table_name="saved_replies")
    op.drop_table("saved_replies")
    op.drop_index("ix_question_tags_tag", table_name="question_tags")
    op.drop_table("question_tags")
    op.drop_index("ix_question_notes_question", table_name="question_notes")
    op.drop_table("question_notes")
    op.drop_index("ix_question_desk_group", table_name="question_desk")
    op.drop_index("ix_question_desk_assignee", table_name="question_desk")
    op.drop_table("question_desk")
