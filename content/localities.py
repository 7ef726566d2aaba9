"""Names and provinces of stored localities (content locality ids or unit codes)."""

from __future__ import annotations

from content.loader import Content
from content.places import Places

PLACES = Places()  # the administrative units, loaded on first use


def locality_name(content: Content, locality_id: str | None) -> str | None:
    """The name a citizen or an officer reads for a stored locality."""
    if not locality_id:
        return None
    if locality_id in content.localities:
        return content.localities[locality_id].name
    return PLACES.describe(locality_id)


def province_code(content: Content, locality_id: str | None) -> str | None:
    """Today's province of a stored locality, for local contacts."""
    if not locality_id:
        return None
    loc = content.localities.get(locality_id)
    if loc is not None:
        return loc.province_code
    return PLACES.province_code_of(locality_id)
