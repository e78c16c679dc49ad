"""The contact list's model: ids only, rows fetched from the store in windows.

Like Anki's browser table: the search runs in SQL and gives the sorted ids; the text
of a row is read only when the view paints it, a block of rows at a time, and the
last blocks are kept. 100,000 contacts cost a list of ints, not 100,000 objects.

"All contacts" shows a person (records of several accounts joined by the user) once:
the row of its first record in list order that matches the search stands for it, with
the accounts of all its records. Selecting one account shows its records only.
"""

from __future__ import annotations

import sys
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from addressbook.i18n import N_, _
from addressbook.store import ALL, ListRow
from addressbook.store.people import PeopleIndex
from addressbook.store.search import narrows, query_terms

# rows read per query: a screenful or two (200 took 1.3 ms of the keystroke that shows a
# new answer, 64 take 0.4 ms; scrolling reads the next ones as they come into view)
BLOCK = 64
# rows cached by contact id (kept while one types: the same rows come back), the first
# block of each answer painted ahead (ui/ahead.PaintAhead: 46 answers) among them
KEPT_ROWS = 6400
RECENT_SEARCHES = 16

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SECONDARY_ROLE = Qt.ItemDataRole.UserRole + 2
STATE_ROLE = Qt.ItemDataRole.UserRole + 3
STATUS_ROLE = Qt.ItemDataRole.UserRole + 4
ACCOUNT_ROLE = Qt.ItemDataRole.UserRole + 5
ACCOUNTS_ROLE = Qt.ItemDataRole.UserRole + 6  # every account of the row's person (or its own)
PERSON_ROLE = Qt.ItemDataRole.UserRole + 7  # the row's person id, None for a record of no person
# What the delegate paints, in one call: (name, second line, state, status, accounts).
PAINT_ROLE = Qt.ItemDataRole.UserRole + 8

AnyIndex = QModelIndex | QPersistentModelIndex
_UNREAD: Any = object()  # a row not read yet


class RowSource(Protocol):
    """What the model needs of the store."""

    def search_ids(self, query: str = "", account: str | None = ALL) -> Sequence[int]: ...

    def rows(self, ids: Sequence[int]) -> list[ListRow]: ...

    def people_index(self) -> PeopleIndex: ...


class ContactListModel(QAbstractListModel):
    """The ids of the contacts matching the search, with their rows read lazily."""

    def __init__(self, store: RowSource, parent: Any = None) -> None:
        super().__init__(parent)
        self._store = store
        # A list, or an answer read ahead as it was kept (an array: no copy made per key).
        self._ids: Sequence[int] = []
        # contact id → its row (None: not in the cache any more), oldest first. Kept across
        # searches (typing on shows many of the same rows) and dropped on every change.
        self._rows: dict[int, ListRow | None] = {}
        self.query = ""
        self.account: str | None = ALL
        # Results of the last few searches: typing back (Backspace) costs nothing.
        # Cleared by refresh(), which every change of the cache calls.
        self._recent: OrderedDict[tuple[str, str | None], Sequence[int]] = OrderedDict()
        self._people = PeopleIndex()  # as of the last grouping
        self._person_row: dict[int, int] = {}  # person → the id of the row standing for it
        # person → the most urgent state of its records (its row's mark), dropped with the rows
        self._person_states: dict[int, str] = {}
        # account name → its label ('Ana (Xero)'), for the rows' accessible text
        self.account_labels: dict[str, str] = {}

    # --- filtering ------------------------------------------------------------------
    def set_filter(self, query: str, account: str | None) -> None:
        """Show the contacts of `account` (ALL, LOCAL or a name) matching `query`."""
        self.query = query
        self.account = account
        self.apply_ids(self._search())

    def refresh(self) -> None:
        """Run the search again (after an edit or a pulled page)."""
        self._recent.clear()
        self._rows.clear()
        self._person_states.clear()
        self.apply_ids(self._search())

    def _search(self) -> Sequence[int]:
        key = (self.query, self.account)
        ids = self._recent.get(key)
        if ids is None:
            terms = query_terms(self.query)
            base, same = self._narrowest(terms)
            within = getattr(self._store, "search_within", None)
            # Read ahead (ui/ahead) in the store's order; in another one they would be sorted.
            ahead = key in getattr(self._store, "ahead", ()) and not getattr(
                self._store, "ranks", None
            )
            if same:
                ids = base  # 'maria ' asks what 'maria' asked
            elif ahead:
                ids = self._store.search_ids(self.query, self.account)
            elif base is not None and within is not None:
                ids = within(self.query, base)  # the earlier answer filtered: its order kept
            else:
                ids = self._store.search_ids(self.query, self.account)
            assert ids is not None
            self._recent[key] = ids
            while len(self._recent) > RECENT_SEARCHES:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(key)
        return ids

    def _narrowest(self, terms: tuple[str, ...]) -> tuple[Sequence[int] | None, bool]:
        """The shortest recent answer (of this account filter) that the query narrows, and
        whether its query has the very same terms.

        Typing on ('ma' → 'mar') filters the answer already shown instead of asking for a
        new sorted one; the recent answers are forgotten whenever the cache changes.
        """
        best: Sequence[int] | None = None
        if not terms:
            return best, False
        for (query, account), ids in self._recent.items():
            if account != self.account:
                continue
            earlier = query_terms(query)
            if earlier == terms:
                return ids, True
            # The whole list is no start: the store's own answer (kept, or read ahead) is.
            if (best is None or len(ids) < len(best)) and earlier and narrows(terms, earlier):
                best = ids
        return best, False

    def apply_result(self, ids: list[int]) -> None:
        """Show a fresh result of the current search, read in a worker after the cache changed."""
        self._recent.clear()
        self._recent[(self.query, self.account)] = ids
        self._rows.clear()
        self._person_states.clear()
        self.apply_ids(ids)

    def apply_ids(self, ids: Sequence[int]) -> None:
        """Show these ids (a search result read elsewhere, e.g. in a worker)."""
        ids = self._grouped(ids)
        if _same(ids, self._ids):
            self.reload_rows()
            return
        self.beginResetModel()
        self._ids = ids
        self.endResetModel()

    def _grouped(self, ids: Sequence[int]) -> Sequence[int]:
        """In "All contacts": one row per person (its first record here), others as they are."""
        people_index = getattr(self._store, "people_index", None)
        index = people_index() if people_index is not None else PeopleIndex()
        self._people = index
        self._person_row = {}
        person_of = index.person_of
        if self.account is not ALL or not person_of:
            return ids
        first = self._person_row
        get = person_of.get
        grouped: list[int] = []
        append = grouped.append
        for contact_id in ids:
            person = get(contact_id)
            if person is None:
                append(contact_id)
            elif person not in first:
                first[person] = contact_id
                append(contact_id)
        return grouped

    def twin(self) -> ContactListModel:
        """A model over the same store and filter that shares this one's cache of rows (rows
        it reads are there for this one): to paint an answer ahead, off screen."""
        twin = ContactListModel(self._store)
        twin._rows = self._rows
        twin.account = self.account
        twin.account_labels = self.account_labels
        return twin

    def person_at(self, row: int) -> int | None:
        """The person a row stands for (None: a record of no person, or not grouped)."""
        contact_id = self.id_at(row)
        if contact_id is None or not self._person_row:
            return None
        return self._people.person_of.get(contact_id)

    def reload_rows(self) -> None:
        """Forget the cached rows (their text changed, not the set of ids)."""
        self._rows.clear()
        self._person_states.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0), self.index(len(self._ids) - 1))

    # --- lookups --------------------------------------------------------------------
    def id_at(self, row: int) -> int | None:
        """The contact id shown on a row."""
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, contact_id: int) -> int | None:
        """The row of a contact id (or of the row standing for its person), None if not shown."""
        found = _position(self._ids, contact_id)
        if found is not None:
            return found
        person = self._people.person_of.get(contact_id)
        shown = self._person_row.get(person) if person is not None else None
        return None if shown is None else _position(self._ids, shown)

    def ids(self) -> list[int]:
        """The ids in list order (a copy)."""
        return list(self._ids)

    def list_row(self, row: int) -> ListRow | None:
        """The row's ListRow, read from the store if it is not cached."""
        if not 0 <= row < len(self._ids):
            return None
        contact_id = self._ids[row]
        rows = self._rows
        found = rows.get(contact_id, _UNREAD)
        if found is not _UNREAD:
            return found
        # Read the rows of its block that are not cached, in one query.
        start = row - row % BLOCK
        wanted = [i for i in self._ids[start : start + BLOCK] if i not in rows]
        read = {r.id: r for r in self._store.rows(wanted)}
        for i in wanted:
            rows[i] = read.get(i)  # None: gone from the cache since the search
        for _over in range(len(rows) - KEPT_ROWS):
            del rows[next(iter(rows))]
        return rows.get(contact_id)

    # --- Qt's model interface -------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        # asked for each row painted: the flags made once (an enum's | is Python code)
        return _ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Asked a dozen times per row painted: plain ints, the common roles first.
        if role not in _ROLES or not index.isValid() or index.column() != 0:
            return None
        if role == ID_ROLE:
            return self.id_at(index.row())
        if role == PERSON_ROLE:
            return self.person_at(index.row())
        row = self.list_row(index.row())
        if row is None:
            return None
        if role == _DISPLAY:
            return row.display_name or _("(no name)")
        if role == PAINT_ROLE:
            return (
                row.display_name or _("(no name)"),
                row.secondary,
                self.state_of(row),
                row.status,
                self.accounts_of(row),
            )
        if role == SECONDARY_ROLE:
            return row.secondary
        if role == STATE_ROLE:
            return self.state_of(row)
        if role == STATUS_ROLE:
            return row.status
        if role == ACCOUNT_ROLE:
            return row.account
        if role == ACCOUNTS_ROLE:
            return self.accounts_of(row)
        return self._accessible_text(row)  # AccessibleTextRole, ToolTipRole

    def state_of(self, row: ListRow) -> str:
        """The row's state; a person's row shows its most urgent record's (a conflict on any
        of its records marks the row, as the bar that names the conflict says)."""
        person = self._people.person_of.get(row.id) if self._person_row else None
        if person is None or row.state == "conflict":
            return row.state
        state = self._person_states.get(person)
        if state is None:
            states = getattr(self._store, "person_states", lambda _p: [])(person) or [row.state]
            state = min(states, key=lambda s: URGENCY.get(s, len(URGENCY)))
            self._person_states[person] = state
        return state

    def accounts_of(self, row: ListRow) -> tuple[str | None, ...]:
        """The accounts a row stands for: its person's, or its own."""
        person = self._people.person_of.get(row.id) if self._person_row else None
        if person is not None:
            return self._people.accounts.get(person, (row.account,))
        return (row.account,)

    def _accessible_text(self, row: ListRow) -> str:
        """The row read aloud: the name, the second line, the accounts, its marks."""
        text = _accessible_text(row, self.state_of(row))
        accounts = self.accounts_of(row)
        if self.account is not ALL and len(accounts) < 2:
            return text
        names = ", ".join(
            self.account_labels.get(a, a) if a else _("on this computer") for a in accounts
        )
        if len(accounts) > 1:
            where = _("one person in {accounts}").format(accounts=names)
        elif accounts[0]:
            where = _("in {account}").format(account=names)
        else:
            where = names
        name, _sep, rest = text.partition(", ")
        return ", ".join(part for part in (name, where, rest) if part)


