"""Helpers for driving the window in tests."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget


def answer_modal(button: QMessageBox.StandardButton, seen: list[str] | None = None) -> None:
    """When a modal message box opens (soon), press `button` on it."""

    def attempt(tries: int = 0) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            if seen is not None:
                seen.append(box.text())
            box.button(button).click()
        elif tries < 200:
            QTimer.singleShot(10, lambda: attempt(tries + 1))

    QTimer.singleShot(0, attempt)


def find(parent: QWidget, kind: type, name: str) -> QWidget:
    """The child of that type and objectName (fails clearly if missing)."""
    widget = parent.findChild(kind, name)
    assert widget is not None, f"no {kind.__name__} named {name}"
    return widget
