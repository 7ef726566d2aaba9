"""Announcements in the dashboard: compose, preview, send once through the outbox, follow.

An announcement is for a locality in the officer's scope (text and an optional clip); the preview
shows it as citizens will receive it on each kind of channel."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from app import keys
from bot import announcements as svc
from bot.channel import Registry
from dashboard.access import OFFICER_KEY, require_role
from dashboard.login import check_csrf
from dashboard.views import render_page, vn_time
from db.office import Announcement, AnnouncementStatus, Bulletin, Officer
from db.officers import audit

LISTED = 100
CHANNEL_LABELS = {
    "telegram": "Telegram",
    "zalo": "Zalo OA",
    "zalo_bot": "Zalo Bot",
    "web": "web chat",
    "console": "dòng lệnh",
}
ALREADY_SENT = "Thông báo này đã được gửi. Bấm gửi lần nữa không gửi thêm tin nào."
MAKE_CLIP = "make"


def _content(request: web.Request):  # type: ignore[no-untyped-def]
    return request.config_dict[keys.CONTENT]


def _library(request: web.Request):  # type: ignore[no-untyped-def]
    return request.config_dict[keys.AUDIO]


def _visible(request: web.Request, announcement: Announcement) -> svc.Target | None:
    """The announcement's target if the officer may see it; 404 otherwise (another locality's
    announcement is reported as missing, as questions are)."""
    seen, target = svc.seen_by(_content(request), request[OFFICER_KEY], announcement.locality_id)
    if not seen:
        raise web.HTTPNotFound()
    return target


async def _load(request: web.Request, db) -> tuple[Announcement, svc.Target | None]:  # type: ignore[no-untyped-def]
    announcement = await db.get(Announcement, int(request.match_info["id"]))
    if announcement is None:
        raise web.HTTPNotFound()
    return announcement, _visible(request, announcement)


async def _audio_choices(request: web.Request, db, officer: Officer) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """Clips an announcement may carry: bulletins in the officer's scope, then answer clips."""
    content, lib = _content(request), _library(request)
    bulletins = (
        (await db.execute(select(Bulletin).order_by(Bulletin.id.desc()).limit(30))).scalars().all()
    )
    choices = [
        {"key": b.clip_key, "label": f"Bản tin: {b.title}"}
        for b in bulletins
        if lib.path(b.clip_key) is not None
        and (b.locality_id is None or svc.seen_by(content, officer, b.locality_id)[0])
    ]
    for entry_id, key in lib.index().items():
        entry = content.entries.get(entry_id)
        if entry is not None and lib.path(key) is not None:
            choices.append({"key": key, "label": f"Câu trả lời: {entry.questions[0]}"})
    return choices


async def index(request: web.Request) -> web.Response:
    return await _page(request)


async def _page(
    request: web.Request,
    status: int = 200,
    error: str | None = None,
    form: dict[str, Any] | None = None,
) -> web.Response:
    """The list and the form; after bad input, the form again with the error and what was
    typed (status 400)."""
    officer = request[OFFICER_KEY]
    content = _content(request)
    async with request.config_dict[keys.SESSIONS]() as db:
        rows = (
            (await db.execute(select(Announcement).order_by(Announcement.id.desc()).limit(LISTED)))
            .scalars()
            .all()
        )
        shown = []
        for a in rows:
            seen, target = svc.seen_by(content, officer, a.locality_id)
            if seen:
                shown.append((a, target))
        progress = await svc.progress_of(db, [a for a, _ in shown])
        audio = await _audio_choices(request, db, officer)
    items = [
        {
            "id": a.id,
            "title": a.title,
            "place": target.name if target else a.locality_id,
            "status": AnnouncementStatus.LABELS.get(a.status, a.status),
            "created": vn_time(a.created_at),
            "p": progress[a.id],
            "draft": a.status == AnnouncementStatus.DRAFT,
        }
        for a, target in shown
    ]
    return render_page(
        request,
        "announcements.html",
        status=status,
        items=items,
        targets=svc.targets_for(content, officer),
        audio=audio,
        can_act=officer.role in svc.ACTING_ROLES,
        error=error,
        form=form or {},
        max_text=svc.MAX_TEXT,
        max_title=svc.MAX_TITLE,
    )


async def create(request: web.Request) -> web.StreamResponse:
    officer = require_role(request, *svc.ACTING_ROLES)
    form = await check_csrf(request)
    values = {
        name: str(form.get(name, "")).strip()
        for name in ("locality", "code", "title", "text", "audio")
    }
    wanted = values["code"] or values["locality"]
    target = svc.resolve_target(_content(request), wanted[:64].lower())
    if target is None:
        message = (
            f"Không tìm thấy địa phương “{wanted[:64]}”. Hãy chọn trong danh sách, hoặc ghi mã "
            "xã, phường dạng w:12345 (tỉnh, thành phố: p:12)."
            if wanted
            else "Hãy chọn địa phương nhận thông báo."
        )
        return await _page(request, 400, message, values)
    if not svc.may_announce(officer, target):
        raise web.HTTPForbidden(text="Bạn chỉ gửi được thông báo trong địa bàn của mình.")
    try:
        title, text = svc.check_input(values["title"], values["text"])
    except svc.AnnouncementError as exc:
        return await _page(request, 400, str(exc), values)
    try:
        audio_key = await _audio_key(request, values["audio"], title, text, target)
    except svc.AnnouncementError as exc:
        return await _page(request, 400, str(exc), values)
    async with request.config_dict[keys.SESSIONS]() as db:
        announcement = await svc.create_draft(db, officer, target, title, text, audio_key)
        await audit(
            db,
            officer,
            "announcement_create",
            str(announcement.id),
            {"locality": target.locality_id, "title": title, "audio": audio_key},
        )
        await db.commit()
    raise web.HTTPSeeOther(f"/dashboard/announcements/{announcement.id}")


