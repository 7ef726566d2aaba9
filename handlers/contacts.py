"""Contacts of offices: what is known and what is missing, its source and the day it was checked.

Officers' corrections (db/contacts.py) are shown over the files'. A checked, sourced number also
goes with the reply as a number to call (a dial button where the channel has them)."""

from __future__ import annotations

import re

from bot.context import Context
from bot.messages import Button, Phone, Reply
from content.guides import Contact
from content.localities import locality_name, province_code
from content.schema import NATIONAL, vn_date
from db.contacts import current_overrides, merged
from handlers.routing import Router

CONTACT_ROLE = "Chức vụ: {role}"
# A number no current source or officer confirmed: shown, but never as checked.
PHONE_UNVERIFIED = "Điện thoại: {phone} (số này chưa được kiểm tra lại, có thể đã thay đổi)"
OFFICER_SOURCE = "cán bộ cập nhật trên Cầu Nối"
CALL_LABEL = "Gọi {name}"
MAX_CALL_LABEL = 35  # characters of a button title (Zalo's template)
# Words a call label does without when it is too long: the office is the same without them.
SPARE_WORDS = (" nhà nước", " miễn phí")


def book(ctx: Context) -> dict[str, Contact]:
    """Every contact as citizens see it now: the content's, with officers' corrections."""
    return merged(ctx.content.contacts, current_overrides(ctx.session.bind))


def has_checked_phone(contact: Contact) -> bool:
    return bool(contact.phone and contact.phone_verified)


def dialable(contact: Contact) -> bool:
    """A number a citizen may be offered to call: checked (its source is current, or an officer
    called it) and sourced (the file's source, or the officer who checked it)."""
    sourced = contact.source or contact.source_url or contact.checked_by
    return has_checked_phone(contact) and bool(sourced)


def call_label(name: str) -> str:
    """The dial button's title, "Gọi <office>", within MAX_CALL_LABEL characters: without what
    is in brackets, then without the spare words, then cut after a whole word with "…"."""
    name = re.sub(r"\s*\([^)]*\)", "", name).strip()
    label = CALL_LABEL.format(name=name)
    for spare in SPARE_WORDS:
        if len(label) > MAX_CALL_LABEL:
            label = label.replace(spare, "")
    if len(label) <= MAX_CALL_LABEL:
        return label
    words = label.split()
    while len(" ".join(words)) >= MAX_CALL_LABEL:
        words.pop()
    return " ".join(words) + "…"


def phones(contacts: list[Contact]) -> tuple[Phone, ...]:
    """The dialable numbers of `contacts`, in their order, each once."""
    found: dict[str, Phone] = {}
    for contact in contacts:
        if dialable(contact) and contact.phone not in found:
            assert contact.phone is not None
            found[contact.phone] = Phone(call_label(contact.name), contact.phone)
    return tuple(found.values())


def render(ctx: Context, contact: Contact) -> str:
    msgs = ctx.msgs
    lines = [contact.name]
    if contact.role:
        lines.append(CONTACT_ROLE.format(role=contact.role))
    if has_checked_phone(contact):
        lines.append(msgs.contact_phone.format(phone=contact.phone))
    elif contact.phone:
        lines.append(PHONE_UNVERIFIED.format(phone=contact.phone))
    else:
        lines.append(msgs.contact_phone_missing)
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
    if contact.source:
        source = ctx.content.sources[contact.source].citation()
    else:
        source = contact.source_url or OFFICER_SOURCE
    checked = vn_date(contact.checked)
    lines.append(msgs.contact_source.format(source=source, checked=checked))
    return "\n".join(lines)


def national(contacts: dict[str, Contact], kind: str) -> list[Contact]:
    return [c for c in contacts.values() if c.kind == kind and NATIONAL in c.localities]


def for_province(ctx: Context, kind: str, province_code: str | None) -> list[Contact]:
    """Contacts of a kind for a province, then the national ones."""
    contacts = book(ctx)
    local = [
        c
        for c in contacts.values()
        if c.kind == kind and province_code and c.province_code == province_code
    ]
    return local + national(contacts, kind)


def directory(ctx: Context) -> list[Reply]:
    """Every contact for the citizen's locality and province, then the national ones."""
    contacts = book(ctx)
    locality = ctx.citizen.locality_id
    code = province_code(ctx.content, locality)
    found = [
        c
        for c in contacts.values()
        if (locality and locality in c.localities) or (code and c.province_code == code)
    ]
    found += [c for c in contacts.values() if NATIONAL in c.localities]
    if code:
        header = ctx.msgs.contacts_header.format(place=locality_name(ctx.content, locality))
        buttons: tuple[Button, ...] = (ctx.menu_button(),)
    else:
        header = ctx.msgs.contacts_no_locality
        buttons = (Button(ctx.msgs.menu_locality, "m:loc"), ctx.menu_button())
    text = "\n\n".join([header, *(render(ctx, c) for c in found)])
    return [Reply(text, buttons, phones=phones(found))]


router = Router("contacts", commands={"lienhe": "m:contacts"}, items={"contacts": directory})
