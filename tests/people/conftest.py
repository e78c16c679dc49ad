"""A real cache file per test (the shared conftest gives each test its own ADDRESSBOOK_HOME)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from addressbook.store import Store


@pytest.fixture
def store(addressbook_home: Path) -> Iterator[Store]:
    """The test's own cache, at the path the command line uses too."""
    with Store.default() as opened:
        yield opened
