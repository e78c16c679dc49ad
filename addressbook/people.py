"""People: records of several accounts that are one human or company (no Qt).

Suggestions find records that are probably one person, each with its reasons:
- the same email address (case-folded);
- the same phone number (its last 8 digits, where both numbers have 8 or more);
- the same folded name with the same organisation.
The program never joins by itself: a suggestion waits for the user (`Store.join`), and
a "not the same" (`Store.dismiss`) is remembered.

False friends are kept out:
- a number or an address shared by records of three or more different names is a
  company's switchboard or a shared mailbox (reception@…): it says nothing about who
  is who, so it is no reason at all;
- two records whose names contradict (neither the display names nor the name parts
  agree: 'Ana Silva' and 'Ben Okoro') are not the same person because they share a
  number, an address or a company;
- a company name alone is never a reason, and the same name needs the same
  organisation (and name parts that do not contradict).

Grouping is by dict indexes over the values (one pass over the records), never pairwise
over the book: 100,000 records take well under a second.

Editing a person (`edit_everywhere`, `fan_out`) sends one change to each of its records,
each one checked by its own service's rules (`addressbook.rules`) and applied with
`Store.apply_patch`: a record that cannot take a field is named, the others still change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from addressbook.errors import EditMoved
from addressbook.i18n import N_, _
from addressbook.model import LIST_FIELDS, Contact, FieldEdit, Patch, comparable, fold
from addressbook.store.people import Facts

if TYPE_CHECKING:
    from addressbook.store import PatchResult, Record, Store

SAME_EMAIL = "same email"
SAME_PHONE = "same phone"
SAME_NAME = "same name and organisation"
REASONS = (SAME_EMAIL, SAME_PHONE, SAME_NAME)  # the contract's words (people suggest --json)
REASON_TEXT = {
    SAME_EMAIL: N_("same email"),
    SAME_PHONE: N_("same phone"),
    SAME_NAME: N_("same name and organisation"),
}

PHONE_DIGITS = 8  # numbers compare by their last 8 digits; shorter ones never match
SHARED_NAMES = 3  # a value on records of this many different names is a switchboard
LARGEST_GROUP = 50  # a value on more records than this is no one's own

_NON_DIGITS = re.compile(r"\D+")
_WORDS = re.compile(r"\w+")


def reason_text(reason: str) -> str:
    """A reason in the user's language."""
    return _(REASON_TEXT.get(reason, reason))


@dataclass(frozen=True)
class Suggestion:
    """Records that are probably one person, and why."""

    ids: tuple[int, ...]
    reasons: tuple[str, ...]  # of REASONS, in that order

    def to_json(self) -> dict[str, Any]:
        """The object of `people suggest --json`."""
        return {"ids": list(self.ids), "reasons": list(self.reasons)}


# -- keys -----------------------------------------------------------------------------


def phone_key(number: str) -> str | None:
    """The last 8 digits of a number, None if it has fewer than 8."""
    digits = _NON_DIGITS.sub("", number)
    return digits[-PHONE_DIGITS:] if len(digits) >= PHONE_DIGITS else None


def email_key(address: str) -> str | None:
    """An email address case-folded (None for an empty one)."""
    key = address.strip().casefold()
    return key or None


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORDS.findall(fold(text))) if text else ()


def _names(facts: Facts) -> list[tuple[str, ...]]:
    """The ways a record names its human: its display name, and its name parts."""
    names = []
    display = _words(facts.display_name)
    if display:
        names.append(display)
    parts = _words(f"{facts.given_name} {facts.family_name}")
    if parts and parts != display:
        names.append(parts)
    return names


def _words_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """'ada lovelace' ~ 'ada king lovelace' ~ 'a lovelace'; 'ada lovelace' ≁ 'ben okoro'."""
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    rest = list(long)
    for word in short:
        for i, other in enumerate(rest):
            if (
                word == other
                or (len(word) == 1 and other.startswith(word))
                or (len(other) == 1 and word.startswith(other))
            ):
                del rest[i]
                break
        else:
            return False
    return True


_NAMES: dict[int, list[tuple[str, ...]]] = {}  # record id → its names, during one suggest()


def names_agree(a: Facts, b: Facts) -> bool:
    """False when the two records name different humans; True when they agree or one is nameless."""
    names_a = _NAMES.get(a.id)
    if names_a is None:
        names_a = _NAMES[a.id] = _names(a)
    names_b = _NAMES.get(b.id)
    if names_b is None:
        names_b = _NAMES[b.id] = _names(b)
    if not names_a or not names_b:
        return True
    return any(_words_agree(x, y) for x in names_a for y in names_b)


def parts_contradict(a: Facts, b: Facts) -> bool:
    """Both records have name parts and those name different humans."""
    x = _words(f"{a.given_name} {a.family_name}")
    y = _words(f"{b.given_name} {b.family_name}")
    return bool(x and y) and not _words_agree(x, y)


