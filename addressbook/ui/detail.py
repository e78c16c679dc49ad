"""The detail pane's read-only view: every field, with links for email, phone and map."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from html import escape
from typing import Any, Protocol
from urllib.parse import quote, quote_plus

from PySide6.QtCore import QMimeData, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPalette
from PySide6.QtWidgets import QTextBrowser, QWidget

from addressbook.i18n import N_, _
from addressbook.kinds import address_label, email_label, entry_labels, phone_label, url_label
from addressbook.model import comparable
from addressbook.store import Record
from addressbook.ui.colours import problem_colour

MAP_SEARCH = "https://www.openstreetmap.org/search?query="

STATE_TEXT = {
    "local": N_("On this computer only"),
    "synced": N_("In step with the service"),
    "new": N_("New here: not yet sent to the service"),
    "modified": N_("Edited here: not yet sent to the service"),
    "conflict": N_("Changed here and on the service: choose what to keep"),
    "deleted": N_("Deleted here: the delete is not yet sent"),
}


def tel_url(number: str) -> str:
    """A tel: URL for a number as typed ('+44 (0)20 7946 0018' → 'tel:+4402079460018')."""
    digits = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    return "tel:" + quote(digits or number, safe="+")


def map_url(address_line: str) -> str:
    """A map search for an address written on one line."""
    return MAP_SEARCH + quote_plus(address_line)


def birthday_text(value: str) -> str:
    """A birthday in the user's locale: '05.03.1990' (de); '--03-05' (no year) as '5. März'."""
    from addressbook.i18n import format_date_medium, user_locale

    if not value.startswith("--"):
        return format_date_medium(value)
    locale = user_locale("LC_TIME")
    try:
        day = date(2000, int(value[2:4]), int(value[5:7]))
    except ValueError:
        return value
    if locale is None:
        return value
    from babel.dates import format_skeleton

    return format_skeleton("MMMMd", day, locale=locale)


def _row(label: str, value_html: str, muted: str) -> str:
    return (
        f'<tr><td style="color:{muted}; padding:3px 12px 3px 0" valign="top" align="right">'
        f'{escape(label)}</td><td style="padding:3px 0">{value_html}</td></tr>'
    )


def contact_html(record: Record, account_label: str, palette: QPalette) -> str:
    """The HTML of the view of one contact."""
    contact = record.contact
    muted = palette.color(QPalette.ColorRole.PlaceholderText).name()
    rows: list[str] = []
    labels = entry_labels(contact)  # another program's own labels ('assistant'), if kept
    for n, email in enumerate(contact.emails):
        link = f'<a href="mailto:{quote(email.address, safe="@+.")}">{escape(email.address)}</a>'
        rows.append(_row(labels.get(("emails", n)) or email_label(email.kind), link, muted))
    for n, phone in enumerate(contact.phones):
        link = f'<a href="{tel_url(phone.number)}">{escape(phone.number)}</a>'
        rows.append(_row(labels.get(("phones", n)) or phone_label(phone.kind), link, muted))
    for n, address in enumerate(contact.addresses):
        lines = [
            *address.lines,
            " ".join(p for p in (address.city, address.region, address.postcode) if p),
            address.country,
        ]
        text = "<br>".join(escape(line) for line in lines if line)
        text += (
            f'<br><a href="{escape(map_url(address.one_line()))}">{escape(_("Show on map"))}</a>'
        )
        rows.append(_row(labels.get(("addresses", n)) or address_label(address.kind), text, muted))
    for n, url in enumerate(contact.urls):
        link = f'<a href="{escape(url.url)}">{escape(url.url)}</a>'
        rows.append(_row(labels.get(("urls", n)) or url_label(url.kind), link, muted))
    if contact.nickname:
        rows.append(_row(_("nickname"), escape(contact.nickname), muted))
    if contact.birthday:
        rows.append(_row(_("birthday"), escape(birthday_text(contact.birthday)), muted))
    if contact.categories:
        rows.append(_row(_("categories"), escape(", ".join(contact.categories)), muted))
    if contact.given_name or contact.family_name:
        rows.append(_row(_("given name"), escape(contact.given_name), muted))
        rows.append(_row(_("family name"), escape(contact.family_name), muted))
    if contact.notes:
        notes = escape(contact.notes).replace("\n", "<br>")
        rows.append(_row(_("notes"), notes, muted))
    rows.append(_row(_("account"), escape(account_label), muted))
    state = _(STATE_TEXT.get(record.state, record.state))
    rows.append(_row(_("sync"), escape(state), muted))
    if contact.status != "active":
        status = {
            "archived": _("Archived on the service"),
            "read-only": _(
                "Read-only: the service keeps it locked (a data-protection request); it cannot be edited"
            ),
        }.get(contact.status, contact.status)
        rows.append(_row(_("status"), escape(status), muted))
    if record.message:
        rows.append(
            _row(
                _("last push"),
                f'<span style="color:{problem_colour(palette).name()}">{escape(record.message)}</span>',
                muted,
            )
        )
    organization = contact.organization if contact.organization != contact.display_name else ""
    subtitle = " · ".join(escape(p) for p in (contact.title, organization) if p)
    head = f'<h2 style="margin-bottom:2px">{escape(contact.display_name or _("(no name)"))}</h2>'
    if subtitle:
        head += f'<p style="margin-top:0; color:{muted}">{subtitle}</p>'
    return f'{head}<table cellspacing="0" style="margin-top:10px">{"".join(rows)}</table>'


