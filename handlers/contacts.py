"""Contacts of offices, shown with what is known and what is missing, and where it comes from."""

from __future__ import annotations

from content.guides import Contact
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
        c for c in ctx.content.contacts.values() if c.kind == kind and "toan-quoc" in c.localities
    ]
    return local + national
