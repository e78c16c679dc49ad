"""The screenshots of the README and the docs, taken from inside the demo (QWidget.grab).

Started by `addressbook demo` when ADDRESSBOOK_SCREENSHOTS names a folder: after the
first sync it shows the main window, the editor, the push preview and the conflict
dialog in turn, saves each as a PNG, and quits.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget

from addressbook.model import Patch, Phone
from addressbook.store import ALL

if TYPE_CHECKING:
    from addressbook.sandbox import Sandbox
    from addressbook.ui.main_window import MainWindow

log = logging.getLogger("addressbook.ui")
SETTLE_MS = 400  # let layouts and icons settle before a grab
# Set by tests/screenshots.py: a suffix for the file names ('-de', '-dark') and the palette.
SUFFIX_ENV = "ADDRESSBOOK_SCREENSHOTS_SUFFIX"
THEME_ENV = "ADDRESSBOOK_SCREENSHOTS_THEME"


class ScreenshotTour(QObject):
    """Walks through the window's main views and saves a PNG of each."""

    def __init__(self, window: MainWindow, sandbox: Sandbox, folder: Path) -> None:
        super().__init__(window)
        self.window = window
        self.sandbox = sandbox
        self.folder = folder
        self.started = False
        self.suffix = os.environ.get(SUFFIX_ENV, "")
        folder.mkdir(parents=True, exist_ok=True)
        if os.environ.get(THEME_ENV) == "dark":
            from addressbook.ui.colours import apply_accessible_palette, dark_palette

            app = QApplication.instance()
            assert isinstance(app, QApplication)
            app.setStyle("Fusion")
            app.setPalette(dark_palette())
            apply_accessible_palette(app)

    def start(self) -> None:
        """Begin (once: the tour's own sync ends in `idle` again)."""
        if self.started:
            return
        self.started = True
        self.window.resize(1280, 800)
        from addressbook.ui.people_dialog import join_suggested

        join_suggested(self.window)  # the README shows one row per person (ui/people_dialog.py)
        self._later(self.main_window)

    def _later(self, *steps: Callable[[], object]) -> None:
        """Run the steps in order once the window has settled."""

        def run() -> None:
            for step in steps:
                step()

        QTimer.singleShot(SETTLE_MS, run)

    def _save(self, widget: QWidget, name: str) -> None:
        path = self.folder / f"{name}{self.suffix}.png"
        widget.grab().save(str(path))
        print(f"screenshot: {path}", flush=True)

    def _pick(self, account: str | None, with_org: bool = True) -> int | None:
        """A synced contact that shows many fields (and no emoji: Xvfb has no emoji font)."""
        best, best_score = None, -1
        for record in self.window.store.records(self.window.store.search_ids("", account)[:300]):
            c = record.contact
            if record.state != "synced" or c.status != "active":
                continue
            text = f"{c.display_name}{c.organization}"
            if any(ord(ch) > 0xFFFF for ch in text):
                continue
            named_org = bool(c.organization) and c.organization != c.display_name
            score = 4 * (named_org or not with_org) + 2 * bool(c.addresses) + bool(c.phones)
            score += bool(c.emails) + bool(c.title)
            if score > best_score:
                best, best_score = record.id, score
        return best

    def main_window(self) -> None:
        contact_id = self._pick(ALL)
        if contact_id is not None:
            self.window.select_contact(contact_id)
            index = self.window.list_view.currentIndex()
            self.window.list_view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self._later(
            lambda: self._save(self.window, "main-window"), lambda: self._later(self.editor)
        )

    def editor(self) -> None:
        self.window.edit_contact()
        self._later(lambda: self._save(self.window, "editor"), self._editor_problem)

    def _editor_problem(self) -> None:
        """The editor with rules.py's sentence beside a field (a mistyped email)."""
        editor = self.window.editor
        row = editor.emails.add_row()
        row.focusables()[1].setText("jane.doe@example")  # type: ignore[attr-defined]
        self._later(lambda: self._save(self.window, "editor-problem"), self._after_editor)

    def _after_editor(self) -> None:
        self.window.cancel_edit()
        self._later(self.delete_person)

    def delete_person(self) -> None:
        """Delete on the person's row: the question (every account, or one)."""
        from addressbook.ui.people_dialog import DeletePersonDialog

        records = self.window.detail.view.shown_records
        if len(records) < 2:
            self._later(self.accounts)
            return
        dialog = DeletePersonDialog(self.window, records)
        dialog.show()
        self._later(
            lambda: self._save(dialog, "delete-person"),
            dialog.close,
            lambda: self._later(self.accounts),
        )

    def accounts(self) -> None:
        from addressbook.ui.accounts_dialog import AccountsDialog

        dialog = AccountsDialog(self.window)
        dialog.show()
        harvest = self._accounts_by_service().get("harvest")
        if harvest:
            dialog.reload(select=harvest)
        self._later(
            lambda: self._save(dialog, "accounts"),
            dialog.close,
            lambda: self._later(self.push_preview),
        )

    def _accounts_by_service(self) -> dict[str, str]:
        return {a.service: name for name, a in self.window.accounts.items()}

    def push_preview(self) -> None:
        from addressbook.ui.push_preview import PushPreviewDialog

        store = self.window.store
        for account in list(self.window.accounts)[:3]:
            contact_id = self._pick(account, with_org=False)
            record = store.get(contact_id) if contact_id is not None else None
            if record is None:
                continue
            phones = list(record.contact.phones)
            if phones:
                phones[0] = replace(phones[0], number="+44 20 7946 0999")
            contact = replace(record.contact, title="Head of Accounts", phones=phones)
            store.apply_patch(record.id, Patch.between(record.contact, contact), moved="keep")
        self.window.refresh()
        dialog = PushPreviewDialog(self.window)
        dialog.show()
        self._later(
            lambda: self._save(dialog, "push-preview"),
            dialog.close,
            lambda: self._later(self.make_conflict),
        )

    def make_conflict(self) -> None:
        name = self._accounts_by_service().get("harvest")
        if name is None:
            self._quit()
            return
        store = self.window.store
        contact_id = None
        for candidate in store.search_ids("", name):
            record = store.get(candidate)
            if record and record.state == "synced" and record.remote_id:
                contact_id = candidate
                break
        if contact_id is None:
            self._quit()
            return
        record = store.get(contact_id)
        assert record is not None and record.remote_id is not None
        local = replace(
            record.contact,
            title="Finance Director",
            phones=[*record.contact.phones[:1], Phone("+49 170 5550199", "mobile")],
        )
        store.apply_patch(contact_id, Patch.between(record.contact, local), moved="keep")
        service: Any = self.sandbox.servers["harvest"].service
        service.edit(
            record.remote_id,
            {"title": "Chief Financial Officer", "phone-mobile": "+49 151 5550123"},
        )
        self._conflict_id = contact_id
        self.window.jobs.idle.connect(self._conflict_synced)
        self.window.jobs.sync([name])

    def _conflict_synced(self) -> None:
        from addressbook.ui.conflict_dialog import ConflictDialog

        self.window.jobs.idle.disconnect(self._conflict_synced)
        record = self.window.store.get(self._conflict_id)
        conflict = self.window.store.conflict(self._conflict_id)
        if record is None or conflict is None:
            log.warning("screenshot tour: no conflict was made")
            self._quit()
            return
        self.window.select_contact(self._conflict_id)
        dialog = ConflictDialog(self.window, record, conflict)
        dialog.show()
        self._later(
            lambda: self._save(self.window, "main-window-conflict"),
            lambda: self._save(dialog, "conflict"),
            dialog.close,
            self._quit,
        )

    def _quit(self) -> None:
        QApplication.instance().quit()  # type: ignore[union-attr]
