"""Shared test set-up: every test gets its own ADDRESSBOOK_HOME; Qt runs offscreen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = ["tests.fixtures.sandbox"]


@pytest.fixture(autouse=True)
def addressbook_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A throw-away home for config, data, cache and logs (never the user's)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("ADDRESSBOOK_HOME", str(home))
    yield home