# -- suggestions ----------------------------------------------------------------------


class _Components:
    """Union-find over record ids."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = parent.setdefault(x, x)
        while root != parent[root]:
            root = parent[root]
        while x != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _clusters(members: list[Facts]) -> int:
    """How many different humans the names of these records name (greedy, at most SHARED_NAMES)."""
    heads: list[Facts] = []
    for facts in members:
        if not any(names_agree(facts, head) for head in heads):
            heads.append(facts)
            if len(heads) >= SHARED_NAMES:
                break
    return len(heads)


def _one_person(group: list[Facts]) -> bool:
    """Every record of the group is already in the same person."""
    first = group[0].person
    return first is not None and all(f.person == first for f in group)


def suggest(facts: Sequence[Facts], dismissed: Iterable[tuple[int, int]] = ()) -> list[Suggestion]:
    """Probable people among the records, not yet joined and not dismissed, by name order."""
    by_email: dict[str, list[Facts]] = {}
    by_phone: dict[str, list[Facts]] = {}
    by_name: dict[tuple[str, str], list[Facts]] = {}
    folded: dict[str, str] = {}  # organisation → folded (many records share one)
    for f in facts:
        for address in f.emails:
            key = email_key(address)
            if key:
                group = by_email.setdefault(key, [])
                if not group or group[-1] is not f:
                    group.append(f)
        for number in f.phones:
            pkey = phone_key(number)
            if pkey:
                group = by_phone.setdefault(pkey, [])
                if not group or group[-1] is not f:
                    group.append(f)
        if f.display_name and f.organization:
            organization = folded.get(f.organization)
            if organization is None:
                organization = folded[f.organization] = fold(f.organization)
            by_name.setdefault((fold(f.display_name), organization), []).append(f)

    no = {(min(a, b), max(a, b)) for a, b in dismissed}
    edges: dict[tuple[int, int], set[str]] = {}

    def add(a: Facts, b: Facts, reason: str) -> None:
        if a.id == b.id or (a.person is not None and a.person == b.person):
            return
        pair = (a.id, b.id) if a.id < b.id else (b.id, a.id)
        if pair in no:
            return
        edges.setdefault(pair, set()).add(reason)

    _NAMES.clear()
    for groups, reason in ((by_email, SAME_EMAIL), (by_phone, SAME_PHONE)):
        for group in groups.values():
            if len(group) < 2 or len(group) > LARGEST_GROUP or _one_person(group):
                continue
            if len(group) > 2 and _clusters(group) >= SHARED_NAMES:
                continue  # a switchboard or a shared mailbox: no one's own
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    if (a.person is None or a.person != b.person) and names_agree(a, b):
                        add(a, b, reason)
    _NAMES.clear()
    for group in by_name.values():
        if 2 <= len(group) <= LARGEST_GROUP and not _one_person(group):
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    if not parts_contradict(a, b):
                        add(a, b, SAME_NAME)
    return _grouped(edges, no, {f.id: f for f in facts})


def _grouped(
    edges: dict[tuple[int, int], set[str]],
    dismissed: set[tuple[int, int]],
    facts: dict[int, Facts],
) -> list[Suggestion]:
    """Connected records make one suggestion, unless a dismissed pair is among them."""
    components = _Components()
    for a, b in edges:
        components.union(a, b)
    groups: dict[int, list[tuple[int, int]]] = {}
    for pair in edges:
        groups.setdefault(components.find(pair[0]), []).append(pair)
    suggestions = []
    for pairs in groups.values():
        ids = sorted({i for pair in pairs for i in pair})
        if len(ids) > 2 and any(
            (a, b) in dismissed for k, a in enumerate(ids) for b in ids[k + 1 :]
        ):
            parts = [[pair] for pair in pairs]  # each pair on its own
        else:
            parts = [pairs]
        for part in parts:
            members = sorted({i for pair in part for i in pair})
            found = set().union(*(edges[pair] for pair in part))
            reasons = tuple(r for r in REASONS if r in found)
            suggestions.append(Suggestion(tuple(members), reasons))

    def order(s: Suggestion) -> tuple[str, int]:
        return fold(facts[s.ids[0]].display_name), s.ids[0]

    suggestions.sort(key=order)
    return suggestions


def suggestions(store: Store) -> list[Suggestion]:
    """The suggestions over the whole book."""
    return suggest(store.suggestion_facts(), store.dismissed())


# -- editing a person everywhere -----------------------------------------------------


def _entry_key(name: str) -> Callable[[Any], str]:
    def key(item: Any) -> str:
        return str(comparable(name, [item])[0])

    return key


def translate(patch: Patch, seen: Contact, target: Contact) -> Patch:
    """A patch made on one record (`seen` → wanted), as the same change to another record.

    Single fields are set to the wanted value. Lists change by their entries: what the
    edit removed from `seen` is removed from `target` and what it added is added, so the
    target's entries the user never saw stay.
    """
    edits = []
    for edit in patch.edits:
        now = target.get(edit.field)
        after: Any = edit.after
        if edit.field in LIST_FIELDS:
            key = _entry_key(edit.field)
            before_keys = {key(item) for item in edit.before or []}
            after_keys = {key(item) for item in edit.after or []}
            kept = [item for item in now if key(item) not in before_keys - after_keys]
            have = {key(item) for item in kept}
            after = kept + [
                item
                for item in edit.after or []
                if key(item) not in before_keys and key(item) not in have
            ]
        if comparable(edit.field, now) != comparable(edit.field, after):
            edits.append(FieldEdit(edit.field, now, after))
    return Patch(tuple(edits))


@dataclass
class RecordOutcome:
    """What a fan-out edit did to one record of the person."""

    record: Record
    result: PatchResult | None = None  # None: nothing applied
    refused: list[str] = field(default_factory=list)  # sentences: fields it cannot take
    refused_fields: tuple[str, ...] = ()
    patch: Patch = field(default_factory=Patch)  # what was applied (its undo is the inverse)


@dataclass
class FanOut:
    """What a fan-out edit did, record by record."""

    outcomes: list[RecordOutcome]

    @property
    def changed(self) -> list[RecordOutcome]:
        return [o for o in self.outcomes if o.result is not None and o.result.applied]

    @property
    def refused(self) -> list[RecordOutcome]:
        return [o for o in self.outcomes if o.refused]


def _checker(store: Store) -> Any:
    """The rules' checker of this store (None where the rules module is not installed)."""
    try:
        from addressbook import rules
    except ImportError:  # pragma: no cover - the rules module ships with the program
        return None
    return rules.Checker(store)


