"""A real cache file in the test's temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from addressbook.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh Store on a file of its own."""
    with Store(tmp_path / "contacts.sqlite3") as opened:
        yield opened
