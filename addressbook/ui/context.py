"""What the dialogs need of the window: a narrow interface, not `MainWindow` itself.

The Accounts, conflict, copy, push-preview and import dialogs are written against
`WindowContext`; the main window provides it (and a test can provide another).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from addressbook.connectors.base import AccountConfig
    from addressbook.rules import Checker
    from addressbook.store import Store
    from addressbook.ui.jobs import JobRunner
    from addressbook.ui.tasks import TaskManager
    from addressbook.ui.undo import UndoStack


class WindowContext(Protocol):
    """The window as the dialogs see it."""

    store: Store
    checker: Checker
    accounts: dict[str, AccountConfig]
    tasks: TaskManager
    undo_stack: UndoStack
    offline: set[str]
    open_url_hook: Callable[[str], None] | None

    @property
    def jobs(self) -> JobRunner: ...

    def dialog_parent(self) -> QWidget:
        """The widget dialogs are opened over."""
        ...

    def account_label(self, account: str | None) -> str: ...

    def refresh(self) -> None:
        """Read the list, the counts and the shown contact again."""
        ...

    def reload_accounts(self) -> None: ...

    def select_contact(self, contact_id: int) -> bool: ...

    def show_status(self, text: str, msecs: int = 10000) -> None:
        """A passing line in the status bar (announced to screen readers)."""
        ...
