"""Field names and values written for people (push preview, conflict dialog)."""

from __future__ import annotations

from typing import Any

from addressbook.model import Address

FIELD_LABELS = {
    "display_name": "Name",
    "given_name": "Given name",
    "family_name": "Family name",
    "organization": "Organisation",
    "title": "Job title",
    "emails": "Emails",
    "phones": "Phones",
    "addresses": "Addresses",
    "notes": "Notes",
    "status": "Status",
    "deleted": "Deleted",
}


def field_label(name: str) -> str:
    """'organization' → 'Organisation'."""
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def value_text(name: str, value: Any) -> str:
    """A field's JSON-form value on one or a few lines ('—' for nothing)."""
    if value is None or value == "" or value == []:
        return "—"
    if name == "deleted":
        return "deleted" if value else "kept"
    if name == "emails":
        return "\n".join(f"{e.get('address', '')} ({e.get('kind', '')})" for e in value)
    if name == "phones":
        return "\n".join(f"{p.get('number', '')} ({p.get('kind', '')})" for p in value)
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
            lines.append(f"{address.one_line()} ({address.kind})")
        return "\n".join(lines)
    return str(value)
