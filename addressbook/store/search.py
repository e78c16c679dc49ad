"""What the search box matches: the words a contact is found by, a query as FTS5, the sort key.

One semantics for the command line and the window: the query is split into words at
white space; a contact matches when EVERY query word is a prefix of some word of its
names, organisation, title, emails or phone numbers, case- and accent-insensitively.

The words are computed here in Python and stored space-separated; the FTS5 table uses
the 'ascii' tokenizer, which splits only at ASCII separators, so its tokens are exactly
the words made here (non-ASCII text is never re-split or re-folded by SQLite).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from addressbook.model import Contact, fold


class _Table(dict[int, "int | str | None"]):
    """A str.translate table that learns the characters it keeps.

    A plain dict makes translate raise and swallow a KeyError for every character of
    non-ASCII text that the table does not name; this one stores them on first sight.
    """

    def __missing__(self, code: int) -> int:
        self[code] = code
        return code


# Letters that NFKD does not decompose but that people type without the stroke.
_STROKED: dict[str, str | int | None] = {"ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h"}
_STROKED |= {"ŧ": "t", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"}
_EXTRA_FOLD = _Table(str.maketrans(_STROKED))
# Quick first split at the separators that are common in names, emails and numbers
# (str.translate, not re: compiling patterns costs start-up time on every command).
_SEPARATORS: dict[str, str | int | None] = dict.fromkeys("@.-_+,;:/\\()[]{}'\"!?&*#|<>=~`^%$", " ")
_COARSE = _Table(str.maketrans(_SEPARATORS))
_PHONE_PUNCTUATION = frozenset("+().-/")
# Fast paths for ASCII phone numbers: drop the non-digits, or make them group separators.
_ASCII_NOT_DIGITS = [c for c in map(chr, range(128)) if not c.isdigit()]
_ASCII_NON_DIGITS = str.maketrans(dict.fromkeys(_ASCII_NOT_DIGITS))
_ASCII_GROUPS = str.maketrans(dict.fromkeys(_ASCII_NOT_DIGITS, " "))
_CJK_SUFFIXES = 12  # index at most this many start positions inside a CJK run

_WORD, _SYMBOL, _MARK, _SEPARATOR = "w", "s", "m", " "
_kinds: dict[str, str] = {}


def search_fold(text: str) -> str:
    """The form text is searched and sorted in: model.fold plus a few stroked letters."""
    folded = fold(text)
    return folded if folded.isascii() else folded.translate(_EXTRA_FOLD)


def _kind(ch: str) -> str:
    kind = _kinds.get(ch)
    if kind is None:
        category = unicodedata.category(ch)
        if ch in "\u200d\ufe0f" or category[0] == "M":
            kind = _MARK  # joins the word or emoji it follows (ZWJ sequences, skin tones)
        elif ch.isalnum() or category == "Co":
            kind = _WORD
        elif category in ("So", "Sk"):
            kind = _SYMBOL  # emoji and other pictographs: searchable as their own words
        else:
            kind = _SEPARATOR
        _kinds[ch] = kind
    return kind


def words(folded: str) -> list[str]:
    """The words of already-folded text: runs of letters/digits, or of emoji, in order."""
    if folded.isalnum():
        return [folded]  # letters and digits only (no marks): one word
    result: list[str] = []
    for chunk in folded.translate(_COARSE).split():
        if chunk.isalnum():
            result.append(chunk)  # letters and digits only (no marks): one word
        else:
            _split_unicode(chunk, result)
    return result


def _split_unicode(chunk: str, result: list[str]) -> None:
    run: list[str] = []
    current = ""  # the kind of the run being collected; "" between runs
    for ch in chunk:
        kind = _kind(ch)
        if kind == _MARK:
            if current:
                run.append(ch)
            continue
        if kind != current:
            if current:
                result.append("".join(run))
            run = []
            current = "" if kind == _SEPARATOR else kind
        if current:
            run.append(ch)
    if current:
        result.append("".join(run))


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3FFFF
    )


def _cjk_suffixes(word: str) -> Iterable[str]:
    """Later starts of a CJK run, which has no spaces: '山田太郎' is also found by '太郎'."""
    if len(word) > 1 and not word.isascii() and any(_is_cjk(ch) for ch in word):
        for i in range(1, min(len(word), _CJK_SUFFIXES)):
            if _is_cjk(word[i]):
                yield word[i:]


def _digits(text: str) -> str:
    """The decimal digits of text as ASCII ('٠٢١' → '021')."""
    if text.isascii():
        return text.translate(_ASCII_NON_DIGITS)
    return "".join(str(unicodedata.decimal(ch)) for ch in text if ch.isdecimal())


def phone_words(number: str) -> list[str]:
    """A number's digit forms: all its digits, from each typed group on, the national form."""
    digits = _digits(number)
    if not digits:
        return []
    result = [digits]
    if number.isascii():
        groups = number.translate(_ASCII_GROUPS).split()
    else:
        groups = "".join(ch if ch.isdecimal() else " " for ch in number).split()
        groups = [_digits(group) for group in groups]
    # From each typed group on: '(09) 555-1234' is also found by '555-12' and '1234'.
    result.extend("".join(groups[i:]) for i in range(1, len(groups)))
    stripped = number.strip()
    international = stripped.startswith("+") or (stripped.startswith("00") and len(digits) > 8)
    if international:
        national = digits[2:] if stripped.startswith("00") else digits
        result.append(national)
        cc = country_code_length(national)
        if len(national) > cc + 3:
            # The number within its country, as dialled there: without a trunk prefix
            # (North America, Italy, Spain…) and with the usual '0' ('+64 21 …' → '021…').
            result += (national[cc:], "0" + national[cc:])
    return result


