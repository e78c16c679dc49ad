"""The window's undo stack: the last edit, delete, import or join, undone by Ctrl+Z.

Any code of the window pushes an `UndoOperation` (what it did, in words, and how to
undo it); `actionUndo` undoes the newest. An operation that cannot be undone any more
(the contact was sent and changed again) says so in one sentence by raising
AddressbookError from its `undo`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

LIMIT = 50


@dataclass(frozen=True)
class UndoOperation:
    """Something the user did that can be taken back."""

    text: str  # translated: 'the edit of Ada Lovelace', 'the delete of 3 contacts'
    undo: Callable[[], None]
    kind: str = ""  # 'edit', 'delete', 'import', 'join', 'split'…


class UndoStack(QObject):
    """The newest operation on top; `changed` fires when it grows or shrinks."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._operations: list[UndoOperation] = []

    def push(self, operation: UndoOperation) -> None:
        self._operations.append(operation)
        del self._operations[:-LIMIT]
        self.changed.emit()

    def can_undo(self) -> bool:
        return bool(self._operations)

    def top(self) -> UndoOperation | None:
        return self._operations[-1] if self._operations else None

    def undo(self) -> UndoOperation | None:
        """Undo the newest operation (it leaves the stack even if undoing it fails)."""
        if not self._operations:
            return None
        operation = self._operations.pop()
        self.changed.emit()
        operation.undo()
        return operation

    def clear(self) -> None:
        self._operations.clear()
        self.changed.emit()

    def __len__(self) -> int:
        return len(self._operations)
