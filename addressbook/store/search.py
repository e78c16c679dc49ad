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

# Letters that NFKD does not decompose but that people type without the stroke.
_EXTRA_FOLD = str.maketrans(
    {"ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "ŧ": "t", "ı": "i", "æ": "ae", "œ": "oe"}
    | {"þ": "th"}
)
# Quick first split at the separators that are common in names, emails and numbers
# (str.translate, not re: compiling patterns costs start-up time on every command).
_COARSE = str.maketrans(dict.fromkeys("@.-_+,;:/\\()[]{}'\"!?&*#|<>=~`^%$", " "))
_PHONE_PUNCTUATION = frozenset("+().-/")
_CJK_SUFFIXES = 12  # index at most this many start positions inside a CJK run

_WORD, _SYMBOL, _MARK, _SEPARATOR = "w", "s", "m", " "
_kinds: dict[str, str] = {}


def search_fold(text: str) -> str:
    """The form text is searched and sorted in: model.fold plus a few stroked letters."""
    return fold(text).translate(_EXTRA_FOLD)


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
    result: list[str] = []
    for chunk in folded.translate(_COARSE).split():
        if chunk.isascii() and chunk.isalnum():
            result.append(chunk)
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
    if len(word) > 1 and any(_is_cjk(ch) for ch in word):
        for i in range(1, min(len(word), _CJK_SUFFIXES)):
            if _is_cjk(word[i]):
                yield word[i:]


def _digits(text: str) -> str:
    """The decimal digits of text as ASCII ('٠٢١' → '021')."""
    return "".join(str(unicodedata.decimal(ch)) for ch in text if ch.isdecimal())


def phone_words(number: str) -> list[str]:
    """A number's digit forms: all its digits, from each typed group on, the national form."""
    digits = _digits(number)
    if not digits:
        return []
    result = [digits]
    groups = "".join(ch if ch.isdecimal() else " " for ch in number).split()
    groups = [_digits(group) for group in groups]
    # From each typed group on: '(09) 555-1234' is also found by '555-12' and '1234'.
    result.extend("".join(groups[i:]) for i in range(1, len(groups)))
    stripped = number.strip()
    international = stripped.startswith("+") or (stripped.startswith("00") and len(digits) > 8)
    if international:
        national = digits[2:] if stripped.startswith("00") else digits
        result.append(national)
        # Country codes have 1 to 3 digits; we do not know which, so index all three.
        for cc in (1, 2, 3):
            if len(national) > cc + 3:
                result.append("0" + national[cc:])
    return result


def index_text(contact: Contact) -> str:
    """The words a contact is found by, space-separated, as stored in the FTS5 table."""
    found: list[str] = []
    extra: list[str] = []
    for text in (
        contact.display_name,
        contact.given_name,
        contact.family_name,
        contact.organization,
        contact.title,
    ):
        if not text:
            continue
        folded = search_fold(text)
        for chunk in folded.split():
            parts = words(chunk)
            found.extend(parts)
            if len(parts) > 1:
                extra.append("".join(parts))  # "O'Brien" is also found by "obrien"
    for email in contact.emails:
        found.extend(words(search_fold(email.address)))
    for phone in contact.phones:
        extra.extend(phone_words(phone.number))
    for word in found:
        extra.extend(_cjk_suffixes(word))
    return " ".join(found + list(dict.fromkeys(extra)))


def _is_number(word: str) -> bool:
    """A query word of digits and phone punctuation ('021-1', '+64', '(09)')."""
    return any(ch.isdecimal() for ch in word) and all(
        ch.isdecimal() or ch in _PHONE_PUNCTUATION for ch in word
    )


def match_expression(query: str) -> str | None:
    """The FTS5 MATCH expression for a query, or None when it has no searchable word."""
    terms = []
    for word in query.split():
        if _is_number(word):
            parts = [_digits(word)]
        else:
            parts = words(search_fold(word))
        if parts:
            # A phrase prefix: the word's parts in order, the last one a prefix, so
            # "jane.doe@ex" matches the address's consecutive words.
            terms.append('"' + " ".join(parts) + '"*')
    return " AND ".join(terms) if terms else None


def sort_key(display_name: str) -> str:
    """Sort by folded name (then the exact name); names not starting with a letter go last."""
    folded = search_fold(display_name)
    group = "0" if folded[:1].isalpha() else "1"
    return f"{group}{folded}\x01{display_name}"
