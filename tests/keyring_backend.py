"""A real keyring backend for tests: secrets in a JSON file named by an environment variable.

Select it with `PYTHON_KEYRING_BACKEND=tests.keyring_backend.FileKeyring` (the repository
root on PYTHONPATH) and `ADDRESSBOOK_TEST_KEYRING=/path/to/file.json`. It is a full
`keyring.backend.KeyringBackend`, so the program goes through the real `keyring` API; it
is for tests only: its priority is low, and it refuses to load without the variable, so
keyring never picks it by accident.

The `keyring_file` fixture selects it for the test process and for the command-line
subprocesses a test starts. With `ADDRESSBOOK_TEST_REAL_KEYRING=1` (CI runs the
`keyring`-marked tests inside `dbus-run-session` with gnome-keyring), the fixture leaves
the choice to keyring, so the same tests run against the real Secret Service:

    dbus-run-session -- sh -c 'echo -n ci | gnome-keyring-daemon --unlock \
        --components=secrets >/dev/null; sleep 1; \
        ADDRESSBOOK_TEST_REAL_KEYRING=1 python -m pytest -m keyring'
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.core
import pytest
from keyring.errors import KeyringLocked, PasswordDeleteError

ENV_FILE = "ADDRESSBOOK_TEST_KEYRING"
ENV_REAL = "ADDRESSBOOK_TEST_REAL_KEYRING"
BACKEND_NAME = "tests.keyring_backend.FileKeyring"
REPO_ROOT = Path(__file__).resolve().parent.parent


class FileKeyring(keyring.backend.KeyringBackend):
    """Secrets kept in the JSON file named by $ADDRESSBOOK_TEST_KEYRING (tests only)."""

    _lock = threading.Lock()

    @keyring.backend.properties.classproperty
    def priority(cls) -> float:  # noqa: N805 - keyring's classproperty
        if not os.environ.get(ENV_FILE):
            raise RuntimeError(f"{ENV_FILE} is not set (this backend is for tests only)")
        return 0.1

    def _path(self) -> Path:
        return Path(os.environ[ENV_FILE])

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            return dict(json.loads(self._path().read_text("utf-8")))
        except FileNotFoundError:
            return {}

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        path = self._path()
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data), "utf-8")
        os.replace(temporary, path)

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self._read().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            data = self._read()
            data.setdefault(service, {})[username] = password
            self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            data = self._read()
            if username not in data.get(service, {}):
                raise PasswordDeleteError("no such secret")
            del data[service][username]
            self._write(data)


def real_keyring_requested() -> bool:
    """True when the tests should use whatever backend keyring picks (CI's Secret Service)."""
    return os.environ.get(ENV_REAL) == "1"


def subprocess_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for an `addressbook` subprocess: this test's home and keyring."""
    env = dict(os.environ)
    path = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + path if path else "")
    env.update(extra or {})
    return env


def stored_secrets() -> dict[str, str]:
    """Every secret the file keyring holds under the service 'addressbook'."""
    path = os.environ.get(ENV_FILE)
    if not path or not Path(path).exists():
        return {}
    data: dict[str, Any] = json.loads(Path(path).read_text("utf-8"))
    return dict(data.get("addressbook", {}))


@pytest.fixture
def keyring_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path | None]:
    """Use the file keyring in this process and in subprocesses (or the real one in CI).

    Yields the file's path, or None when the real keyring is in use.
    """
    previous = keyring.core.get_keyring()
    if real_keyring_requested():
        monkeypatch.delenv(ENV_FILE, raising=False)
        yield None
        return
    path = tmp_path / "keyring.json"
    monkeypatch.setenv(ENV_FILE, str(path))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", BACKEND_NAME)
    keyring.core.set_keyring(FileKeyring())
    try:
        yield path
    finally:
        keyring.core.set_keyring(previous)


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No usable keyring backend, in this process and in subprocesses."""
    from keyring.backends import fail

    previous = keyring.core.get_keyring()
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv(ENV_FILE, raising=False)
    keyring.core.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.core.set_keyring(previous)


class LockedKeyring(keyring.backend.KeyringBackend):
    """A keyring whose every call says it is locked (as a locked Secret Service does)."""

    @keyring.backend.properties.classproperty
    def priority(cls) -> float:  # noqa: N805 - keyring's classproperty
        raise RuntimeError("tests only: set it with keyring.core.set_keyring")

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the keyring is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("the keyring is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("the keyring is locked")
