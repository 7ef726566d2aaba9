"""Announcements (thông báo) for citizens: subscribe for their locality, leave with one word.

A subscription needs a locality: without one the locality chooser runs first and the
subscription is made when the place is chosen. It then follows the citizen's locality.
Leaving: "hủy thông báo" and the like leave at any time; a one-word "HỦY" / "DỪNG" / "STOP"
leaves when no conversation is under way, and in a running one cancels that first (the citizen
is told to send it again to leave)."""

from __future__ import annotations

from bot.context import IDLE, Context
from bot.messages import Button, Reply
from content.localities import locality_name, province_code
from content.normalize import nfc
from content.schema import NATIONAL
from db import subscriptions as stored
from handlers import locality
from handlers.menu import menu
from handlers.routing import Phrase, Router, Stage


def _place_of(ctx: Context) -> str | None:
    locality_id = ctx.citizen.locality_id
    return locality_id if locality_id and locality_id != NATIONAL else None


async def start(ctx: Context) -> list[Reply]:
    """Subscribes ("Đăng ký nhận thông báo"), or asks for the locality first."""
    current = await stored.subscription_of(ctx.session, ctx.citizen.id)
    if current is not None:
        place = locality_name(ctx.content, current.locality_id) or current.locality_id
        buttons = (
            Button(ctx.msgs.btn_unsubscribe, "sub:off"),
            Button(ctx.msgs.menu_locality, "m:loc"),
            ctx.menu_button(),
        )
        return [Reply(ctx.msgs.subscribe_already.format(place=place), buttons)]
    if _place_of(ctx) is None:
        chooser = locality.prompt(ctx)[0]
        ctx.data["then"] = locality.THEN_SUBSCRIBE
        return [Reply(f"{ctx.msgs.subscribe_need_locality}\n\n{chooser.text}", chooser.buttons)]
    place = await _subscribe(ctx)
    return [menu(ctx, ctx.msgs.subscribed.format(place=place))]


async def _subscribe(ctx: Context) -> str:
    """Subscribes the citizen for their locality; returns the locality's name."""
    locality_id = ctx.citizen.locality_id
    assert locality_id is not None
    code = province_code(ctx.content, locality_id)
    await stored.subscribe(ctx.session, ctx.citizen.id, locality_id, code, ctx.now)
    return locality_name(ctx.content, locality_id) or locality_id


async def leave(ctx: Context) -> list[Reply]:
    """Unsubscribes; "Đăng ký nhận thông báo" in the menu subscribes again."""
    ctx.clear_state()
    left = await stored.leave(ctx.session, ctx.citizen.id)
    return [menu(ctx, ctx.msgs.unsubscribed if left else ctx.msgs.not_subscribed)]


def is_leave_word(ctx: Context, text: str) -> bool:
    """A one-word "HỦY", "huỷ", "dung", "DỪNG", "stop"… (accents as typed: "đúng" is not one)."""
    word = nfc(text).strip().strip(".!?…").strip().lower()
    return word in ctx.content.lexicon.leave_words


async def leave_word(ctx: Context) -> list[Reply]:
    """A one-word stop: leaves announcements when nothing is under way; in a running
    conversation it cancels that conversation first, as "hủy" always did."""
    subscribed = await stored.subscription_of(ctx.session, ctx.citizen.id) is not None
    if subscribed and ctx.state == IDLE:
        return await leave(ctx)
    ctx.clear_state()
    return [menu(ctx, ctx.msgs.cancelled_still_subscribed if subscribed else ctx.msgs.cancelled)]


async def subscribe_typed(ctx: Context) -> list[Reply]:
    """ "đăng ký nhận thông báo" typed, in any state: what runs ends, then subscribing."""
    ctx.clear_state()
    return await start(ctx)


router = Router(
    "subscriptions",
    commands={"thongbao": "m:sub", "huythongbao": "sub:off"},
    items={"sub": start},
    buttons={"sub:off": lambda ctx, _: leave(ctx)},
    phrases=(
        Phrase("leave_phrases", leave, Stage.STOP),  # "hủy thông báo": unambiguous
        Phrase(
            lambda ctx, text, _: is_leave_word(ctx, text),
            leave_word,
            Stage.STOP,
            unless_yes_no=True,
        ),
        Phrase("subscribe_phrases", subscribe_typed, Stage.ANY_STATE),
    ),
)
