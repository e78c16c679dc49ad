"""The detail pane's read-only view: every field, with links for email, phone and map."""

from __future__ import annotations

from html import escape
from urllib.parse import quote, quote_plus

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPalette
from PySide6.QtWidgets import QTextBrowser, QWidget

from addressbook.store import Record

MAP_SEARCH = "https://www.openstreetmap.org/search?query="

STATE_TEXT = {
    "local": "On this computer only",
    "synced": "In step with the service",
    "new": "New here: not yet sent to the service",
    "modified": "Edited here: not yet sent to the service",
    "conflict": "Changed here and on the service: choose what to keep",
    "deleted": "Deleted here: the delete is not yet sent",
}
KIND_TEXT = {"ddi": "direct", "default": "main"}


def tel_url(number: str) -> str:
    """A tel: URL for a number as typed ('+44 (0)20 7946 0018' → 'tel:+4402079460018')."""
    digits = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    return "tel:" + quote(digits or number, safe="+")


def map_url(address_line: str) -> str:
    """A map search for an address written on one line."""
    return MAP_SEARCH + quote_plus(address_line)


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
    for email in contact.emails:
        link = f'<a href="mailto:{quote(email.address, safe="@+.")}">{escape(email.address)}</a>'
        rows.append(_row(f"email ({email.kind})", link, muted))
    for phone in contact.phones:
        link = f'<a href="{tel_url(phone.number)}">{escape(phone.number)}</a>'
        rows.append(_row(KIND_TEXT.get(phone.kind, phone.kind), link, muted))
    for address in contact.addresses:
        lines = [
            *address.lines,
            " ".join(p for p in (address.city, address.region, address.postcode) if p),
            address.country,
        ]
        text = "<br>".join(escape(line) for line in lines if line)
        text += f'<br><a href="{escape(map_url(address.one_line()))}">Show on map</a>'
        rows.append(_row(f"{address.kind} address", text, muted))
    if contact.given_name or contact.family_name:
        rows.append(_row("given name", escape(contact.given_name), muted))
        rows.append(_row("family name", escape(contact.family_name), muted))
    if contact.notes:
        notes = escape(contact.notes).replace("\n", "<br>")
        rows.append(_row("notes", notes, muted))
    rows.append(_row("account", escape(account_label), muted))
    state = STATE_TEXT.get(record.state, record.state)
    rows.append(_row("sync", escape(state), muted))
    if contact.status != "active":
        status = {
            "archived": "Archived on the service",
            "read-only": "Read-only: the service keeps it locked (a data-protection request); it cannot be edited",
        }.get(contact.status, contact.status)
        rows.append(_row("status", escape(status), muted))
    if record.message:
        rows.append(
            _row("last push", f'<span style="color:#c5221f">{escape(record.message)}</span>', muted)
        )
    organization = contact.organization if contact.organization != contact.display_name else ""
    subtitle = " · ".join(escape(p) for p in (contact.title, organization) if p)
    head = f'<h2 style="margin-bottom:2px">{escape(contact.display_name or "(no name)")}</h2>'
    if subtitle:
        head += f'<p style="margin-top:0; color:{muted}">{subtitle}</p>'
    return f'{head}<table cellspacing="0" style="margin-top:10px">{"".join(rows)}</table>'


class ContactView(QTextBrowser):
    """Shows one contact; links open in the desktop's mail, phone or map handler."""

    link_opened = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.anchorClicked.connect(self._open)
        self.setAccessibleName("Contact details")

    def show_record(self, record: Record, account_label: str) -> None:
        """Show a contact."""
        self.setHtml(contact_html(record, account_label, self.palette()))

    def _open(self, url: QUrl) -> None:
        self.link_opened.emit(url)
        QDesktopServices.openUrl(url)
