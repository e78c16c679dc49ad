"""Join, edit everywhere, split: each record ends as its own history says (hypothesis)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from addressbook.model import Contact, Email, Phone, apply_field_args
from addressbook.people import edit_everywhere
from addressbook.store import Store

_words = (
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzéü ", min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)
_numbers = st.from_regex(r"\+?[0-9]{2}( [0-9]{3}){2,3}", fullmatch=True)
_contacts = st.builds(
    lambda name, title, phones, email: Contact(
        display_name=name,
        title=title,
        phones=[Phone(n, k) for k, n in phones],
        emails=[Email(email + "@example.org")] if email else [],
    ),
    _words,
    st.one_of(st.just(""), _words),
    st.lists(st.tuples(st.sampled_from(["work", "mobile", "fax"]), _numbers), max_size=3),
    st.one_of(st.just(""), _words.map(lambda w: w.replace(" ", "."))),
)


def _valid(pair: tuple[str, str]) -> tuple[str, str]:
    """A value every record accepts (the rules refuse a broken address on any record)."""
    key, value = pair
    if key == "email" and value:
        return key, ".".join(value.split()) + "@x.org"
    return key, value


_edits = st.lists(
    st.lists(
        st.tuples(
            st.sampled_from(["title", "phone.work", "phone.mobile", "email", "notes", "nickname"]),
            st.one_of(st.just(""), _words),
        ).map(_valid),
        min_size=1,
        max_size=3,
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_contacts, min_size=2, max_size=4), _edits, st.data())
def test_join_edit_everywhere_split_gives_each_record_its_own_history(
    contacts: list[Contact], edits: list[list[tuple[str, str]]], data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "c.sqlite3") as store:
        ids = [store.create(contact) for contact in contacts]
        history = {i: store.get(i).contact for i in ids}  # type: ignore[union-attr]
        person = store.join(ids).person
        for pairs in edits:
            target = data.draw(st.sampled_from(ids))
            edit_everywhere(store, target, lambda c, p=pairs: apply_field_args(c, p))  # type: ignore[misc]
            for i in ids:  # what each record's own history says: the same --field edit
                history[i] = apply_field_args(history[i], pairs)
        store.split(person)
        for i in ids:
            record = store.get(i)
            assert record is not None and record.person is None
            assert record.contact == history[i]
