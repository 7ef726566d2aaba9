"""Officers' corrections to the contacts directory, merged over the content's contacts.

Stored by contact id, merged when the bot reads them, and kept in a small per-process snapshot
of the table."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from content.guides import Contact
from content.schema import NATIONAL
from db.office import ContactOverride, Officer
from db.officers import audit

log = logging.getLogger(__name__)

# The fields an officer edits; the rest (kind, province, localities) stays the content's.
FIELDS = ("name", "role", "phone", "address", "hours", "note")
# How old this process's copy of the table may get before it is read again (other workers'
# edits show within this; the editing worker's at once).
REFRESH_SECONDS = 5.0
VN_OFFSET = dt.timedelta(hours=7)  # Vietnam: UTC+7, no daylight saving


@dataclass(frozen=True)
class Override:
    """One row of contact_overrides, detached from its session."""

    contact_id: str
    values: dict[str, Any]  # FIELDS, and phone_verified
    checked_at: dt.datetime
    checked_by: str

    @property
    def checked_on(self) -> dt.date:
        """The day of the check in Vietnam."""
        return (self.checked_at + VN_OFFSET).date()


def _override(row: ContactOverride) -> Override:
    values = {f: getattr(row, f) for f in FIELDS}
    values["phone_verified"] = bool(row.phone_verified and row.phone)
    return Override(row.contact_id, values, row.checked_at, row.checked_by)


async def load_overrides(session: AsyncSession) -> dict[str, Override]:
    rows = (await session.execute(select(ContactOverride))).scalars().all()
    return {row.contact_id: _override(row) for row in rows}


def merge(base: Contact, override: Override | None) -> Contact:
    """The contact as citizens see it. The officer's values win unless the content file was
    checked on a later day than the officer's check (then the file is newer). Values an officer
    changed are theirs, so the file's source no longer stands behind the contact."""
    if override is None or base.checked > override.checked_on:
        return base
    values = override.values
    changed = any(values[f] != getattr(base, f) for f in FIELDS)
    update: dict[str, Any] = {
        **values,
        "checked": override.checked_on,
        "checked_by": override.checked_by,
    }
    if changed:
        update.update(source=None, source_url=None, other_source_urls=())
    return base.model_copy(update=update)


def merged(
    contacts: Mapping[str, Contact], overrides: Mapping[str, Override]
) -> dict[str, Contact]:
    """Every contact with its override applied (same order as the content)."""
    return {cid: merge(c, overrides.get(cid)) for cid, c in contacts.items()}


def may_edit(officer: Officer, contact: Contact) -> bool:
    """Admins edit every contact. An officer edits the contacts of their scope: a province
    officer ('p:NN') every contact of province NN (its legal-aid centre, its communes), a
    locality officer (a content locality id) the contacts serving that locality, an officer
    without a locality every local contact; national ones (the hotline) are the admins'.
    Viewers edit nothing."""
    if officer.role == "admin":
        return True
    if officer.role != "officer" or NATIONAL in contact.localities:
        return False
    scope = officer.locality_id
    if scope is None:
        return True
    if scope.startswith("p:"):
        return contact.province_code == scope[2:]
    return scope in contact.localities


async def save_override(
    session: AsyncSession,
    contact_id: str,
    values: Mapping[str, Any],
    officer: Officer,
    now: dt.datetime,
    action: str,
    detail: dict[str, Any],
) -> None:
    """Writes the officer's values and the check stamp (insert or update) with its audit row,
    in one transaction; commits."""
    stamp = {"checked_at": now, "checked_by": officer.username, "officer_id": officer.id}
    for attempt in (1, 2):
        await audit(session, officer, action, contact_id, detail)
        row = await session.get(ContactOverride, contact_id)
        if row is None:
            session.add(ContactOverride(contact_id=contact_id, **values, **stamp))
        else:
            for key, value in {**values, **stamp}.items():
                setattr(row, key, value)
        try:
            await session.commit()
            return
        except IntegrityError:  # another officer saved it first: update theirs
            await session.rollback()
            if attempt == 2:
                raise


# --- this process's copy of the table, by database ------------------------------------------

_snapshots: dict[str, tuple[float, dict[str, Override]]] = {}
_refreshing: dict[str, asyncio.Task[None]] = {}


def _key(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=True)


async def refresh(engine: AsyncEngine) -> dict[str, Override]:
    """Reads the table again into this process's copy."""
    async with AsyncSession(engine) as session:
        overrides = await load_overrides(session)
    _snapshots[_key(engine)] = (time.monotonic(), overrides)
    return overrides


async def _refresh_quietly(engine: AsyncEngine) -> None:
    try:
        await refresh(engine)
    except Exception:  # the copy stays as it was; the next read tries again
        log.warning("reading contact corrections failed", exc_info=True)
    finally:
        _refreshing.pop(_key(engine), None)


def current_overrides(engine: AsyncEngine | None) -> dict[str, Override]:
    """This process's copy of the overrides of the database behind `engine`, without waiting:
    when the copy is older than REFRESH_SECONDS (or missing) it is read again in the
    background. The web application keeps it fresh itself (`keep_fresh`)."""
    if engine is None:
        return {}
    key = _key(engine)
    found = _snapshots.get(key)
    if (found is None or time.monotonic() - found[0] > REFRESH_SECONDS) and key not in _refreshing:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            _refreshing[key] = loop.create_task(_refresh_quietly(engine))
    return found[1] if found else {}


async def keep_fresh(engine: AsyncEngine, every: float = REFRESH_SECONDS) -> None:
    """Reads the table every `every` seconds, so a message never waits for it (a task)."""
    while True:
        await _refresh_quietly(engine)
        await asyncio.sleep(every)


def changes(before: Contact, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """What an edit changes, field by field: {field: [old, new]} (for the audit log)."""
    keys: Iterable[str] = (*FIELDS, "phone_verified")
    return {k: [getattr(before, k), values[k]] for k in keys if getattr(before, k) != values[k]}
