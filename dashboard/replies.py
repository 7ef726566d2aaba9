"""Saved replies (/dashboard/replies): the answers officers give again and again.

Their own text, or "answer with FAQ entry X" (the entry's answer and its source, as the content
says it on the day it is used); inserted into an answer box, or answering many questions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from app import keys
from content.loader import Content
from dashboard import notices
from dashboard.access import OFFICER_KEY, require_role
from dashboard.login import check_csrf
from dashboard.views import ACTING_ROLES, render_page
from db.helpdesk import HelpdeskError, save_reply, saved_replies, saved_reply
from db.office import SavedReply
from db.officers import audit


def faq_text(content: Content, entry_id: str) -> str | None:
    """An FAQ entry's answer as the bot gives it: the answer, its caveat, "Nguồn: …"."""
    entry = content.entries.get(entry_id)
    return content.render_answer(entry) if entry is not None else None


def reply_text(content: Content, reply: SavedReply) -> str:
    """What a saved reply inserts: its own text, then the FAQ entry's answer and source."""
    parts = [reply.body] if reply.body else []
    if reply.faq_id:
        text = faq_text(content, reply.faq_id)
        if text is None:
            raise HelpdeskError(
                f"Mục hỏi đáp «{reply.faq_id}» không còn trong nội dung: "
                f"hãy sửa câu trả lời mẫu «{reply.title}»."
            )
        parts.append(text)
    return "\n\n".join(parts)


def reply_choices(content: Content, replies: list[SavedReply]) -> list[dict[str, Any]]:
    """The saved replies as an answer box offers them, with the text each inserts."""
    choices = []
    for reply in replies:
        try:
            text = reply_text(content, reply)
        except HelpdeskError:
            continue  # its FAQ entry is gone: listed on the replies page for repair only
        choices.append({"value": f"r:{reply.id}", "title": reply.title, "text": text})
    return choices


def _entry_label(content: Content, entry_id: str | None) -> str:
    entry = content.entries.get(entry_id or "")
    return f"{entry.questions[0]} ({entry.id})" if entry else f"không còn: {entry_id}"


async def replies_page(request: web.Request) -> web.StreamResponse:
    officer = request[OFFICER_KEY]
    content = request.config_dict[keys.CONTENT]
    async with request.config_dict[keys.SESSIONS]() as db:
        replies = await saved_replies(db, officer)
    editing = None
    if (wanted := request.query.get("sua", "")).isdigit():
        editing = next((r for r in replies if r.id == int(wanted)), None)
    rows = []
    for reply in replies:
        try:
            text, broken = reply_text(content, reply), False
        except HelpdeskError as exc:
            text, broken = str(exc), True
        rows.append(
            {
                "id": reply.id,
                "title": reply.title,
                "faq": _entry_label(content, reply.faq_id) if reply.faq_id else "",
                "text": text,
                "broken": broken,
            }
        )
    entries = sorted(
        content.entries.values(), key=lambda e: (content.topics[e.topic].title, e.questions[0])
    )
    response = render_page(
        request,
        "replies.html",
        rows=rows,
        editing=editing,
        entries=[
            {"id": e.id, "label": f"{content.topics[e.topic].title}: {e.questions[0]}"}
            for e in entries
        ],
        can_act=officer.role in ACTING_ROLES,
        notice=notices.take(request),
    )
    return notices.shown(request, response)


async def save(request: web.Request) -> web.StreamResponse:
    officer = require_role(request, *ACTING_ROLES)
    form = await check_csrf(request)
    content = request.config_dict[keys.CONTENT]
    faq_id = str(form.get("faq", "")).strip()[:64] or None
    if faq_id is not None and faq_id not in content.entries:
        raise web.HTTPBadRequest(text=f"Không có mục hỏi đáp «{faq_id}».")
    raw_id = str(form.get("id", "")).strip()
    now = dt.datetime.now(dt.UTC)
    async with request.config_dict[keys.SESSIONS]() as db:
        reply = None
        if raw_id:
            reply = await saved_reply(db, officer, int(raw_id)) if raw_id.isdigit() else None
            if reply is None:
                raise web.HTTPNotFound()
        try:
            reply = await save_reply(
                db,
                officer,
                reply,
                str(form.get("title", "")),
                str(form.get("body", "")),
                faq_id,
                now,
            )
        except HelpdeskError as exc:
            raise web.HTTPBadRequest(text=str(exc)) from exc
        await audit(db, officer, "save_reply", str(reply.id), {"title": reply.title})
        await db.commit()
        title = reply.title
    raise notices.done(request, "/dashboard/replies", f"Đã lưu câu trả lời mẫu «{title}».")


async def delete(request: web.Request) -> web.StreamResponse:
    officer = require_role(request, *ACTING_ROLES)
    await check_csrf(request)
    raw_id = request.match_info["id"]
    async with request.config_dict[keys.SESSIONS]() as db:
        reply = await saved_reply(db, officer, int(raw_id)) if raw_id.isdigit() else None
        if reply is None:
            raise web.HTTPNotFound()
        title = reply.title
        await db.delete(reply)
        await audit(db, officer, "delete_reply", raw_id, {"title": title})
        await db.commit()
    raise notices.done(request, "/dashboard/replies", f"Đã xóa câu trả lời mẫu «{title}».")


def setup(app: web.Application) -> None:
    app.router.add_get("/replies", replies_page)
    app.router.add_post("/replies", save)
    app.router.add_post("/replies/{id}/delete", delete)
