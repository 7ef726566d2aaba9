"""The audio library for commune radio operators (/audio): bulletins and answer clips with a
player, duration, transcript and download, filtered by topic and locality; officers create
bulletins from the dashboard."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from bot.web import keys
from bot.web.auth import OFFICER_KEY, check_csrf, require_role
from bot.web.pages import render
from db.models import Bulletin
from db.officers import audit


def _library(request: web.Request):  # type: ignore[no-untyped-def]
    return request.app[keys.RUNTIME].core.audio


async def library(request: web.Request) -> web.Response:
    lib = _library(request)
    content = request.app[keys.RUNTIME].knowledge.content
    topic = request.query.get("topic", "")
    locality = request.query.get("locality", "")
    async with request.app[keys.SESSIONS]() as db:
        query = select(Bulletin).order_by(Bulletin.id.desc()).limit(100)
        if locality:
            query = query.where(Bulletin.locality_id == locality)
        bulletins = list((await db.execute(query)).scalars())
    clips = []
    for entry_id, key in lib.index().items():
        entry = content.entries.get(entry_id)
        meta = lib.meta(key)
        if entry is None or meta is None or lib.path(key) is None:
            continue
        if topic and entry.topic != topic:
            continue
        if locality and locality not in entry.localities:
            continue
        clips.append(
            {
                "key": key,
                "title": entry.questions[0],
                "duration": meta["duration_s"],
                "topic": content.topics[entry.topic].title,
            }
        )
    return render(
        request,
        "audio.html",
        bulletins=bulletins,
        clips=clips,
        topic=topic,
        locality=locality,
        topics=list(content.topics.values()),
        localities=list(content.localities.values()),
    )


async def clip_file(request: web.Request) -> web.StreamResponse:
    lib = _library(request)
    key, ext = request.match_info["key"], request.match_info["ext"]
    path = lib.path(key)
    if path is None:
        raise web.HTTPNotFound()
    if ext == "txt":
        return web.FileResponse(
            path.with_suffix(".txt"), headers={"Content-Type": "text/plain; charset=utf-8"}
        )
    return web.FileResponse(path, headers={"Content-Type": "audio/mpeg"})


async def bulletins_page(request: web.Request) -> web.Response:
    content = request.app[keys.RUNTIME].knowledge.content
    ids = [i for i in request.query.get("faq", "").split(",") if i in content.entries]
    lib = _library(request)
    text = "\n\n".join(lib.entry_text(content.entries[i]) for i in ids)
    return render(
        request,
        "bulletins.html",
        text=text,
        localities=list(content.localities.values()),
        can_act=request[OFFICER_KEY].role in ("admin", "officer"),
    )


async def create_bulletin(request: web.Request) -> web.StreamResponse:
    officer = require_role(request, "admin", "officer")
    form = await check_csrf(request)
    title = str(form.get("title", "")).strip()[:200]
    text = str(form.get("text", "")).strip()[:6000]
    locality = str(form.get("locality", "")).strip()[:64] or None
    intro = str(form.get("intro", "")).strip()[:200] or None
    if not title or not text:
        raise web.HTTPBadRequest(text="Hãy ghi tên bản tin và nội dung.")
    if officer.role != "admin" and officer.locality_id and locality != officer.locality_id:
        raise web.HTTPForbidden(text="Bạn chỉ làm được bản tin cho địa phương của mình.")
    async with request.app[keys.SESSIONS]() as db:
        bulletin = await _library(request).make_bulletin(
            db, title, text, locality, officer.id, intro
        )
        await audit(db, officer, "bulletin_create", str(bulletin.id), {"title": title})
        await db.commit()
    raise web.HTTPSeeOther("/audio")


def setup(app: web.Application) -> None:
    app.router.add_get("/audio", library)
    app.router.add_get(r"/audio/clips/{key:[0-9a-f]+}.{ext:(mp3|txt)}", clip_file)
    app.router.add_get("/dashboard/bulletins", bulletins_page)
    app.router.add_post("/dashboard/bulletins", create_bulletin)
