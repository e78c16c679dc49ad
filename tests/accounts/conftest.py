"""Fixtures of the account tests: the test keyring."""
