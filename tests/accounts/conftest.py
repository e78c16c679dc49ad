"""Fixtures of the account tests: the test keyring."""

# ruff: noqa: F811 - pytest fixtures imported from tests.keyring_backend are used as parameters

from tests.keyring_backend import keyring_file, no_keyring  # noqa: F401 - fixtures
