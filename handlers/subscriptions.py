"""Announcements (thông báo) for citizens: subscribe for their locality, leave with one word.

A subscription needs a locality: without one the locality chooser runs first and the
subscription is made when the place is chosen. It then follows the citizen's locality.
Leaving: "hủy thông báo" and the like leave at any time; a one-word "HỦY" / "DỪNG" / "STOP"
leaves when no conversation is under way, and in a running one cancels that first (the citizen
is told to send it again to leave)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.messages import Button, Reply
from content.normalize import nfc
from content.schema import NATIONAL
from db.models import Subscription
from handlers import locality
from handlers.context import IDLE, Context
from handlers.menu import menu

# Set in the conversation data while the locality chooser runs for a subscription.
THEN_SUBSCRIBE = "subscribe"


def _place_of(ctx: Context) -> str | None:
    locality_id = ctx.citizen.locality_id
    return locality_id if locality_id and locality_id != NATIONAL else None


async def subscription_of(ctx: Context) -> Subscription | None:
    return await ctx.session.scalar(
        select(Subscription).where(Subscription.citizen_id == ctx.citizen.id)
    )


async def start(ctx: Context) -> list[Reply]:
    """Subscribes ("Đăng ký nhận thông báo"), or asks for the locality first."""
    current = await subscription_of(ctx)
    if current is not None:
        place = locality.locality_name(ctx, current.locality_id) or current.locality_id
        buttons = (
            Button(ctx.msgs.btn_unsubscribe, "sub:off"),
            Button(ctx.msgs.menu_locality, "m:loc"),
            ctx.menu_button(),
        )
        return [Reply(ctx.msgs.subscribe_already.format(place=place), buttons)]
    if _place_of(ctx) is None:
        chooser = locality.prompt(ctx)[0]
        ctx.data["then"] = THEN_SUBSCRIBE
        return [Reply(f"{ctx.msgs.subscribe_need_locality}\n\n{chooser.text}", chooser.buttons)]
    place = await _subscribe(ctx)
    return [menu(ctx, ctx.msgs.subscribed.format(place=place))]


async def _subscribe(ctx: Context) -> str:
    """Subscribes the citizen for their locality; returns the locality's name."""
    locality_id = ctx.citizen.locality_id
    assert locality_id is not None
    ctx.session.add(
        Subscription(
            citizen_id=ctx.citizen.id,
            locality_id=locality_id,
            province_code=locality.province_code(ctx, locality_id),
            created_at=ctx.now,
        )
    )
    try:
        async with ctx.session.begin_nested():
            await ctx.session.flush()
    except IntegrityError:
        pass  # another worker subscribed this citizen a moment ago: subscribed either way
    return locality.locality_name(ctx, locality_id) or locality_id


async def follow_locality(ctx: Context, subscribe: bool) -> str | None:
    """After the citizen's locality changed: a subscription waiting for it is made, and an
    existing one moves with the citizen. Returns a sentence for the reply, if any."""
    if _place_of(ctx) is None:
        return None
    current = await subscription_of(ctx)
    if current is None:
        if not subscribe:
            return None
        return ctx.msgs.subscribed.format(place=await _subscribe(ctx))
    if current.locality_id == ctx.citizen.locality_id:
        return None
    current.locality_id = ctx.citizen.locality_id
    current.province_code = locality.province_code(ctx, current.locality_id)
    place = locality.locality_name(ctx, current.locality_id) or current.locality_id
    return ctx.msgs.subscription_moved.format(place=place)


async def leave(ctx: Context) -> list[Reply]:
    """Unsubscribes; "Đăng ký nhận thông báo" in the menu subscribes again."""
    ctx.clear_state()
    result = await ctx.session.execute(
        delete(Subscription).where(Subscription.citizen_id == ctx.citizen.id)
    )
    return [menu(ctx, ctx.msgs.unsubscribed if result.rowcount else ctx.msgs.not_subscribed)]


def is_leave_word(ctx: Context, text: str) -> bool:
    """A one-word "HỦY", "huỷ", "dung", "DỪNG", "stop"… (accents as typed: "đúng" is not one)."""
    word = nfc(text).strip().strip(".!?…").strip().lower()
    return word in ctx.content.lexicon.leave_words


async def leave_word(ctx: Context) -> list[Reply]:
    """A one-word stop: leaves announcements when nothing is under way; in a running
    conversation it cancels that conversation first, as "hủy" always did."""
    subscribed = await subscription_of(ctx) is not None
    if subscribed and ctx.state == IDLE:
        return await leave(ctx)
    ctx.clear_state()
    return [menu(ctx, ctx.msgs.cancelled_still_subscribed if subscribed else ctx.msgs.cancelled)]
