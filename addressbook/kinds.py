"""The words for the kinds of emails, phones, addresses and web pages, as a person reads them.

Every kind a person reads (the window, and the connectors' sentences about what a service
cannot keep) goes through these tables (marked with N_ here, translated
with _ where they are shown): the editor's kind choices (`kind_word`) and the labels of
the detail pane (`email_label`, `phone_label`, `address_label`, `url_label`). Each label
is one whole msgid ('street address'), never a kind glued into a sentence, and a kind
the tables do not know reads as its field's plain word, never as the stored key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from addressbook.i18n import N_, _

if TYPE_CHECKING:
    from addressbook.model import Contact

# A kind alone: the editor's choices beside an email, a number, an address, a web page.
KIND_WORDS = {
    "work": N_("work"),
    "home": N_("home"),
    "other": N_("other"),
    "mobile": N_("mobile"),
    "fax": N_("fax"),
    "ddi": N_("direct"),
    "default": N_("main"),
    "street": N_("street"),
    "postal": N_("postal"),
}
# The label of a value of that kind in the detail pane.
EMAIL_LABELS = {
    "work": N_("email (work)"),
    "home": N_("email (home)"),
    "other": N_("email (other)"),
}
PHONE_LABELS = {
    "work": N_("phone (work)"),
    "mobile": N_("mobile phone"),
    "fax": N_("fax"),
    "ddi": N_("direct line"),
    "default": N_("main number"),
    "other": N_("phone (other)"),
}
ADDRESS_LABELS = {
    "street": N_("street address"),
    "postal": N_("postal address"),
}
URL_LABELS = {
    "work": N_("web (work)"),
    "home": N_("web (home)"),
    "other": N_("web"),
}


def kind_word(kind: str) -> str:
    """The kind alone, in the user's language ('work' → 'geschäftlich')."""
    return _(KIND_WORDS[kind]) if kind in KIND_WORDS else _("other")


def email_label(kind: str) -> str:
    return _(EMAIL_LABELS[kind]) if kind in EMAIL_LABELS else _("email")


def phone_label(kind: str) -> str:
    return _(PHONE_LABELS[kind]) if kind in PHONE_LABELS else _("phone")


def address_label(kind: str) -> str:
    return _(ADDRESS_LABELS[kind]) if kind in ADDRESS_LABELS else _("address")


def url_label(kind: str) -> str:
    return _(URL_LABELS[kind]) if kind in URL_LABELS else _("web")


# Apple's own labels (X-ABLabel:_$!<HomePage>!$_) that none of our kinds says, in the
# user's words; a label Apple has and this table has not is shown split at its capitals.
APPLE_LABELS = {
    "homepage": N_("home page"),
    "assistantphone": N_("assistant"),
    "assistant": N_("assistant"),
    "pager": N_("pager"),
    "homefax": N_("home fax"),
    "workfax": N_("work fax"),
    "otherfax": N_("other fax"),
    "school": N_("school"),
    "main": N_("main"),
    "iphone": "iPhone",
    "anniversary": N_("anniversary"),
    "spouse": N_("spouse"),
    "partner": N_("partner"),
    "child": N_("child"),
    "parent": N_("parent"),
    "friend": N_("friend"),
}


def apple_label(name: str) -> str:
    """One of Apple's own labels ('HomePage' of '_$!<HomePage>!$_') in the user's words."""
    words = APPLE_LABELS.get(name.lower())
    if words is not None:
        return _(words)  # 'iPhone' is in no catalog: it comes back as it is
    spaced = "".join(
        f" {ch}" if ch.isupper() and i and name[i - 1].islower() else ch
        for i, ch in enumerate(name)
    )
    return spaced.lower()


def entry_labels(contact: Contact) -> dict[tuple[str, int], str]:
    """Another program's own labels of the contact's entries ({('phones', 1): 'assistant'},
    interchange.vcard.labels_of), for showing where the kind is shown.

    A card's labels are kept in `extra` as X-ABLABEL items: without one there is nothing
    to look up, and the vCard module (and vobject, 50 ms of the window's start, when it
    shows its first contact) is not imported at all.
    """
    if not any(item.get("name") == "X-ABLABEL" for item in contact.extra):
        return {}
    from addressbook.interchange.vcard import labels_of

    return labels_of(contact)
