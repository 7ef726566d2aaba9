"""Rows of the message path as persistent ORM objects, without the ORM's own loading and flush.

There the ORM's flush (unit of work, then reloading the new row) costs several times the INSERT
itself, its loading of a selected row costs more than the SELECT, and building a statement anew
costs more than running it. Here INSERTs are built once per model, and a row comes back as an
object attached to the session with every attribute set: reading it needs no query and changing
it is flushed as an UPDATE, as for an object the ORM loaded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from db.models import Base
from db.session import plain_sqlite

M = TypeVar("M", bound=Base)

_statements: dict[type[Base], Insert] = {}


def _statement(model: type[Base]) -> Insert:
    statement = _statements.get(model)
    if statement is None:
        table = model.__table__
        statement = _statements[model] = insert(table).returning(table.c.id)
    return statement


def complete(model: type[Base], values: dict[str, Any]) -> dict[str, Any]:
    """The values of every column but the id: the given ones, else the column's default."""
    row: dict[str, Any] = {}
    for column in model.__table__.columns:
        if column.name == "id":
            continue
        if column.name in values:
            row[column.name] = values[column.name]
        elif column.default is None:
            row[column.name] = None
        elif column.default.is_scalar:
            row[column.name] = column.default.arg
        else:  # a Python function (the column's default wraps it to take a context)
            row[column.name] = column.default.arg(None)
    unknown = set(values) - set(row)
    if unknown:
        raise TypeError(f"{model.__name__} has no columns {sorted(unknown)}")
    return row


async def insert_persistent(session: AsyncSession, model: type[M], **values: Any) -> M:
    """INSERTs one row and returns it as an object of the session, as if loaded."""
    if plain_sqlite():  # the variant measured without this module (SQLITE_PLAIN=1)
        obj = model(**values)
        session.add(obj)
        await session.flush()
        return obj
    row = complete(model, values)
    row_id = await session.scalar(_statement(model), row)
    return as_persistent(session, model, {"id": row_id, **row})


def as_persistent(session: AsyncSession, model: type[M], row: Mapping[str, Any]) -> M:
    """The object of a row read with a Core SELECT of all its columns, in the session."""
    obj = model(**row)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj
