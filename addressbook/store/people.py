"""People in the cache: which records the user says are one human or company.

A person is local only: nothing about it is sent to any service, and syncs never touch
it. Each record stays linked to its own account. The tables (schema version 2):
`people` (one row per person), `person_members` (contact → person; a contact's row
going takes its membership with it, and a trigger dissolves a person left with one
record) and `people_dismissed` (pairs of records the user said are not the same).

Joining and splitting change memberships only, never a record's data, so a split gives
back every record exactly as it is. Each operation returns the memberships as they were
before it (a `Membership`), which `restore_membership` puts back: that is its undo.

`PeopleStore` is a mixin of `Store` (addressbook/store/cache.py); it uses only the
Store's transaction and query helpers.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from addressbook.errors import StoreError, UsageError
from addressbook.i18n import _

if TYPE_CHECKING:
    from addressbook.store import Record

# contact id → its person id, or None: a record standing alone.
Membership = dict[int, int | None]


@dataclass(frozen=True)
class PersonSummary:
    """A person of two or more shown records (deleted-here records not counted)."""

    person: int
    display_name: str  # the name of its first record in list order
    ids: tuple[int, ...]  # in list order
    accounts: tuple[str | None, ...]  # of each id, in the same order

    def to_json(self) -> dict[str, Any]:
        """The object of `people --json`."""
        return {"person": self.person, "display_name": self.display_name, "ids": list(self.ids)}


@dataclass(frozen=True)
class JoinResult:
    """What Store.join did."""

    person: int  # the person the records are in now
    merged: tuple[int, ...]  # other people that were merged into it (now gone)
    added: tuple[int, ...]  # records that were not in this person before
    before: Membership  # every touched record's person before the join (the undo)


@dataclass
class PeopleIndex:
    """What the list needs to show one row per person: read in one query."""

    person_of: dict[int, int] = field(default_factory=dict)  # shown member → person
    accounts: dict[int, tuple[str | None, ...]] = field(
        default_factory=dict
    )  # person → its accounts
    size: dict[int, int] = field(default_factory=dict)  # person → shown records


class Facts(NamedTuple):
    """What suggestions compare of one record (a tuple: 100,000 of them are made at once)."""

    id: int
    account: str | None
    display_name: str
    organization: str
    given_name: str
    family_name: str
    emails: Sequence[str]
    phones: Sequence[str]
    person: int | None


_FACTS_SQL = """SELECT c.id, c.account, c.display_name,
        coalesce(json_extract(c.data, '$.organization'), ''),
        coalesce(json_extract(c.data, '$.given_name'), ''),
        coalesce(json_extract(c.data, '$.family_name'), ''), json_extract(c.data, '$.emails'),
        json_extract(c.data, '$.phones'), m.person_id
    FROM contacts c LEFT JOIN person_members m ON m.contact_id = c.id
    WHERE c.state <> 'deleted'"""
# The values of a list field, found in its JSON text (json.loads of 100,000 lists costs more).
_ADDRESSES = re.compile(r'"address":"((?:[^"\\]|\\.)+)"')
_NUMBERS = re.compile(r'"number":"((?:[^"\\]|\\.)+)"')


def _unescaped(values: Sequence[str]) -> list[str]:
    """JSON string contents with their escapes read (a quote or a backslash in a value)."""
    return [json.loads(f'"{value}"') for value in values]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def pairs_of(ids: Sequence[int]) -> Iterator[tuple[int, int]]:
    """Every unordered pair of distinct ids, each as (smaller, larger)."""
    unique = sorted(set(ids))
    for i, a in enumerate(unique):
        for b in unique[i + 1 :]:
            yield a, b


class PeopleStore:
    """The people methods of Store (see the module docstring)."""

    if TYPE_CHECKING:
        _depth: int
        _writes: int

        def transaction(self) -> AbstractContextManager[None]: ...
        def _exec(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor: ...
        def _one(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
        def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...
        def records(self, ids: Sequence[int]) -> list[Record]: ...

    _people_index: PeopleIndex | None = None
    _people_index_stamp: int = -1

    # -- reading ---------------------------------------------------------------------

    def person_of(self, contact_id: int) -> int | None:
        """The person a record belongs to, or None."""
        row = self._one("SELECT person_id FROM person_members WHERE contact_id = ?", (contact_id,))
        return int(row[0]) if row else None

    def person_exists(self, person: int) -> bool:
        """True while the person has records."""
        return self._one("SELECT 1 FROM people WHERE id = ?", (person,)) is not None

    def person_ids(self, person: int, shown_only: bool = True) -> list[int]:
        """The person's records in list order (deleted-here ones left out unless asked)."""
        hide = "AND c.state <> 'deleted'" if shown_only else ""
        sql = f"""SELECT c.id FROM person_members m CROSS JOIN contacts c ON c.id = m.contact_id
            WHERE m.person_id = ? {hide} ORDER BY c.sort_key, c.id"""
        return [row[0] for row in self._all(sql, (person,))]

    def person_states(self, person: int) -> list[str]:
        """The states of the person's shown records (the list marks its row by the most urgent)."""
        sql = """SELECT c.state FROM person_members m CROSS JOIN contacts c ON c.id = m.contact_id
            WHERE m.person_id = ? AND c.state <> 'deleted'"""
        return [str(row[0]) for row in self._all(sql, (person,))]

    def person_records(self, person: int) -> list[Record]:
        """The person's shown records, in list order."""
        return self.records(self.person_ids(person))

    def people(self) -> list[PersonSummary]:
        """Every person of two or more shown records, in the order of their names."""
        sql = """SELECT m.person_id, c.id, c.display_name, c.account
            FROM person_members m CROSS JOIN contacts c ON c.id = m.contact_id
            WHERE c.state <> 'deleted' ORDER BY c.sort_key, c.id"""
        groups: dict[int, list[tuple[int, str, str | None]]] = {}
        for person, contact_id, name, account in self._all(sql):
            groups.setdefault(person, []).append((contact_id, name, account))
        return [
            PersonSummary(
                person,
                members[0][1],
                tuple(m[0] for m in members),
                tuple(m[2] for m in members),
            )
            for person, members in groups.items()
            if len(members) >= 2
        ]

    def people_index(self) -> PeopleIndex:
        """Shown member → person and each person's accounts; read again only when the people
        (or which of their records are shown) changed: one row says so (people_version)."""
        stamp = int(self._one("SELECT n FROM people_version")[0])
        if self._people_index is not None and stamp == self._people_index_stamp:
            return self._people_index
        index = PeopleIndex()
        sql = """SELECT m.contact_id, m.person_id, c.account
            FROM person_members m CROSS JOIN contacts c ON c.id = m.contact_id
            WHERE c.state <> 'deleted'"""
        accounts: dict[int, list[str | None]] = {}
        for contact_id, person, account in self._all(sql):
            index.person_of[contact_id] = person
            accounts.setdefault(person, []).append(account)
        for person, names in accounts.items():
            # each account once, in one order for every row (the badges line up)
            index.accounts[person] = tuple(sorted(set(names), key=lambda a: (a is None, a or "")))
            index.size[person] = len(names)
        # A person of one shown record (the others deleted here) shows as that record.
        for contact_id in [c for c, p in index.person_of.items() if index.size[p] < 2]:
            del index.person_of[contact_id]
        self._people_index, self._people_index_stamp = index, stamp
        return index

    def suggestion_facts(self) -> list[Facts]:
        """What suggestions need of every shown record, in one query."""
        make = tuple.__new__  # a NamedTuple without its Python-level __new__: 100,000 at once
        emails, numbers = _ADDRESSES.findall, _NUMBERS.findall
        facts = []
        for id_, account, name, org, given, family, e, p, person in self._all(_FACTS_SQL):
            found_e = emails(e) if e and e != "[]" else ()
            found_p = numbers(p) if p and p != "[]" else ()
            if found_e and "\\" in e:
                found_e = _unescaped(found_e)
            if found_p and "\\" in p:
                found_p = _unescaped(found_p)
            facts.append(
                make(Facts, (id_, account, name, org, given, family, found_e, found_p, person))
            )
        return facts

    def dismissed(self) -> set[tuple[int, int]]:
        """Every pair the user said is not the same person, each as (smaller, larger)."""
        return {(a, b) for a, b in self._all("SELECT a, b FROM people_dismissed")}

    # -- writing ---------------------------------------------------------------------

    def _require_shown(self, ids: Iterable[int]) -> None:
        wanted = sorted(set(ids))
        found = {
            row[0]
            for row in self._exec(
                """SELECT id FROM contacts WHERE state <> 'deleted'
                AND id IN (SELECT value FROM json_each(?))""",
                (json.dumps(wanted),),
            ).fetchall()
        }
        for contact_id in wanted:
            if contact_id not in found:
                raise StoreError(_("There is no contact with id {id}.").format(id=contact_id))

    def _memberships(self, ids: Iterable[int]) -> Membership:
        wanted = sorted(set(ids))
        rows = self._exec(
            """SELECT contact_id, person_id FROM person_members
            WHERE contact_id IN (SELECT value FROM json_each(?))""",
            (json.dumps(wanted),),
        ).fetchall()
        found = dict(rows)
        return {contact_id: found.get(contact_id) for contact_id in wanted}

    def join(self, ids: Sequence[int]) -> JoinResult:
        """Make the records one person (people among them are merged: the lowest id stays).

        Two or more different shown records are needed (UsageError otherwise; StoreError
        for an id that does not exist). Records' data is not touched.
        """
        unique = sorted(set(ids))
        if len(unique) < 2:
            raise UsageError(_("Give two or more different contacts to join into one person."))
        with self.transaction():
            self._require_shown(unique)
            people = sorted({p for p in self._memberships(unique).values() if p is not None})
            everyone = set(unique)
            for person in people:
                everyone.update(self.person_ids(person, shown_only=False))
            before = self._memberships(everyone)
            if people:
                target = people[0]
            else:
                cursor = self._exec("INSERT INTO people (created_at) VALUES (?)", (_now(),))
                target = int(cursor.lastrowid or 0)
            merged = tuple(people[1:])
            moving = [c for c in sorted(everyone) if before[c] != target]
            self._exec(
                """INSERT INTO person_members (contact_id, person_id)
                SELECT value, ? FROM json_each(?) WHERE 1
                ON CONFLICT (contact_id) DO UPDATE SET person_id = excluded.person_id""",
                (target, json.dumps(moving)),
            )
            if merged:
                self._exec(
                    "DELETE FROM people WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps(list(merged)),),
                )
            added = tuple(c for c in unique if before[c] != target)
            return JoinResult(target, merged, added, before)

    def join_many(self, groups: Sequence[Sequence[int]]) -> list[int]:
        """Join each group of records into a person, all in one transaction; the person ids."""
        with self.transaction():
            return [self.join(group).person for group in groups]

    def split(self, person: int) -> Membership:
        """Every record of the person stands alone again; the memberships before (the undo)."""
        with self.transaction():
            ids = self.person_ids(person, shown_only=False)
            if not ids:
                raise StoreError(
                    _("There is no person {id}; `addressbook people` lists them.").format(id=person)
                )
            before = self._memberships(ids)
            self._exec("DELETE FROM people WHERE id = ?", (person,))
            return before

    def restore_membership(self, before: Membership) -> None:
        """Put the records back in the people they were in (the undo of a join or a split).

        A record that is gone since is skipped; a person left with one record dissolves.
        """
        with self.transaction():
            present = {
                row[0]
                for row in self._exec(
                    "SELECT id FROM contacts WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps(sorted(before)),),
                ).fetchall()
            }
            ids = json.dumps(sorted(present))
            self._exec(
                "DELETE FROM person_members WHERE contact_id IN (SELECT value FROM json_each(?))",
                (ids,),
            )
            groups: dict[int, list[int]] = {}
            for contact_id, person in before.items():
                if person is not None and contact_id in present:
                    groups.setdefault(person, []).append(contact_id)
            for person, members in groups.items():
                if len(members) < 2 and not self.person_ids(person, shown_only=False):
                    continue
                self._exec(
                    "INSERT OR IGNORE INTO people (id, created_at) VALUES (?, ?)", (person, _now())
                )
                self._exec(
                    """INSERT INTO person_members (contact_id, person_id)
                    SELECT value, ? FROM json_each(?)""",
                    (person, json.dumps(members)),
                )
            # People left with fewer than two records by what was gone dissolve.
            self._exec(
                """DELETE FROM people WHERE id IN (SELECT value FROM json_each(?))
                AND (SELECT count(*) FROM person_members WHERE person_id = people.id) < 2""",
                (json.dumps(sorted(groups)),),
            )

    def dismiss(self, ids: Sequence[int]) -> int:
        """Never suggest these records together again; how many pairs were new."""
        unique = sorted(set(ids))
        if len(unique) < 2:
            raise UsageError(_("Give two or more different contacts that are not the same person."))
        with self.transaction():
            self._require_shown(unique)
            before = self._exec("SELECT count(*) FROM people_dismissed").fetchone()[0]
            self._conn_executemany(
                "INSERT OR IGNORE INTO people_dismissed (a, b) VALUES (?, ?)",
                list(pairs_of(unique)),
            )
            after = self._exec("SELECT count(*) FROM people_dismissed").fetchone()[0]
            return int(after - before)

    def undismiss(self, ids: Sequence[int]) -> None:
        """Forget a "not the same" (the undo of dismiss)."""
        with self.transaction():
            for a, b in pairs_of(ids):
                self._exec("DELETE FROM people_dismissed WHERE a = ? AND b = ?", (a, b))

    def _conn_executemany(self, sql: str, rows: list[tuple[int, int]]) -> None:
        for row in rows:
            self._exec(sql, row)