def _position(ids: Sequence[int], contact_id: int) -> int | None:
    """Where contact_id is in ids (None: not there). An array is searched as bytes: its
    index() makes an int of each item (0.7 ms for 26,000, on the keystroke that hides the
    contact shown)."""
    if isinstance(ids, array) and ids.itemsize == 8:
        data = ids.tobytes()
        needle = contact_id.to_bytes(8, sys.byteorder, signed=True)
        at = data.find(needle)
        while at >= 0 and at % 8:  # the bytes of two neighbours: look on
            at = data.find(needle, at + 1)
        return None if at < 0 else at // 8
    try:
        return ids.index(contact_id)
    except ValueError:
        return None


def _same(a: Sequence[int], b: Sequence[int]) -> bool:
    """The same ids in the same order (a list and an array compare by their items)."""
    if len(a) != len(b):
        return False
    if type(a) is type(b):
        return a == b
    return array("q", a) == array("q", b)


_ROW_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ROLES = frozenset(
    {
        _DISPLAY,
        int(Qt.ItemDataRole.AccessibleTextRole.value),
        int(Qt.ItemDataRole.ToolTipRole.value),
        ID_ROLE,
        PERSON_ROLE,
        PAINT_ROLE,
        ACCOUNTS_ROLE,
        SECONDARY_ROLE,
        STATE_ROLE,
        STATUS_ROLE,
        ACCOUNT_ROLE,
    }
)

STATE_WORDS = {
    "new": N_("not yet sent"),
    "modified": N_("edited, not yet sent"),
    "conflict": N_("conflict"),
    "deleted": N_("deleted, not yet sent"),
}


# Which state marks a person's row when its records differ: the one that asks most of the user.
URGENCY = {"conflict": 0, "modified": 1, "new": 2, "deleted": 3, "synced": 4, "local": 5}


def _accessible_text(row: ListRow, state: str | None = None) -> str:
    state = row.state if state is None else state
    parts = [row.display_name or _("(no name)")]
    if row.secondary:
        parts.append(row.secondary)
    if state in STATE_WORDS:
        parts.append(_(STATE_WORDS[state]))
    if row.status != "active":
        parts.append(row.status)
    return ", ".join(parts)
