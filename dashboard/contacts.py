"""Contacts officers keep true: the directory, the edit form and "still correct".

The directory shows each contact's last check; an edit is audited and stamped "kiểm tra ngày … bởi
…"; one press confirms a contact is still correct."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import select

from app import keys
from content.guides import PHONE_PATTERN, Contact
from content.localities import PLACES
from content.schema import NATIONAL, vn_date
from dashboard.access import OFFICER_KEY, require_role
from dashboard.login import check_csrf
from dashboard.privacy import mask, masks_for
from dashboard.views import ACTING_ROLES, render_page, vn_time
from db.contacts import (
    FIELDS,
    Override,
    changes,
    load_overrides,
    may_edit,
    merge,
    refresh,
    save_override,
)
from db.office import AuditEntry, Officer

KIND_LABELS = {
    "legal_aid": "Trợ giúp pháp lý",
    "commune": "Ủy ban nhân dân xã, phường",
    "social_affairs": "Lao động – xã hội",
    "health": "Y tế",
    "other": "Khác",
}
STALE_AFTER_DAYS = 180  # as `content audit` counts a contact not checked for too long
MAX_LENGTHS = {"name": 200, "role": 200, "phone": 32, "address": 300, "hours": 200, "note": 1000}
LABELS = {
    "name": "Tên",
    "role": "Chức vụ",
    "phone": "Số điện thoại",
    "address": "Địa chỉ",
    "hours": "Giờ làm việc",
    "note": "Ghi chú",
}
PHONE = re.compile(PHONE_PATTERN)


def _province_names() -> dict[str, str]:
    return dict(PLACES.provinces())


def _today() -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)).date()


async def _book(request: web.Request) -> tuple[dict[str, Contact], dict[str, Override]]:
    """The content's contacts, and the officers' corrections read now (not the bot's copy)."""
    async with request.config_dict[keys.SESSIONS]() as db:
        overrides = await load_overrides(db)
    return request.config_dict[keys.CONTENT].contacts, overrides


def _row(contact: Contact, officer: Officer, provinces: dict[str, str]) -> dict[str, Any]:
    masked = masks_for(officer)
    return {
        "id": contact.id,
        "name": mask(contact.name, masked),
        "role": contact.role,
        "kind": KIND_LABELS.get(contact.kind, contact.kind),
        "province": (
            "Cả nước"
            if NATIONAL in contact.localities
            else provinces.get(contact.province_code or "", contact.province_code or "")
        ),
        "phone": mask(contact.phone, masked),
        "phone_verified": contact.phone_verified,
        "checked": vn_date(contact.checked),
        "checked_by": contact.checked_by,
        "stale": (_today() - contact.checked).days >= STALE_AFTER_DAYS,
        "can_edit": may_edit(officer, contact),
    }


async def list_page(request: web.Request) -> web.Response:
    officer = request[OFFICER_KEY]
    contacts, overrides = await _book(request)
    provinces = _province_names()
    province = request.query.get("province", "")
    visible = [
        merge(c, overrides.get(cid))
        for cid, c in contacts.items()
        # An officer sees the contacts they keep; admins and viewers see all.
        if officer.role != "officer" or may_edit(officer, c)
    ]
    codes = sorted({c.province_code for c in visible if c.province_code})
    if province:
        visible = [c for c in visible if c.province_code == province]
    return render_page(
        request,
        "contacts.html",
        rows=[_row(c, officer, provinces) for c in visible],
        provinces=[(code, provinces.get(code, code)) for code in codes],
        province=province,
        can_act=officer.role in ACTING_ROLES,
        stale_days=STALE_AFTER_DAYS,
    )


async def _editable(request: web.Request, contact_id: str) -> tuple[Officer, Contact]:
    """The contact to edit; 403 for viewers, 404 for an unknown id or another's contact."""
    officer = require_role(request, *ACTING_ROLES)
    base = request.config_dict[keys.CONTENT].contacts.get(contact_id)
    if base is None or not may_edit(officer, base):
        raise web.HTTPNotFound()  # another province's contact is reported as missing
    return officer, base


async def confirm(request: web.Request) -> web.StreamResponse:
    """'Vẫn đúng': the officer checked the contact as it stands (and its number works)."""
    form = await check_csrf(request)
    contact_id = str(form.get("contact", ""))
    officer, base = await _editable(request, contact_id)
    _, overrides = await _book(request)
    current = merge(base, overrides.get(contact_id))
    values: dict[str, Any] = {f: getattr(current, f) for f in FIELDS}
    values["phone_verified"] = bool(current.phone)
    await _save(request, officer, current, values, "confirm_contact")
    province = str(form.get("province", ""))
    raise web.HTTPSeeOther(
        "/dashboard/contacts" + (f"?{urlencode({'province': province})}" if province else "")
    )


def _validate(form: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The form's values (spaces tidied, empty as None) and the first problem, in Vietnamese."""
    values: dict[str, Any] = {}
    for field in FIELDS:
        raw = str(form.get(field, ""))
        text = raw.strip() if field == "note" else " ".join(raw.split())
        if len(text) > MAX_LENGTHS[field]:
            return values, f"{LABELS[field]} dài quá {MAX_LENGTHS[field]} ký tự."
        values[field] = text or None
    values["phone_verified"] = form.get("phone_verified") == "1" and bool(values["phone"])
    if not values["name"]:
        return values, "Tên không được để trống."
    if values["phone"] and not PHONE.match(values["phone"]):
        return values, (
            "Số điện thoại chỉ gồm chữ số, dấu cách, dấu chấm hoặc gạch ngang (ví dụ 0912 345 678"
            " hoặc 1800.1233); ghi chú thêm xin ghi vào ô Ghi chú."
        )
    return values, None


async def edit_page(request: web.Request) -> web.Response:
    _, base = await _editable(request, request.match_info["id"])
    _, overrides = await _book(request)
    override = overrides.get(base.id)
    current = merge(base, override)
    return await _form(request, base, current, override, {f: getattr(current, f) for f in FIELDS})


async def _form(
    request: web.Request,
    base: Contact,
    current: Contact,
    override: Override | None,
    values: dict[str, Any],
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    async with request.config_dict[keys.SESSIONS]() as db:
        history = (
            (
                await db.execute(
                    select(AuditEntry)
                    .where(
                        AuditEntry.target == base.id,
                        AuditEntry.action.in_(("edit_contact", "confirm_contact")),
                    )
                    .order_by(AuditEntry.id.desc())
                    .limit(20)
                )
            )
            .scalars()
            .all()
        )
    content = request.config_dict[keys.CONTENT]
    return render_page(
        request,
        "contact.html",
        status=status,
        error=error,
        c=current,
        values={k: v or "" for k, v in values.items()},
        phone_verified=bool(values.get("phone_verified", current.phone_verified)),
        kind=KIND_LABELS.get(base.kind, base.kind),
        checked=vn_date(current.checked),
        seen=override.checked_at.isoformat() if override else "",
        source=content.sources[base.source].citation() if base.source else None,
        base=base,
        labels=LABELS,
        lengths=MAX_LENGTHS,
        history=[
            {
                "when": vn_time(e.created_at),
                "username": e.username,
                "action": e.action,
                "detail": e.detail,
            }
            for e in history
        ],
    )


async def save(request: web.Request) -> web.StreamResponse:
    form = await check_csrf(request)
    officer, base = await _editable(request, request.match_info["id"])
    _, overrides = await _book(request)
    override = overrides.get(base.id)
    current = merge(base, override)
    values, error = _validate(form)
    seen = override.checked_at.isoformat() if override else ""
    if error is None and str(form.get("seen", "")) != seen:
        error = "Liên hệ này vừa được người khác sửa. Hãy xem lại thông tin mới rồi lưu lại."
        return await _form(request, base, current, override, _fields(current), error, 409)
    if error is not None:
        return await _form(request, base, current, override, values, error, 400)
    await _save(request, officer, current, values, "edit_contact")
    raise web.HTTPSeeOther(f"/dashboard/contacts/{base.id}")


def _fields(contact: Contact) -> dict[str, Any]:
    return {f: getattr(contact, f) for f in (*FIELDS, "phone_verified")}


async def _save(
    request: web.Request,
    officer: Officer,
    current: Contact,
    values: dict[str, Any],
    action: str,
) -> None:
    """Stores the values with today's check stamp, audits who changed what, and renews this
    worker's copy at once (other workers read the table within seconds)."""
    detail = {"changes": changes(current, values), "phone_verified": values["phone_verified"]}
    async with request.config_dict[keys.SESSIONS]() as db:
        await save_override(
            db, current.id, values, officer, dt.datetime.now(dt.UTC), action, detail
        )
    await refresh(request.config_dict[keys.ENGINE])


def setup(app: web.Application) -> None:
    app.router.add_get("/contacts", list_page)
    app.router.add_post("/contacts", confirm)
    app.router.add_get("/contacts/{id}", edit_page)
    app.router.add_post("/contacts/{id}", save)
