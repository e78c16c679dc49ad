"""The lazy list model: Qt's model checks, windows of rows, filtering in SQL."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from addressbook.model import Contact, Patch
from addressbook.store import ALL, LOCAL, Store
from addressbook.ui import list_model
from addressbook.ui.list_model import SECONDARY_ROLE, STATE_ROLE, ContactListModel


def test_model_passes_qt_checks(qtmodeltester: ModelTester, store: Store) -> None:
    model = ContactListModel(store)
    model.set_filter("", ALL)
    qtmodeltester.check(model, force_py=True)
    model.set_filter("ada", ALL)
    qtmodeltester.check(model, force_py=True)


def test_rows_sorted_and_two_lines(store: Store) -> None:
    model = ContactListModel(store)
    model.set_filter("", ALL)
    names = [model.index(r).data() for r in range(model.rowCount())]
    assert names[:2] == ["Ada Lovelace", "Alan Turing"]
    assert len(names) == 5
    ada = model.index(0)
    assert ada.data(SECONDARY_ROLE) == "Analytical Engines Ltd"
    assert ada.data(STATE_ROLE) == "local"


def test_filter_runs_in_sql_and_accounts_filter(store: Store) -> None:
    model = ContactListModel(store)
    model.set_filter("muller", ALL)  # accents and case folded
    assert [model.index(r).data() for r in range(model.rowCount())] == ["Zoë Müller"]
    model.set_filter("", "no-such-account")
    assert model.rowCount() == 0
    model.set_filter("", LOCAL)
    assert model.rowCount() == 5


def test_rows_are_read_in_windows(store: Store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    store.create_many(Contact(display_name=f"Person {n:04d}") for n in range(450))
    monkeypatch.setattr(list_model, "BLOCK", 100)
    asked: list[int] = []
    real_rows = store.rows

    def counting_rows(ids):  # type: ignore[no-untyped-def]
        asked.append(len(ids))
        return real_rows(ids)

    monkeypatch.setattr(store, "rows", counting_rows)
    model = ContactListModel(store)
    model.set_filter("person", ALL)
    assert model.rowCount() == 450
    assert asked == []  # nothing read before something is shown
    assert model.index(420).data() == "Person 0420"
    assert asked == [50]  # only the last window (rows 400–449)
    model.index(401).data(Qt.ItemDataRole.DisplayRole)
    assert asked == [50]  # cached


def test_refresh_keeps_rows_when_ids_unchanged(store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    model = ContactListModel(store)
    model.set_filter("", ALL)
    grace = store.search_ids("grace")[0]
    seen = store.get(grace).contact  # type: ignore[union-attr]
    store.apply_patch(grace, Patch.setting(seen, organization="US Navy"))
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.dataChanged):
        model.refresh()
    row = model.row_of(grace)
    assert row is not None
    assert model.index(row).data(SECONDARY_ROLE) == "US Navy"