# ITU-T E.164 country codes are prefix-free: the first digits say how many there are.
# One digit: 1 (North America) and 7 (Russia, Kazakhstan); two digits: these; three: the rest.
_TWO_DIGIT_CODES = frozenset(
    str(code)
    for codes in (
        (20, 27, 36, 39, 40, 41, 81, 82, 84, 86, 98),
        range(30, 35),
        range(43, 50),
        range(51, 59),
        range(60, 67),
        range(90, 96),
    )
    for code in codes
)


def country_code_length(international: str) -> int:
    """How many of an international number's first digits are its country code."""
    if international[:1] in ("1", "7"):
        return 1
    return 2 if international[:2] in _TWO_DIGIT_CODES else 3


def index_text(contact: Contact) -> str:
    """The words a contact is found by, space-separated, as stored in the FTS5 table."""
    found: list[str] = []
    joined: list[str] = []
    suffixes: list[str] = []
    name, given, family = contact.display_name, contact.given_name, contact.family_name
    # The usual display name "given family" has exactly the words of its two parts
    # (folding works character by character and never across a space), so it is read
    # from their cached words instead of being folded and split once more.
    # Then the given name once more: "family given" is a phrase too ('müller zo'), and
    # the family name's words are there already.
    if given and family and name == f"{given} {family}":
        names: tuple[str, ...] = (given, family, given)
    else:
        names = (name, given, family)
    for text in (*names, contact.nickname, contact.organization, contact.title):
        if text:
            field_words, field_joined, field_suffixes = _name_words(text)
            found += field_words
            joined += field_joined
            suffixes += field_suffixes
    for email in contact.emails:
        parts = words(search_fold(email.address))
        found += parts
        for word in parts:
            suffixes.extend(_cjk_suffixes(word))
    extra = joined
    for phone in contact.phones:
        extra += phone_words(phone.number)
    extra += suffixes
    return " ".join(found + list(dict.fromkeys(extra)))


# Names, organisations and titles repeat across an address book (and a pull indexes
# thousands of contacts at once), so the words of each text are kept for a while.
_NAME_WORDS: dict[str, tuple[list[str], list[str], list[str]]] = {}
_NAME_WORDS_SIZE = 8192


def _name_words(text: str) -> tuple[list[str], list[str], list[str]]:
    """One name field's words, the joined forms of its multi-part words, its CJK suffixes.

    The lists are shared (cached): callers must not change them.
    """
    cached = _NAME_WORDS.get(text)
    if cached is not None:
        return cached
    found: list[str] = []
    joined: list[str] = []
    for chunk in search_fold(text).split():
        parts = words(chunk)
        found += parts
        if len(parts) > 1:
            joined.append("".join(parts))  # "O'Brien" is also found by "obrien"
    suffixes = [suffix for word in found for suffix in _cjk_suffixes(word)]
    if len(_NAME_WORDS) >= _NAME_WORDS_SIZE:
        _NAME_WORDS.clear()
    _NAME_WORDS[text] = cached = (found, joined, suffixes)
    return cached


def _is_number(word: str) -> bool:
    """A query word of digits and phone punctuation ('021-1', '+64', '(09)')."""
    return any(ch.isdecimal() for ch in word) and all(
        ch.isdecimal() or ch in _PHONE_PUNCTUATION for ch in word
    )


def query_terms(query: str) -> tuple[str, ...]:
    """A query's words as the search sees them: each word's parts joined by one space.

    Each term is a phrase prefix: its parts are consecutive words of the contact, the last
    one a prefix, so "jane.doe@ex" (term 'jane doe ex') matches the address's words.
    """
    terms = []
    for word in query.split():
        parts = [_digits(word)] if _is_number(word) else words(search_fold(word))
        if parts:
            terms.append(" ".join(parts))
    return tuple(terms)


def terms_expression(terms: tuple[str, ...]) -> str | None:
    """The FTS5 MATCH expression of query_terms(), or None when there is no term."""
    return " AND ".join(f'"{term}"*' for term in terms) if terms else None


def match_expression(query: str) -> str | None:
    """The FTS5 MATCH expression for a query, or None when it has no searchable word."""
    return terms_expression(query_terms(query))


def narrows(terms: tuple[str, ...], earlier: tuple[str, ...]) -> bool:
    """True when every contact matching `terms` also matches `earlier`.

    So it is when each earlier term begins some term now: 'ma' → 'mar', 'jane' →
    'jane doe' (the word 'jane' begins with 'jane'), 'maria' → 'maria s'. A term's
    parts never hold a space, so the earlier term's parts are the same words, its last
    one a prefix of the word at its place. A longer query then filters the earlier
    answer in memory instead of sorting a new one (the search box, as one types).
    """
    return all(any(term.startswith(old) for term in terms) for old in earlier)


def sort_key(display_name: str) -> str:
    """Sort by folded name (then the exact name); names not starting with a letter go last."""
    folded = search_fold(display_name)
    group = "0" if folded[:1].isalpha() else "1"
    return f"{group}{folded}\x01{display_name}"
