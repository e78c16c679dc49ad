"""File → Import… and Export… in the window: workers, a progress bar with Cancel, undo.

Import calls `addressbook.interchange.importer.import_file` in a worker with its own
Store; the summary (with its warnings) comes back to a message bar, and the import is
pushed on the undo stack. Export writes all contacts, one account's, or the selection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog, QInputDialog

from addressbook.connectors.base import CancelToken
from addressbook.errors import AddressbookError, Cancelled
from addressbook.i18n import _, ngettext
from addressbook.model import Contact, Patch
from addressbook.store import ALL, LOCAL, Store
from addressbook.ui.panes import JobProgress
from addressbook.ui.undo import UndoOperation

if TYPE_CHECKING:
    from addressbook.ui.main_window import MainWindow

log = logging.getLogger("addressbook.ui")

IMPORT_FILTER = "*.vcf *.vcard *.vcards *.csv"
EXPORT_FORMATS = (
    ("vcard", "*.vcf"),
    ("vcard3", "*.vcf"),
    ("csv", "*.csv"),
)


def _format_names() -> dict[str, str]:
    return {"vcard": _("vCard 4.0"), "vcard3": _("vCard 3.0"), "csv": _("CSV")}


def choose_and_import(window: MainWindow) -> None:
    """Ask for a file and import it."""
    path, _chosen = QFileDialog.getOpenFileName(
        window,
        _("Import contacts"),
        str(Path.home()),
        _("Contact files ({patterns})").format(patterns=IMPORT_FILTER),
    )
    if path:
        import_paths(window, [Path(path)])


def import_target(window: MainWindow) -> str | None:
    """Where imported contacts go: the account chosen on the left, else this computer."""
    account = window.current_account()
    return account if account not in (ALL, LOCAL, None) and account in window.accounts else None


def import_paths(window: MainWindow, paths: Sequence[Path]) -> None:
    """Import the files one after another, each in a worker."""
    queue = list(paths)
    if queue:
        _import_one(
            window, queue[0], import_target(window), lambda: import_paths(window, queue[1:])
        )


def _import_one(
    window: MainWindow, path: Path, account: str | None, then: Callable[[], None]
) -> None:
    try:
        from addressbook.interchange.importer import import_file
    except ImportError:
        window.show_status(_("Importing files is not available in this version."))
        return
    token = CancelToken()
    title = _("Importing {file}…").format(file=path.name)
    widget = JobProgress(title)
    widget.cancel_requested.connect(token.cancel)
    window.statusBar().addPermanentWidget(widget)
    database = window.store.path
    tasks = window.tasks

    def progress(done: int, total: int | None = None, *_rest: Any) -> None:
        tasks.run_on_main(lambda: widget.update_progress(done, total, title))

    def work() -> Any:
        with Store(database) as store:
            return import_file(store, path, account=account, progress=progress, cancel=token)

    def finish() -> None:
        window.statusBar().removeWidget(widget)
        widget.deleteLater()

    def done(result: Any) -> None:
        finish()
        _imported(window, path, account, result)
        then()

    def failed(error: BaseException) -> None:
        finish()
        if isinstance(error, Cancelled):
            window.show_status(_("Import cancelled; nothing was imported."))
        elif isinstance(error, AddressbookError):
            window.message_bar.show_message(str(error), "warning")
        else:
            window.message_bar.show_message(
                _("The import stopped on an internal error; nothing was lost."), "warning"
            )
        window.refresh()

    tasks.run(work, done, failed)


def _imported(window: MainWindow, path: Path, account: str | None, result: Any) -> None:
    created = list(getattr(result, "created_ids", []) or [])
    before: dict[int, Contact] = dict(getattr(result, "before", {}) or {})
    line = result.line() if hasattr(result, "line") else ""
    where = window.account_label(account)
    summary = _("{file} into {where}: {what}.").format(file=path.name, where=where, what=line)
    if getattr(result, "cancelled", False):
        summary = _("Import cancelled; what was read is kept ({what}).").format(what=line)
    warnings = [str(w) for w in (getattr(result, "warnings", None) or [])]
    if created or before:

        def undo() -> None:
            store = window.store
            with store.transaction():
                for contact_id in created:
                    record = store.get(contact_id)
                    if record is not None and record.state != "deleted":
                        store.delete(contact_id)
                for contact_id, old in before.items():
                    record = store.get(contact_id)
                    if record is not None:
                        store.apply_patch(
                            contact_id, Patch.between(record.contact, old), moved="keep"
                        )
            window.refresh()

        window.undo_stack.push(
            UndoOperation(_("Import of {file}").format(file=path.name), undo, "import")
        )
    window.refresh()
    if warnings:
        window.message_bar.show_message(
            summary
            + " "
            + ngettext(
                "{n} line was not imported.", "{n} lines were not imported.", len(warnings)
            ).format(n=len(warnings)),
            "warning",
            details="\n".join(warnings),
        )
    else:
        window.show_status(summary)


def export_dialog(window: MainWindow) -> None:
    """Ask what to export (the selection, the account, everything), the format and file."""
    choices: list[tuple[str, Callable[[], list[int]]]] = []
    selected = window.selected_ids()
    if len(selected) > 1:
        choices.append(
            (
                ngettext(
                    "The {n} selected contact", "The {n} selected contacts", len(selected)
                ).format(n=len(selected)),
                lambda: selected,
            )
        )
    account = window.current_account()
    if account not in (ALL, None):
        choices.append(
            (
                _("Every contact of {where}").format(
                    where=window.account_label(None if account == LOCAL else account)
                ),
                lambda: window.store.search_ids("", account),
            )
        )
    choices.append((_("All contacts"), lambda: window.store.search_ids("", ALL)))
    if len(selected) == 1:
        choices.append((_("The selected contact"), lambda: selected))
    if len(choices) > 1:
        label, ok = QInputDialog.getItem(
            window, _("Export"), _("&Export:"), [c[0] for c in choices], 0, False
        )
        if not ok:
            return
        ids = dict(choices)[label]()
    else:
        ids = choices[0][1]()
    names = _format_names()
    filters = [f"{names[fmt]} ({pattern})" for fmt, pattern in EXPORT_FORMATS]
    path, chosen = QFileDialog.getSaveFileName(
        window, _("Export contacts"), str(Path.home() / "contacts.vcf"), ";;".join(filters)
    )
    if not path:
        return
    fmt = EXPORT_FORMATS[filters.index(chosen)][0] if chosen in filters else "vcard"
    export_ids(window, ids, Path(path), fmt)


def export_ids(window: MainWindow, ids: list[int], path: Path, fmt: str) -> None:
    """Write the contacts to `path` in a worker; say how many when done."""
    from addressbook.interchange import export_contacts

    database = window.store.path

    def work() -> int:
        with Store(database) as store:
            contacts = [r.contact for r in store.records(ids) if r.state != "deleted"]
        text = export_contacts(contacts, fmt)
        path.write_text(text, encoding="utf-8", newline="")
        return len(contacts)

    def done(count: int) -> None:
        window.show_status(
            ngettext(
                "Exported {n} contact to {file}.", "Exported {n} contacts to {file}.", count
            ).format(n=count, file=path.name)
        )

    def failed(error: BaseException) -> None:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        window.message_bar.show_message(
            _("Could not write {file}: {reason}").format(file=path.name, reason=reason), "warning"
        )

    window.tasks.run(work, done, failed)
