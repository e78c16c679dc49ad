"""Fixtures of the account tests: the test keyring."""

from tests.keyring_backend import keyring_file, no_keyring  # noqa: F401 - fixtures
