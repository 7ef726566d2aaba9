"""Audio for citizens: the latest bulletin of their locality, and any FAQ answer read aloud."""

from __future__ import annotations

from bot.context import Context
from bot.messages import AudioRef, Reply
from handlers.menu import menu
from handlers.routing import Router


async def bulletin(ctx: Context) -> list[Reply]:
    if ctx.audio is None:
        return [menu(ctx, ctx.msgs.audio_unavailable)]
    latest = await ctx.audio.latest_bulletin(ctx.session, ctx.citizen.locality_id)
    if latest is None:
        return [menu(ctx, ctx.msgs.audio_unavailable)]
    minutes = max(1, round(latest.duration_s / 60))
    text = ctx.msgs.bulletin_reply.format(title=latest.title, minutes=minutes)
    audio = AudioRef(latest.clip_key, latest.title, ctx.audio.url(latest.clip_key))
    return [Reply(text, (ctx.menu_button(),), audio=audio)]


async def entry(ctx: Context, entry_id: str) -> list[Reply]:
    found = ctx.content.entries.get(entry_id)
    if found is None or ctx.audio is None:
        return [menu(ctx, ctx.msgs.unknown_button)]
    clip = await ctx.audio.clip_for_entry(found)
    audio = AudioRef(clip.key, found.questions[0], ctx.audio.url(clip.key))
    return [
        Reply(
            ctx.msgs.listen_reply.format(title=found.questions[0]),
            (ctx.menu_button(),),
            audio=audio,
        )
    ]


router = Router(
    "listen",
    commands={"bantin": "m:audio"},
    items={"audio": bulletin},
    buttons={"listen:": entry},
)
