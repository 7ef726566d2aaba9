"""A self-check saved before its answers were kept as data: upgrading the database fills the
answers in from the summary, so the officers' page shows it as it shows new ones."""

from __future__ import annotations

from sqlalchemy import select, text

from db.migrate import upgrade
from db.models import Question
from db.session import make_engine

OLD_SUMMARY = (
    "Tự kiểm tra diện hỗ trợ (2022-2025): Hộ cận nghèo (ước tính). Khu vực thành thị, 4 người, "
    "thu nhập cả nhà 7.200.000 đồng/tháng. Chỉ số thiếu hụt: viec_lam, bhyt."
)


async def test_an_old_summary_gets_its_answers_as_data_and_other_questions_none(db_url):
    engine = make_engine(db_url)
    try:
        await upgrade(engine, "0013")
        async with engine.begin() as db:
            await db.execute(
                text(
                    "INSERT INTO citizens (id, channel, external_id, unreachable, created_at) "
                    "VALUES (1, 'web', 'w-1', false, CURRENT_TIMESTAMP)"
                )
            )
            for qid, body, topic in (
                (1, OLD_SUMMARY, "chuan_ngheo"),
                (2, "Tự kiểm tra diện hỗ trợ là gì?", "chuan_ngheo"),
                (3, "Hộ nghèo được vay bao nhiêu?", "tin_dung"),
            ):
                await db.execute(
                    text(
                        "INSERT INTO questions (id, citizen_id, text, normalized_text, channel,"
                        " topic, answered_by_bot, needs_officer, sent_by_citizen, status,"
                        " created_at, updated_at) VALUES (:id, 1, :body, :body, 'web', :topic,"
                        " false, true, true, 'moi', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": qid, "body": body, "topic": topic},
                )
        await upgrade(engine)
        async with engine.connect() as db:
            saved = dict((await db.execute(select(Question.id, Question.self_check))).all())
    finally:
        await engine.dispose()
    assert saved[1] == {
        "period": "2022-2025",
        "classification": "Hộ cận nghèo (ước tính)",
        "area": "urban",
        "members": 4,
        "income": 7_200_000,
        "lacking": ["viec_lam", "bhyt"],
    }
    assert saved[2] is None and saved[3] is None
