"""Small helpers for the sentences the program shows (no Qt, no I/O)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from addressbook.i18n import N_, _, ngettext

_FIELD_LABELS = {
    "display_name": N_("name"),
    "given_name": N_("given name"),
    "family_name": N_("family name"),
    "nickname": N_("nickname"),
    "organization": N_("organisation"),
    "title": N_("job title"),
    "emails": N_("email"),
    "phones": N_("phone numbers"),
    "addresses": N_("addresses"),
    "urls": N_("web addresses"),
    "birthday": N_("birthday"),
    "categories": N_("categories"),
    "notes": N_("notes"),
    "status": N_("status"),
    "extra": N_("other card properties"),
}


def field_label(name: str) -> str:
    """A model field's name in the user's words ('job title'), translated."""
    label = _FIELD_LABELS.get(name)
    return _(label) if label else name


def field_labels(names: Iterable[str]) -> str:
    """Several field names in the user's words, joined: 'email, job title'."""
    return ", ".join(field_label(name) for name in names)


# A refusal names at most this many clients: an account of 40 would be a wall of names
# (the editor's organisation field offers every one as one types).
CLIENTS_NAMED = 8


def client_listing(clients: Sequence[str], typed: str = "") -> str:
    """The clients for a sentence: all of a few; else those nearest to what was typed, and
    how many more ('Acme Ltd, Acne Studio, … and 32 more')."""
    if not clients:
        return _("(the account has no clients yet)")
    if len(clients) <= CLIENTS_NAMED:
        return ", ".join(clients)
    shown = 5
    by_fold = {name.casefold(): name for name in clients}
    nearest = difflib.get_close_matches(typed.strip().casefold(), list(by_fold), shown, 0.0)
    names = [by_fold[n] for n in nearest] if typed.strip() else sorted(clients, key=str.casefold)
    more = len(clients) - shown
    return ngettext("{names} and {n} more", "{names} and {n} more", more).format(
        names=", ".join(names[:shown]), n=more
    )