# Badge colours of the accounts in a person's detail (white text on each), by service.
BADGE_COLOURS = {
    "xero": "#13708f",
    "xero-legacy": "#2f6d5b",
    "harvest": "#b5482b",
    "acuinvoice": "#6a4fb3",
    "": "#5b6770",
}
_SCALARS = (
    ("given_name", N_("given name")),
    ("family_name", N_("family name")),
    ("nickname", N_("nickname")),
    ("organization", N_("organisation")),
    ("title", N_("title")),
    ("birthday", N_("birthday")),
)


class PeopleSource(Protocol):
    """What the view asks the window about people."""

    def person_records(self, record: Record) -> list[Record] | None:
        """The records of the record's person to show together (None: show it alone)."""
        ...

    def account_label(self, account: str | None) -> str: ...

    def service_of(self, account: str | None) -> str: ...


# In a badge a name never breaks: 'sandbox-harvest' broke at its hyphen in a narrow pane.
# A word joiner (U+2060, invisible) follows each hyphen, and a space becomes a no-break
# space between two joiners (they mark it as the name's own, not the badge's padding).
# Only what is laid out: the view's text and what is copied are the name (readable_text).
_JOINER = "\u2060"
_NAME_SPACE = f"{_JOINER}\u00a0{_JOINER}"
_UNBROKEN = str.maketrans({" ": _NAME_SPACE, "-": f"-{_JOINER}"})


def readable_text(text: str) -> str:
    """The text of the view as a person reads it: the badges' names as they are."""
    return text.replace(_NAME_SPACE, " ").replace(_JOINER, "")


def _badge(text: str, colour: str) -> str:
    shown = escape(text).translate(_UNBROKEN)
    return f'<span style="background-color:{colour}; color:white">&nbsp;{shown}&nbsp;</span>'


def _entry_html(field: str, item: Any) -> tuple[str, str]:
    """(label, value HTML) of one list entry of a person's detail."""
    if field == "emails":
        address = item["address"]
        link = f'<a href="mailto:{quote(address, safe="@+.")}">{escape(address)}</a>'
        return email_label(item["kind"]), link
    if field == "phones":
        number = item["number"]
        return phone_label(item["kind"]), (f'<a href="{tel_url(number)}">{escape(number)}</a>')
    if field == "urls":
        url = item["url"]
        return url_label(item.get("kind", "")), f'<a href="{escape(url)}">{escape(url)}</a>'
    lines = [
        *item.get("lines", []),
        " ".join(p for p in (item.get("city"), item.get("region"), item.get("postcode")) if p),
        item.get("country", ""),
    ]
    return address_label(item.get("kind", "")), "<br>".join(escape(line) for line in lines if line)


def _agreeing_key(field: str, item: Any) -> str:
    """What two records' entries must share to be shown once: a phone number is the same
    number however it is spaced ('030 25551576' and '03025551576'), of the same kind."""
    if field == "phones":
        digits = "".join(ch for ch in item["number"] if ch.isdigit())
        if len(digits) >= 4:
            return f"{item['kind']}:{digits}"
    return str(comparable(field, [item])[0])


