"""Typing on narrows the answer: search.narrows is sound and Store.search_within is exact.

The window filters the answer already shown when a longer query narrows it (ui/list_model);
these tests hold that filtered answer to the store's own search, on a real file.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addressbook.model import Contact, Email, Phone
from addressbook.store import ALL, LOCAL, Store
from addressbook.store.search import match_expression, narrows, query_terms
from tests.edits import rewrite

# Few letters, so that prefixes collide; separators, digits and non-ASCII on purpose.
_LETTERS = "amrisoj"
_TYPED = "amrisojé .@-+(0)1"


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_LETTERS) for _ in range(rng.randint(1, 5))).capitalize()


def _corpus(count: int = 400, seed: int = 5) -> list[Contact]:
    rng = random.Random(seed)
    contacts = []
    for n in range(count):
        given, family = _word(rng), _word(rng)
        contacts.append(
            Contact(
                given_name=given,
                family_name=family if n % 7 else f"{family}-{_word(rng)}",
                organization=_word(rng) + " Mário" if n % 5 == 0 else "",
                emails=[Email(f"{given}.{family}@{_word(rng)}.example".lower())],
                phones=[Phone(f"+64 {rng.randint(1, 99)} {rng.randint(100, 999)} {n:04d}")],
            )
        )
    return contacts


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """400 contacts of short, colliding words (one file for the whole module).

    Every third one is an account's; some of those are deleted here (not pushed yet):
    still in the full-text index, hidden from every answer.
    """
    with Store(tmp_path_factory.mktemp("narrowing") / "narrowing.sqlite3") as store:
        for n, contact in enumerate(_corpus()):
            if n % 3:
                store.create(contact)
                continue
            contact_id = store.apply_remote("acct", f"r{n}", contact, {}, None)
            if n % 4 == 0:
                store.delete(contact_id)
        yield store


@pytest.mark.parametrize(
    ("earlier", "now", "expected"),
    [
        ("ma", "mar", True),
        ("ma", "ma", True),
        ("mar", "ma", False),  # erasing widens
        ("jane", "jane.doe", True),  # 'jane doe': the word 'jane', then 'doe…'
        ("jane.d", "jane.doe", True),
        ("jan", "jane.doe", True),
        ("jane.doe", "jane", False),
        ("maria", "maria s", True),  # another word: fewer contacts
        ("maria s", "maria", False),
        ("s maria", "maria sm", True),  # the order of the words does not matter
        ("", "m", True),  # everything is narrowed by anything
        ("0-1", "0-1a", False),  # '01' is one number; '0 1a' two words: not within
        ("+64", "+642", True),
        ("mü", "mül", True),
    ],
)
def test_narrows(earlier: str, now: str, expected: bool) -> None:
    assert narrows(query_terms(now), query_terms(earlier)) is expected


def test_terms_make_the_same_expression_as_before() -> None:
    assert match_expression("jane.doe+news@ex") == '"jane doe news ex"*'
    assert match_expression("Zoë 021-1") == '"zoe"* AND "0211"*'
    assert match_expression("  -- ") is None
    assert query_terms("  -- ") == ()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    earlier=st.text(alphabet=_TYPED, max_size=6),
    typed=st.text(alphabet=_TYPED, min_size=1, max_size=4),
    account=st.sampled_from([ALL, LOCAL, "acct"]),
)
def test_typing_on_filters_to_the_stores_own_answer(
    corpus: Store, earlier: str, typed: str, account: str | None
) -> None:
    now = earlier + typed
    if not narrows(query_terms(now), query_terms(earlier)):
        return  # the window asks the store afresh (e.g. '0-1' → '0-1a')
    before = corpus.search_ids(earlier, account)
    answer = corpus.search_ids(now, account)
    assert set(answer) <= set(before)  # narrows() is sound
    assert corpus.search_within(now, before) == answer  # and filtering keeps the order


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    earlier=st.text(alphabet=_TYPED, max_size=5),
    now=st.text(alphabet=_TYPED, max_size=7),
)
def test_narrows_is_sound_for_any_two_queries(corpus: Store, earlier: str, now: str) -> None:
    if narrows(query_terms(now), query_terms(earlier)):
        assert set(corpus.search_ids(now)) <= set(corpus.search_ids(earlier))


def test_within_keeps_any_order_given(corpus: Store) -> None:
    # The window may sort by family name: the filtered answer keeps that order.
    base = list(reversed(corpus.search_ids("m")))
    assert base
    answer = corpus.search_ids("ma")
    assert len(answer) > 1
    assert corpus.search_within("ma", base) == list(reversed(answer))


def test_within_sees_the_file_as_it_is_now(tmp_path: Path) -> None:
    with Store(tmp_path / "now.sqlite3") as store:
        mara = store.create(Contact(display_name="Mara Smith"))
        maria = store.create(Contact(display_name="Maria Jones"))
        base = store.search_ids("mar")
        with Store(store.path) as other:
            rewrite(other, maria, Contact(display_name="Ria Jones"))
        assert store.search_within("mari", base) == []  # the hit is asked afresh
        assert store.search_within("mara", base) == [mara]
        assert store.search_within("", base) == base  # no word: the base itself
