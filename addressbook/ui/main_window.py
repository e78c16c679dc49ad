"""The main window: accounts on the left, search and contacts in the middle, details right."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from addressbook import __version__
from addressbook.connectors.base import AccountConfig
from addressbook.errors import AddressbookError
from addressbook.model import Contact
from addressbook.store import ALL, LOCAL, Record, Store
from addressbook.ui.account_list import (
    KEY_ROLE,
    AccountDelegate,
    AccountEntry,
    AccountListModel,
    fixed_entries,
)
from addressbook.ui.delegate import ContactDelegate
from addressbook.ui.icons import app_icon, icon
from addressbook.ui.list_model import ContactListModel
from addressbook.ui.panes import DetailPane, MessageBar
from addressbook.ui.readers import Overview, read_ids, read_overview
from addressbook.ui.tasks import TaskManager

if TYPE_CHECKING:
    from addressbook.ui.jobs import JobRunner

log = logging.getLogger("addressbook.ui")

SERVICE_LABELS = {
    "xero": "Xero",
    "xero-legacy": "Xero (API 1.0)",
    "harvest": "Harvest",
    "acuinvoice": "AcuInvoice",
}
EMPTY_TEXT = (
    "<p><b>No contacts yet.</b></p>"
    "<p>Choose <b>Accounts…</b> to connect Xero, Harvest or AcuInvoice and press "
    "<b>F5</b> to bring in their contacts, or press <b>Ctrl+N</b> to add a contact "
    "on this computer.</p><p>To look around with sample data, run "
    "<code>addressbook demo</code>.</p>"
)


class MainWindow(QMainWindow):
    """The address book's window over one Store (the GUI thread's own connection)."""

    contact_shown = Signal(int)  # a contact's details are on screen (tests, screenshots)
    list_refreshed = Signal()  # a background re-run of the search was applied
    overview_updated = Signal()  # the account pane's counts and states were read again

    def __init__(self, store: Store, settings: QSettings, tasks: TaskManager | None = None) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.tasks = tasks or TaskManager(self)
        self.accounts: dict[str, AccountConfig] = {}
        self._editing_id: int | None = None  # None with the editor open: a new contact
        self._new_account: str | None = None
        self._editor_account: str | None = None  # whose clients the editor offers
        self._shown_id: int | None = None
        self._reverting = False
        self._last_deleted: Record | None = None
        self._jobs: JobRunner | None = None
        self.offline: set[str] = set()  # accounts whose last job could not reach the service
        self._overview: Overview | None = None
        self._overview_running = self._overview_again = False
        self._search_running = self._search_again = False
        # Replaces the browser for the Xero sign-in (the demo and tests approve by themselves).
        self.open_url_hook: Callable[[str], None] | None = None
        self.setWindowTitle("Address Book")
        self.setWindowIcon(app_icon())
        self._build_actions()
        self._build_panes()
        self._build_menus()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(400)
        self._refresh_timer.timeout.connect(self._refresh_in_background)
        self._restore_layout()
        self.reload_accounts()
        self.model.set_filter("", ALL)
        self._after_list_change()

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
        action.setToolTip(tip)
        action.setStatusTip(tip)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        self.action_new = self._action("actionNew", "&New Contact", "new", key.New, "Add a contact")
        self.action_edit = self._action(
            "actionEdit",
            "&Edit Contact",
            "edit",
            QKeySequence("Ctrl+E"),
            "Edit the selected contact",
        )
        self.action_delete = self._action(
            "actionDelete", "&Delete Contact", "delete", key.Delete, "Delete the selected contact"
        )
        self.action_sync = self._action(
            "actionSync",
            "&Sync",
            "sync",
            key.Refresh,
            "Bring in changes from the selected account, or from all (F5)",
        )
        self.action_sync_full = self._action(
            "actionSyncFull",
            "Sync &Everything Again",
            None,
            QKeySequence("Ctrl+F5"),
            "Read every contact again, not only the changes (finds deletions on services without a change feed)",
        )
        self.action_push = self._action(
            "actionPush",
            "&Push Changes…",
            "push",
            QKeySequence("Ctrl+Shift+P"),
            "Review and send the edits made here",
        )
        self.action_accounts = self._action(
            "actionAccounts", "&Accounts…", "accounts", None, "Add, change or remove accounts"
        )
        self.action_copy = self._action(
            "actionCopyTo",
            "&Copy to Account…",
            None,
            None,
            "Copy the selected contact to an account",
        )
        self.action_resolve = self._action(
            "actionResolve",
            "&Resolve Conflict…",
            "conflict",
            None,
            "Choose what to keep of a contact changed on both sides",
        )
        self.action_find = self._action(
            "actionFind", "&Find", "search", key.Find, "Search contacts"
        )
        self.action_quit = self._action("actionQuit", "&Quit", None, key.Quit, "Quit")
        self.action_about = self._action("actionAbout", "&About Address Book", None, None, "About")
        self.action_new.triggered.connect(self.new_contact)
        self.action_edit.triggered.connect(self.edit_contact)
        self.action_delete.triggered.connect(self.delete_contact)
        self.action_sync.triggered.connect(self.sync_selected)
        self.action_sync_full.triggered.connect(lambda: self.sync_selected(full=True))
        self.action_push.triggered.connect(self.open_push_preview)
        self.action_accounts.triggered.connect(self.open_accounts)
        self.action_copy.triggered.connect(self.copy_to_account)
        self.action_resolve.triggered.connect(self.resolve_conflict)
        self.action_find.triggered.connect(self.focus_search)
        self.action_quit.triggered.connect(self.close)
        self.action_about.triggered.connect(self.show_about)
        # Delete in a text field deletes text, not the contact.
        self.action_delete.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _build_panes(self) -> None:
        self.account_model = AccountListModel(self)
        self.account_view = QListView()
        self.account_view.setObjectName("accountList")
        self.account_view.setAccessibleName("Accounts")
        self.account_view.setModel(self.account_model)
        self.account_view.setItemDelegate(AccountDelegate(self.account_view))
        self.account_view.setUniformItemSizes(True)
        self.account_view.setMinimumWidth(190)
        self.account_view.selectionModel().currentChanged.connect(self._on_account_changed)

        self.search = QLineEdit()
        self.search.setObjectName("searchField")
        self.search.setPlaceholderText("Search name, organisation, email, phone")
        self.search.setAccessibleName("Search contacts")
        self.search.setClearButtonEnabled(True)
        lens = self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        lens.setProperty("icon_name", "search")
        self.search.textChanged.connect(self._on_search)
        self.search.returnPressed.connect(self._focus_list)

        self.model = ContactListModel(self.store, self)
        self.list_view, self.contact_delegate = make_contact_view(self.model)
        self.list_view.selectionModel().currentChanged.connect(self._on_contact_changed)
        self.list_view.doubleClicked.connect(lambda _index: self.edit_contact())
        self.list_view.activated.connect(lambda _index: self.edit_contact())
        self.action_delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.list_view.addAction(self.action_delete)

        self.empty = QLabel()
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setTextFormat(Qt.TextFormat.RichText)
        self.empty.setContentsMargins(16, 16, 16, 16)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.list_view)
        self.list_stack.addWidget(self.empty)
        self.model.modelReset.connect(self._update_empty)

        self.undo_bar = MessageBar("undoBar")
        self.message_bar = MessageBar("messageBar")
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.setSpacing(4)
        middle_layout.addWidget(self.search)
        middle_layout.addWidget(self.undo_bar)
        middle_layout.addWidget(self.list_stack, 1)

        self.detail = DetailPane()
        self.detail.resolve_requested.connect(self.resolve_conflict)
        self.editor = self.detail.editor
        self.editor.save_requested.connect(self.save_edit)
        self.editor.cancelled.connect(self.cancel_edit)

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
        self.setTabOrder(self.account_view, self.search)
        self.setTabOrder(self.search, self.list_view)
        self.setTabOrder(self.list_view, self.detail)
        self.statusBar().setSizeGripEnabled(True)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.action_new, self.action_copy])
        file_menu.addSeparator()
        file_menu.addAction(self.action_accounts)
        file_menu.addSeparator()
        file_menu.addAction(self.action_quit)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.action_edit, self.action_delete])
        edit_menu.addSeparator()
        edit_menu.addAction(self.action_find)
        sync_menu = bar.addMenu("&Sync")
        sync_menu.addActions([self.action_sync, self.action_sync_full])
        sync_menu.addSeparator()
        sync_menu.addActions([self.action_push, self.action_resolve])
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.action_about)
        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolBar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([self.action_new, self.action_edit, self.action_delete])
        toolbar.addSeparator()
        toolbar.addActions([self.action_sync, self.action_push])
        toolbar.addSeparator()
        toolbar.addAction(self.action_accounts)
        self.addToolBar(toolbar)

    # --- layout memory ------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        size = self.settings.value("window/size")
        # restoreGeometry can refuse (another screen, no window manager); the size still holds.
        if geometry is None or not self.restoreGeometry(geometry):  # type: ignore[arg-type]
            self.resize(size if isinstance(size, QSize) else QSize(1100, 700))
        splitter = self.settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)  # type: ignore[arg-type]
        else:
            self.splitter.setSizes([250, 380, 560])

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
        self.contact_delegate.services = {n: a.service for n, a in self.accounts.items()}
        self.refresh_accounts()

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

    def account_label(self, account: str | None) -> str:
        """'Name (Service)' for an account, 'On this computer' for none."""
        if not account:
            return "On this computer"
        config = self.accounts.get(account)
        if config is None:
            return account
        return f"{account} ({SERVICE_LABELS.get(config.service, config.service)})"

    def _on_account_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._reverting:
            return
        if not self.confirm_leave_editor():
            self._reverting = True
            self.account_view.setCurrentIndex(previous)
            self._reverting = False
            return
        account = current.data(KEY_ROLE) if current.isValid() else ALL
        self.contact_delegate.show_service = account is ALL
        self.model.set_filter(self.search.text(), account)
        self._after_list_change()

    # --- the list -----------------------------------------------------------------------
    def _on_search(self, text: str) -> None:
        self.model.set_filter(text, self.model.account)
        self._after_list_change()

    def focus_search(self) -> None:
        """Ctrl+F: put the cursor in the search field."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _focus_list(self) -> None:
        self.list_view.setFocus()
        if not self.list_view.currentIndex().isValid() and self.model.rowCount():
            self.list_view.setCurrentIndex(self.model.index(0))

    def schedule_refresh(self) -> None:
        """Refresh soon, off the GUI thread (pages of a sync land often: at most 2–3× a second)."""
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def refresh_pending(self) -> bool:
        """True while a background refresh is due or running (tests wait for the end)."""
        return self._refresh_timer.isActive() or self._search_running or self._overview_running

    def _refresh_in_background(self) -> None:
        if self._search_running:
            self._search_again = True
            return
        self._search_running = True
        path, query, account = self.store.path, self.model.query, self.model.account
        names = list(self.accounts)

        def work() -> tuple[list[int], Overview]:
            # One worker reads both: fewer threads competing with the window for the GIL.
            return read_ids(path, query, account), read_overview(path, names)

        def done(result: tuple[list[int], Overview]) -> None:
            ids, overview = result
            self._search_running = False
            self._overview = overview
            self._show_overview()
            if (self.model.query, self.model.account) == (query, account):
                self.model.apply_result(ids)
                self._after_list_change()
                if self._shown_id is not None and not self.detail.editing():
                    self.show_contact(self._shown_id)
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

    def refresh(self) -> None:
        """Run the search again now, keep the selection, update counts and the details."""
        self.model.refresh()
        self._after_list_change()
        self.refresh_accounts()
        if self._shown_id is not None and not self.detail.editing():
            self.show_contact(self._shown_id)

    def _after_list_change(self) -> None:
        """Select the contact that was selected before the list changed, if still there."""
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
        self._update_actions()

    def _update_empty(self) -> None:
        if self.model.rowCount():
            self.list_stack.setCurrentWidget(self.list_view)
            return
        if self.model.query:
            self.empty.setText(f"<p>No contacts match “{_html(self.model.query)}”.</p>")
        elif self.model.account is ALL and not self.accounts:
            self.empty.setText(EMPTY_TEXT)
        elif self.model.account == LOCAL:
            self.empty.setText(
                "<p>No contacts on this computer only.</p><p>Press <b>Ctrl+N</b> to add one.</p>"
            )
        else:
            self.empty.setText(
                "<p>No contacts here yet.</p><p>Press <b>F5</b> to sync this account.</p>"
            )
        self.list_stack.setCurrentWidget(self.empty)

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
        """The id of the contact selected in the list."""
        index = self.list_view.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def select_contact(self, contact_id: int) -> bool:
        """Select a contact in the list (and show it); False if the list does not hold it."""
        row = self.model.row_of(contact_id)
        if row is None:
            return False
        self.list_view.setCurrentIndex(self.model.index(row))
        self.list_view.scrollTo(self.model.index(row))
        self.show_contact(contact_id)
        return True

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

    def _update_actions(self) -> None:
        record = self.shown_record() if not self.detail.editing() else None
        editable = record is not None and record.contact.status != "read-only"
        self.action_edit.setEnabled(editable)
        self.action_delete.setEnabled(editable)
        self.action_copy.setEnabled(record is not None)
        self.action_resolve.setEnabled(record is not None and record.state == "conflict")

    # --- editing ------------------------------------------------------------------------
    def new_contact(self) -> None:
        """Open the editor on an empty contact (in the account chosen on the left)."""
        if not self.confirm_leave_editor():
            return
        account = self.current_account()
        self._new_account = account if account else None
        self._editing_id = None
        where = self.account_label(self._new_account)
        self.editor.load(
            Contact(),
            f"New contact — {where}",
            self._capability(self._new_account, "requires_email"),
        )
        self._offer_clients(self._new_account)
        self.detail.setCurrentWidget(self.editor)
        self._update_actions()

    def edit_contact(self) -> None:
        """Open the editor on the shown contact (read-only contacts cannot be edited)."""
        record = self.shown_record()
        if record is None or self.detail.editing():
            return
        if record.contact.status == "read-only":
            self.message_bar.show_message(
                "This contact is read-only on the service (a data-protection request); it cannot be edited.",
                "read-only",
                hide_after_ms=8000,
            )
            return
        self._editing_id = record.id
        heading = f"Edit — {self.account_label(record.account)}"
        self.editor.load(
            record.contact, heading, self._capability(record.account, "requires_email")
        )
        self._offer_clients(record.account)
        self.detail.setCurrentWidget(self.editor)
        self._update_actions()

    def _capability(self, account: str | None, flag: str) -> bool:
        """A capability flag of the account's connector (False for local contacts)."""
        config = self.accounts.get(account or "")
        if config is None:
            return False
        try:
            from addressbook.connectors import connector_class

            return bool(getattr(connector_class(config.service), flag))
        except (ImportError, AddressbookError):
            return False

    def _offer_clients(self, account: str | None) -> None:
        """Where a contact must belong to a client, offer the account's clients (read in a worker)."""
        self._editor_account = account
        if not account or not self._capability(account, "needs_client"):
            self.editor.set_clients(None)
            return
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

        self._editor_account = account
        self.editor.set_clients([])
        self.tasks.run(work, loaded, failed)

    def save_edit(self, contact: Contact) -> bool:
        """Write the editor's contact to the cache (queued for push if it has an account)."""
        try:
            if self._editing_id is None:
                contact_id = self.store.create(contact, self._new_account)
            else:
                contact_id = self._editing_id
                self.store.update(contact_id, contact)
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
        return True

    def cancel_edit(self) -> None:
        """Close the editor without saving."""
        self._editing_id = None
        if self._shown_id is not None:
            self.show_contact(self._shown_id)
        else:
            self.detail.show_hint()
        self._update_actions()
        self.list_view.setFocus()

    def confirm_leave_editor(self) -> bool:
        """With unsaved edits open, ask Save/Discard/Cancel; True when it is fine to go on."""
        if not self.detail.editing():
            return True
        if not self.editor.is_dirty():
            self.cancel_edit()
            return True
        box = QMessageBox(self)
        box.setObjectName("unsavedDialog")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Unsaved changes")
        box.setText("Save the changes to this contact?")
        box.setInformativeText("Your edits are lost if you discard them.")
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
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

    def delete_contact(self) -> None:
        """Delete the shown contact; an Undo bar offers it back."""
        record = self.shown_record()
        if record is None or record.contact.status == "read-only" or self.detail.editing():
            return
        row = self.list_view.currentIndex().row()
        try:
            self.store.delete(record.id)
        except AddressbookError as error:
            self.message_bar.show_message(str(error), "warning")
            return
        self._last_deleted = record
        self._shown_id = None
        self.detail.show_hint()
        self.refresh()
        if self.model.rowCount():
            next_row = min(max(row, 0), self.model.rowCount() - 1)
            self.list_view.setCurrentIndex(self.model.index(next_row))
        name = record.contact.display_name or "the contact"
        self.undo_bar.show_message(
            f"Deleted {name}.", None, ("&Undo", self.undo_delete), hide_after_ms=15000
        )

    def undo_delete(self) -> None:
        """Bring back the last deleted contact."""
        record, self._last_deleted = self._last_deleted, None
        if record is None:
            return
        if record.state in ("local", "new"):
            contact_id = self.store.create(record.contact, record.account)  # its row was removed
        else:
            self.store.restore(record.id)
            contact_id = record.id
        self.undo_bar.hide()
        self._shown_id = contact_id
        self.refresh()
        self.select_contact(contact_id)

    # --- dialogs and jobs (their modules load on first use) -------------------------------
    @property
    def jobs(self) -> JobRunner:
        """The sync and push runner (made on first use)."""
        if self._jobs is None:
            from addressbook.ui.jobs import JobRunner

            self._jobs = JobRunner(self)
        return self._jobs

    def sync_selected(self, full: bool = False) -> None:
        """F5: sync the account chosen on the left, or every account (`full`: read everything)."""
        account = self.current_account()
        names = [account] if account else list(self.accounts)
        if not names:
            self.message_bar.show_message(
                "There are no accounts to sync: add one with Accounts…",
                "warning",
                hide_after_ms=8000,
            )
            return
        self.jobs.sync(names, full=full)

    def open_push_preview(self) -> None:
        from addressbook.ui.push_preview import PushPreviewDialog

        account = self.current_account()
        dialog = PushPreviewDialog(self, [account] if account else None)
        dialog.open()

    def open_accounts(self) -> None:
        from addressbook.ui.accounts_dialog import AccountsDialog

        dialog = AccountsDialog(self)
        dialog.finished.connect(lambda _result: self.reload_accounts())
        dialog.open()

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

        record = self.shown_record()
        if record is None:
            return
        if not [name for name in self.accounts if name != record.account]:
            self.message_bar.show_message(
                "Add an account first (Accounts…): there is nowhere to copy to.",
                "warning",
                hide_after_ms=8000,
            )
            return
        dialog = CopyToAccountDialog(self, record)
        dialog.open()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About Address Book",
            f"<h3>Address Book {__version__}</h3>"
            "<p>Your Xero, Harvest and AcuInvoice contacts in one fast list on this "
            "computer. Edit offline; send the edits when you choose.</p>"
            "<p>Licensed under the GNU GPL, version 3 or later.</p>",
        )

    # --- the system palette ----------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        """Light ↔ dark: line icons are drawn in the palette's text colour; draw them again."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
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
        if self._jobs is not None:
            self._jobs.cancel_all()
        self.tasks.wait(10000)
        event.accept()


def make_contact_view(model: ContactListModel) -> tuple[QTableView, ContactDelegate]:
    """The contact list: a one-column table with fixed row heights.

    A QTableView, not a QListView: QListView lays out every row (one Python
    rowCount() call per row, 100,000 of them per repaint), while a table with a
    fixed-size vertical header only asks for the rows on screen.
    """
    view = QTableView()
    view.setObjectName("contactList")
    view.setAccessibleName("Contacts")
    view.setModel(model)
    delegate = ContactDelegate(view)
    view.setItemDelegate(delegate)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
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
