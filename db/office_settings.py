"""The letterhead and signer an office's documents print, by scope: load the nearest, save audited.

A scope is "*" (the national default), a province ("p:NN") or a locality id. A document for a
locality takes that locality's row, else its province's, else the national default, else blanks
an officer fills in by hand (dotted lines; nothing invented)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from content.loader import Content
from content.localities import province_code
from content.schema import NATIONAL
from db.office import Officer, OfficeSettings
from db.officers import audit

NATIONAL_SCOPE = "*"
BLANK = "…………"
LIMITS = {
    "superior_body": 200,
    "issuing_body": 200,
    "symbol": 40,
    "place": 100,
    "signer_authority": 200,
    "signer_title": 200,
    "signer_name": 200,
    "recipients": 2000,
}
LABELS = {
    "superior_body": "Cơ quan chủ quản",
    "issuing_body": "Tên cơ quan ban hành",
    "symbol": "Ký hiệu cơ quan",
    "place": "Địa danh",
    "signer_authority": "Thẩm quyền ký",
    "signer_title": "Chức vụ người ký",
    "signer_name": "Họ tên người ký",
    "recipients": "Nơi nhận",
}
REQUIRED = ("issuing_body", "symbol", "place", "signer_title", "signer_name")


class SettingsError(ValueError):
    """Input an admin can correct: the message is shown on the page, in Vietnamese."""


@dataclasses.dataclass(frozen=True)
class Letterhead:
    """What one document prints: the issuing body, the symbol, the place, the signer."""

    issuing_body: str = f"ỦY BAN NHÂN DÂN {BLANK}"
    symbol: str = "UBND"
    place: str = BLANK
    signer_title: str = "CHỦ TỊCH"
    signer_name: str = ""  # blank: the signer writes their name under the signature
    superior_body: str | None = None
    signer_authority: str | None = "TM. ỦY BAN NHÂN DÂN"
    recipients: tuple[str, ...] = ("Như trên;", "Lưu: VT.")
    scope: str | None = None  # the row it came from; None: nothing saved yet

    def number_line(self, kind: str) -> str:
        """ "Số: …/BB-UBND": the number is left blank, the office's register gives it."""
        return f"Số:      /{kind}-{self.symbol}" if self.symbol else "Số:      "

    def values(self) -> dict[str, str]:
        """The editable fields as a form shows them (recipients one per line)."""
        data = {name: getattr(self, name) or "" for name in LIMITS}
        data["recipients"] = "\n".join(self.recipients)
        return data


def scope_chain(content: Content, locality_id: str | None) -> list[str]:
    """The scopes whose settings a document for this locality may take, nearest first: the
    locality, its province ("p:NN"), the national default."""
    chain: list[str] = []
    if locality_id and locality_id not in (NATIONAL_SCOPE, NATIONAL):
        chain.append(locality_id)
        code = province_code(content, locality_id)
        if code and f"p:{code}" not in chain:
            chain.append(f"p:{code}")
    chain.append(NATIONAL_SCOPE)
    return chain


def _letterhead(row: OfficeSettings) -> Letterhead:
    lines = tuple(line.strip() for line in row.recipients.splitlines() if line.strip())
    return Letterhead(
        issuing_body=row.issuing_body,
        symbol=row.symbol,
        place=row.place,
        signer_title=row.signer_title,
        signer_name=row.signer_name,
        superior_body=row.superior_body or None,
        signer_authority=row.signer_authority or None,
        recipients=lines,
        scope=row.scope,
    )


async def load(session: AsyncSession, chain: list[str]) -> Letterhead:
    """The settings of the nearest scope of `chain` that has any; blanks when none has."""
    rows = {
        row.scope: row
        for row in (
            await session.execute(select(OfficeSettings).where(OfficeSettings.scope.in_(chain)))
        ).scalars()
    }
    for scope in chain:
        if scope in rows:
            return _letterhead(rows[scope])
    return Letterhead()


async def load_for_locality(
    session: AsyncSession, content: Content, locality_id: str | None
) -> Letterhead:
    return await load(session, scope_chain(content, locality_id))


async def load_for_officer(session: AsyncSession, content: Content, officer: Officer) -> Letterhead:
    """For an officer's documents: their locality's settings, else their province's, else the
    national default (an unscoped account's, an admin's)."""
    return await load_for_locality(session, content, officer.locality_id)


async def saved_scopes(session: AsyncSession) -> list[OfficeSettings]:
    return list(
        (await session.execute(select(OfficeSettings).order_by(OfficeSettings.scope))).scalars()
    )


def clean(form: Mapping[str, object]) -> dict[str, str | None]:
    """The posted fields trimmed and checked: SettingsError names what is missing or too long."""
    values: dict[str, str | None] = {}
    for name, limit in LIMITS.items():
        raw = str(form.get(name, "") or "").replace("\r\n", "\n")
        text = raw.strip() if name == "recipients" else " ".join(raw.split())
        if len(text) > limit:
            raise SettingsError(f"Mục «{LABELS[name]}» dài quá {limit} ký tự.")
        values[name] = text or None
    missing = [LABELS[name].lower() for name in REQUIRED if not values[name]]
    if missing:
        raise SettingsError("Hãy điền " + ", ".join(missing) + ".")
    if not values["recipients"]:
        values["recipients"] = "\n".join(Letterhead.recipients)
    return values


async def save(
    session: AsyncSession, officer: Officer, scope: str, form: Mapping[str, object]
) -> OfficeSettings:
    """Creates or replaces a scope's settings and writes the audit row (the fields changed).
    The caller commits."""
    values = clean(form)
    row = await session.scalar(select(OfficeSettings).where(OfficeSettings.scope == scope))
    before = _letterhead(row).values() if row is not None else {}
    if row is None:
        row = OfficeSettings(scope=scope)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by, row.updated_at = officer.id, dt.datetime.now(dt.UTC)
    await session.flush()
    after = _letterhead(row).values()
    changed = sorted(name for name in after if before.get(name) != after[name])
    await audit(session, officer, "office_settings_save", scope, {"changed": changed})
    return row


async def remove(session: AsyncSession, officer: Officer, scope: str) -> bool:
    """A scope's own settings dropped (its documents take the next scope's); audited."""
    result = await session.execute(delete(OfficeSettings).where(OfficeSettings.scope == scope))
    if not result.rowcount:
        return False
    await audit(session, officer, "office_settings_remove", scope)
    return True