def person_html(
    records: Sequence[Record],
    label: Callable[[str | None], str],
    service: Callable[[str | None], str],
    palette: QPalette,
) -> str:
    """One person of several records: each field once where they agree, each differing
    value with the badges of the accounts that hold it."""
    muted = palette.color(QPalette.ColorRole.PlaceholderText).name()
    badges = {
        r.id: _badge(r.account or label(None), BADGE_COLOURS.get(service(r.account), "#5b6770"))
        for r in records
    }
    everyone = {r.id for r in records}

    def marks(holders: set[int]) -> str:
        if holders == everyone:
            return ""
        return " " + " ".join(badges[r.id] for r in records if r.id in holders)

    rows: list[str] = []
    for field in ("emails", "phones", "addresses", "urls"):
        entries: dict[str, tuple[Any, set[int]]] = {}
        for record in records:
            for item in record.contact.get(field):
                key = _agreeing_key(field, item)
                entries.setdefault(key, (item, set()))[1].add(record.id)
        for item, holders in entries.values():
            name, value = _entry_html(field, item)
            rows.append(_row(name, value + marks(holders), muted))
    for field, label_text in (*_SCALARS, ("categories", N_("categories")), ("notes", N_("notes"))):
        name = _(label_text)
        values: dict[str, set[int]] = {}
        for record in records:
            value = record.contact.get(field)
            if field == "categories":
                value = ", ".join(value)
            elif field == "birthday" and value:
                value = birthday_text(value)
            if value:
                values.setdefault(value, set()).add(record.id)
        for value, holders in values.items():
            text = escape(value).replace("\n", "<br>")
            rows.append(_row(name, text + marks(holders), muted))
    for record in records:
        state = _(STATE_TEXT.get(record.state, record.state))
        if record.message:
            red = problem_colour(palette).name()
            state += f' — <span style="color:{red}">{escape(record.message)}</span>'
        else:
            state = escape(state)
        rows.append(_row(_("record"), f"{badges[record.id]} {state}", muted))
    names: dict[str, set[int]] = {}
    for record in records:
        names.setdefault(record.contact.display_name or _("(no name)"), set()).add(record.id)
    first = records[0].contact.display_name or _("(no name)")
    head = f'<h2 style="margin-bottom:2px">{escape(first)}</h2>'
    others = [n for n in names if n != first]
    if others:
        head += "".join(f'<p style="margin-top:0">{escape(n)}{marks(names[n])}</p>' for n in others)
    count = _("One person in {accounts}").format(
        accounts=", ".join(dict.fromkeys(label(r.account) for r in records))
    )
    head += f'<p style="margin-top:0; color:{muted}">{escape(count)}</p>'
    return f'{head}<table cellspacing="0" style="margin-top:10px">{"".join(rows)}</table>'


class ContactView(QTextBrowser):
    """Shows one contact (or a person's records together); links open in the desktop's
    mail, phone or map handler."""

    link_opened = Signal(QUrl)
    person_shown = Signal(object)  # the person id on screen, None for a single record

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.anchorClicked.connect(self._open)
        self.setAccessibleName(_("Contact details"))
        self.people: PeopleSource | None = (
            None  # set by the window (ui/people_dialog.install_people)
        )
        self.shown_person: int | None = None
        self.shown_records: list[Record] = []

    def show_record(self, record: Record, account_label: str) -> None:
        """Show a contact; one of a person (in "All contacts") shows the whole person."""
        records = None
        if record.person is not None and self.people is not None:
            records = self.people.person_records(record)
        if records and len(records) > 1:
            people = self.people
            assert people is not None
            self.shown_person, self.shown_records = record.person, list(records)
            self.setHtml(
                person_html(records, people.account_label, people.service_of, self.palette())
            )
        else:
            self.shown_person, self.shown_records = None, [record]
            self.setHtml(contact_html(record, account_label, self.palette()))
        self.person_shown.emit(self.shown_person)

    def toPlainText(self) -> str:  # noqa: N802 - Qt's name
        """The text shown, the badges' names as they are (no joiners kept in them)."""
        return readable_text(super().toPlainText())

    def createMimeDataFromSelection(self) -> QMimeData:  # noqa: N802 - Qt's name
        """What is copied: the names as they are."""
        data = super().createMimeDataFromSelection()
        if data.hasText():
            data.setText(readable_text(data.text()))
        return data

    def _open(self, url: QUrl) -> None:
        self.link_opened.emit(url)
        QDesktopServices.openUrl(url)
