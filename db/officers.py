"""Officer accounts (argon2 hashes), login throttling, sessions, the audit log and scopes."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import re
import secrets
import time
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Question
from db.office import AuditEntry, LoginFailure, Officer, OfficerSession

ROLES = ("admin", "officer", "viewer")
# argon2id with the library's defaults (memory-hard: 64 MiB, 3 passes).
_HASHER = PasswordHasher()


@functools.cache
def _dummy() -> tuple[str, float]:
    """A dummy hash checked when the user does not exist, so timing does not reveal usernames,
    and how long hashing it took, which stands for how long a check takes. Made on first use,
    not at import: every command imports this module, few check a password."""
    started = time.perf_counter()
    return _HASHER.hash("not-a-real-password"), time.perf_counter() - started


MAX_FAILURES = 5  # per account (username), from any address
MAX_ADDRESS_FAILURES = 10  # per client address, under any names
FAILURE_WINDOW = dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(hours=12)
# Why a login was refused.
LOCKED = "locked"
ADDRESS_THROTTLED = "address_throttled"
WRONG = "wrong"


class OfficerError(ValueError):
    pass


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _check_password(password: str) -> None:
    if len(password) < 10:
        raise OfficerError("password: at least 10 characters")


async def create_officer(
    session: AsyncSession, username: str, role: str, password: str, locality_id: str | None
) -> Officer:
    username = username.strip().lower()
    if role not in ROLES:
        raise OfficerError(f"role must be one of {', '.join(ROLES)}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,63}", username):
        raise OfficerError("username: letters, digits, '.', '_' or '-' only")
    _check_password(password)
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


async def _active_officer(session: AsyncSession, username: str) -> Officer | None:
    return await session.scalar(
        select(Officer).where(Officer.username == username, Officer.disabled.is_(False))
    )


def _password_matches(officer: Officer | None, password: str) -> bool:
    """argon2 verification; against a dummy hash when there is no such officer, so the time
    taken does not tell whether a username exists. Rehashes when the parameters changed."""
    try:
        _HASHER.verify(officer.password_hash if officer else _dummy()[0], password)
    except (VerificationError, InvalidHashError):
        return False
    if officer is None:
        return False
    if _HASHER.check_needs_rehash(officer.password_hash):
        officer.password_hash = _HASHER.hash(password)
    return True


async def _failures_since(session: AsyncSession, key: str, since: dt.datetime) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.key == key, LoginFailure.created_at > since)
        )
        or 0
    )


async def attempt_login(
    session: AsyncSession, username: str, password: str, address: str, now: dt.datetime
) -> Officer | str:
    """A login attempt, throttled per account and per client address: the officer, or why not
    (LOCKED, ADDRESS_THROTTLED or WRONG). Commits.

    - An account (a username, existing or not) is locked after MAX_FAILURES failures within
      FAILURE_WINDOW, from any address: even its right password is refused until they age out.
    - An address with MAX_ADDRESS_FAILURES failures within the window, under any names, is
      refused for names that are not active accounts without spending argon2 on them (it waits
      as long as a check takes instead), and is told to wait rather than "wrong password" for
      the others. A right password for an account that is not itself locked always succeeds:
      failures under other names never lock an officer out (behind one proxy or one office's
      NAT many officers share an address).
    - The attempt is recorded as a failure, and committed, before its password is checked, so
      concurrent attempts on several workers cannot together get past the limits; it is taken
      back when it succeeds or is refused unchecked (a refusal does not prolong a lock)."""
    username = username.strip().lower()
    account_key, address_key = f"user:{username}", f"ip:{address}"
    attempt = [LoginFailure(key=k, created_at=now) for k in (account_key, address_key)]
    session.add_all(attempt)
    await session.flush()
    attempt_ids = [row.id for row in attempt]
    await session.commit()
    since = now - FAILURE_WINDOW
    detail = {"address": address}
    officer = await _active_officer(session, username)
    address_throttled = await _failures_since(session, address_key, since) > MAX_ADDRESS_FAILURES
    refusal = None
    if await _failures_since(session, account_key, since) > MAX_FAILURES:
        refusal = LOCKED
    elif officer is None and address_throttled:
        refusal = ADDRESS_THROTTLED
        await asyncio.sleep(_dummy()[1])  # as long as a check would have taken
    if refusal is not None:
        await session.execute(delete(LoginFailure).where(LoginFailure.id.in_(attempt_ids)))
        await audit(session, None, "login_throttled", username, {**detail, "why": refusal})
        await session.commit()
        return refusal
    if _password_matches(officer, password) and officer is not None:  # (dummy hash if None)
        await session.execute(
            delete(LoginFailure).where(
                (LoginFailure.key == account_key) | LoginFailure.id.in_(attempt_ids)
            )
        )
        await audit(session, officer, "login", None, detail)
        await session.commit()
        return officer
    await audit(session, None, "login_failed", username, detail)
    await session.commit()
    return ADDRESS_THROTTLED if address_throttled else WRONG


async def open_session(session: AsyncSession, officer: Officer, now: dt.datetime) -> str:
    """A new session of the officer, valid SESSION_LIFETIME: its secret token (for the cookie;
    the database keeps only its hash). Sessions that ran out are deleted on the way."""
    await session.execute(delete(OfficerSession).where(OfficerSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        OfficerSession(
            id=_token_hash(token),
            officer_id=officer.id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    await session.flush()
    return token


async def session_officer(session: AsyncSession, token: str, now: dt.datetime) -> Officer | None:
    """The active officer whose unexpired session this token names: one indexed lookup."""
    return await session.scalar(
        select(Officer)
        .join(OfficerSession, OfficerSession.officer_id == Officer.id)
        .where(
            OfficerSession.id == _token_hash(token),
            OfficerSession.expires_at > now,
            Officer.disabled.is_(False),
        )
    )


async def close_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(OfficerSession).where(OfficerSession.id == _token_hash(token)))


async def end_sessions(session: AsyncSession, officer_id: int) -> None:
    """Every session of an officer (disabled, or their password changed)."""
    await session.execute(delete(OfficerSession).where(OfficerSession.officer_id == officer_id))


async def set_password(session: AsyncSession, officer: Officer, password: str) -> None:
    """A new password; the officer's sessions end (a stolen cookie dies with the old one)."""
    _check_password(password)
    officer.password_hash = _HASHER.hash(password)
    await end_sessions(session, officer.id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


def scope_of(officer: Officer) -> dict[str, str]:
    """The questions an officer may see, as question column -> value ({} means all): admins and
    unscoped accounts see everything; a province-wide officer ('p:NN') every locality of that
    province (the question log keeps each question's province); others their locality only."""
    if officer.role == "admin" or officer.locality_id is None:
        return {}
    if officer.locality_id.startswith("p:"):
        return {"province_code": officer.locality_id[2:]}
    return {"locality_id": officer.locality_id}


def in_scope(officer: Officer, question: Question) -> bool:
    return all(getattr(question, column) == value for column, value in scope_of(officer).items())


def scope_conditions(officer: Officer) -> list:  # type: ignore[type-arg]
    """`scope_of` as SQL conditions on the question log."""
    return [getattr(Question, column) == value for column, value in scope_of(officer).items()]
