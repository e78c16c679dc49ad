"""Contacts as text (the clipboard) and on paper or in a PDF file (QPrinter)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path

from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget

from addressbook.i18n import _
from addressbook.model import Contact
from addressbook.store import Record
from addressbook.ui.colours import readable_indicators


def contact_lines(contact: Contact) -> list[str]:
    """One contact as the lines a person would write on a card."""
    lines = [contact.display_name or _("(no name)")]
    head = " · ".join(p for p in (contact.title, contact.organization) if p)
    if head and head != contact.display_name:
        lines.append(head)
    lines += [email.address for email in contact.emails]
    lines += [phone.number for phone in contact.phones]
    for address in contact.addresses:
        lines.append(address.one_line())
    lines += [url.url for url in contact.urls]
    if contact.birthday:
        lines.append(_("Birthday: {date}").format(date=contact.birthday))
    return lines


def contacts_text(contacts: Sequence[Contact]) -> str:
    """Several contacts as text, a blank line between them."""
    return "\n\n".join("\n".join(contact_lines(c)) for c in contacts) + "\n"


def contacts_html(records: Sequence[Record], account_label: Callable[[str | None], str]) -> str:
    """The printed page: each contact a small block (name in bold, then its lines)."""
    blocks = []
    for record in records:
        lines = contact_lines(record.contact)
        body = "<br>".join(escape(line) for line in lines[1:])
        where = escape(account_label(record.account))
        blocks.append(
            f'<div style="margin-bottom:14px"><b style="font-size:12pt">{escape(lines[0])}</b>'
            f'<br><span style="color:#444">{where}</span><br>{body}</div>'
        )
    return "".join(blocks)


def print_records(
    parent: QWidget,
    records: Sequence[Record],
    account_label: Callable[[str | None], str],
    pdf_path: Path | None = None,
) -> bool:
    """Print the records (asking for the printer), or write them to `pdf_path`."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setDocName(_("Contacts"))
    if pdf_path is not None:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(pdf_path))
    else:
        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle(_("Print contacts"))
        readable_indicators(dialog)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
    document = QTextDocument()
    document.setHtml(contacts_html(records, account_label))
    document.print_(printer)
    return True
