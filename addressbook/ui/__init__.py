"""addressbook.ui: the PySide6 window (the only package that imports Qt).

On Python 3.11, PySide6 6.12's bindings hand `None` (and, on some paths, True and
False) back without taking a reference: they assume Python 3.12's immortal
singletons. Each void call then lowers None's reference count by one, and a long
session ends in "Fatal Python error: deallocating None". `_guard_none()` checks for
the leak once and, where it happens, gives None, True and False the immortality
they have on 3.12+ (a huge reference count that no leak can use up).
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
        for singleton in (None, True, False):
            ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 40


_guard_none()
