"""Small pieces of the main window: the detail pane's pages, the message bars, progress."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from addressbook.i18n import _
from addressbook.store import Record
from addressbook.ui.detail import ContactView
from addressbook.ui.icons import icon

if TYPE_CHECKING:
    from addressbook.ui.editor import ContactEditor


class DetailPane(QStackedWidget):
    """The right pane (objectName contactDetail): a hint, a contact's view, or the editor."""

    resolve_requested = Signal()
    editor_made = Signal(object)  # the editor, built: connect to its signals here

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contactDetail")
        self.setAccessibleName(_("Contact details"))
        self.hint = QLabel(_("Select a contact to see it here."))
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        # secondary text, not a disabled control: the palette's (accessible) muted colour
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.view_page = QWidget()
        layout = QVBoxLayout(self.view_page)
        layout.setContentsMargins(12, 8, 8, 8)
        self.banner = QFrame()
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        banner_layout = QHBoxLayout(self.banner)
        banner_icon = QLabel()
        banner_icon.setPixmap(icon("conflict").pixmap(16, 16))
        self.banner_text = QLabel(_("This contact was changed here and on the service."))
        self.banner_text.setWordWrap(True)
        self.resolve_button = QPushButton(_("&Resolve…"))
        self.resolve_button.setToolTip(_("Choose what to keep (Ctrl+R)"))
        self.resolve_button.clicked.connect(self.resolve_requested)
        banner_layout.addWidget(banner_icon)
        banner_layout.addWidget(self.banner_text, 1)
        banner_layout.addWidget(self.resolve_button)
        self.banner.hide()
        self.view = ContactView()
        layout.addWidget(self.banner)
        layout.addWidget(self.view, 1)

        self.addWidget(self.hint)
        self.addWidget(self.view_page)
        self._editor: ContactEditor | None = None

    @property
    def editor(self) -> ContactEditor:
        """The form, built the first time it is asked for: the list is painted sooner
        without it (its module and widgets took 26 ms of the start)."""
        if self._editor is None:
            from addressbook.ui.editor import ContactEditor

            self._editor = ContactEditor()
            self.addWidget(self._editor)
            self.editor_made.emit(self._editor)
        return self._editor

    def show_hint(self, text: str | None = None) -> None:
        self.hint.setText(text or _("Select a contact to see it here."))
        self.setCurrentWidget(self.hint)

    def show_record(self, record: Record, account_label: str) -> None:
        self.view.show_record(record, account_label)
        self.banner.setVisible(record.state == "conflict")
        self.setCurrentWidget(self.view_page)

    def editing(self) -> bool:
        """True while the editor is shown."""
        return self._editor is not None and self.currentWidget() is self._editor


class MessageBar(QFrame):
    """An in-window, non-modal message with an optional action and a Details button."""

    closed = Signal()  # the user closed it

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.mark = QLabel()
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_button = QPushButton()
        self.details_button = QPushButton(_("Details…"))
        close = QToolButton()
        close.setIcon(icon("cancel"))
        close.setAutoRaise(True)
        close.setToolTip(_("Close this message"))
        close.setAccessibleName(_("Close message"))
        layout.addWidget(self.mark)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.details_button)
        layout.addWidget(close)
        close.clicked.connect(self._close)
        self.action_button.clicked.connect(self._act)
        self.details_button.clicked.connect(self._show_details)
        self._action: Callable[[], None] | None = None
        self._details = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(
        self,
        text: str,
        mark: str | None = None,
        action: tuple[str, Callable[[], None]] | None = None,
        details: str = "",
        hide_after_ms: int = 0,
    ) -> None:
        """Show text (with an icon, an action button, details) until closed or timed out."""
        self.text.setText(text)
        self.setAccessibleDescription(text)
        self.mark.setVisible(mark is not None)
        if mark:
            self.mark.setPixmap(icon(mark).pixmap(16, 16))
        self._action = action[1] if action else None
        self.action_button.setVisible(action is not None)
        if action:
            self.action_button.setText(action[0])
        self._details = details
        self.details_button.setVisible(bool(details))
        self.show()
        if hide_after_ms:
            self._timer.start(hide_after_ms)
        else:
            self._timer.stop()

    def _close(self) -> None:
        self.hide()
        self.closed.emit()

    def _act(self) -> None:
        action, self._action = self._action, None
        self.hide()
        if action is not None:
            action()

    def _show_details(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, _("Details"), self.text.text(), parent=self)
        box.setInformativeText(self._details)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setModal(False)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()


class JobProgress(QWidget):
    """One running job in the status bar: a label, a busy bar, Cancel."""

    cancel_requested = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(title)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setMaximumWidth(90)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(title)
        self.cancel = QToolButton()
        self.cancel.setIcon(icon("cancel"))
        self.cancel.setAutoRaise(True)
        self.cancel.setToolTip(_("Cancel: {title}").format(title=title))
        self.cancel.setAccessibleName(_("Cancel: {title}").format(title=title))
        self.cancel.clicked.connect(self._cancel)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)

    def update_progress(self, done: int, total: int | None, message: str) -> None:
        self.label.setText(message)
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))

    def _cancel(self) -> None:
        self.cancel.setEnabled(False)
        self.label.setText(_("{title} — cancelling…").format(title=self.label.text()))
        self.cancel_requested.emit()
