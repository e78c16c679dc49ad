"""Where config, data, cache and logs live.

`ADDRESSBOOK_HOME` puts all four under one folder (tests, the demo, portable use);
otherwise platformdirs gives the platform's own places.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "addressbook"


def _home() -> Path | None:
    home = os.environ.get("ADDRESSBOOK_HOME")
    return Path(home).expanduser() if home else None


def _dir(kind: str) -> Path:
    home = _home()
    if home is not None:
        path = home / kind
    else:
        import platformdirs

        path = Path(getattr(platformdirs, f"user_{kind}_dir")(APP, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """The folder of non-secret settings (accounts.json)."""
    return _dir("config")


def data_dir() -> Path:
    """The folder of the SQLite cache."""
    return _dir("data")


def cache_dir() -> Path:
    """A folder for throw-away files."""
    return _dir("cache")


def log_dir() -> Path:
    """The folder of log files."""
    return _dir("log")


def database_path() -> Path:
    """The cache file."""
    return data_dir() / "contacts.sqlite3"


def accounts_path() -> Path:
    """The file of account settings (never secrets)."""
    return config_dir() / "accounts.json"
