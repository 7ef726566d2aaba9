"""What viewers may see of citizens: phone numbers and names masked, on screen and in exports."""

from __future__ import annotations

import re
from collections.abc import Iterable

from db.office import Officer

PHONE = re.compile(r"(?<!\d)(\+?84|0)(\d[\d .]{7,11}\d)")
NO_NAME = "(không tên)"


def masks_for(officer: Officer | None) -> bool:
    """Whether this account sees citizens masked: viewers do; officers and admins do not."""
    return officer is not None and officer.role == "viewer"


def mask_name(name: str | None, masked: bool) -> str:
    """A citizen's name for display: "Nguyễn Thị Lan" becomes "N*** T*** L***" when masked."""
    if not name or not name.strip():
        return NO_NAME
    if not masked:
        return name
    return " ".join(part[0] + "***" for part in name.split())


def mask(text: str | None, masked: bool, names: Iterable[str | None] = ()) -> str:
    """Citizen text for display: when masked, phone numbers keep their first three and last two
    digits, and each given name (the citizen's, wherever it is written) is masked by
    `mask_name`."""
    if text is None:
        return ""
    if not masked:
        return text
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        hidden = mask_name(name, True)
        text = re.sub(re.escape(name), lambda _, hidden=hidden: hidden, text, flags=re.IGNORECASE)
    return PHONE.sub(lambda m: m.group(0)[:3] + "****" + m.group(0)[-2:], text)
