"""Contacts of offices, shown with what is known and what is missing, and where it comes from."""

from __future__ import annotations

from bot.types import Button, Reply
from content.guides import Contact
from content.schema import NATIONAL
from handlers.context import Context


def render(ctx: Context, contact: Contact) -> str:
    msgs = ctx.msgs
    lines = [contact.name]
    lines.append(
        msgs.contact_phone.format(phone=contact.phone)
        if contact.phone
        else msgs.contact_phone_missing
    )
    if contact.kind != "legal_aid" or contact.province_code:
        lines.append(
            msgs.contact_address.format(address=contact.address)
            if contact.address
            else msgs.contact_address_missing
        )
    if contact.hours:
        lines.append(msgs.contact_hours.format(hours=contact.hours))
    if contact.note:
        lines.append(contact.note.strip())
    source = (
        ctx.content.sources[contact.source].citation() if contact.source else contact.source_url
    )
    checked = f"{contact.checked.day:02d}/{contact.checked.month:02d}/{contact.checked.year}"
    lines.append(msgs.contact_source.format(source=source, checked=checked))
    return "\n".join(lines)


def for_province(ctx: Context, kind: str, province_code: str | None) -> list[Contact]:
    """Contacts of a kind for a province, then the national ones."""
    local = [
        c
        for c in ctx.content.contacts.values()
        if c.kind == kind and province_code and c.province_code == province_code
    ]
    national = [
        c for c in ctx.content.contacts.values() if c.kind == kind and NATIONAL in c.localities
    ]
    return local + national


def directory(ctx: Context) -> list[Reply]:
    """Every contact for the citizen's locality and province, then the national ones."""
    from handlers.locality import locality_name, province_code

    locality = ctx.citizen.locality_id
    code = province_code(ctx, locality)
    found = [
        c
        for c in ctx.content.contacts.values()
        if (locality and locality in c.localities) or (code and c.province_code == code)
    ]
    found += [c for c in ctx.content.contacts.values() if NATIONAL in c.localities]
    if code:
        header = ctx.msgs.contacts_header.format(place=locality_name(ctx, locality))
        buttons: tuple[Button, ...] = (ctx.menu_button(),)
    else:
        header = ctx.msgs.contacts_no_locality
        buttons = (Button(ctx.msgs.menu_locality, "m:loc"), ctx.menu_button())
    return [Reply("\n\n".join([header, *(render(ctx, c) for c in found)]), buttons)]
