"""Account settings in accounts.json, secrets in the keyring (through the real keyring API)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import keyring
import keyring.core
import pytest
from keyring.backends import chainer

from addressbook import accounts, paths
from addressbook.connectors.base import AccountConfig
from addressbook.errors import AccountError, KeyringUnavailable
from addressbook.logs import scrub
from tests.keyring_backend import LockedKeyring

SECRET = "pa55-Wörd-never-logged"


def harvest(name: str = "work", url: str = "http://127.0.0.1:9") -> AccountConfig:
    return accounts.new_account(name, "harvest", url, {})


@pytest.mark.keyring
def test_add_keeps_secrets_in_the_keyring_and_settings_in_the_file(keyring_file: Path) -> None:
    accounts.add_account(harvest(), {"email": "me@example.com", "password": SECRET})
    assert keyring.get_password("addressbook", "work:password") == SECRET
    assert keyring.get_password("addressbook", "work:email") == "me@example.com"
    text = paths.accounts_path().read_text("utf-8")
    assert SECRET not in text and "me@example.com" not in text
    data = json.loads(text)
    assert data["accounts"] == [
        {"name": "work", "service": "harvest", "url": "http://127.0.0.1:9", "settings": {}}
    ]
    assert accounts.require_account("work").url == "http://127.0.0.1:9"
    accounts.remove_account("work")


@pytest.mark.keyring
def test_a_secret_read_is_scrubbed_from_logs(keyring_file: Path) -> None:
    accounts.add_account(harvest(), {"email": "me@example.com", "password": SECRET})
    assert accounts.KeyringSecrets("work").get("password") == SECRET
    assert scrub(f"oops {SECRET} leaked") == "oops *** leaked"
    accounts.remove_account("work")


@pytest.mark.keyring
def test_remove_forgets_every_secret_and_the_settings(keyring_file: Path) -> None:
    accounts.add_account(harvest(), {"email": "me@example.com", "password": SECRET})
    accounts.KeyringSecrets("work").set("refresh_token", "token-1234")
    accounts.remove_account("work")
    for key in ("email", "password", "refresh_token"):
        assert keyring.get_password("addressbook", f"work:{key}") is None
    assert accounts.load_accounts() == []
    accounts.KeyringSecrets("work").delete("password")  # forgetting twice is fine


@pytest.mark.keyring
def test_a_name_can_be_used_once(keyring_file: Path) -> None:
    accounts.add_account(harvest(), {"email": "a@b.c", "password": SECRET})
    with pytest.raises(AccountError, match="exists already"):
        harvest()
    with pytest.raises(AccountError, match="exists already"):
        accounts.add_account(AccountConfig("work", "harvest", "https://x.harvestapp.com"), {})
    accounts.remove_account("work")


def test_no_keyring_is_one_sentence_and_writes_nothing(no_keyring: None) -> None:
    with pytest.raises(KeyringUnavailable) as caught:
        accounts.add_account(harvest(), {"email": "a@b.c", "password": SECRET})
    assert str(caught.value) == accounts.NO_KEYRING
    assert "GNOME Keyring" in str(caught.value) and "unlock or install" in str(caught.value)
    assert "PYTHON_KEYRING" not in str(caught.value)  # no setting names
    assert not paths.accounts_path().exists()
    with pytest.raises(KeyringUnavailable):
        accounts.KeyringSecrets("work").get("password")


def test_a_chainer_without_backends_is_no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = keyring.core.get_keyring()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    keyring.core.set_keyring(chainer.ChainerBackend())
    try:
        with pytest.raises(KeyringUnavailable, match="No keyring is available"):
            accounts.keyring_backend()
    finally:
        keyring.core.set_keyring(previous)


def test_a_locked_keyring_is_reported_not_bypassed(keyring_file: Path) -> None:
    previous = keyring.core.get_keyring()
    keyring.core.set_keyring(LockedKeyring())
    try:
        with pytest.raises(KeyringUnavailable, match="No keyring is available"):
            accounts.add_account(harvest(), {"email": "a@b.c", "password": SECRET})
    finally:
        keyring.core.set_keyring(previous)
    assert not paths.accounts_path().exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://10.0.0.5:8080",
        "ftp://127.0.0.1",
        "example.com",
        "https://me:secret@example.harvestapp.com",
        "https://x.harvestapp.com/?apiKey=1",
    ],
)
def test_unsafe_or_odd_urls_are_refused(url: str) -> None:
    with pytest.raises(AccountError):
        accounts.check_url(url)


@pytest.mark.parametrize(
    "url, kept",
    [
        ("https://acme.harvestapp.com/", "https://acme.harvestapp.com"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
        ("http://localhost:8123/api", "http://localhost:8123/api"),
        ("http://[::1]:8123", "http://[::1]:8123"),
    ],
)
def test_https_and_loopback_urls_are_accepted(url: str, kept: str) -> None:
    assert accounts.check_url(url) == kept


def test_services_without_a_default_url_need_one() -> None:
    with pytest.raises(AccountError, match="needs --url"):
        accounts.new_account("h", "harvest", None, {})
    with pytest.raises(AccountError, match="needs --url"):
        accounts.new_account("a", "acuinvoice", None, {})


def test_a_secret_given_as_a_setting_is_refused() -> None:
    with pytest.raises(AccountError, match="is a secret"):
        accounts.new_account("h", "harvest", "https://x.harvestapp.com", {"password": "x"})
    with pytest.raises(AccountError, match="has no setting"):
        accounts.new_account("h", "harvest", "https://x.harvestapp.com", {"colour": "red"})


@pytest.mark.parametrize("name", ["", "local", "a b", "x:y", "a" * 65, "-lead"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(AccountError):
        accounts.check_name(name)


def test_unknown_account_names_how_to_list_them() -> None:
    with pytest.raises(AccountError) as caught:
        accounts.require_account("nope")
    assert str(caught.value) == "no account named nope; `addressbook accounts list` shows them"


def test_a_damaged_settings_file_is_one_clear_error() -> None:
    paths.accounts_path().write_text("{not json", "utf-8")
    with pytest.raises(AccountError, match="fix or remove"):
        accounts.load_accounts()


@pytest.mark.keyring
def test_save_settings_rewrites_one_account(keyring_file: Path) -> None:
    accounts.add_account(harvest("a"), {"email": "a@b.c", "password": SECRET})
    accounts.add_account(harvest("b"), {"email": "a@b.c", "password": SECRET})
    changed = accounts.require_account("b")
    changed.settings["read_timeout"] = "5"
    accounts.save_settings(changed)
    assert [a.settings for a in accounts.load_accounts()] == [{}, {"read_timeout": "5"}]
    assert not list(paths.config_dir().glob(".accounts-*"))  # no temporary file left
    for name in ("a", "b"):
        accounts.remove_account(name)


def test_keyring_failures_are_logged_without_secrets(
    keyring_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    previous = keyring.core.get_keyring()
    keyring.core.set_keyring(LockedKeyring())
    caplog.set_level(logging.INFO, logger="addressbook")
    try:
        with pytest.raises(KeyringUnavailable):
            accounts.KeyringSecrets("work").set("password", SECRET)
    finally:
        keyring.core.set_keyring(previous)
    assert SECRET not in caplog.text


class RefusingKeyring(keyring.backend.KeyringBackend):
    """A keyring that is there but refuses to write (as a full or read-only one does)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("PasswordSetError: org.freedesktop.Secret #7")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.PasswordDeleteError("no such item #7")


def test_a_refusing_keyring_is_one_sentence_without_internal_names(keyring_file: Path) -> None:
    previous = keyring.core.get_keyring()
    keyring.core.set_keyring(RefusingKeyring())
    try:
        with pytest.raises(KeyringUnavailable) as caught:
            accounts.KeyringSecrets("work").set("password", SECRET)
    finally:
        keyring.core.set_keyring(previous)
    sentence = str(caught.value)
    assert sentence == "The keyring refused to keep a password; unlock it and try again."
    assert "Error" not in sentence and "#" not in sentence and SECRET not in sentence
