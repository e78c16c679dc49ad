"""What the service refused at the last push: one sentence per contact, a button to fix it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from addressbook.i18n import _, ngettext

if TYPE_CHECKING:
    from addressbook.ui.context import WindowContext


class RefusalsDialog(QDialog):
    """Each refused contact: its name and the service's reason, and Edit… to fix it."""

    edit_requested = Signal(int)  # contact id

    def __init__(self, window: WindowContext, account: str, refused: Sequence[object]) -> None:
        super().__init__(window.dialog_parent())
        self.setObjectName("refusalsDialog")
        self.setWindowTitle(_("Refused by {account}").format(account=account))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(640, min(520, 160 + 56 * len(refused)))
        intro = QLabel(
            ngettext(
                "{account} refused {n} contact. Fix it and press Push again; it waits here "
                "until then.",
                "{account} refused {n} contacts. Fix each and press Push again; they wait "
                "here until then.",
                len(refused),
            ).format(account=account, n=len(refused))
        )
        intro.setWordWrap(True)
        grid_widget = QWidget()
        grid = QGridLayout(grid_widget)
        grid.setColumnStretch(0, 1)
        self.edit_buttons: list[QPushButton] = []
        for row, refusal in enumerate(refused):
            name = str(getattr(refusal, "name", "") or _("(no name)"))
            message = str(getattr(refusal, "message", "")).strip()
            sentence = QLabel(_("{name}: {reason}").format(name=name, reason=message))
            sentence.setWordWrap(True)
            sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            button = QPushButton(_("Edit…") if row else _("&Edit…"))
            button.setObjectName(f"fixButton{row}")
            button.setAccessibleName(_("Edit {name}").format(name=name))
            contact_id = int(getattr(refusal, "contact_id", 0))
            button.clicked.connect(lambda _c=False, i=contact_id: self._edit(i))
            grid.addWidget(sentence, row, 0)
            grid.addWidget(button, row, 1, Qt.AlignmentFlag.AlignTop)
            self.edit_buttons.append(button)
        grid.setRowStretch(len(refused), 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)

    def _edit(self, contact_id: int) -> None:
        self.accept()
        self.edit_requested.emit(contact_id)
