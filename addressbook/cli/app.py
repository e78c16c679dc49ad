"""`addressbook gui` and `addressbook demo`: hand over to the window (Qt loads only here)."""

from __future__ import annotations

import argparse


def gui(args: argparse.Namespace) -> int:
    """Open the window over the cache."""
    from addressbook.ui.app import QT_OPTIONS, run_gui

    QT_OPTIONS[:] = getattr(args, "qt_options", [])
    return run_gui(quit_after=getattr(args, "quit_after", None))


def demo(args: argparse.Namespace) -> int:
    """Open the window on sandbox accounts in a throw-away home."""
    from addressbook.ui.app import QT_OPTIONS
    from addressbook.ui.demo import run_demo

    QT_OPTIONS[:] = getattr(args, "qt_options", [])

    return run_demo(contacts=args.contacts, smoke=args.smoke, keep_home=args.keep_home)
