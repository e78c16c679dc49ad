"""The main window: accounts on the left, search and contacts in the middle, details right."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from addressbook import __version__
from addressbook.connectors.base import AccountConfig
from addressbook.errors import AddressbookError, EditMoved
from addressbook.i18n import _, ngettext
from addressbook.model import Contact, FieldEdit, Patch
from addressbook.store import ALL, LOCAL, Record, Store
from addressbook.store.people import Membership
from addressbook.ui.account_list import (
    KEY_ROLE,
    AccountDelegate,
    AccountEntry,
    AccountListModel,
    fixed_entries,
)
from addressbook.ui.ahead import (
    TYPING,
    TYPING_SECONDS,
    AfterFirstPaint,
    Answers,
    PaintAhead,
    collect_young,
    read_progressively,
)
from addressbook.ui.colours import apply_accessible_palette
from addressbook.ui.delegate import ContactDelegate
from addressbook.ui.icons import app_icon, icon, icon_colour
from addressbook.ui.list_model import ContactListModel
from addressbook.ui.panes import DetailPane, JobProgress, MessageBar
from addressbook.ui.people_dialog import (
    choose_delete,
    edit_person,
    install_people,
    restore_people,
)
from addressbook.ui.readers import (
    OrderedSource,
    Overview,
    family_ranks,
    read_ids,
    read_overview,
)
from addressbook.ui.tasks import TaskManager, freeze_startup_heap
from addressbook.ui.undo import UndoOperation, UndoStack
from addressbook.ui.watcher import ChangeWatcher
from addressbook.wording import field_labels

if TYPE_CHECKING:
    from addressbook.rules import Problem
    from addressbook.ui.editor import ContactEditor
    from addressbook.ui.jobs import JobRunner

log = logging.getLogger("addressbook.ui")

IMPORT_SUFFIXES = (".vcf", ".vcard", ".vcards", ".csv")
# The first keys' searches are read ahead this soon after the list is first painted (and
# after a postponement), then after each change once the window has been this long
# without another (ui/ahead).
AHEAD_FIRST_MS = 50
AHEAD_IDLE_MS = 1500
EDITOR_IDLE_MS = 1000  # after the first paint, the form is built (once no key comes)
IDLE_GC_MS = 40  # after the last key: the garbage it left is collected (ui/ahead.collect_young)


class MainWindow(QMainWindow):
    """The address book's window over one Store (the GUI thread's own connection)."""

    contact_shown = Signal(int)  # a contact's details are on screen (tests, screenshots)
    list_refreshed = Signal()  # a background re-run of the search was applied
    overview_updated = Signal()  # the account pane's counts and states were read again
    announced = Signal(str)  # a status line was shown (and announced to screen readers)

    def __init__(self, store: Store, settings: QSettings, tasks: TaskManager | None = None) -> None:
        super().__init__()
        from addressbook.rules import Checker

        apply_accessible_palette()
        self.store = store
        self.settings = settings
        self.tasks = tasks or TaskManager(self)
        self.checker = Checker(store)
        self.undo_stack = UndoStack(self)
        self.accounts: dict[str, AccountConfig] = {}
        self._editing_id: int | None = None  # None with the editor open: a new contact
        self._new_account: str | None = None
        self._editor_account: str | None = None  # whose clients the editor offers
        self._shown_id: int | None = None
        self._reverting = False
        self._jobs: JobRunner | None = None
        self._progress: dict[tuple[str, str], JobProgress] = {}
        self._bar_cause: tuple[str, str] | None = None  # what the message bar is about
        self.offline: set[str] = set()  # accounts whose last job could not reach the service
        self._overview: Overview | None = None
        self._overview_running = self._overview_again = False
        self._search_running = self._search_again = False
        # Replaces the browser for the Xero sign-in (the demo and tests approve by themselves).
        self.open_url_hook: Callable[[str], None] | None = None
        self.setWindowTitle(_("Address Book"))
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self._icons_colour = icon_colour()  # what the icons are drawn in from here on
        self._build_actions()
        self._build_panes()
        self._build_menus()
        install_people(
            self
        )  # people: actionPeople, a person's detail and Split (ui/people_dialog.py)
        people = self.findChild(QAction, "actionPeople")
        if people is not None and people.shortcut().isEmpty():
            people.setShortcut(QKeySequence("Ctrl+Shift+O"))  # every menu action has a key
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(400)
        self._refresh_timer.timeout.connect(self._refresh_in_background)
        self._ahead_generation = 0  # counts changes of the cache seen by the window
        self._ahead_timer = QTimer(self)  # reads one-letter searches ahead once idle
        self._ahead_timer.setSingleShot(True)
        self._ahead_timer.setInterval(AHEAD_IDLE_MS)
        self._ahead_timer.timeout.connect(self._read_ahead)
        self.paint_ahead = PaintAhead(self.list_view, self.model)  # the answers' first screens
        self._idle_gc = QTimer(self)  # the garbage of the last keys, collected once idle
        self._idle_gc.setSingleShot(True)
        self._idle_gc.setInterval(IDLE_GC_MS)
        self._idle_gc.timeout.connect(collect_young)
        self.watcher = ChangeWatcher(store.path, self)
        self.watcher.changed.connect(self.schedule_refresh)
        self._restore_layout()
        self.reload_accounts()
        self.model.set_filter("", ALL)
        self._after_list_change()
        self.undo_stack.changed.connect(self._update_undo)
        self._update_undo()
        self.watcher.start()
        self._editor_timer = QTimer(self)  # the form is built once idle, after the list
        self._editor_timer.setSingleShot(True)
        self._editor_timer.setInterval(EDITOR_IDLE_MS)
        self._editor_timer.timeout.connect(self._build_editor_when_idle)
        AfterFirstPaint(self.list_view.viewport(), self._after_first_paint)
        QTimer.singleShot(0, freeze_startup_heap)  # the window is built: out of the GC's way
        self.list_view.setFocus()
        if self.settings.value("list/sort") == "family":
            self.set_sort_order("family")

    # --- the narrow interface the dialogs use (ui/context.py) ------------------------------
    def dialog_parent(self) -> QWidget:
        return self

    def show_status(self, text: str, msecs: int = 10000) -> None:
        """A passing line in the status bar, announced to screen readers."""
        self.statusBar().showMessage(text, msecs)
        announce(self, text)
        self.announced.emit(text)

    # --- building -----------------------------------------------------------------------
    def _action(
        self, name: str, text: str, icon_name: str | None, shortcut: object, tip: str
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if icon_name:
            action.setIcon(icon(icon_name))
            action.setProperty("icon_name", icon_name)
        if shortcut is not None:
            action.setShortcut(shortcut)  # type: ignore[call-overload]
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if keys:
                tip = _("{tip} ({keys})").format(tip=tip, keys=keys)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        seq = QKeySequence
        self.action_new = self._action(
            "actionNew", _("&New Contact"), "new", key.New, _("Add a contact")
        )
        self.action_edit = self._action(
            "actionEdit", _("&Edit Contact"), "edit", seq("Ctrl+E"), _("Edit the selected contact")
        )
        self.action_delete = self._action(
            "actionDelete",
            _("&Delete"),
            "delete",
            key.Delete,
            _("Delete the selected contacts"),
        )
        self.action_undo = self._action(
            "actionUndo", _("&Undo"), None, key.Undo, _("Undo the last edit, delete or import")
        )
        self.action_copy_text = self._action(
            "actionCopyText",
            _("&Copy as Text"),
            None,
            key.Copy,
            _("Copy the selected contacts as text"),
        )
        self.action_copy_vcard = self._action(
            "actionCopyVCard",
            _("Copy as &vCard"),
            None,
            seq("Ctrl+Shift+C"),
            _("Copy the selected contacts as vCard"),
        )
        self.action_sync = self._action(
            "actionSync",
            _("&Sync"),
            "sync",
            key.Refresh,
            _("Bring in changes from the selected account, or from all"),
        )
        self.action_sync_full = self._action(
            "actionSyncFull",
            _("Sync &Everything Again"),
            None,
            seq("Ctrl+F5"),
            _("Read every contact again, not only the changes"),
        )
        self.action_push = self._action(
            "actionPush",
            _("&Push Changes…"),
            "push",
            seq("Ctrl+Shift+P"),
            _("Review and send the edits made here"),
        )
        self.action_push_selected = self._action(
            "actionPushSelected",
            _("Push Se&lected"),
            None,
            seq("Ctrl+Alt+P"),
            _("Send the edits of the selected contacts only"),
        )
        self.action_accounts = self._action(
            "actionAccounts",
            _("&Accounts…"),
            "accounts",
            seq("Ctrl+Shift+A"),
            _("Add, change or remove accounts"),
        )
        self.action_copy = self._action(
            "actionCopyTo",
            _("Copy &to Account…"),
            None,
            seq("Ctrl+Shift+T"),
            _("Copy the selected contacts to an account"),
        )
        self.action_resolve = self._action(
            "actionResolve",
            _("&Resolve Conflict…"),
            "conflict",
            seq("Ctrl+R"),
            _("Choose what to keep of a contact changed on both sides"),
        )
        self.action_import = self._action(
            "actionImport",
            _("&Import…"),
            None,
            seq("Ctrl+I"),
            _("Import contacts from a vCard or CSV file"),
        )
        self.action_export = self._action(
            "actionExport",
            _("E&xport…"),
            None,
            seq("Ctrl+Shift+E"),
            _("Export contacts to a vCard or CSV file"),
        )
        self.action_print = self._action(
            "actionPrint", _("&Print…"), None, key.Print, _("Print the selected contacts")
        )
        self.action_pdf = self._action(
            "actionSavePdf",
            _("Save as P&DF…"),
            None,
            seq("Ctrl+Shift+S"),
            _("Save the selected contacts as a PDF file"),
        )
        self.action_find = self._action(
            "actionFind", _("&Find"), "search", key.Find, _("Search contacts")
        )
        self.action_sort_given = self._action(
            "actionSortGiven",
            _("Sort by &Given Name"),
            None,
            seq("Ctrl+Alt+G"),
            _("List contacts by given name first"),
        )
        self.action_sort_family = self._action(
            "actionSortFamily",
            _("Sort by &Family Name"),
            None,
            seq("Ctrl+Alt+F"),
            _("List contacts by family name first"),
        )
        from PySide6.QtGui import QActionGroup

        self.sort_group = QActionGroup(self)
        for action in (self.action_sort_given, self.action_sort_family):
            action.setCheckable(True)
            self.sort_group.addAction(action)
        self.action_sort_given.setChecked(True)
        self.action_sort_given.triggered.connect(lambda: self.set_sort_order("given"))
        self.action_sort_family.triggered.connect(lambda: self.set_sort_order("family"))
        self.action_quit = self._action(
            "actionQuit", _("&Quit"), None, QKeySequence("Ctrl+Q"), _("Quit")
        )
        self.action_about = self._action(
            "actionAbout", _("&About Address Book"), None, None, _("About")
        )
        self.action_new.triggered.connect(self.new_contact)
        self.action_edit.triggered.connect(self.edit_contact)
        self.action_delete.triggered.connect(self.delete_contact)
        self.action_undo.triggered.connect(self.undo)
        self.action_copy_text.triggered.connect(lambda: self.copy_to_clipboard("text"))
        self.action_copy_vcard.triggered.connect(lambda: self.copy_to_clipboard("vcard"))
        self.action_sync.triggered.connect(self.sync_selected)
        self.action_sync_full.triggered.connect(lambda: self.sync_selected(full=True))
        self.action_push.triggered.connect(self.open_push_preview)
        self.action_push_selected.triggered.connect(self.push_selected)
        self.action_accounts.triggered.connect(self.open_accounts)
        self.action_copy.triggered.connect(self.copy_to_account)
        self.action_resolve.triggered.connect(self.resolve_conflict)
        self.action_import.triggered.connect(self.import_file)
        self.action_export.triggered.connect(self.export_file)
        self.action_print.triggered.connect(lambda: self.print_selected(None))
        self.action_pdf.triggered.connect(self.save_pdf)
        self.action_find.triggered.connect(self.focus_search)
        self.action_quit.triggered.connect(self.close)
        self.action_about.triggered.connect(self.show_about)

    def _build_panes(self) -> None:
        self.account_model = AccountListModel(self)
        self.account_view = QListView()
        self.account_view.setObjectName("accountList")
        self.account_view.setAccessibleName(_("Accounts"))
        self.account_view.setAccessibleDescription(
            _("Choose which contacts the list shows: all, this computer's, or one account's")
        )
        self.account_view.setModel(self.account_model)
        self.account_view.setItemDelegate(AccountDelegate(self.account_view))
        self.account_view.setUniformItemSizes(True)
        self.account_view.setMinimumWidth(190)
        self.account_view.selectionModel().currentChanged.connect(self._on_account_changed)

        self.search = QLineEdit()
        self.search.setObjectName("searchField")
        self.search.setPlaceholderText(_("Search name, organisation, email, phone"))
        self.search.setAccessibleName(_("Search contacts"))
        self.search.setAccessibleDescription(
            _("Type to filter the list; Down goes to the list, Escape clears")
        )
        self.search.setClearButtonEnabled(True)
        lens = self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        lens.setProperty("icon_name", "search")
        lens.setText(_("Search"))
        lens.setToolTip(_("Search contacts (Ctrl+F)"))
        self.search.textChanged.connect(self._on_search)
        self.search.returnPressed.connect(self._focus_list)
        self.search.installEventFilter(self)

        self.source = OrderedSource(self.store)  # the order chosen in View
        self.model = ContactListModel(self.source, self)  # type: ignore[arg-type]
        self.list_view, self.contact_delegate = make_contact_view(self.model)
        self.list_view.setAccessibleDescription(
            _("Type to search; Enter edits; Delete deletes; the menu key offers more")
        )
        self.list_view.selectionModel().currentChanged.connect(self._on_contact_changed)
        self.list_view.selectionModel().selectionChanged.connect(
            lambda *_args: self._update_actions()
        )
        self.list_view.doubleClicked.connect(lambda _index: self.edit_contact())
        self.list_view.activated.connect(lambda _index: self.edit_contact())
        self.list_view.installEventFilter(self)
        self.list_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list_view.customContextMenuRequested.connect(self._context_menu)
        # Delete and Ctrl+C in a text field act on the text, not the contacts.
        for action in (self.action_delete, self.action_copy_text):
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            self.list_view.addAction(action)

        self.empty = QLabel()
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setTextFormat(Qt.TextFormat.RichText)
        self.empty.setContentsMargins(16, 16, 16, 16)
        self.first_run = QWidget()
        self.first_run.setObjectName("firstRunButtons")
        buttons = QVBoxLayout(self.first_run)
        self.add_account_button = QPushButton(icon("accounts"), _("&Add Account…"))
        self.add_account_button.setObjectName("firstRunAccount")
        self.import_button = QPushButton(_("&Import File…"))
        self.import_button.setObjectName("firstRunImport")
        self.demo_button = QPushButton(_("Try the &Demo Data"))
        self.demo_button.setObjectName("firstRunDemo")
        self.demo_button.setToolTip(
            _("Opens a second window on sample accounts; your address book is not touched")
        )
        for button, description in (
            (self.add_account_button, _("Connect Xero, Harvest or AcuInvoice")),
            (self.import_button, _("Bring in contacts from a vCard or CSV file")),
            (self.demo_button, self.demo_button.toolTip()),
        ):
            button.setAccessibleDescription(description)
            buttons.addWidget(button)
        self.add_account_button.clicked.connect(self.open_accounts)
        self.import_button.clicked.connect(self.import_file)
        self.demo_button.clicked.connect(self.start_demo)
        empty_page = QWidget()
        empty_layout = QVBoxLayout(empty_page)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.empty)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.first_run)
        row.addStretch(1)
        empty_layout.addLayout(row)
        empty_layout.addStretch(2)
        self.empty_page = empty_page
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.list_view)
        self.list_stack.addWidget(empty_page)
        self.model.modelReset.connect(self._update_empty)

        self.undo_bar = MessageBar("undoBar")
        self.message_bar = MessageBar("messageBar")
        self.message_bar.closed.connect(self._forget_bar_cause)
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.setSpacing(4)
        middle_layout.addWidget(self.search)
        middle_layout.addWidget(self.undo_bar)
        middle_layout.addWidget(self.list_stack, 1)

        self.detail = DetailPane()
        self.detail.resolve_requested.connect(self.resolve_conflict)
        self.detail.editor_made.connect(self._wire_editor)

        self.splitter = QSplitter()
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.account_view)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setChildrenCollapsible(False)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        # Tab: accounts → search → list → details (the creation order; the editor sets
        # its own order, field by field, each time rows come or go).
        self.setTabOrder(self.account_view, self.search)
        self.setTabOrder(self.search, self.list_view)
        self.statusBar().setSizeGripEnabled(True)

    def _after_first_paint(self) -> None:
        self._ahead_timer.start(AHEAD_FIRST_MS)  # soon after the list is painted, before keys
        self._editor_timer.start()

    def _build_editor_when_idle(self) -> None:
        """Build the form while nothing happens (26 ms on the GUI thread, never between
        keys): the first Edit opens at once, and the detail pane has its full minimum size
        (the form's) before one drags the splitter."""
        if TYPING.busy():
            self._editor_timer.start(int(TYPING_SECONDS * 1000))
            return
        self.detail.editor  # noqa: B018 (built on first access)

    @property
    def editor(self) -> ContactEditor:
        """The contact form in the detail pane (built when first asked for)."""
        return self.detail.editor

    def _wire_editor(self, editor: ContactEditor) -> None:
        editor.save_requested.connect(self.save_edit)
        editor.cancelled.connect(self.cancel_edit)
        editor.escape_pressed.connect(self._editor_escape)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(_("&File"))
        file_menu.addAction(self.action_new)
        file_menu.addSeparator()
        file_menu.addActions([self.action_import, self.action_export])
        file_menu.addSeparator()
        file_menu.addActions([self.action_print, self.action_pdf])
        file_menu.addSeparator()
        file_menu.addAction(self.action_accounts)
        file_menu.addSeparator()
        file_menu.addAction(self.action_quit)
        self.edit_menu = edit_menu = bar.addMenu(_("&Edit"))
        edit_menu.setObjectName("menuEdit")
        edit_menu.addAction(self.action_undo)
        edit_menu.addSeparator()
        edit_menu.addActions([self.action_edit, self.action_delete])
        edit_menu.addSeparator()
        edit_menu.addActions([self.action_copy_text, self.action_copy_vcard, self.action_copy])
        edit_menu.addSeparator()
        edit_menu.addAction(self.action_find)
        view_menu = bar.addMenu(_("&View"))
        view_menu.addActions([self.action_sort_given, self.action_sort_family])
        sync_menu = bar.addMenu(_("&Sync"))
        sync_menu.addActions([self.action_sync, self.action_sync_full])
        sync_menu.addSeparator()
        sync_menu.addActions([self.action_push, self.action_push_selected, self.action_resolve])
        help_menu = bar.addMenu(_("&Help"))
        help_menu.addAction(self.action_about)
        toolbar = QToolBar(_("Main"))
        toolbar.setObjectName("mainToolBar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([self.action_new, self.action_edit, self.action_delete])
        toolbar.addSeparator()
        toolbar.addActions([self.action_sync, self.action_push])
        toolbar.addSeparator()
        toolbar.addAction(self.action_accounts)
        self.addToolBar(toolbar)

    def _context_menu(self, point: QPoint) -> None:
        menu = self.context_menu()
        menu.exec(self.list_view.viewport().mapToGlobal(point))

    def context_menu(self) -> QMenu:
        """The list's context menu (for the selected contacts)."""
        menu = QMenu(self)
        menu.setObjectName("contactMenu")
        menu.addActions([self.action_edit, self.action_delete])
        menu.addSeparator()
        menu.addActions([self.action_copy_text, self.action_copy_vcard, self.action_copy])
        menu.addSeparator()
        menu.addActions([self.action_export, self.action_print, self.action_push_selected])
        return menu

    # --- layout memory ------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        size = self.settings.value("window/size")
        # restoreGeometry can refuse (another screen, no window manager); the size still holds.
        first = geometry is None and not isinstance(size, QSize)
        if geometry is None or not self.restoreGeometry(geometry):  # type: ignore[arg-type]
            self.resize(size if isinstance(size, QSize) else QSize(1100, 700))
        self.fit_screen(margin=0.9 if first else 1.0)
        splitter = self.settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)  # type: ignore[arg-type]
        else:
            width = self.width()
            self.splitter.setSizes([int(width * 0.22), int(width * 0.33), int(width * 0.45)])

    def fit_screen(self, margin: float = 1.0) -> None:
        """Never larger than the screen's free area (a first start at scale 2, another screen).

        On a first start the window takes at most `margin` of it, so the desktop shows around.
        """
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        width = min(self.width(), int(free.width() * margin))
        height = min(self.height(), int(free.height() * margin))
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        frame = self.frameGeometry()
        if not free.contains(frame):
            frame.moveCenter(free.center())
            self.move(frame.topLeft())

    def save_layout(self) -> None:
        """Remember the window's size and the splitter positions."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/size", self.size())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.sync()

    # --- accounts -----------------------------------------------------------------------
    def reload_accounts(self) -> None:
        """Read the account settings again and rebuild the left pane."""
        from addressbook.accounts import load_accounts

        try:
            self.accounts = {a.name: a for a in load_accounts()}
        except AddressbookError as error:
            self.accounts = {}
            self.message_bar.show_message(str(error), "warning")
        self.checker = type(self.checker)(self.store)  # services may have changed
        self.contact_delegate.services = {n: a.service for n, a in self.accounts.items()}
        self.refresh_accounts()
        self._update_empty()

    def refresh_accounts(self) -> None:
        """Rebuild the left pane now from the last overview; read a fresh one in a worker."""
        self._show_overview()
        self.update_overview()

    def update_overview(self) -> None:
        """Read counts and sync states in a worker (a GROUP BY over every contact)."""
        if self._overview_running:
            self._overview_again = True
            return
        self._overview_running = True
        path, names = self.store.path, list(self.accounts)
        self.tasks.run(
            lambda: read_overview(path, names), self._overview_read, self._overview_failed
        )

    def _overview_read(self, overview: Overview) -> None:
        self._overview_running = False
        self._overview = overview
        self._show_overview()
        self._check_bar_cause()
        self.overview_updated.emit()
        if self._overview_again:
            self._overview_again = False
            self.update_overview()

    def _overview_failed(self, error: BaseException) -> None:
        self._overview_running = False
        log.info("could not read the account overview: %s", error)

    def _show_overview(self) -> None:
        counts = self._overview.counts if self._overview else {}
        entries = fixed_entries(counts, known=self._overview is not None)
        for name, account in self.accounts.items():
            contacts, pending = counts.get(name, (0, 0))
            state = self._overview.states.get(name) if self._overview else None
            entries.append(
                AccountEntry(
                    name,
                    name,
                    account.service,
                    contacts if self._overview else None,
                    pending,
                    state.last_sync if state else None,
                    state.last_error if state else None,
                    account.service,
                    name in self.offline,
                    self.service_label(account.service),
                )
            )
        current = self.current_account()
        self.account_model.set_entries(entries)
        row = self.account_model.row_of(current)
        if row is not None and self.account_view.currentIndex().row() != row:
            self._reverting = True
            self.account_view.setCurrentIndex(self.account_model.index(row))
            self._reverting = False

    def current_account(self) -> str | None:
        """The account filter chosen on the left (ALL, LOCAL or a name)."""
        index = self.account_view.currentIndex()
        return index.data(KEY_ROLE) if index.isValid() else ALL

    @staticmethod
    def service_label(service: str) -> str:
        """The service's one label ('Xero (API 1.0)'), from its description."""
        from addressbook.connectors import describe

        try:
            return describe(service).label
        except (AddressbookError, ImportError, AttributeError):
            return service

    def account_label(self, account: str | None) -> str:
        """'Name (Service)' for an account, 'On this computer' for none."""
        if not account:
            return _("On this computer")
        config = self.accounts.get(account)
        if config is None:
            return account
        return _("{account} ({service})").format(
            account=account, service=self.service_label(config.service)
        )

    def _on_account_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._reverting:
            return
        if not self.confirm_leave_editor():
            self._reverting = True
            self.account_view.setCurrentIndex(previous)
            self._reverting = False
            return
        account = current.data(KEY_ROLE) if current.isValid() else ALL
        self._ahead_timer.start()  # read ahead for this filter once idle
        self.paint_ahead.stop()  # the other filter's answers
        self.contact_delegate.show_service = account is ALL
        self.model.set_filter(self.search.text(), account)
        self._after_list_change()

    # --- the keyboard -------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.list_view and self._type_to_search(event):
                return True
            if watched is self.search and self._search_key(event):
                return True
        return super().eventFilter(watched, event)

    def _type_to_search(self, event: QKeyEvent) -> bool:
        """A letter typed in the list goes to the search field (and stays there)."""
        text = event.text()
        modifiers = event.modifiers() & ~(
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
        )
        if not text or not text.isprintable() or text.isspace() or modifiers:
            return False
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.end(False)
        self.search.insert(text)
        return True

    def _search_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
            self._focus_list(last=key in (Qt.Key.Key_Up, Qt.Key.Key_PageUp))
            return True
        if key == Qt.Key.Key_Escape:
            if self.search.text():
                self.search.clear()
            else:
                self._focus_list()
            return True
        return False

    def focus_search(self) -> None:
        """Ctrl+F: put the cursor in the search field."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _focus_list(self, last: bool = False) -> None:
        self.list_view.setFocus(Qt.FocusReason.OtherFocusReason)
        count = self.model.rowCount()
        if count and not self.list_view.currentIndex().isValid():
            self.set_current_row(count - 1 if last else 0)

    # --- the list -----------------------------------------------------------------------
    def _on_search(self, text: str) -> None:
        TYPING.typed()  # the work read and painted ahead holds back while one types
        self.model.set_filter(text, self.model.account)
        self._after_list_change()
        self._idle_gc.start()

    def schedule_refresh(self) -> None:
        """Refresh soon, off the GUI thread (pages of a sync land often: at most 2–3× a second)."""
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def refresh_pending(self) -> bool:
        """True while a background refresh is due or running (tests wait for the end)."""
        return self._refresh_timer.isActive() or self._search_running or self._overview_running

    def _refresh_in_background(self) -> None:
        self._forget_ahead()
        if self._search_running:
            self._search_again = True
            return
        self._search_running = True
        path, query, account = self.store.path, self.model.query, self.model.account
        names = list(self.accounts)

        family = self.source.ranks is not None

        def work() -> tuple[list[int], Overview, dict[int, int] | None]:
            # One worker reads both: fewer threads competing with the window for the GIL.
            ranks = family_ranks(path) if family else None
            ids = read_ids(path, query, account)
            if ranks is not None:
                ids.sort(key=lambda i: ranks.get(i, len(ranks)))
            return ids, read_overview(path, names), ranks

        def done(result: tuple[list[int], Overview, dict[int, int] | None]) -> None:
            ids, overview, ranks = result
            self._search_running = False
            if ranks is not None and self.source.ranks is not None:
                self.source.ranks = ranks
            self._overview = overview
            self._show_overview()
            if (self.model.query, self.model.account) == (query, account):
                self.model.apply_result(ids)
                self._after_list_change()
                if self._shown_id is not None and not self.detail.editing():
                    self.show_contact(self._shown_id)
            self._check_bar_cause()
            if self._search_again:
                self._search_again = False
                self._refresh_in_background()
            elif not self.refresh_pending():
                self.list_refreshed.emit()
                self.overview_updated.emit()

        def failed(error: BaseException) -> None:
            self._search_running = False
            log.info("background search failed: %s", error)

        self.tasks.run(work, done, failed)

    def _read_ahead(self) -> None:
        """Read the first keys' searches of the shown filter in a worker (ui/ahead): the
        one-letter ones, then the two-letter ones of many hits; each is used (and
        painted ahead) as soon as it is in."""
        self._ahead_timer.setInterval(AHEAD_IDLE_MS)
        if self._refresh_timer.isActive() or self._search_running:  # a change is coming in
            self._ahead_timer.start(AHEAD_FIRST_MS)  # again soon: once the refresh is in
            return
        path, account, generation = self.store.path, self.model.account, self._ahead_generation
        font = QFont(self.list_view.font())
        bold = QFont(font)
        bold.setBold(True)  # the badge's initials

        def arrived(answers: Answers) -> None:  # a letter's answers, on the GUI thread
            if generation == self._ahead_generation:  # nothing changed meanwhile
                self.source.ahead = {**self.source.ahead, **answers}
                self._paint_ahead(answers)

        def deliver(answers: Answers) -> None:  # in the worker
            self.tasks.run_on_main(lambda: arrived(answers))

        def stale() -> bool:  # in the worker: the cache or the filter changed since
            return generation != self._ahead_generation or account != self.model.account

        def read(_count: int) -> None:  # the reading is done: paint what came in
            if generation == self._ahead_generation:
                self.paint_ahead.hold(False)

        self.paint_ahead.hold(True)
        self.tasks.run(
            lambda: read_progressively(path, account, (font, bold), deliver, stale),
            read,
            lambda _error: read(0),
            nice=False,
        )

    def _paint_ahead(self, answers: Answers) -> None:
        """Paint the first screens of answers read ahead (of the filter shown, in the store's
        order) off screen, once idle: their first keystrokes paint known rows."""
        if self.source.ranks is None:
            account = self.model.account
            self.paint_ahead.add(ids for (_q, where), ids in answers.items() if where == account)

    def _forget_ahead(self) -> None:
        self._ahead_generation += 1
        self.source.forget()
        self.paint_ahead.stop()
        self._ahead_timer.start(AHEAD_IDLE_MS)

    def refresh(self) -> None:
        """Run the search again now, keep the selection, update counts and the details."""
        self._forget_ahead()
        self.model.refresh()
        self._after_list_change()
        self.refresh_accounts()
        if self._shown_id is not None and not self.detail.editing():
            self.show_contact(self._shown_id)
        self._check_bar_cause()

    def _after_list_change(self) -> None:
        """Keep the shown contact selected if the list still holds it; else show nothing."""
        self._update_empty()
        target = self._shown_id
        row = self.model.row_of(target) if target is not None else None
        if row is not None:
            index = self.model.index(row)
            if self.list_view.currentIndex() != index:
                self._reverting = True
                self.list_view.selectionModel().setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                )
                self._reverting = False
        elif target is not None and not self.detail.editing():
            # The search or the account filter hides it: the pane follows the list.
            self._shown_id = None
            self.detail.show_hint()
        self._update_actions()

    def sort_order(self) -> str:
        """'given' or 'family': how the list is sorted."""
        return "family" if self.source.ranks is not None else "given"

    def set_sort_order(self, order: str) -> None:
        """Sort by given or family name first (remembered); the ranks are read in a worker."""
        self.settings.setValue("list/sort", order)
        (self.action_sort_family if order == "family" else self.action_sort_given).setChecked(True)
        if order != "family":
            if self.source.ranks is not None:
                self.source.ranks = None
                self.model.refresh()
                self._after_list_change()
            return
        path = self.store.path

        def done(ranks: dict[int, int]) -> None:
            if self.action_sort_family.isChecked():
                self.source.ranks = ranks
                self.model.refresh()
                self._after_list_change()
                self.list_refreshed.emit()

        self.tasks.run(lambda: family_ranks(path), done)

    def _update_empty(self) -> None:
        if self.model.rowCount():
            self.list_stack.setCurrentWidget(self.list_view)
            return
        first_run = False
        if self.model.query:
            self.empty.setText(
                _("<p>No contacts match “{query}”.</p><p>Escape clears the search.</p>").format(
                    query=_html(self.model.query)
                )
            )
        elif self.model.account is ALL and not self.accounts:
            first_run = True
            self.empty.setText(
                _(
                    "<p><b>No contacts yet.</b></p><p>Connect an account to bring in its "
                    "contacts, import a file, or look around with sample data. "
                    "<b>Ctrl+N</b> adds a contact on this computer.</p>"
                )
            )
        elif self.model.account == LOCAL:
            self.empty.setText(
                _("<p>No contacts on this computer only.</p><p>Press <b>Ctrl+N</b> to add one.</p>")
            )
        else:
            self.empty.setText(
                _("<p>No contacts here yet.</p><p>Press <b>F5</b> to sync this account.</p>")
            )
        self.first_run.setVisible(first_run)
        self.list_stack.setCurrentWidget(self.empty_page)

    def _on_contact_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._reverting:
            return
        contact_id = self.model.id_at(current.row()) if current.isValid() else None
        if contact_id is None:
            return  # the list was reset; _after_list_change restores the selection
        if contact_id == self._shown_id and not self.detail.editing():
            return
        if not self.confirm_leave_editor():
            self._reverting = True
            self.list_view.selectionModel().setCurrentIndex(
                previous, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            self._reverting = False
            return
        self.show_contact(contact_id)

    def selected_id(self) -> int | None:
        """The id of the contact selected in the list (the current one)."""
        index = self.list_view.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def selected_ids(self) -> list[int]:
        """The ids of every selected contact, in list order (the shown one if none)."""
        rows = sorted(index.row() for index in self.list_view.selectionModel().selectedRows())
        ids = [i for i in (self.model.id_at(row) for row in rows) if i is not None]
        if not ids and self._shown_id is not None and self.model.row_of(self._shown_id) is not None:
            ids = [self._shown_id]
        return ids

    def select_ids(self, ids: Sequence[int]) -> None:
        """Select these contacts (those in the list), the first one current."""
        selection = self.list_view.selectionModel()
        first = True
        for contact_id in ids:
            row = self.model.row_of(contact_id)
            if row is None:
                continue
            flag = (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                if first
                else QItemSelectionModel.SelectionFlag.Select
            )
            if first:
                self.set_current_row(row)
            selection.select(self.model.index(row), flag | QItemSelectionModel.SelectionFlag.Rows)
            first = False

    def select_contact(self, contact_id: int) -> bool:
        """Select a contact in the list (and show it); False if the list does not hold it."""
        row = self.model.row_of(contact_id)
        if row is None:
            return False
        self.set_current_row(row)
        self.list_view.scrollTo(self.model.index(row))
        self.show_contact(contact_id)
        return True

    def set_current_row(self, row: int) -> None:
        """Make a row current and the only one selected."""
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.list_view.selectionModel().setCurrentIndex(self.model.index(row), flags)

    def show_contact(self, contact_id: int) -> None:
        """Show a contact's details (the hint if it is gone)."""
        record = self.store.get(contact_id)
        if record is None or record.state == "deleted":
            self._shown_id = None
            self.detail.show_hint()
        else:
            self._shown_id = contact_id
            self.detail.show_record(record, self.account_label(record.account))
            self.contact_shown.emit(contact_id)
        self._update_actions()

    def shown_record(self) -> Record | None:
        """The record whose details are shown."""
        return self.store.get(self._shown_id) if self._shown_id is not None else None

    def _locked(self, contact_id: int) -> list[Problem]:
        """Why a contact cannot be changed at all (read-only on its service), from rules.py."""
        return self.checker.delete(contact_id)

    def _update_actions(self) -> None:
        editing = self.detail.editing()
        record = self.shown_record() if not editing else None
        ids = [] if editing else self.selected_ids()
        shown_ok = record is not None and not self._locked(record.id)
        self.action_edit.setEnabled(shown_ok and len(ids) <= 1)
        self.action_delete.setEnabled(bool(ids) and (len(ids) > 1 or shown_ok))
        for action in (
            self.action_copy,
            self.action_copy_text,
            self.action_copy_vcard,
            self.action_print,
            self.action_pdf,
            self.action_push_selected,
        ):
            action.setEnabled(bool(ids))
        self.action_resolve.setEnabled(record is not None and record.state == "conflict")

    def _update_undo(self) -> None:
        top = self.undo_stack.top()
        self.action_undo.setEnabled(top is not None)
        self.action_undo.setText(
            _("&Undo {what}").format(what=top.text) if top is not None else _("&Undo")
        )

    # --- editing ------------------------------------------------------------------------
    def new_contact(self) -> None:
        """Open the editor on an empty contact (in the account chosen on the left)."""
        if not self.confirm_leave_editor():
            return
        account = self.current_account()
        self._new_account = account if account and account != LOCAL else None
        self._editing_id = None
        where = self.account_label(self._new_account)
        self.editor.check = lambda contact, _patch: self._check_new(contact)
        self.editor.load(Contact(), _("New contact — {where}").format(where=where))
        self._offer_clients(self._new_account)
        self.detail.setCurrentWidget(self.editor)
        self._update_actions()

    def edit_contact(self) -> None:
        """Open the editor on the shown contact (a read-only one says why it cannot)."""
        record = self.shown_record()
        if record is None or self.detail.editing():
            return
        locked = self._locked(record.id)
        if locked:
            self.message_bar.show_message(locked[0].sentence, "read-only", hide_after_ms=8000)
            announce(self, locked[0].sentence)
            return
        self._editing_id = record.id
        heading = _("Edit — {where}").format(where=self.account_label(record.account))
        self.editor.check = lambda contact, patch: self._check_patch(record.account, contact, patch)
        self.editor.load(record.contact, heading)
        self._offer_clients(record.account)
        self.detail.setCurrentWidget(self.editor)
        self._update_actions()

    def _clients_for_check(self, account: str | None) -> list[str] | None:
        if self._editor_account == account and self.editor.clients:
            return self.editor.clients  # cached, or read from the service for this form
        return self.checker.clients(account) if account else None

    def _check_new(self, contact: Contact) -> list[Problem]:
        from addressbook.rules import check_new

        account = self._new_account
        return check_new(contact, self.checker.service(account), self._clients_for_check(account))

    def _check_patch(self, account: str | None, contact: Contact, patch: Patch) -> list[Problem]:
        from addressbook.rules import check_patch

        return check_patch(
            self.editor.opened(),
            patch,
            self.checker.service(account),
            self._clients_for_check(account),
        )

    def _offer_clients(self, account: str | None) -> None:
        """Where a contact must belong to a client, offer the account's clients."""
        self._editor_account = account
        service = self.checker.service(account)
        if not account or service is None or not service.rules.client_field:
            self.editor.set_clients(None)
            return
        cached = self.checker.clients(account)
        if cached is not None:
            self.editor.set_clients(cached)
            return
        # Not pulled yet: ask the service in a worker (the check waits for the names).
        config = self.accounts[account]

        def work() -> list[str]:
            from addressbook.sync.jobs import open_connector

            with open_connector(config) as connector:
                return [client.name for client in connector.clients()]

        def failed(error: BaseException) -> None:
            log.info("could not read the clients of %s: %s", account, error)

        def loaded(names: list[str]) -> None:
            if self.detail.editing() and self._editor_account == account:
                self.editor.set_clients(names)

        self.editor.set_clients([])
        self.tasks.run(work, loaded, failed)

    def save_edit(self, contact: Contact) -> bool:
        """Write the editor's changes: a new contact, or a patch of the fields changed."""
        try:
            if self._editing_id is None:
                problems = self._check_new(contact)
                if problems:
                    self.editor.show_problems(problems)
                    return False
                contact_id = self.store.create(contact, self._new_account)
                self.undo_stack.push(
                    UndoOperation(
                        _("New Contact {name}").format(name=contact.display_name),
                        lambda: self._undo_create(contact_id),
                        "new",
                    )
                )
            else:
                contact_id = self._editing_id
                patch = Patch.between(self.editor.opened(), contact)
                if patch and self.store.person_of(contact_id) is not None:
                    if not edit_person(self, contact_id, patch):  # every record: people_dialog.py
                        return False
                elif patch:
                    applied = self._apply_edit(contact_id, patch)
                    if applied is None:
                        return False  # the user keeps editing
                    self.undo_stack.push(
                        UndoOperation(
                            _("Edit of {name}").format(name=contact.display_name),
                            lambda: self._undo_patch(contact_id, applied),
                            "edit",
                        )
                    )
        except AddressbookError as error:
            self.message_bar.show_message(str(error), "warning")
            return False
        self._editing_id = None
        self._shown_id = contact_id
        self.detail.setCurrentWidget(self.detail.view_page)
        self.refresh()
        if self.model.row_of(contact_id) is None and self.search.text():
            self.search.clear()  # show the saved contact even if the search hides it
        self.select_contact(contact_id)
        self.list_view.setFocus(Qt.FocusReason.OtherFocusReason)
        self.show_status(_("Saved {name}.").format(name=contact.display_name), 5000)
        return True

    def _apply_edit(self, contact_id: int, patch: Patch) -> Patch | None:
        """Apply the patch; when fields moved underneath, ask whose values to keep."""
        for _attempt in range(5):
            problems = self.checker.patch(contact_id, patch)
            if problems:
                self.editor.show_problems(problems)
                return None
            try:
                self.store.apply_patch(contact_id, patch, moved="refuse")
                return patch
            except EditMoved as moved:
                choice = self.ask_moved(moved)
                if choice is None:
                    return None
                record = self.store.get(contact_id)
                if record is None:
                    raise AddressbookError(
                        _("The contact was deleted meanwhile; your edits are still in the form.")
                    ) from moved
                now = record.contact
                names = [item.field for item in moved.fields]
                kept = patch.without(names) if choice == "theirs" else patch
                patch = Patch.between(now, kept.apply(now))
                if not patch:
                    return patch
        return None

    def ask_moved(self, moved: EditMoved) -> str | None:
        """'mine', 'theirs' or None (keep editing) for fields changed while the form was open."""
        from addressbook.rules import describe_value
        from addressbook.wording import field_label

        box = QMessageBox(self)
        box.setObjectName("editMovedDialog")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(_("Changed meanwhile"))
        names = [item.field for item in moved.fields]
        box.setText(
            _(
                "While you were editing, the {fields} of this contact changed (a sync, or "
                "another window). Keep the new values, or overwrite them with yours?"
            ).format(fields=field_labels(names))
        )
        lines = [
            _("{field}: now “{now}”, yours “{mine}”").format(
                field=field_label(item.field),
                now=describe_value(item.field, item.remote),
                mine=describe_value(item.field, item.local),
            )
            for item in moved.fields
        ]
        box.setInformativeText("\n".join(lines))
        theirs = box.addButton(_("Keep &Theirs"), QMessageBox.ButtonRole.AcceptRole)
        mine = box.addButton(_("&Overwrite with Mine"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(_("Keep &Editing"), QMessageBox.ButtonRole.RejectRole)
        theirs.setObjectName("keepTheirsButton")
        mine.setObjectName("overwriteButton")
        box.setDefaultButton(theirs)
        box.setEscapeButton(keep)
        box.exec()
        clicked = box.clickedButton()
        if clicked is theirs:
            return "theirs"
        if clicked is mine:
            return "mine"
        return None

    def _undo_patch(self, contact_id: int, patch: Patch) -> None:
        inverse = Patch(tuple(FieldEdit(e.field, e.after, e.before) for e in patch.edits))
        self.store.apply_patch(contact_id, inverse, moved="keep")
        self._after_undo([contact_id])

    def _undo_create(self, contact_id: int) -> None:
        self.store.delete(contact_id)
        self._after_undo([])

    def _after_undo(self, ids: list[int]) -> None:
        self.refresh()
        if ids:
            self._shown_id = ids[0]
            self.select_ids(ids)
            self.show_contact(ids[0])

    def cancel_edit(self) -> None:
        """Close the editor without saving."""
        self._editing_id = None
        if self._shown_id is not None:
            self.show_contact(self._shown_id)
        else:
            self.detail.show_hint()
        self._update_actions()
        self.list_view.setFocus()

    def _editor_escape(self) -> None:
        """Escape in the form: close it, asking first when it holds edits."""
        self.confirm_leave_editor()

    def confirm_leave_editor(self) -> bool:
        """With unsaved edits open, ask Save/Discard/Keep editing; True when fine to go on."""
        if not self.detail.editing():
            return True
        if not self.editor.is_dirty():
            self.cancel_edit()
            return True
        box = QMessageBox(self)
        box.setObjectName("unsavedDialog")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(_("Unsaved changes"))
        box.setText(_("Save the changes to this contact?"))
        box.setInformativeText(_("Your edits are lost if you discard them."))
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box.button(QMessageBox.StandardButton.Save).setText(_("&Save"))
        box.button(QMessageBox.StandardButton.Discard).setText(_("&Discard"))
        box.button(QMessageBox.StandardButton.Cancel).setText(_("Keep &Editing"))
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            if self.editor.problems_found():
                return False  # the problems are marked in the form; stay there
            return self.save_edit(self.editor.contact())
        if answer == QMessageBox.StandardButton.Discard:
            self.cancel_edit()
            return True
        return False

    # --- delete and undo ----------------------------------------------------------------
    def delete_contact(self) -> None:
        """Delete the selected contacts (read-only ones are kept, and said); Ctrl+Z undoes."""
        if self.detail.editing():
            return
        ids = self.selected_ids()
        if not ids:
            return
        row = self.list_view.currentIndex().row()
        records = [r for r in self.store.records(ids) if r.state != "deleted"]
        choice = choose_delete(self, records)  # a person's row asks: every account, or one
        if choice is None:
            return
        records = choice.records
        locked = [r for r in records if self._locked(r.id)]
        records = [r for r in records if not self._locked(r.id)]
        if locked and not records:
            sentence = self._locked(locked[0].id)[0].sentence
            self.message_bar.show_message(sentence, "read-only", hide_after_ms=8000)
            return
        try:
            with self.store.transaction():
                for record in records:
                    self.store.delete(record.id)
        except AddressbookError as error:
            self.message_bar.show_message(str(error), "warning")
            return
        self._shown_id = None
        self.detail.show_hint()
        self.refresh()
        if self.model.rowCount():
            self.set_current_row(min(max(row, 0), self.model.rowCount() - 1))
        if choice.name is not None and len(records) > 1:  # a person, from every account
            what = _("Delete of {name}").format(name=choice.name)
            text = ngettext(
                "Deleted {name} from {n} account.",
                "Deleted {name} from {n} accounts.",
                len(records),
            ).format(name=choice.name, n=len(records))
        elif choice.name is not None and records:  # a person, from one of its accounts
            what = _("Delete of {name}").format(name=records[0].contact.display_name)
            text = _("Deleted {name} from {account}.").format(
                name=records[0].contact.display_name,
                account=self.account_label(records[0].account),
            )
        elif len(records) == 1:
            what = _("Delete of {name}").format(name=records[0].contact.display_name)
            text = _("Deleted {name}.").format(name=records[0].contact.display_name)
        else:
            what = ngettext("Delete of {n} Contact", "Delete of {n} Contacts", len(records)).format(
                n=len(records)
            )
            text = ngettext("Deleted {n} contact.", "Deleted {n} contacts.", len(records)).format(
                n=len(records)
            )
        if locked:
            text += " " + ngettext(
                "{n} read-only contact was kept.", "{n} read-only contacts were kept.", len(locked)
            ).format(n=len(locked))
        before = choice.before
        operation = UndoOperation(what, lambda: self._undo_delete(records, before), "delete")
        self.undo_stack.push(operation)
        self.undo_bar.show_message(
            text + " " + _("Ctrl+Z brings it back."),
            None,
            (_("&Undo"), self.undo),
            hide_after_ms=15000,
        )
        announce(self, text)

    def _undo_delete(self, records: list[Record], before: Membership | None = None) -> None:
        ids = []
        made: dict[int, int] = {}  # old id → the id of the record made again
        with self.store.transaction():
            for record in records:
                if record.state in ("local", "new"):  # its row was removed
                    made[record.id] = self.store.create(record.contact, record.account)
                    ids.append(made[record.id])
                else:
                    self.store.restore(record.id)
                    ids.append(record.id)
            restore_people(self.store, before, made)  # back in their people
        self.undo_bar.hide()
        self._after_undo(ids)

    def undo_delete(self) -> None:
        """Bring back the last deleted contacts (when a delete is the newest operation)."""
        top = self.undo_stack.top()
        if top is not None and top.kind == "delete":
            self.undo()

    def undo(self) -> None:
        """Ctrl+Z: undo the newest operation on the stack."""
        if self.detail.editing():
            return  # Ctrl+Z in the form undoes typing
        try:
            operation = self.undo_stack.undo()
        except AddressbookError as error:
            self.message_bar.show_message(str(error), "warning", hide_after_ms=10000)
            return
        if operation is not None:
            self.show_status(_("Undone: {what}.").format(what=operation.text), 6000)

    # --- many at once: clipboard, export, print, push --------------------------------------
    def selected_records(self) -> list[Record]:
        return [r for r in self.store.records(self.selected_ids()) if r.state != "deleted"]

    def copy_to_clipboard(self, how: str) -> None:
        """Copy the selected contacts as plain text or as vCard."""
        from PySide6.QtCore import QMimeData

        from addressbook.ui.printing import contacts_text

        records = self.selected_records()
        if not records:
            return
        contacts = [r.contact for r in records]
        data = QMimeData()
        if how == "vcard":
            from addressbook.interchange import export_contacts

            cards = export_contacts(contacts, "vcard")
            data.setText(cards)
            data.setData("text/vcard", cards.encode("utf-8"))
        else:
            data.setText(contacts_text(contacts))
        QGuiApplication.clipboard().setMimeData(data)
        self.show_status(
            ngettext("Copied {n} contact.", "Copied {n} contacts.", len(records)).format(
                n=len(records)
            ),
            4000,
        )

    def push_selected(self) -> None:
        """Send the edits of the selected contacts only."""
        by_account: dict[str, list[int]] = {}
        for record in self.selected_records():
            if record.account and record.state in ("new", "modified", "deleted"):
                by_account.setdefault(record.account, []).append(record.id)
        if not by_account:
            self.show_status(_("The selected contacts have no edits to send."))
            return
        ids = [i for group in by_account.values() for i in group]
        self.jobs.push(list(by_account), ids)

    def print_selected(self, pdf_path: Path | None) -> bool:
        """Print the selected contacts (or write them to a PDF file)."""
        from addressbook.ui.printing import print_records

        records = self.selected_records()
        if not records:
            return False
        return print_records(self, records, self.account_label, pdf_path)

    def save_pdf(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save as PDF"), str(Path.home() / _("contacts.pdf")), _("PDF files (*.pdf)")
        )
        if path and self.print_selected(Path(path)):
            self.show_status(_("Saved {path}.").format(path=path))

    def export_file(self) -> None:
        from addressbook.ui.transfer import export_dialog

        export_dialog(self)

    def import_file(self) -> None:
        from addressbook.ui.transfer import choose_and_import

        choose_and_import(self)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and all(u.toLocalFile().lower().endswith(IMPORT_SUFFIXES) for u in urls):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        from addressbook.ui.transfer import import_paths

        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        paths = [p for p in paths if p.suffix.lower() in IMPORT_SUFFIXES]
        if paths:
            event.acceptProposedAction()
            import_paths(self, paths)

    def start_demo(self) -> None:
        """Open the demo in a process of its own (its own throw-away home)."""
        from PySide6.QtCore import QProcess

        ok = QProcess.startDetached(sys.executable, ["-m", "addressbook", "demo"])
        self.show_status(
            _("The demo opens in a window of its own; your address book is not touched.")
            if ok
            else _("The demo could not be started.")
        )

    # --- dialogs and jobs (their modules load on first use) -------------------------------
    @property
    def jobs(self) -> JobRunner:
        """The sync and push runner (made on first use); the window follows its signals."""
        if self._jobs is None:
            from addressbook.ui.jobs import JobRunner

            self._jobs = JobRunner(self, self)
            self._jobs.started.connect(self._job_started)
            self._jobs.progressed.connect(self._job_progressed)
            self._jobs.finished.connect(self._job_finished)
            self._jobs.failed.connect(self._job_failed)
        return self._jobs

    def _job_started(self, kind: str, account: str) -> None:
        title = (_("Syncing {account}…") if kind == "sync" else _("Sending to {account}…")).format(
            account=account
        )
        widget = JobProgress(title)
        widget.cancel_requested.connect(lambda: self.jobs.cancel(kind, account))
        self._progress[(kind, account)] = widget
        self.statusBar().addPermanentWidget(widget)
        announce(self, title)

    def _job_progressed(
        self, kind: str, account: str, done: int, total: int | None, message: str
    ) -> None:
        widget = self._progress.get((kind, account))
        if widget is not None:
            widget.update_progress(done, total, f"{account}: {message}")
        self.schedule_refresh()

    def _job_ended(self, kind: str, account: str) -> None:
        widget = self._progress.pop((kind, account), None)
        if widget is not None:
            self.statusBar().removeWidget(widget)
            widget.deleteLater()
        self.schedule_refresh()  # off the GUI thread: 100,000 rows take a while to sort

    def _job_finished(self, kind: str, account: str, result: object) -> None:
        self.offline.discard(account)
        self._job_ended(kind, account)
        summary = result.summary() if hasattr(result, "summary") else _("done")
        self.show_status(_("{account}: {summary}").format(account=account, summary=summary))
        refused = list(getattr(result, "refused", None) or [])
        conflicts = list(getattr(result, "conflicts", None) or [])
        if self._bar_cause in (("sync", account), ("push", account)):
            self._hide_bar()
        if refused:
            sent = sum(
                int(getattr(result, name, 0) or 0)
                for name in ("created", "updated", "deleted", "archived")
            )
            text = ngettext(
                "{account}: the service refused {n} contact",
                "{account}: the service refused {n} contacts",
                len(refused),
            ).format(account=account, n=len(refused))
            text += "; " + (
                ngettext("{n} other was sent.", "{n} others were sent.", sent).format(n=sent)
                if sent
                else _("nothing else was sent.")
            )
            self._show_bar(
                ("push", account),
                text,
                "warning",
                (_("Show What to Fix…"), lambda: self.show_refusals(account, refused)),
            )
        elif conflicts:
            self._show_bar(
                ("conflicts", account),
                ngettext(
                    "{account}: {n} contact changed here and on the service. Select it "
                    "(marked with the red sign) and choose Resolve.",
                    "{account}: {n} contacts changed here and on the service. Select one "
                    "marked with the red sign and choose Resolve.",
                    len(conflicts),
                ).format(account=account, n=len(conflicts)),
                "conflict",
            )

    def _job_failed(self, kind: str, account: str, error: object) -> None:
        from addressbook.errors import Cancelled, ServiceUnavailable
        from addressbook.ui.jobs import describe_error, error_fix

        assert isinstance(error, BaseException)
        if isinstance(error, ServiceUnavailable):
            self.offline.add(account)
        self._job_ended(kind, account)
        if isinstance(error, Cancelled):
            self.show_status(
                _("{account}: cancelled; what was done is kept.").format(account=account)
            )
            return
        text, details = describe_error(account, error)
        config = self.accounts.get(account)
        service = self.checker.service(account) if config else None
        fix = error_fix(error, bool(service and service.needs_login))
        action: tuple[str, Callable[[], None]] | None = None
        if fix == "login":
            action = (_("Sign In Again…"), lambda: self.open_accounts(account, sign_in=True))
        elif fix == "accounts":
            action = (_("Open Accounts…"), lambda: self.open_accounts(account))
        self._show_bar((kind, account), text, "warning", action, details)

    def show_refusals(self, account: str, refused: list[object]) -> None:
        from addressbook.ui.refusals import RefusalsDialog

        dialog = RefusalsDialog(self, account, refused)
        dialog.edit_requested.connect(self._edit_refused)
        dialog.open()

    def _edit_refused(self, contact_id: int) -> None:
        if self.model.row_of(contact_id) is None:
            self.search.clear()
            self.account_view.setCurrentIndex(self.account_model.index(0))
        if self.select_contact(contact_id):
            self.edit_contact()

    # --- the message bar: it goes when its cause goes ---------------------------------------
    def _show_bar(
        self,
        cause: tuple[str, str] | None,
        text: str,
        mark: str | None,
        action: tuple[str, Callable[[], None]] | None = None,
        details: str = "",
    ) -> None:
        self.message_bar.show_message(text, mark, action, details)
        self._bar_cause = cause
        announce(self, text)

    def _hide_bar(self) -> None:
        self.message_bar.hide()
        self._bar_cause = None

    def _forget_bar_cause(self) -> None:
        self._bar_cause = None

    def _check_bar_cause(self) -> None:
        """Hide the bar when what it says is no longer so (conflicts resolved, a fix pushed)."""
        if self._bar_cause is None or not self.message_bar.isVisible():
            return
        kind, account = self._bar_cause
        if (
            kind == "conflicts"
            and not self.store.conflicts(account)
            or kind == "push"
            and not self.store.pending_count(account)
            or account not in self.accounts
        ):
            self._hide_bar()

    # --- jobs and dialogs ---------------------------------------------------------------
    def sync_selected(self, full: bool = False) -> None:
        """F5: sync the account chosen on the left, or every account (`full`: read everything)."""
        account = self.current_account()
        names = [account] if account and account in self.accounts else list(self.accounts)
        if not names:
            self._show_bar(
                None,
                _("There are no accounts to sync yet."),
                "warning",
                (_("Add an Account…"), self.open_accounts),
            )
            return
        self.jobs.sync(names, full=full)

    def open_push_preview(self) -> None:
        from addressbook.ui.push_preview import PushPreviewDialog

        account = self.current_account()
        dialog = PushPreviewDialog(self, [account] if account in self.accounts else None)
        dialog.open()

    def open_accounts(self, account: str | None = None, sign_in: bool = False) -> None:
        from addressbook.ui.accounts_dialog import AccountsDialog

        dialog = AccountsDialog(self)
        dialog.finished.connect(lambda _result: self.reload_accounts())
        if isinstance(account, str) and account:
            dialog.reload(select=account)
        dialog.open()
        if sign_in and dialog.login_button.isEnabled() and dialog.login_button.isVisible():
            dialog.sign_in()

    def resolve_conflict(self) -> None:
        from addressbook.ui.conflict_dialog import ConflictDialog

        record = self.shown_record()
        if record is None or record.state != "conflict":
            return
        conflict = self.store.conflict(record.id)
        if conflict is None:
            self.refresh()
            return
        dialog = ConflictDialog(self, record, conflict)
        dialog.open()

    def copy_to_account(self) -> None:
        from addressbook.ui.copy_dialog import CopyToAccountDialog

        records = self.selected_records()
        if not records:
            return
        if not [name for name in self.accounts if any(name != r.account for r in records)]:
            self._show_bar(
                None,
                _("There is no account to copy to yet."),
                "warning",
                (_("Add an Account…"), self.open_accounts),
            )
            return
        dialog = CopyToAccountDialog(self, records)
        dialog.open()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            _("About Address Book"),
            _(
                "<h3>Address Book {version}</h3><p>Your Xero, Harvest and AcuInvoice contacts "
                "in one fast list on this computer. Edit offline; send the edits when you "
                "choose.</p><p>Licensed under the GNU GPL, version 3 or later.</p>"
            ).format(version=__version__),
        )

    # --- the system palette ----------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        """Light ↔ dark: line icons are drawn in the palette's text colour; draw them again."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            apply_accessible_palette()
            colour = icon_colour()
            if colour != getattr(self, "_icons_colour", None):  # not at every palette event
                self._icons_colour = colour  # (findChildren wraps Qt's own actions: 4 ms)
                for action in self.findChildren(QAction):
                    name = action.property("icon_name")
                    if name:
                        action.setIcon(icon(str(name)))
        super().changeEvent(event)

    # --- closing ------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.confirm_leave_editor():
            event.ignore()
            return
        self.save_layout()
        self._refresh_timer.stop()
        self._ahead_timer.stop()
        self._ahead_generation += 1  # answers still coming in are not used any more
        self.paint_ahead.stop()
        self._idle_gc.stop()
        self.watcher.stop()
        if self._jobs is not None:
            self._jobs.cancel_all()
        self.tasks.wait(10000)
        event.accept()


class _Announcer(QObject):
    """Every announcement made, as a signal (tests listen; screen readers get the event)."""

    said = Signal(str)


ANNOUNCER = _Announcer()


def announce(widget: QWidget, text: str) -> None:
    """Say a status change to screen readers (an announcement event; Qt ≥ 6.8)."""
    ANNOUNCER.said.emit(text)
    if not QAccessible.isActive():
        return
    event = QAccessibleAnnouncementEvent(widget, text)
    QAccessible.updateAccessibility(event)


def make_contact_view(model: ContactListModel) -> tuple[QTableView, ContactDelegate]:
    """The contact list: a one-column table with fixed row heights.

    A QTableView, not a QListView: QListView lays out every row (one Python
    rowCount() call per row, 100,000 of them per repaint), while a table with a
    fixed-size vertical header only asks for the rows on screen.
    """
    view = QTableView()
    # Its viewport made here, in Python. The one Qt makes would be wrapped the first time
    # Python asks for it (the first paint's watchers do), and shiboken's search for the
    # most derived type of a bare QWidget builds every QWidget subclass's Python type
    # first: 17 ms measured, before the first paint.
    viewport = QWidget()
    viewport.setBackgroundRole(QPalette.ColorRole.Base)  # what QAbstractItemView gives its own
    viewport.setAutoFillBackground(True)
    view.setViewport(viewport)
    view.setObjectName("contactList")
    view.setAccessibleName(_("Contacts"))
    view.setModel(model)
    delegate = ContactDelegate(view)
    view.setItemDelegate(delegate)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.horizontalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    rows = view.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setMinimumSectionSize(1)
    rows.setDefaultSectionSize(delegate.row_height(view.font()))
    return view, delegate


def _html(text: str) -> str:
    from html import escape

    return escape(text)
