"""Progress reports from the sync engine to the command line or the window."""

from __future__ import annotations

from collections.abc import Callable

# progress(done, total or None when unknown, one line for the user)
Progress = Callable[[int, int | None, str], None]


def report(progress: Progress | None, done: int, total: int | None, message: str) -> None:
    """Call the progress callback, if there is one."""
    if progress is not None:
        progress(done, total, message)