async def _audio_key(
    request: web.Request, choice: str, title: str, text: str, target: svc.Target
) -> str | None:
    """The clip the officer chose: none, one of the library, or one made from the text."""
    lib = _library(request)
    if not choice:
        return None
    if choice == MAKE_CLIP:
        try:
            clip = await lib.clip_for_text(f"{title}. {text}", title, unit=target.name)
        except Exception as exc:  # every engine failed: say so, keep what was typed
            raise svc.AnnouncementError(
                "Chưa thu âm được lời đọc (dịch vụ đọc văn bản không trả lời). Hãy thử lại, "
                "hoặc gửi thông báo không kèm âm thanh."
            ) from exc
        return clip.key
    if lib.path(choice[:64]) is None:
        raise svc.AnnouncementError("Không tìm thấy bản ghi âm đã chọn. Hãy chọn lại.")
    return choice[:64]


async def detail(request: web.Request) -> web.Response:
    officer = request[OFFICER_KEY]
    content = _content(request)
    lib = _library(request)
    async with request.config_dict[keys.SESSIONS]() as db:
        announcement, target = await _load(request, db)
        place = target.name if target else announcement.locality_id
        reach = await svc.reach(db, target) if target else {}
        progress = (await svc.progress_of(db, [announcement]))[announcement.id]
    audio_url = lib.url(announcement.audio_key) if announcement.audio_key else None
    channels = request.config_dict[keys.CHANNELS]
    variants = _variants(content.messages, channels, announcement, place, audio_url)
    meta = lib.meta(announcement.audio_key) if announcement.audio_key else None
    return render_page(
        request,
        "announcement.html",
        a=announcement,
        place=place,
        status_label=AnnouncementStatus.LABELS.get(announcement.status, announcement.status),
        created=vn_time(announcement.created_at),
        sent=vn_time(announcement.sent_at) if announcement.sent_at else None,
        done=vn_time(announcement.done_at) if announcement.done_at else None,
        variants=variants,
        audio_length=_length(meta["duration_s"]) if meta else None,
        reach=[
            {"channel": CHANNEL_LABELS.get(c, c), **counts} for c, counts in sorted(reach.items())
        ],
        reachable=sum(c["reachable"] for c in reach.values()),
        p=progress,
        is_draft=announcement.status == AnnouncementStatus.DRAFT,
        can_send=target is not None and svc.may_announce(officer, target),
        notice=ALREADY_SENT if request.query.get("notice") == "da-gui" else None,
    )


def _length(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} phút {rest} giây" if minutes else f"{rest} giây"


def _variants(  # type: ignore[no-untyped-def]
    msgs, channels: Registry, announcement: Announcement, place: str, audio_url: str | None
) -> list:
    """The message as each known channel shows it, channels showing the same text grouped;
    one variant when every channel receives the same text."""
    groups: dict[str, tuple[list[str], object]] = {}
    for name, caps in channels.known.items():
        shown = svc.render(msgs, announcement, place, caps, audio_url)
        groups.setdefault(shown.text, ([], shown))[0].append(CHANNEL_LABELS.get(name, name))
    if len(groups) == 1:
        return [{"label": "Trên mọi kênh", "r": next(iter(groups.values()))[1]}]
    return [{"label": "Trên " + ", ".join(names), "r": shown} for names, shown in groups.values()]


async def send(request: web.Request) -> web.StreamResponse:
    officer = require_role(request, *svc.ACTING_ROLES)
    await check_csrf(request)
    content = _content(request)
    lib = _library(request)
    async with request.config_dict[keys.SESSIONS]() as db:
        announcement, target = await _load(request, db)
        if target is None:
            raise web.HTTPBadRequest(
                text="Địa phương của thông báo này không còn trong dữ liệu; hãy soạn lại."
            )
        if not svc.may_announce(officer, target):
            raise web.HTTPForbidden(text="Bạn chỉ gửi được thông báo trong địa bàn của mình.")
        announcement_id = announcement.id  # the object expires if the send is refused
        audio_url = lib.url(announcement.audio_key) if announcement.audio_key else None
        sent = await svc.send(
            db,
            announcement_id,
            target,
            officer,
            content.messages,
            audio_url,
            request.config_dict[keys.CHANNELS],
        )
        if sent is None:
            await audit(db, officer, "announcement_send_refused", str(announcement_id))
            await db.commit()
            raise web.HTTPSeeOther(f"/dashboard/announcements/{announcement_id}?notice=da-gui")
        await audit(
            db,
            officer,
            "announcement_send",
            str(announcement_id),
            {"queued": sent.queued, "unreachable": sent.unreachable},
        )
        await db.commit()
    request.config_dict[keys.OUTBOX].wake()
    raise web.HTTPSeeOther(f"/dashboard/announcements/{announcement_id}")


async def progress(request: web.Request) -> web.Response:
    async with request.config_dict[keys.SESSIONS]() as db:
        announcement, _ = await _load(request, db)
        found = (await svc.progress_of(db, [announcement]))[announcement.id]
    return web.json_response(found.as_json())


def setup(app: web.Application) -> None:
    app.router.add_get("/announcements", index)
    app.router.add_post("/announcements", create)
    app.router.add_get(r"/announcements/{id:\d{1,9}}", detail)
    app.router.add_post(r"/announcements/{id:\d{1,9}}/send", send)
    app.router.add_get(r"/announcements/{id:\d{1,9}}/progress", progress)
