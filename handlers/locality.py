"""Choosing the citizen's locality, by button or by typing its name (old names too)."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.context import IDLE, Context
from bot.messages import Button, Reply
from content.localities import PLACES, locality_name, province_code
from content.normalize import fold
from content.places import Resolved
from content.schema import NATIONAL
from db import subscriptions
from db.subscriptions import Follow
from handlers.menu import greet, menu
from handlers.routing import Router

CHOOSING_LOCALITY = "choosing_locality"
MATCH_CUTOFF = 82
NONE_LISTED = "none"  # "Không có trong danh sách"
# Set in the conversation data while the chooser runs for a subscription ("Đăng ký nhận thông báo").
THEN_SUBSCRIBE = "subscribe"


@dataclass(frozen=True)
class Choice:
    locality_id: str  # a content locality id ("kien-hai") or a unit code ("p:91", "w:23332")
    name: str
    now: str | None  # what it is after the 2025 reorganisation, when the name is an old one


def prompt(ctx: Context) -> list[Reply]:
    ctx.set_state(CHOOSING_LOCALITY)
    return [Reply(ctx.msgs.locality_prompt, _buttons(ctx))]


def _buttons(ctx: Context) -> tuple[Button, ...]:
    buttons = [
        Button(
            f"{loc.name} ({loc.province})"
            if loc.province and loc.level != "province"
            else loc.name,
            f"loc:{loc.id}",
        )
        for loc in ctx.content.localities.values()
        if loc.id != NATIONAL
    ]
    return (*buttons, Button(ctx.msgs.btn_cancel, "cancel"))


def find_locality(ctx: Context, text: str) -> Choice | None:
    """The unit meant by `text`, as one of our content localities when it is one of theirs."""
    resolved = PLACES.find(text)
    if resolved is not None:
        return choice_of(ctx, resolved)
    typed = " ".join(ctx.index.normalizer.words(text))
    if not typed:
        return None
    names: dict[str, str] = {}
    for loc in ctx.content.localities.values():
        if loc.id != NATIONAL:
            for name in (loc.name, *loc.aliases):
                names[fold(name)] = loc.id
    found = process.extractOne(typed, list(names), scorer=fuzz.ratio, score_cutoff=MATCH_CUTOFF)
    if found:
        loc = ctx.content.localities[names[found[0]]]
        return Choice(loc.id, loc.name, loc.now)
    return None


def choice_of(ctx: Context, resolved: Resolved) -> Choice:
    """A resolved unit as the citizen's locality: one of ours when it is ours (the special zone
    Kiên Hải is what the district Kiên Hải of our plan became), else today's unit."""
    place = resolved.place
    label = place.label()
    short = fold(place.short)
    for loc in ctx.content.localities.values():
        same_unit = label in loc.units
        same_province = (
            loc.level == "province"
            and place.level == "province"
            and not place.legacy
            and loc.province_code == resolved.now_province_code
        )
        successor = (
            place.level == "ward"
            and not place.legacy
            and loc.level == "district"
            and loc.province_code == resolved.now_province_code
            and short in {fold(a) for a in loc.aliases}
        )
        if same_unit or same_province or successor:
            return Choice(loc.id, loc.name, loc.now)
    now = resolved.now_label() if place.legacy else None
    return Choice(resolved.code, label, now)


async def save(ctx: Context, choice: Choice) -> list[Reply]:
    then_subscribe = ctx.data.get("then") == THEN_SUBSCRIBE
    ctx.citizen.locality_id = choice.locality_id
    ctx.set_state(IDLE)
    text = ctx.msgs.locality_saved.format(name=choice.name)
    if choice.now:
        text += "\n" + ctx.msgs.locality_now.format(now=choice.now)
    # Announcements follow the citizen's locality; a subscription waiting for it is made now.
    note = await follow_locality(ctx, subscribe=then_subscribe)
    if note:
        text += "\n\n" + note
    reply = menu(ctx, f"{text}\n\n{ctx.msgs.menu_prompt}")
    return [Reply(reply.text, (*reply.buttons, Button(ctx.msgs.btn_contacts, "m:contacts")))]


async def follow_locality(ctx: Context, subscribe: bool) -> str | None:
    """After the citizen's locality changed: a subscription waiting for it is made, and an
    existing one moves with the citizen. Returns a sentence for the reply, if any."""
    place = ctx.citizen.locality_id
    if not place or place == NATIONAL:
        return None
    code = province_code(ctx.content, place)
    outcome = await subscriptions.follow(
        ctx.session, ctx.citizen.id, place, code, subscribe, ctx.now
    )
    if outcome is Follow.NONE:
        return None
    said = ctx.msgs.subscribed if outcome is Follow.SUBSCRIBED else ctx.msgs.subscription_moved
    return said.format(place=locality_name(ctx.content, place) or place)


async def choose(ctx: Context, locality_id: str) -> list[Reply]:
    """A pressed locality: one of ours, a unit offered by "Ý bạn là nơi nào?", or none."""
    if locality_id == NONE_LISTED:
        ctx.set_state(CHOOSING_LOCALITY, then=ctx.data.get("then"))
        return [Reply(ctx.msgs.locality_none_listed, (Button(ctx.msgs.btn_cancel, "cancel"),))]
    loc = ctx.content.localities.get(locality_id)
    if loc is not None:
        return await save(ctx, Choice(loc.id, loc.name, loc.now))
    name = PLACES.describe(locality_id) if locality_id[:2] in ("w:", "p:") else None
    if name is None:
        return [Reply(ctx.msgs.unknown_button, (ctx.menu_button(),))]
    offered = (ctx.data.get("offered") or {}).get(locality_id)
    return await save(ctx, Choice(offered or locality_id, name, None))


async def receive_name(ctx: Context, text: str) -> list[Reply]:
    found = PLACES.candidates(text)
    if len(found) > 1:
        return _which(ctx, text, found)
    choice = choice_of(ctx, found[0]) if found else find_locality(ctx, text)
    if choice:
        return await save(ctx, choice)
    return [Reply(ctx.msgs.locality_not_found.format(text=text[:80]), _buttons(ctx))]


def _which(ctx: Context, text: str, found: list[Resolved]) -> list[Reply]:
    """ "Ý bạn là nơi nào?": each candidate as (commune, where it is), then "not listed"."""
    buttons, offered = [], {}
    for resolved in found:
        place = resolved.place
        where = ", ".join(p for p in (place.district, place.province) if p)
        buttons.append(Button(f"{place.name} ({where})", f"loc:{resolved.code}"))
        offered[resolved.code] = choice_of(ctx, resolved).locality_id
    buttons += [Button(ctx.msgs.btn_locality_none, f"loc:{NONE_LISTED}")]
    buttons.append(Button(ctx.msgs.btn_cancel, "cancel"))
    ctx.set_state(CHOOSING_LOCALITY, offered=offered, then=ctx.data.get("then"))
    return [Reply(ctx.msgs.locality_which.format(text=text.strip()[:80]), tuple(buttons))]


async def start_command(ctx: Context, argument: str | None) -> list[Reply]:
    """/start: the welcome; a deep link printed by a commune ("/start kien-hai") opens the bot
    with its locality chosen."""
    ctx.clear_state()
    if argument and argument in ctx.content.localities:
        ctx.citizen.locality_id = argument
        await follow_locality(ctx, subscribe=False)
    return greet(ctx)


router = Router(
    "locality",
    commands={"diaphuong": "m:loc", "start": start_command},
    items={"loc": prompt},
    buttons={"loc:": choose},
    states={CHOOSING_LOCALITY: receive_name},
)
