"""The pronunciation list in the dashboard (/dashboard/pronunciations).

Everyone signed in reads it and tries a sentence; admins and officers add, change, remove or
restore a term."""

from __future__ import annotations

from aiohttp import web

from app import keys
from audio.pronunciations import STORE, PronunciationError, list_edits, save_edit
from audio.speech import normalize_for_speech
from dashboard.access import OFFICER_KEY, require_role
from dashboard.login import check_csrf
from dashboard.views import render_page

EDITORS = ("admin", "officer")
SAVED = {
    "set": "Đã lưu cách đọc «{}».",
    "remove": "Từ nay «{}» được đọc nguyên như chữ viết.",
    "reset": "«{}» đã về cách đọc trong danh sách gốc.",
}


async def show_list(
    request: web.Request, status: int = 200, error: str | None = None, form: dict | None = None
) -> web.Response:
    async with request.config_dict[keys.SESSIONS]() as db:
        words = await STORE.refresh(db)
        edits = await list_edits(db)
    _, base = STORE.base()
    rows = [
        {"term": term, "reading": reading, "edited": term in edits, "in_file": term in base}
        for term, reading in sorted(words.terms.items(), key=lambda item: item[0].casefold())
    ]
    removed = sorted(t for t, action in edits.items() if action == "remove" and t in base)
    sample = request.query.get("thu", "").strip()[:500]
    saved = request.query.get("luu", "")
    action = request.query.get("viec", "")
    return render_page(
        request,
        "pronunciations.html",
        status=status,
        rows=rows,
        removed=removed,
        sample=sample,
        spoken=normalize_for_speech(sample, words) if sample else "",
        notice=SAVED[action].format(saved) if saved and action in SAVED else "",
        error=error,
        form=form or {},
        can_edit=request[OFFICER_KEY].role in EDITORS,
    )


async def edit(request: web.Request) -> web.StreamResponse:
    officer = require_role(request, *EDITORS)
    form = await check_csrf(request)
    term = str(form.get("term", ""))[:100]
    action = str(form.get("action", "set"))
    reading = str(form.get("reading", ""))[:400]
    async with request.config_dict[keys.SESSIONS]() as db:
        try:
            await save_edit(db, officer, term, action, reading)
        except PronunciationError as exc:
            await db.rollback()
            return await show_list(
                request, 400, str(exc), {"term": term.strip(), "reading": reading.strip()}
            )
        await db.commit()
    location = (
        request.app.router["pronunciations"]
        .url_for()
        .with_query(luu=" ".join(term.split()), viec=action)
    )
    raise web.HTTPSeeOther(str(location))


def setup(app: web.Application) -> None:
    app.router.add_get("/pronunciations", show_list, name="pronunciations")
    app.router.add_post("/pronunciations", edit)
