"""Bulletins in the dashboard: scripts, background builds and officers' own recordings.

A draft's script (generated text and uploaded recordings, in order) is edited before it is built;
the build runs in the background with its progress; recordings (MP3/WAV/OGG) are decoded and
loudness-matched."""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

from aiohttp import web
from sqlalchemy import or_, select

from app import keys
from audio.bulletins import RecordingError, clean_script, decode_upload, save_recording
from audio.bulletins import recording_path as stored_recording
from dashboard.access import OFFICER_KEY, require_role
from dashboard.login import check_csrf, read_session
from dashboard.views import render_page
from db.office import AudioRecording, Bulletin, Officer
from db.officers import audit

BUILDS = web.AppKey("bulletin_builds", set)  # running build tasks, kept so none is collected
STATUS_LABELS = {
    "draft": "Bản nháp",
    "building": "Đang thu âm",
    "ready": "Đã thu âm xong",
    "failed": "Thu âm không được",
}
TOO_BIG = "Tệp quá lớn: tối đa {mb:.0f} MB. Hãy cắt ngắn hoặc nén lại rồi tải lên."
FIELD_LIMIT = 4096
INTERRUPTED = "Lần thu âm trước bị gián đoạn. Hãy bấm “Lưu và thu âm” lần nữa."


def _library(request: web.Request):  # type: ignore[no-untyped-def]
    return request.config_dict[keys.AUDIO]


def _may_act_for(officer: Officer, locality_id: str | None) -> bool:
    return officer.role == "admin" or not officer.locality_id or locality_id == officer.locality_id


async def _recordings(db, officer: Officer) -> list[AudioRecording]:  # type: ignore[no-untyped-def]
    query = select(AudioRecording).order_by(AudioRecording.id.desc()).limit(100)
    if officer.role != "admin" and officer.locality_id:
        query = query.where(
            or_(
                AudioRecording.locality_id == officer.locality_id,
                AudioRecording.locality_id.is_(None),
            )
        )
    return list((await db.execute(query)).scalars())


async def index(request: web.Request) -> web.Response:
    officer = request[OFFICER_KEY]
    content = request.config_dict[keys.CONTENT]
    ids = [i for i in request.query.get("faq", "").split(",") if i in content.entries]
    text = "\n\n".join(_library(request).entry_text(content.entries[i]) for i in ids)
    async with request.config_dict[keys.SESSIONS]() as db:
        query = select(Bulletin).order_by(Bulletin.id.desc()).limit(50)
        if officer.role != "admin" and officer.locality_id:
            query = query.where(Bulletin.locality_id == officer.locality_id)
        bulletins = list((await db.execute(query)).scalars())
        recordings = await _recordings(db, officer)
    return render_page(
        request,
        "bulletins.html",
        text=text,
        bulletins=bulletins,
        recordings=recordings,
        labels=STATUS_LABELS,
        localities=list(content.localities.values()),
        can_act=officer.role in ("admin", "officer"),
        max_mb=request.config_dict[keys.SETTINGS].audio_upload_max_bytes / 1024 / 1024,
    )


async def create(request: web.Request) -> web.StreamResponse:
    """A new draft: title, locality, intro and a first text segment; then its editor."""
    officer = require_role(request, "admin", "officer")
    form = await check_csrf(request)
    title = str(form.get("title", "")).strip()[:200]
    text = str(form.get("text", "")).strip()[:6000]
    locality = str(form.get("locality", "")).strip()[:64] or None
    intro = str(form.get("intro", "")).strip()[:200] or None
    if not title:
        raise web.HTTPBadRequest(text="Hãy ghi tên bản tin.")
    if not _may_act_for(officer, locality):
        raise web.HTTPForbidden(text="Bạn chỉ làm được bản tin cho địa phương của mình.")
    segments = [{"kind": "text", "text": text}] if text else []
    async with request.config_dict[keys.SESSIONS]() as db:
        bulletin = Bulletin(
            title=title,
            locality_id=locality,
            text=text,
            clip_key="",
            duration_s=0.0,
            created_by=officer.id,
            script=clean_script({"intro": intro, "segments": segments}),
            status="draft",
        )
        db.add(bulletin)
        await db.flush()
        await audit(db, officer, "bulletin_create", str(bulletin.id), {"title": title})
        await db.commit()
    raise web.HTTPSeeOther(f"/dashboard/bulletins/{bulletin.id}")


async def _load(request: web.Request, db) -> Bulletin:  # type: ignore[no-untyped-def]
    bulletin = await db.get(Bulletin, int(request.match_info["id"]))
    if bulletin is None or not _may_act_for(request[OFFICER_KEY], bulletin.locality_id):
        raise web.HTTPNotFound()  # another locality's bulletin is reported as missing
    return bulletin


