"""The sample-data generator: deterministic, unique, and many scripts."""

from __future__ import annotations

import re
import unicodedata

from addressbook.sandbox import sample


def test_same_seed_same_data_other_seed_other_data() -> None:
    assert sample.book(40, seed=7) == sample.book(40, seed=7)
    assert sample.people(40, seed=7) != sample.people(40, seed=8)
    assert sample.companies(10, seed=7) != sample.companies(10, seed=8)


def test_people_are_a_prefix_of_a_longer_call() -> None:
    short = sample.people(5, seed=3, companies=4)
    assert sample.people(50, seed=3, companies=4)[:5] == short


def test_names_emails_and_company_names_are_unique() -> None:
    firms, folk = sample.book(3000, seed=1)
    assert len({p.display_name.casefold() for p in folk}) == 3000
    assert len({p.email.casefold() for p in folk}) == 3000
    assert len({f.name.casefold() for f in firms}) == len(firms) == sample.company_count(3000)
    assert all(0 <= p.company < len(firms) for p in folk)


def test_many_scripts_appear() -> None:
    _, folk = sample.book(400, seed=1)
    text = " ".join(p.display_name for p in folk)
    for pattern in (
        r"[āēīōū]",  # Māori macrons
        r"[äöüß]",  # German
        r"[ễịạ]",  # Vietnamese
        r"[\u0600-\u06ff]",  # Arabic
        r"[\u4e00-\u9fff]",  # Chinese / Japanese kanji
        r"[\u3040-\u30ff]",  # Japanese kana
        r"[\u0370-\u03ff]",  # Greek
        r"[\u0400-\u04ff]",  # Cyrillic
        r"[\U0001f300-\U0001faff\u2600-\u27bf]",  # emoji
    ):
        assert re.search(pattern, text), pattern
    locales = {p.locale for p in folk}
    assert {"en", "mi", "de", "vi", "ar", "zh", "ja", "el", "ru"} <= locales


def test_texts_are_normalised_like_the_model() -> None:
    firms, folk = sample.book(500, seed=2)
    for person in folk:
        for text in (person.given, person.family, person.title, person.city, *person.address_lines):
            assert text == unicodedata.normalize("NFC", text).strip()
            assert "\n" not in text
        assert person.notes == person.notes.strip()
        assert person.given and person.family
        local, _, domain = person.email.partition("@")
        assert local.isascii() and local and domain
    assert all(f.name == f.name.strip() for f in firms)


def test_phone_formats_vary() -> None:
    _, folk = sample.book(500, seed=1)
    numbers = [n for p in folk for n in p.phones.values()]
    assert any(re.fullmatch(r"\+64 21 \d{3} \d{4}", n) for n in numbers)
    assert any(re.fullmatch(r"\(04\) \d{3}-\d{4}", n) for n in numbers)
    assert any(re.fullmatch(r"555\.555\.\d{4}", n) for n in numbers)
    assert all(set(p.phones) <= {"work", "mobile", "fax", "ddi"} for p in folk)


def test_family_first_display_names() -> None:
    _, folk = sample.book(300, seed=1)
    chinese = next(p for p in folk if p.locale == "zh")
    assert chinese.display_name == chinese.family + chinese.given
    vietnamese = next(p for p in folk if p.locale == "vi")
    assert vietnamese.display_name == f"{vietnamese.family} {vietnamese.given}"
    english = next(p for p in folk if p.locale == "en")
    assert english.display_name == f"{english.given} {english.family}"


def test_zero_people() -> None:
    assert sample.people(0) == []
    assert sample.book(0) == (sample.companies(1), [])
