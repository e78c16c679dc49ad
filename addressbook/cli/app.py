"""`addressbook gui` and `addressbook demo`: hand over to the window (Qt loads only here)."""

from __future__ import annotations

import argparse
import gc


def gui(args: argparse.Namespace) -> int:
    """Open the window over the cache (opened, and its list read, while Qt loads)."""
    # Starting makes objects that live as long as the window (modules, classes, enums,
    # widgets), and hardly any garbage: the collector's passes over them (some 80 before
    # the first paint) are saved. It is on again, the start-up objects frozen out of its
    # passes, once the window is built (tasks.freeze_startup_heap), or when this returns.
    gc.disable()
    try:
        return _gui(args)
    finally:
        gc.enable()


def _gui(args: argparse.Namespace) -> int:
    from addressbook.paths import database_path
    from addressbook.ui.display import require_display

    require_display()  # before anything is opened: no display leaves nothing behind
    from addressbook.ui.early import EarlyStore

    early = EarlyStore(database_path())
    from addressbook.ui.app import QT_OPTIONS, run_gui

    QT_OPTIONS[:] = getattr(args, "qt_options", [])
    return run_gui(quit_after=getattr(args, "quit_after", None), store=early.store)


def demo(args: argparse.Namespace) -> int:
    """Open the window on sandbox accounts in a throw-away home."""
    from addressbook.ui.app import QT_OPTIONS
    from addressbook.ui.demo import run_demo

    QT_OPTIONS[:] = getattr(args, "qt_options", [])

    return run_demo(contacts=args.contacts, smoke=args.smoke, keep_home=args.keep_home)
