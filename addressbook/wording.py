"""Small helpers for the sentences the program shows (no Qt, no I/O)."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """'1 change', '3 changes', '0 changes' (plural: given, else singular + 's')."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
