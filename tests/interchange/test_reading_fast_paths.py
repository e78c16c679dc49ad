"""The reader's fast paths give what the patterns they stand for give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from addressbook.interchange.vcard import _UNFOLD, _logical_lines

# Bodies made of the bytes that matter to unfolding: line ends, blanks, tabs, letters.
bodies = st.lists(st.sampled_from([b"\n", b" ", b"\t", b"A", b":", b"\n ", b"\n\t"])).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(bodies)
def test_unfolding_by_splitting_is_the_pattern(body: bytes) -> None:
    expected = list(enumerate(_UNFOLD.sub(b"", body).split(b"\n")))
    assert _logical_lines(body) == expected
