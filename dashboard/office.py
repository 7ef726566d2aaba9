"""The office settings page (/dashboard/office, admins only): what the documents print.

The issuing body, the number's symbol, the place of the date line, the signer and "Nơi nhận", for
the national default, a province or a locality (db/office_settings.py). Saving is CSRF-checked,
audited and confirmed; the next document downloaded uses it."""

from __future__ import annotations

from aiohttp import web

from app import keys
from content.loader import Content
from content.schema import NATIONAL
from dashboard.access import require_role
from dashboard.login import check_csrf
from dashboard.views import render_page, vn_time
from db.office_settings import (
    LABELS,
    NATIONAL_SCOPE,
    SettingsError,
    load,
    remove,
    save,
    saved_scopes,
    scope_chain,
)

SAVED = "Đã lưu thiết lập văn bản cho {}: văn bản tải về từ nay ghi theo thiết lập này."
REMOVED = "Đã bỏ thiết lập riêng của {}: văn bản của phạm vi này dùng thiết lập chung."
NOT_A_SCOPE = "Phạm vi không có trong danh sách. Hãy chọn lại trong danh sách."


def scopes(content: Content) -> dict[str, str]:
    """The scopes an admin may set, by code, with the name shown: the national default, each
    province the content names, each locality."""
    found = {NATIONAL_SCOPE: "Mặc định (toàn quốc)"}
    provinces = {
        loc.province_code: loc.province
        for loc in content.localities.values()
        if loc.province_code and loc.province
    }
    for code, name in sorted(provinces.items(), key=lambda kv: kv[1]):
        found[f"p:{code}"] = f"Cấp tỉnh: {name} (mã {code})"
    for loc in sorted(content.localities.values(), key=lambda loc: loc.name):
        if loc.id != NATIONAL:
            found[loc.id] = loc.name
    return found


def _scope(request: web.Request, value: object) -> str:
    scope = str(value or NATIONAL_SCOPE)
    if scope not in scopes(request.config_dict[keys.CONTENT]):
        raise web.HTTPBadRequest(text=NOT_A_SCOPE)
    return scope


async def show(
    request: web.Request,
    status: int = 200,
    error: str | None = None,
    form: dict | None = None,
    scope: str | None = None,
) -> web.Response:
    require_role(request, "admin")
    content = request.config_dict[keys.CONTENT]
    names = scopes(content)
    scope = scope or _scope(request, request.query.get("scope"))
    async with request.config_dict[keys.SESSIONS]() as db:
        rows = await saved_scopes(db)
        chain = scope_chain(content, None if scope == NATIONAL_SCOPE else scope)
        current = await load(db, chain)
    saved = [
        {
            "scope": row.scope,
            "name": names.get(row.scope, row.scope),
            "issuing_body": row.issuing_body,
            "signer": f"{row.signer_title} {row.signer_name}",
            "updated": vn_time(row.updated_at),
        }
        for row in rows
    ]
    notice = None
    if request.query.get("luu") == "1":
        notice = SAVED.format(names[scope])
    elif request.query.get("luu") == "bo":
        notice = REMOVED.format(names[scope])
    inherited = current.scope != scope
    return render_page(
        request,
        "office.html",
        status=status,
        scopes=names,
        scope=scope,
        values=form or current.values(),
        labels=LABELS,
        saved=saved,
        own=not inherited,
        source=names.get(current.scope or "", None) if inherited else None,
        notice=notice,
        error=error,
    )


async def page(request: web.Request) -> web.Response:
    return await show(request)


async def store(request: web.Request) -> web.StreamResponse:
    officer = require_role(request, "admin")
    form = await check_csrf(request)
    scope = _scope(request, form.get("scope"))
    async with request.config_dict[keys.SESSIONS]() as db:
        try:
            await save(db, officer, scope, form)
        except SettingsError as exc:
            await db.rollback()
            values = {name: str(form.get(name, ""))[:2000] for name in LABELS}
            return await show(request, 400, str(exc), values, scope)
        await db.commit()
    location = request.app.router["office"].url_for().with_query(scope=scope, luu="1")
    raise web.HTTPSeeOther(str(location))


async def drop(request: web.Request) -> web.StreamResponse:
    officer = require_role(request, "admin")
    form = await check_csrf(request)
    scope = _scope(request, form.get("scope"))
    async with request.config_dict[keys.SESSIONS]() as db:
        removed = await remove(db, officer, scope)
        await db.commit()
    query = {"scope": scope, "luu": "bo"} if removed else {"scope": scope}
    raise web.HTTPSeeOther(str(request.app.router["office"].url_for().with_query(query)))


def setup(app: web.Application) -> None:
    app.router.add_get("/office", page, name="office")
    app.router.add_post("/office", store)
    app.router.add_post("/office/remove", drop)
