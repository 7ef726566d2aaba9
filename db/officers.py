"""Officer accounts (argon2-hashed passwords), login throttling and the audit log."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry, LoginFailure, Officer

ROLES = ("admin", "officer", "viewer")
# argon2id with the library's defaults (memory-hard: 64 MiB, 3 passes).
_HASHER = PasswordHasher()
# A dummy hash checked when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)


class OfficerError(ValueError):
    pass


def generate_password() -> str:
    return secrets.token_urlsafe(12)


async def create_officer(
    session: AsyncSession, username: str, role: str, password: str, locality_id: str | None
) -> Officer:
    username = username.strip().lower()
    if role not in ROLES:
        raise OfficerError(f"role must be one of {', '.join(ROLES)}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,63}", username):
        raise OfficerError("username: letters, digits, '.', '_' or '-' only")
    if len(password) < 10:
        raise OfficerError("password: at least 10 characters")
    exists = await session.scalar(select(Officer).where(Officer.username == username))
    if exists is not None:
        raise OfficerError(f"officer '{username}' already exists")
    officer = Officer(
        username=username,
        password_hash=_HASHER.hash(password),
        role=role,
        locality_id=locality_id,
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(officer)
    await session.flush()
    return officer


async def verify_login(session: AsyncSession, username: str, password: str) -> Officer | None:
    username = username.strip().lower()
    officer = await session.scalar(select(Officer).where(Officer.username == username))
    try:
        if officer is None or officer.disabled:
            _HASHER.verify(_DUMMY_HASH, password)
            return None
        _HASHER.verify(officer.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _HASHER.check_needs_rehash(officer.password_hash):
        officer.password_hash = _HASHER.hash(password)
    return officer


async def recent_failures(session: AsyncSession, keys: list[str], now: dt.datetime) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.key.in_(keys), LoginFailure.created_at > now - FAILURE_WINDOW)
        )
        or 0
    )


async def record_failure(session: AsyncSession, keys: list[str], now: dt.datetime) -> None:
    session.add_all(LoginFailure(key=k, created_at=now) for k in keys)


async def clear_failures(session: AsyncSession, keys: list[str]) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.key.in_(keys)))


async def audit(
    session: AsyncSession,
    officer: Officer | None,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            officer_id=officer.id if officer else None,
            username=officer.username if officer else "-",
            action=action,
            target=target,
            detail=detail,
            created_at=dt.datetime.now(dt.UTC),
        )
    )
