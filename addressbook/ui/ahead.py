"""Searches read ahead in a worker while the window is idle, for the first keys one types.

A first letter matches up to half the book and a second one still thousands: the two
answers that take longest to sort or filter. The one-letter answers (ui/readers.read_ahead),
then the two-letter ones of many hits (here) are read once the window is idle, and
forgotten on every change of the cache; typing further narrows them (ui/list_model).
"""

from __future__ import annotations

from array import array
from pathlib import Path

from addressbook.ui.readers import AHEAD, reader_store

# A two-letter search is read ahead when the index finds at least this many contacts for
# it (filtering fewer out of the one-letter answer takes ~1 ms at 100,000 contacts).
PAIR_HITS = 4000

Answers = dict[tuple[str, str | None], "array[int]"]


def read_pairs(path: Path, account: str | None, letters: Answers) -> Answers:
    """The two-letter answers of many hits, each the one-letter answer filtered."""
    store = reader_store(path)
    answers: Answers = {}
    for (letter, _account), ids in letters.items():
        if len(ids) < PAIR_HITS or len(letter) != 1:
            continue
        base: list[int] | None = None
        for second in AHEAD:
            pair = letter + second
            if store.hit_count(pair) < PAIR_HITS:
                continue
            if base is None:
                base = ids.tolist()
            answers[(pair, account)] = array("q", store.search_within(pair, base))
    return answers
