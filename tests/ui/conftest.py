"""Window tests: offscreen Qt, and any Qt warning or critical message fails the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

from addressbook.model import Address, Contact, Email, Phone
from addressbook.store import Store
from addressbook.ui.app import window_settings
from addressbook.ui.main_window import MainWindow

# Messages of the offscreen platform plugin itself, not of our code.
_PLATFORM_NOISE = ("This plugin does not support",)


@pytest.fixture(autouse=True)
def fail_on_qt_warnings() -> Iterator[None]:
    """Collect Qt's warnings during the test; fail it if there were any."""
    caught: list[str] = []

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        serious = kind in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
        if serious and not message.startswith(_PLATFORM_NOISE):
            caught.append(f"{kind.name}: {message}")

    previous = qInstallMessageHandler(handler)
    yield
    qInstallMessageHandler(previous)
    assert not caught, "Qt warned:\n" + "\n".join(caught)


SAMPLE = [
    Contact(
        display_name="Ada Lovelace",
        given_name="Ada",
        family_name="Lovelace",
        organization="Analytical Engines Ltd",
        title="Programmer",
        emails=[Email("ada@example.com")],
        phones=[Phone("+44 20 7946 0018", "work"), Phone("07700 900123", "mobile")],
        addresses=[Address("street", ["12 St James's Square"], "London", "", "SW1Y 4JH", "UK")],
        notes="Met at the Babbage lecture.\nLikes poetry.",
    ),
    Contact(display_name="Grace Hopper", emails=[Email("grace@navy.example")]),
    Contact(display_name="Zoë Müller", organization="Straße & Co"),
    Contact(display_name="王小明", emails=[Email("wang@example.cn")]),
    Contact(display_name="Alan Turing", organization="Bletchley Park"),
]


@pytest.fixture
def store(addressbook_home: Path) -> Iterator[Store]:
    """The cache of this test's home, with a few local contacts."""
    with Store.default() as cache:
        for contact in SAMPLE:
            cache.create(contact)
        yield cache


@pytest.fixture
def window(qtbot, addressbook_home: Path, keyring_file: Path | None) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    """The window over an empty cache in a fresh home (test_main_window has its own)."""
    with Store.default() as store:
        win = MainWindow(store, window_settings())
        qtbot.addWidget(win)
        win.show()
        yield win
        win.jobs.cancel_all()
        win.tasks.wait(10000)
        win.close()


@pytest.fixture
def german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The program in German, from the German .po as it is now (compiled into this test's
    folder: the committed .mo may lag behind the .po until the catalogs are compiled)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from addressbook import i18n

    root = Path(__file__).resolve().parent.parent.parent / "resources" / "translations"
    folder = tmp_path / "translations" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (root / "de" / "LC_MESSAGES" / "addressbook.po").open("rb") as po:
        catalog = read_po(po, locale="de")
    with (folder / "addressbook.mo").open("wb") as mo:
        write_mo(mo, catalog)
    for variable in ("LC_ALL", "LC_MESSAGES", "LC_TIME", "LC_NUMERIC"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANGUAGE", "de")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    monkeypatch.setattr(i18n, "locale_dir", lambda: tmp_path / "translations")
    i18n.reload()
    yield
    monkeypatch.undo()
    i18n.reload()
