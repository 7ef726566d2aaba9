"""The audio library for commune radio operators (/audio) and its playlists.

Bulletins and answer clips with a player, duration, transcript and download (bulletins under a
readable file name), filtered by topic and locality, and a playlist per locality (M3U, plain list)
for IP loudspeaker systems."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from app import keys
from app.html import render
from audio.pronunciations import STORE
from db.office import Bulletin


async def bind_pronunciations(app: web.Application) -> AsyncIterator[None]:
    """Clips made by this application read with the officers' edits in its database."""
    STORE.bind(app[keys.SESSIONS])
    yield
    if STORE.sessions is app[keys.SESSIONS]:
        STORE.bind(None)


def _library(request: web.Request):  # type: ignore[no-untyped-def]
    return request.app[keys.AUDIO]


def bulletin_path(bulletin: Bulletin) -> str:
    """Where a built bulletin is downloaded: its readable file name ends the address, so a
    download (or wget onto a USB stick) is named ban-tin-kien-hai-2026-12-07.mp3."""
    if bulletin.file_name:
        return f"/audio/bulletins/{bulletin.id}/{bulletin.file_name}"
    return f"/audio/clips/{bulletin.clip_key}.mp3"


async def library(request: web.Request) -> web.Response:
    lib = _library(request)
    content = request.app[keys.CONTENT]
    topic = request.query.get("topic", "")
    locality = request.query.get("locality", "")
    if locality and locality not in content.localities:
        locality = ""
    async with request.app[keys.SESSIONS]() as db:
        listed = await lib.published(db, locality or None)
    if locality:  # the library lists a locality's own bulletins; its playlist adds the common
        listed = [b for b in listed if b.locality_id == locality]
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
        bulletins=[(b, bulletin_path(b)) for b in listed],
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


async def bulletin_file(request: web.Request) -> web.StreamResponse:
    async with request.app[keys.SESSIONS]() as db:
        bulletin = await db.get(Bulletin, int(request.match_info["id"]))
    if bulletin is None or bulletin.file_name != request.match_info["name"]:
        raise web.HTTPNotFound()
    path = _library(request).path(bulletin.clip_key)
    if path is None:
        raise web.HTTPNotFound()
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "audio/mpeg",
            "Content-Disposition": f'attachment; filename="{bulletin.file_name}"',
        },
    )


async def playlist(request: web.Request) -> web.Response:
    """/audio/playlist/{locality}.m3u (#EXTINF titles) or .txt (one address a line): the
    locality's bulletins and those for every locality, newest first, at absolute addresses."""
    content = request.app[keys.CONTENT]
    locality, ext = request.match_info["locality"], request.match_info["ext"]
    if locality not in content.localities:
        raise web.HTTPNotFound()
    lib = _library(request)
    base = request.app[keys.SETTINGS].public_url.rstrip("/")
    async with request.app[keys.SESSIONS]() as db:
        listed = [b for b in await lib.published(db, locality, limit=50) if lib.path(b.clip_key)]
    if ext == "txt":
        body = "".join(f"{base}{bulletin_path(b)}\r\n" for b in listed)
        return web.Response(text=body, content_type="text/plain", charset="utf-8")
    lines = ["#EXTM3U", f"#PLAYLIST:Bản tin {content.localities[locality].name}"]
    for b in listed:
        title = " ".join(b.title.split())  # one line, whatever the officer typed
        lines += [f"#EXTINF:{round(b.duration_s)},{title}", f"{base}{bulletin_path(b)}"]
    return web.Response(
        text="\r\n".join(lines) + "\r\n",
        content_type="audio/x-mpegurl",
        charset="utf-8",
        headers={"Content-Disposition": f'inline; filename="ban-tin-{locality}.m3u"'},
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/audio", library)
    app.router.add_get(r"/audio/clips/{key:[0-9a-f]+}.{ext:(mp3|txt)}", clip_file)
    app.router.add_get(r"/audio/bulletins/{id:\d+}/{name:[a-z0-9-]+\.mp3}", bulletin_file)
    app.router.add_get(r"/audio/playlist/{locality:[a-z0-9-]+}.{ext:(m3u|txt)}", playlist)
    app.cleanup_ctx.append(bind_pronunciations)