def _problems(checker: Any, record: Record, patch: Patch) -> list[tuple[str, str]]:
    """(field, sentence) for each part of the patch the record's service cannot take."""
    if checker is None:
        return []
    found = [(p.field, p.sentence) for p in checker.patch(record.id, patch)]
    if record.account:
        wanted = patch.apply(record.contact)
        for p in checker.stays_here(wanted, record.account):
            if p.field in patch.fields and p.field not in {f for f, _s in found}:
                found.append((p.field, p.sentence))
    return found


def fan_out(
    store: Store,
    patches: Sequence[tuple[Record, Patch]],
    moved: str = "conflict",
) -> FanOut:
    """Apply each record's patch after its own service's rules: refused fields are left
    out of that record (and named); the rest lands with Store.apply_patch."""
    outcomes = []
    checker = _checker(store)
    for record, patch in patches:
        outcome = RecordOutcome(record)
        outcomes.append(outcome)
        if not patch:
            continue
        problems = _problems(checker, record, patch)
        if problems:
            if any(name == "" for name, _s in problems):
                outcome.refused = [s for _n, s in problems]
                outcome.refused_fields = patch.fields
                continue
            outcome.refused = [s for _n, s in problems]
            outcome.refused_fields = tuple(dict.fromkeys(n for n, _s in problems))
            patch = patch.without(outcome.refused_fields)
            if not patch or _problems(checker, record, patch):
                outcome.refused_fields = tuple(
                    dict.fromkeys([*outcome.refused_fields, *patch.fields])
                )
                continue
        try:
            outcome.result = store.apply_patch(record.id, patch, moved=moved)
        except EditMoved as error:  # changed meanwhile (a record of no service): said, kept
            outcome.refused = [str(error)]
            outcome.refused_fields = tuple(f.field for f in error.fields)
            continue
        outcome.patch = patch
    return FanOut(outcomes)


def edit_person(
    store: Store,
    records: Sequence[Record],
    edited: Record,
    patch: Patch,
    moved: str = "conflict",
) -> FanOut:
    """The window's fan-out: `patch` was made on `edited` (as the user saw it); each of
    `records` (as the user saw them: the person's records) gets the same change."""
    pairs = []
    for record in records:
        if record.id == edited.id:
            pairs.append((record, patch))
        else:
            pairs.append((record, translate(patch, edited.contact, record.contact)))
    return fan_out(store, pairs, moved)


def edit_everywhere(
    store: Store,
    contact_id: int,
    change: Callable[[Contact], Contact],
    moved: str = "conflict",
) -> FanOut:
    """The command line's fan-out: `change` (e.g. the --field arguments) is made to each
    record of the contact's person on its own values (a record of no person: itself)."""
    person = store.person_of(contact_id)
    ids = store.person_ids(person) if person is not None else [contact_id]
    pairs = []
    for record in store.records(ids):
        pairs.append((record, Patch.between(record.contact, change(record.contact))))
    return fan_out(store, pairs, moved)
