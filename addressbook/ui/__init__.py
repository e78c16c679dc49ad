"""addressbook.ui: the PySide6 window (the only package that imports Qt).

On Python 3.11, PySide6 6.12's bindings hand `None` back from every void call
without taking a reference (they assume Python 3.12's immortal None), so None's
reference count falls by one per call and a long session ends in "Fatal Python
error: deallocating None". `_guard_none()` checks for that leak once and, where it
happens, gives None the immortality it has on 3.12+.
"""

from __future__ import annotations

import sys


def _guard_none() -> None:
    if sys.version_info >= (3, 12):
        return  # None is immortal: reference counts on it are not kept
    import ctypes

    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(100):
        probe.setObjectName("probe")  # a void call: returns None
    if sys.getrefcount(None) < before:
        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40


_guard_none()
