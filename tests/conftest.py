"""Shared test set-up: every test gets its own ADDRESSBOOK_HOME; Qt runs offscreen."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The tests compare English sentences: a developer's German desktop must not change them
# (tests of other languages set LANGUAGE themselves).
os.environ["LANGUAGE"] = "en"

pytest_plugins = ["tests.fixtures.sandbox", "tests.keyring_backend"]

# Hypothesis draws the same examples on every run (a test that passed on main passes on
# a clean machine: CI's verdict is the change's, not the dice's). To explore new
# examples, as before a stop: ADDRESSBOOK_HYPOTHESIS=explore python3 -m pytest …
# (with ADDRESSBOOK_STATE_MACHINE_EXAMPLES=500 for the sync state machine). Whatever an
# exploring run finds becomes an @example of its test.
settings.register_profile("fixed", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile(os.environ.get("ADDRESSBOOK_HYPOTHESIS", "fixed"))


@pytest.fixture(autouse=True)
def addressbook_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A throw-away home for config, data, cache and logs (never the user's)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("ADDRESSBOOK_HOME", str(home))
    yield home


@pytest.fixture(autouse=True)
def fresh_logging() -> Iterator[None]:
    """Undo what `addressbook.logs.setup()` did in a test (handlers, no propagation).

    Commands run in-process configure the 'addressbook' logger once per process; later
    tests that read logs through caplog need it to propagate again.
    """
    from addressbook import logs

    logger = logging.getLogger("addressbook")
    handlers, propagate, level = list(logger.handlers), logger.propagate, logger.level
    yield
    for handler in logger.handlers[:]:
        if handler not in handlers:
            logger.removeHandler(handler)
            handler.close()
    logger.propagate, logger.level = propagate, level
    logs._configured = False
