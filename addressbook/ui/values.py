"""Field names and values written for people (push preview, conflict dialog)."""

from __future__ import annotations

from typing import Any

from addressbook.i18n import N_, _
from addressbook.kinds import kind_word
from addressbook.model import Address

FIELD_LABELS = {
    "display_name": N_("Name"),
    "given_name": N_("Given name"),
    "family_name": N_("Family name"),
    "nickname": N_("Nickname"),
    "organization": N_("Organisation"),
    "title": N_("Job title"),
    "emails": N_("Emails"),
    "phones": N_("Phones"),
    "addresses": N_("Addresses"),
    "urls": N_("Web pages"),
    "birthday": N_("Birthday"),
    "categories": N_("Categories"),
    "notes": N_("Notes"),
    "status": N_("Status"),
    "extra": N_("Other card properties"),
    "deleted": N_("Deleted"),
}


def field_label(name: str) -> str:
    """'organization' → 'Organisation' (translated)."""
    label = FIELD_LABELS.get(name)
    return _(label) if label else name.replace("_", " ").capitalize()


def _kinded(value: str, kind: str) -> str:
    """'0170 1103671 (mobile)': the kind in the user's words (addressbook/kinds.py)."""
    return _("{value} ({kind})").format(value=value, kind=kind_word(kind))


def value_text(name: str, value: Any) -> str:
    """A field's JSON-form value on one or a few lines ('—' for nothing)."""
    if value is None or value == "" or value == []:
        return "—"
    if name == "deleted":
        return _("deleted") if value else _("kept")
    if name == "urls":
        return "\n".join(_kinded(u.get("url", ""), u.get("kind", "")) for u in value)
    if name == "categories":
        return ", ".join(str(c) for c in value)
    if name == "emails":
        return "\n".join(_kinded(e.get("address", ""), e.get("kind", "")) for e in value)
    if name == "phones":
        return "\n".join(_kinded(p.get("number", ""), p.get("kind", "")) for p in value)
    if name == "addresses":
        lines = []
        for a in value:
            address = Address(
                kind=a.get("kind", "street"),
                lines=list(a.get("lines") or []),
                city=a.get("city", ""),
                region=a.get("region", ""),
                postcode=a.get("postcode", ""),
                country=a.get("country", ""),
            )
            lines.append(_kinded(address.one_line(), address.kind))
        return "\n".join(lines)
    return str(value)
