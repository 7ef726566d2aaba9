"""A saved household self-check keeps the household's answers as data on its question row, so
the dashboard reads them instead of parsing the summary text; rows saved before are filled in
from their summaries.

Revision ID: 0014
Revises: 0013
"""

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The summary as handlers/household_check.py wrote it up to this revision (frozen here).
SUMMARY = re.compile(
    r"Tự kiểm tra diện hỗ trợ \((?P<period>[^)]*)\): (?P<label>[^.]+)\. "
    r"Khu vực (?P<area>nông thôn|thành thị|đô thị), (?P<members>\d+) người, "
    r"thu nhập cả nhà (?P<income>[\d.]+) đồng/tháng\. "
    r"Chỉ số thiếu hụt: (?P<lacking>[^.]*)\.$"
)


def answers_of(summary: str) -> dict | None:
    found = SUMMARY.match(summary.strip())
    if found is None:
        return None
    lacking = found["lacking"].strip()
    return {
        "period": found["period"],
        "classification": found["label"],
        "area": "rural" if found["area"] == "nông thôn" else "urban",
        "members": int(found["members"]),
        "income": int(found["income"].replace(".", "")),
        "lacking": [] if lacking == "không" else [c.strip() for c in lacking.split(",") if c],
    }


def upgrade() -> None:
    op.add_column("questions", sa.Column("self_check", sa.JSON(), nullable=True))
    questions = sa.table(
        "questions",
        sa.column("id", sa.Integer()),
        sa.column("text", sa.Text()),
        sa.column("topic", sa.String()),
        sa.column("self_check", sa.JSON()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(questions.c.id, questions.c.text).where(
            questions.c.topic == "chuan_ngheo",
            questions.c.text.like("Tự kiểm tra diện hỗ trợ (%"),
        )
    ).all()
    for row in rows:
        answers = answers_of(row.text)
        if answers is not None:
            connection.execute(
                sa.update(questions)
                .where(questions.c.id == row.id)
                .values(self_check=json.loads(json.dumps(answers)))
            )


def downgrade() -> None:
    op.drop_column("questions", "self_check")
