"""The counted nouns of the program's sentences."""

from addressbook.wording import counted


def test_counted_nouns() -> None:
    assert counted(1, "change") == "1 change"
    assert counted(0, "change") == "0 changes"
    assert counted(3, "whole page") == "3 whole pages"
    assert counted(2, "entry", "entries") == "2 entries"
