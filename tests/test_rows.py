"""db/rows.py: rows written and read without the ORM's flush and loading behave as ORM objects."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from db.models import Citizen, Question, QuestionStatus
from db.rows import as_persistent, complete, insert_persistent

NOW = dt.datetime(2026, 11, 23, 8, 30, tzinfo=dt.UTC)


class StatementLog:
    """The SQL statements an engine runs while this is open."""

    def __init__(self, engine):  # type: ignore[no-untyped-def]
        self.engine = engine.sync_engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        self.statements.append(statement.split()[0].upper())

    def __enter__(self) -> StatementLog:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


async def test_inserted_citizen_is_persistent_and_complete(runtime) -> None:  # type: ignore[no-untyped-def]
    factory = runtime.core.session_factory
    async with factory() as session:
        with StatementLog(runtime.engine) as log:
            citizen = await insert_persistent(
                session, Citizen, channel="telegram", external_id="42", created_at=NOW
            )
            # Every attribute is set: reading them needs no query.
            assert (citizen.locality_id, citizen.phone, citizen.unreachable) == (None, None, False)
            assert citizen.id is not None and citizen in session
            assert not session.is_modified(citizen)  # nothing to write again at the commit
        assert log.statements == ["INSERT"]
        citizen.locality_id = "xa-a"  # a change to it is flushed as an UPDATE
        await session.commit()
    async with factory() as session:
        stored = await session.get(Citizen, citizen.id)
        assert (stored.external_id, stored.locality_id, stored.created_at) == ("42", "xa-a", NOW)


async def test_defaults_of_omitted_columns_are_the_models(runtime) -> None:  # type: ignore[no-untyped-def]
    async with runtime.core.session_factory() as session:
        citizen = await insert_persistent(session, Citizen, channel="zalo", external_id="7")
        question = await insert_persistent(
            session,
            Question,
            citizen_id=citizen.id,
            text="hộ cận nghèo có được vay vốn không",
            normalized_text="ho can ngheo co duoc vay von khong",
            channel="zalo",
        )
        await session.commit()
        assert question.status == QuestionStatus.NEW
        assert question.answered_by_bot is False and question.officer_answer is None
        assert question.created_at.tzinfo is not None  # the model's utcnow default
    async with runtime.core.session_factory() as session:
        row = await session.get(Question, question.id)
        assert (row.status, row.answered_by_bot, row.created_at) == (
            QuestionStatus.NEW,
            False,
            question.created_at,
        )


async def test_duplicate_insert_raises_integrity_error(runtime) -> None:  # type: ignore[no-untyped-def]
    async with runtime.core.session_factory() as session:
        await insert_persistent(session, Citizen, channel="telegram", external_id="9")
        await session.commit()
        with pytest.raises(IntegrityError):
            await insert_persistent(session, Citizen, channel="telegram", external_id="9")


async def test_row_read_with_core_select_is_persistent(runtime) -> None:  # type: ignore[no-untyped-def]
    factory = runtime.core.session_factory
    async with factory() as session:
        created = await insert_persistent(session, Citizen, channel="web", external_id="a")
        await session.commit()
    table = Citizen.__table__
    async with factory() as session:
        row = (await session.execute(select(table).where(table.c.id == created.id))).one()
        citizen = as_persistent(session, Citizen, row._mapping)
        assert citizen in session and citizen.external_id == "a"
        assert not session.is_modified(citizen)  # as loaded: no UPDATE unless it changes
        citizen.display_name = "Bà Lan"
        with StatementLog(runtime.engine) as log:
            await session.commit()
        assert "UPDATE" in log.statements
    async with factory() as session:
        assert (await session.get(Citizen, created.id)).display_name == "Bà Lan"


def test_unknown_column_is_refused() -> None:
    with pytest.raises(TypeError, match="no columns"):
        complete(Citizen, {"channel": "web", "external_id": "x", "nickname": "?"})
