"""Starting the window: the QApplication, the settings file, the main window, the event loop."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QLibraryInfo, QLocale, QObject, QSettings, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from addressbook import __version__, paths
from addressbook.errors import AddressbookError
from addressbook.store import Store
from addressbook.ui.icons import app_icon
from addressbook.ui.main_window import MainWindow

# Set by tests/perf/bench_gui.py: print the moment the contact list is first painted
# ("exit": and end the process there, for profilers of the start).
REPORT_PAINT_ENV = "ADDRESSBOOK_REPORT_PAINT"
# Qt's own command-line options (`-style fusion`, `-reverse`), set by the command line.
QT_OPTIONS: list[str] = []


def application() -> QApplication:
    """The QApplication (made once), named so the desktop groups its windows."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    # Workers run Python too (parsing, merging); ask them for the GIL after 1 ms, not
    # Python's 5 ms, so the window answers promptly while a sync runs.
    sys.setswitchinterval(0.001)
    app = QApplication([*sys.argv[:1], *QT_OPTIONS])
    app.setApplicationName("addressbook")
    app.setApplicationDisplayName("Address Book")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("addressbook")
    app.setDesktopFileName("org.addressbook.AddressBook")
    app.setWindowIcon(app_icon())
    use_language(app)
    return app


def user_language(environ: dict[str, str] | None = None) -> str:
    """The language gettext picks ('de', 'pt_BR'; '' for the default), from the environment."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            first = value.split(":")[0].split(".")[0].split("@")[0]
            return "" if first in ("C", "POSIX") else first
    return ""


def _format_locale(environ: dict[str, str] | None = None) -> str:
    """The locale dates and numbers follow (LC_ALL, LC_TIME, LANG); '' for C/POSIX/none."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_TIME", "LANG"):
        value = env.get(name, "")
        if value:
            first = value.split(".")[0].split("@")[0]
            return "" if first in ("C", "POSIX") else first
    return ""


_translators: list[QTranslator] = []  # kept alive as long as the application


def use_language(app: QApplication, language: str | None = None) -> bool:
    """Qt's own catalogs (qtbase_*.qm: standard buttons, dialogs) and QLocale for the language.

    Dates and numbers the window shows use QLocale(): it follows the same language as
    the gettext catalogs. True when a Qt catalog was loaded.
    """
    if language is None:
        # Qt's buttons in the language our sentences come from; dates and numbers in the
        # system's formats (LC_ALL, LC_TIME, LANG), or that language's when those say C.
        from addressbook.i18n import catalog_language

        language = catalog_language() or ""
        formats = _format_locale()
        # C/POSIX formats read oddly ('5 03 2024', '100000'): the source English's instead
        QLocale.setDefault(QLocale(formats or language or "en_US"))
    elif language:
        QLocale.setDefault(QLocale(language))
    if not language:
        return False
    locale = QLocale(language)
    for translator in _translators:
        app.removeTranslator(translator)
    _translators.clear()
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    loaded = False
    for catalog in ("qtbase",):
        translator = QTranslator(app)
        if translator.load(locale, catalog, "_", folder):
            app.installTranslator(translator)
            _translators.append(translator)
            loaded = True
    return loaded


def window_settings() -> QSettings:
    """The window's remembered layout: an ini file in the config dir (follows ADDRESSBOOK_HOME)."""
    return QSettings(str(paths.config_dir() / "window.ini"), QSettings.Format.IniFormat)


class _PaintReporter(QObject):
    """Prints when the contact list is first painted with rows (for the start-up benchmark)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        window.list_view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._window.model.rowCount():
            QTimer.singleShot(0, self._report)
            watched.removeEventFilter(self)
        return False

    def _report(self) -> None:
        import resource

        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        # the GUI thread's CPU time by then: the start's own work, apart from the machine's load
        cpu = time.thread_time()
        print(
            f"list-painted {time.time():.6f} rss-kib {peak_kib} gui-cpu {cpu:.6f}",
            file=sys.stderr,
            flush=True,
        )
        if os.environ.get(REPORT_PAINT_ENV) == "exit":  # profiling the start: nothing after it
            os._exit(0)


def open_window(store: Store | Callable[[], Store] | None = None) -> MainWindow:
    """Make the application and show the main window over the cache (a store, or what
    gives it once the application is made: ui/early.py opens it while Qt loads)."""
    application()
    if callable(store):
        store = store()
    window = MainWindow(store or Store.default(), window_settings())
    if os.environ.get(REPORT_PAINT_ENV):
        _PaintReporter(window)
    window.show()
    return window


def run_gui(
    quit_after: float | None = None,
    setup: Callable[[MainWindow], None] | None = None,
    store: Callable[[], Store] | None = None,
) -> int:
    """Open the window and run the event loop; quit by itself after `quit_after` seconds.

    `store` gives the cache once the application is made (else the user's is opened)."""
    from addressbook.ui.display import require_display

    require_display()  # Qt would abort the process; say it in one line instead
    app = application()
    try:
        window = open_window(store)
    except AddressbookError as error:
        # Started from a desktop menu there is no terminal: say it in a window too
        # (not in timed, scripted runs, where nobody would close the box).
        if quit_after is None:
            QMessageBox.critical(None, "Address Book", str(error))
        raise
    if setup is not None:
        setup(window)
    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), window.close)
    status = app.exec()
    window.store.close()
    return status