def _progress(request: web.Request, bulletin: Bulletin) -> dict[str, Any]:
    total = bulletin.progress_total or 0
    done = min(bulletin.progress_done or 0, total)
    status, error = bulletin.status, bulletin.error
    if status == "building" and not _library(request).is_building(bulletin):
        status, error = "failed", INTERRUPTED  # its worker stopped; it may be started again
    return {
        "status": status,
        "label": STATUS_LABELS.get(status, status),
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 0,
        "error": error,
    }


async def editor(request: web.Request) -> web.Response:
    officer = request[OFFICER_KEY]
    content = request.config_dict[keys.CONTENT]
    async with request.config_dict[keys.SESSIONS]() as db:
        bulletin = await _load(request, db)
        recordings = await _recordings(db, officer)
    script = clean_script(
        bulletin.script or {"segments": [{"kind": "text", "text": bulletin.text}]}
    )
    return render_page(
        request,
        "bulletin.html",
        b=bulletin,
        script=script,
        recordings=recordings,
        titles={r.id: r.title for r in recordings},
        p=_progress(request, bulletin),
        localities=list(content.localities.values()),
        can_act=officer.role in ("admin", "officer"),
        max_mb=request.config_dict[keys.SETTINGS].audio_upload_max_bytes / 1024 / 1024,
    )


def _edited_script(form: dict[str, Any], script: dict) -> dict:
    """The script as the form shows it (texts edited, segments removed, moved or added)."""
    segments = []
    for i in range(min(int(str(form.get("count", "0")) or 0), 40)):
        kind = str(form.get(f"kind_{i}", ""))
        if kind == "text":
            segments.append({"kind": "text", "text": str(form.get(f"text_{i}", ""))})
        elif kind == "recording":
            segments.append({"kind": "recording", "id": str(form.get(f"rec_{i}", ""))})
    action = str(form.get("action", "save"))
    verb, _, index = action.partition(":")
    i = int(index) if index.isdigit() else -1
    if verb == "remove" and 0 <= i < len(segments):
        segments.pop(i)
    elif verb == "up" and 0 < i < len(segments):
        segments[i - 1], segments[i] = segments[i], segments[i - 1]
    elif verb == "down" and 0 <= i < len(segments) - 1:
        segments[i], segments[i + 1] = segments[i + 1], segments[i]
    elif verb == "add_text" and str(form.get("new_text", "")).strip():
        segments.append({"kind": "text", "text": str(form["new_text"])})
    elif verb == "add_recording" and str(form.get("new_recording", "")).isdigit():
        segments.append({"kind": "recording", "id": str(form["new_recording"])})
    return clean_script({"intro": form.get("intro", script.get("intro")), "segments": segments})


async def save(request: web.Request) -> web.StreamResponse:
    """Saves the edited script; with action=build, starts the build in the background."""
    officer = require_role(request, "admin", "officer")
    form = await check_csrf(request)
    build = str(form.get("action", "")) == "build"
    async with request.config_dict[keys.SESSIONS]() as db:
        bulletin = await _load(request, db)
        if _library(request).is_building(bulletin):
            raise web.HTTPConflict(text="Bản tin này đang được thu âm. Hãy đợi xong rồi sửa.")
        script = _edited_script(form, clean_script(bulletin.script))
        allowed = {r.id for r in await _recordings(db, officer)}
        script["segments"] = [
            s for s in script["segments"] if s["kind"] == "text" or s["id"] in allowed
        ]
        title = str(form.get("title", bulletin.title)).strip()[:200] or bulletin.title
        locality = str(form.get("locality", bulletin.locality_id or "")).strip()[:64] or None
        if not _may_act_for(officer, locality):
            raise web.HTTPForbidden(text="Bạn chỉ làm được bản tin cho địa phương của mình.")
        if build and not script["segments"]:
            raise web.HTTPBadRequest(text="Kịch bản chưa có đoạn nào để thu âm.")
        bulletin.title, bulletin.locality_id, bulletin.script = title, locality, script
        bulletin.text = "\n\n".join(s["text"] for s in script["segments"] if s["kind"] == "text")
        if bulletin.status in ("ready", "failed"):
            bulletin.status = "draft"  # edited since its last build (the old clip stays)
        await db.flush()
        if build:
            if not await _library(request).start_build(db, bulletin.id):
                raise web.HTTPConflict(text="Bản tin này đang được thu âm. Hãy đợi xong.")
            await audit(db, officer, "bulletin_build", str(bulletin.id), {"title": title})
        await db.commit()
        bid = bulletin.id
    if build:
        _start(request, bid)
    raise web.HTTPSeeOther(f"/dashboard/bulletins/{bid}")


