"""The floor of the start benchmark: the least a PySide6 program does to paint a list.

    python tests/perf/bare_gui_window.py

A QApplication, a window with a table of 100 rows and nothing else; prints
`list-painted <time> rss-kib <peak> gui-cpu <seconds>` (as the address book does under
ADDRESSBOOK_REPORT_PAINT) when the table is first painted, then quits. bench_gui.py starts
it as it starts the address book, so that the start's time can be read against what this
machine takes for Qt and Python alone.
"""

from __future__ import annotations

import resource
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView


class _Reporter(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, _report)
        return False


def _report() -> None:
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"list-painted {time.time():.6f} rss-kib {peak_kib} gui-cpu {time.thread_time():.6f}",
        file=sys.stderr,
        flush=True,
    )
    QApplication.quit()


def main() -> int:
    app = QApplication(sys.argv)
    window = QMainWindow()
    model = QStandardItemModel(100, 1)
    for row in range(100):
        model.setItem(row, 0, QStandardItem(f"Contact {row}"))
    view = QTableView()
    view.setModel(model)
    window.setCentralWidget(view)
    reporter = _Reporter()
    view.viewport().installEventFilter(reporter)
    window.resize(900, 600)
    window.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