def _start(request: web.Request, bid: int) -> None:
    lib = request.config_dict[keys.AUDIO]
    task = asyncio.create_task(lib.build_bulletin(request.config_dict[keys.SESSIONS], bid))
    builds = request.config_dict[BUILDS]
    builds.add(task)
    task.add_done_callback(builds.discard)


async def progress(request: web.Request) -> web.Response:
    async with request.config_dict[keys.SESSIONS]() as db:
        bulletin = await _load(request, db)
    return web.json_response(_progress(request, bulletin), headers={"Cache-Control": "no-store"})


async def _field(part) -> str:  # type: ignore[no-untyped-def]
    data = bytearray()
    while chunk := await part.read_chunk(1024):
        data += chunk
        if len(data) > FIELD_LIMIT:
            raise web.HTTPBadRequest(text="Một ô trong biểu mẫu quá dài.")
    return data.decode("utf-8", "replace")


async def upload(request: web.Request) -> web.StreamResponse:
    """An officer's recording (multipart, read in chunks up to AUDIO_UPLOAD_MAX_BYTES), decoded,
    mastered and kept under a generated name; optionally added to a bulletin's script."""
    officer = require_role(request, "admin", "officer")
    limit = request.config_dict[keys.SETTINGS].audio_upload_max_bytes
    too_big = web.HTTPRequestEntityTooLarge(
        max_size=limit,
        actual_size=request.content_length or 0,
        text=TOO_BIG.format(mb=limit / 2**20),
    )
    if request.content_length and request.content_length > limit + 64 * 1024:
        raise too_big
    if not request.content_type.startswith("multipart/"):
        raise web.HTTPBadRequest(text="Hãy chọn một tệp ghi âm để tải lên.")
    fields: dict[str, str] = {}
    data = bytearray()
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if part.name == "file":
            while chunk := await part.read_chunk(64 * 1024):
                data += chunk
                if len(data) > limit:
                    raise too_big
        elif part.name:
            fields[part.name] = await _field(part)
    session = read_session(request)
    sent = fields.get("csrf", "")
    if not session or not sent or not hmac.compare_digest(sent, session["csrf"]):
        raise web.HTTPForbidden(text="Phiên làm việc không hợp lệ (CSRF). Hãy tải lại trang.")
    if not data:
        raise web.HTTPBadRequest(text="Hãy chọn một tệp ghi âm để tải lên.")
    try:
        samples = await asyncio.to_thread(decode_upload, bytes(data))
    except RecordingError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from exc
    folder = _library(request).folder
    key, _ = await asyncio.to_thread(save_recording, folder, samples)
    title = fields.get("title", "").strip()[:200] or "Bản thu âm"
    async with request.config_dict[keys.SESSIONS]() as db:
        recording = AudioRecording(
            key=key,
            title=title,
            locality_id=officer.locality_id,
            duration_s=samples.size / 44_100,
            size_bytes=len(data),
            created_by=officer.id,
        )
        db.add(recording)
        await db.flush()
        target = fields.get("bulletin", "")
        if target.isdigit():
            bulletin = await db.get(Bulletin, int(target))
            if bulletin is None or not _may_act_for(officer, bulletin.locality_id):
                raise web.HTTPNotFound()
            script = clean_script(bulletin.script)
            script["segments"].append({"kind": "recording", "id": recording.id})
            bulletin.script = clean_script(script)
        await audit(db, officer, "recording_upload", str(recording.id), {"title": title})
        await db.commit()
    raise web.HTTPSeeOther(
        f"/dashboard/bulletins/{target}" if target.isdigit() else "/dashboard/bulletins"
    )


async def recording_file(request: web.Request) -> web.StreamResponse:
    path = stored_recording(_library(request).folder, request.match_info["key"])
    if path is None:
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Content-Type": "audio/mpeg"})


async def _cancel_builds(app: web.Application) -> None:
    for task in list(app[BUILDS]):
        task.cancel()
    await asyncio.gather(*app[BUILDS], return_exceptions=True)


def setup(app: web.Application) -> None:
    app[BUILDS] = set()
    app.on_shutdown.append(_cancel_builds)
    app.router.add_get("/bulletins", index)
    app.router.add_post("/bulletins", create)
    app.router.add_post("/bulletins/recordings", upload)
    app.router.add_get(r"/bulletins/recordings/{key:[0-9a-f]{32}}.mp3", recording_file)
    app.router.add_get(r"/bulletins/{id:\d+}", editor)
    app.router.add_post(r"/bulletins/{id:\d+}", save)
    app.router.add_get(r"/bulletins/{id:\d+}/progress", progress)
