"""The Accounts dialog: add, edit, remove; secrets typed once and kept in the keyring.

Secrets are never read back into the form: a password field is empty and says whether
a value is kept. Test connection and Sign in with Xero run in workers.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from addressbook.connectors.base import AccountConfig, SecretSource
from addressbook.errors import AddressbookError, KeyringUnavailable
from addressbook.i18n import _, ngettext
from addressbook.ui.colours import readable_indicators
from addressbook.ui.icons import icon, service_icon
from addressbook.ui.jobs import describe_error

if TYPE_CHECKING:
    from addressbook.connectors.service import ServiceDescription
    from addressbook.ui.context import WindowContext

log = logging.getLogger("addressbook.ui")


class TypedSecrets(SecretSource):
    """Secrets typed in the form, over the keyring's (for Test connection before saving)."""

    def __init__(self, typed: dict[str, str], name: str | None) -> None:
        self._typed = dict(typed)
        self._name = name

    def get(self, key: str) -> str | None:
        if self._typed.get(key):
            return self._typed[key]
        if self._name is None:
            return None
        from addressbook.accounts import KeyringSecrets

        return KeyringSecrets(self._name).get(key)

    def set(self, key: str, value: str) -> None:
        self._typed[key] = value
        if self._name is not None:
            from addressbook.accounts import KeyringSecrets

            KeyringSecrets(self._name).set(key, value)


def _description(service: str) -> ServiceDescription | None:
    from addressbook.connectors import describe

    try:
        return describe(service)
    except (ImportError, AttributeError, AddressbookError):
        return None


def _services() -> list[ServiceDescription]:
    from addressbook.connectors import descriptions

    try:
        return list(descriptions())
    except (ImportError, AttributeError, AddressbookError):
        return []


def keyring_problem() -> str | None:
    """Why the keyring cannot be used (one sentence, no setting names), or None when it can."""
    from addressbook.accounts import keyring_backend

    try:
        keyring_backend()
    except KeyringUnavailable:
        return _(
            "No keyring is available to keep passwords: unlock or install the desktop's "
            "keyring (GNOME Keyring, KWallet)."
        )
    return None


class AccountsDialog(QDialog):
    """Manage the accounts."""

    def __init__(self, window: WindowContext) -> None:
        super().__init__(window.dialog_parent())
        self.setObjectName("accountsDialog")
        self.setWindowTitle(_("Accounts"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(780, 500)
        self._window = window
        self._adding = False
        self.secret_fields: dict[str, QLineEdit] = {}
        self.setting_fields: dict[str, QLineEdit] = {}

        self.keyring_warning = QLabel()
        self.keyring_warning.setObjectName("keyringWarning")
        self.keyring_warning.setWordWrap(True)
        self.keyring_warning.hide()

        self.list = QListWidget()
        self.list.setObjectName("accountsList")
        self.list.setAccessibleName(_("Accounts"))
        self.list.setMaximumWidth(240)
        self.list.currentRowChanged.connect(self._on_selected)
        self.add_button = QPushButton(icon("new"), _("&New Account"))
        self.add_button.setObjectName("addAccountButton")
        self.add_button.setToolTip(_("Clear the form for a new account"))
        self.remove_button = QPushButton(icon("delete"), _("Remo&ve…"))
        self.remove_button.setObjectName("removeAccountButton")
        self.add_button.clicked.connect(self.start_adding)
        self.remove_button.clicked.connect(self.remove_selected)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        left.addLayout(row)

        self.name = QLineEdit()
        self.name.setObjectName("accountName")
        self.name.setAccessibleName(_("Account name"))
        self.name.setPlaceholderText(_("e.g. work-xero"))
        self.service = QComboBox()
        self.service.setObjectName("serviceCombo")
        self.service.setAccessibleName(_("Service"))
        for description in _services():
            self.service.addItem(
                service_icon(description.icon), _(description.label), description.name
            )
        self.service.currentIndexChanged.connect(
            lambda _i: self._build_fields(self._selected_service(), None)
        )
        self.url = QLineEdit()
        self.url.setObjectName("accountUrl")
        self.url.setAccessibleName(_("Service address (URL)"))
        self.form = QFormLayout()
        for text, widget in (
            (_("Na&me"), self.name),
            (_("S&ervice"), self.service),
            (_("Add&ress"), self.url),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            self.form.addRow(label, widget)
        self.fields_box = QWidget()
        self.fields_form = QFormLayout(self.fields_box)
        self.fields_form.setContentsMargins(0, 0, 0, 0)
        # A check box that unfolds a frame of settings (a checkable QGroupBox drew its empty
        # frame while folded): no frame when folded, nothing when a service has none.
        self.advanced = QCheckBox(_("M&ore settings"))
        self.advanced.setObjectName("moreSettings")
        self.advanced.setChecked(False)
        self.advanced_box = QGroupBox()
        self.advanced_box.setObjectName("moreSettingsBox")
        self.advanced_box.setAccessibleName(_("More settings"))
        self.advanced_form = QFormLayout(self.advanced_box)
        self.advanced.toggled.connect(self._show_advanced)

        self.save_button = QPushButton(_("&Save"))
        self.save_button.setObjectName("saveAccountButton")
        self.save_button.setToolTip(_("Save this account (Enter)"))
        self.test_button = QPushButton(_("&Test Connection"))
        self.test_button.setObjectName("testButton")
        self.login_button = QPushButton(service_icon("xero"), _("Sign &in with Xero"))
        self.login_button.setObjectName("loginButton")
        self.save_button.clicked.connect(self.save)
        self.test_button.clicked.connect(self.test_connection)
        self.login_button.clicked.connect(self.sign_in)
        actions = QHBoxLayout()
        actions.addWidget(self.save_button)
        actions.addWidget(self.test_button)
        actions.addWidget(self.login_button)
        actions.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("accountStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setAccessibleName(_("Account status"))

        right = QVBoxLayout()
        right.addLayout(self.form)
        right.addWidget(self.fields_box)
        right.addWidget(self.advanced)
        right.addWidget(self.advanced_box)
        right.addLayout(actions)
        right.addWidget(self.status)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(left)
        body.addLayout(right, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        close.rejected.connect(self.reject)
        # Enter in any field saves what is being edited; it never presses New Account.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        self.save_button.setAutoDefault(True)
        self.save_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.keyring_warning)
        layout.addLayout(body, 1)
        layout.addWidget(close)
        readable_indicators(self)

        problem = keyring_problem()
        if problem:
            self.keyring_warning.setText(
                "⚠ "
                + problem
                + " "
                + _("Accounts can be listed, but passwords cannot be kept until then.")
            )
            self.keyring_warning.show()
        self._keyring_ok = problem is None
        self.reload()

    # --- the list ---------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        """Show the accounts (selecting `select`, or the first)."""
        self._window.reload_accounts()
        self.list.blockSignals(True)
        self.list.clear()
        for name, account in self._window.accounts.items():
            item = QListWidgetItem(service_icon(account.service), name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.list.addItem(item)
        self.list.blockSignals(False)
        names = list(self._window.accounts)
        if names:
            self.list.setCurrentRow(names.index(select) if select in names else 0)
            self._on_selected(self.list.currentRow())
        else:
            self.start_adding()

    def current(self) -> AccountConfig | None:
        """The account chosen in the list (None while adding)."""
        item = self.list.currentItem()
        if self._adding or item is None:
            return None
        return self._window.accounts.get(item.data(Qt.ItemDataRole.UserRole))

    def _selected_service(self) -> str:
        return str(self.service.currentData())

    def _on_selected(self, row: int) -> None:
        if row < 0:
            return
        self._adding = False
        account = self.current()
        if account is None:
            return
        self.name.setText(account.name)
        self.name.setReadOnly(True)
        self.service.blockSignals(True)
        self.service.setCurrentIndex(max(0, self.service.findData(account.service)))
        self.service.blockSignals(False)
        self.service.setEnabled(False)
        self.url.setText(account.url)
        self.remove_button.setEnabled(True)
        self._build_fields(account.service, account)
        self.status.clear()

    def start_adding(self) -> None:
        """Clear the form for a new account."""
        self._adding = True
        self.list.clearSelection()
        self.name.clear()
        self.name.setReadOnly(False)
        self.service.setEnabled(True)
        self.url.clear()
        self.remove_button.setEnabled(False)
        self._build_fields(self._selected_service(), None)
        self.say(_("Choose the service, give the account a name and its details, then Save."))
        self.name.setFocus()

    # --- the fields of a service ----------------------------------------------------------
    def _build_fields(self, service: str, account: AccountConfig | None) -> None:
        for form in (self.fields_form, self.advanced_form):
            while form.rowCount():
                form.removeRow(0)
        self.secret_fields, self.setting_fields = {}, {}
        description = _description(service)
        if description is None:
            self.fields_form.addRow(QLabel(_("This service is not available in this version.")))
            for button in (self.save_button, self.test_button, self.login_button):
                button.setEnabled(False)
            self._show_advanced(self.advanced.isChecked())  # no settings: no "More settings"
            return
        self.url.setPlaceholderText(description.default_url or description.url_hint or "https://…")
        asked = description.asked_secrets()
        kept = self._kept_secrets(account, tuple(s.key for s in asked))
        for spec in asked:
            edit = QLineEdit()
            edit.setObjectName(f"secret_{spec.key}")
            edit.setEchoMode(
                QLineEdit.EchoMode.Password if spec.hidden else QLineEdit.EchoMode.Normal
            )
            edit.setAccessibleName(_(spec.label))
            if spec.hint:
                edit.setAccessibleDescription(_(spec.hint))
                edit.setToolTip(_(spec.hint))
            edit.setPlaceholderText(
                _("kept in the keyring — type to replace")
                if kept.get(spec.key)
                else _("kept in the keyring")
            )
            edit.setEnabled(self._keyring_ok)
            self.secret_fields[spec.key] = edit
            self.fields_form.addRow(_(spec.label), edit)
        settings = account.settings if account else {}
        for setting in description.settings:
            edit = QLineEdit(settings.get(setting.key, ""))
            edit.setObjectName(f"setting_{setting.key}")
            edit.setAccessibleName(_(setting.label))
            if setting.hint:
                edit.setAccessibleDescription(_(setting.hint))
                edit.setToolTip(_(setting.hint))
            self.setting_fields[setting.key] = edit
            form = self.advanced_form if setting.advanced else self.fields_form
            form.addRow(_(setting.label), edit)
        self._show_advanced(self.advanced.isChecked())
        self._fix_tab_order()
        self.save_button.setEnabled(True)
        self.test_button.setEnabled(True)
        self.login_button.setVisible(description.needs_login)
        self.login_button.setText(_("Sign &in with {service}").format(service=_(description.label)))
        self.login_button.setEnabled(account is not None and self._keyring_ok)
        self.login_button.setToolTip(
            _("Save the account first, then sign in.")
            if account is None
            else _("Opens the service's sign-in page in your browser")
        )

    def focus_chain(self) -> list[QWidget]:
        """The form's widgets in the order Tab visits them (fields made per service included)."""
        advanced = [e for e in self.setting_fields.values() if e.parent() is self.advanced_box]
        fields = [*self.secret_fields.values()]
        fields += [e for e in self.setting_fields.values() if e not in advanced]
        return [
            self.list,
            self.add_button,
            self.remove_button,
            self.name,
            self.service,
            self.url,
            *fields,
            self.advanced,
            *advanced,
            self.save_button,
            self.test_button,
            self.login_button,
        ]

    def _fix_tab_order(self) -> None:
        chain = self.focus_chain()
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _show_advanced(self, shown: bool) -> None:
        """Folded, "More settings" is its check box alone (no empty frame under it; a
        service without such settings shows none at all); unfolded, a frame holds them."""
        rows = self.advanced_form.rowCount()
        self.advanced.setVisible(rows > 0)
        self.advanced_box.setVisible(shown and rows > 0)

    def _kept_secrets(
        self, account: AccountConfig | None, keys: tuple[str, ...]
    ) -> dict[str, bool]:
        if account is None or not self._keyring_ok:
            return {}
        from addressbook.accounts import KeyringSecrets

        secrets = KeyringSecrets(account.name)
        kept = {}
        for key in keys:
            try:
                kept[key] = secrets.get(key) is not None
            except KeyringUnavailable:
                kept[key] = False
        return kept

    @staticmethod
    def _sentence(error: AddressbookError) -> str:
        """The error in one sentence (the keyring's own names no setting)."""
        if isinstance(error, KeyringUnavailable):
            return keyring_problem() or _("The keyring that keeps passwords cannot be used.")
        return str(error)

    def say(self, text: str) -> None:
        """The status line under the form, announced to screen readers."""
        from addressbook.ui.main_window import announce

        self.status.setText(text)
        self.status.setAccessibleDescription(text)
        announce(self.status, text)

    def typed_secrets(self) -> dict[str, str]:
        return {k: e.text() for k, e in self.secret_fields.items() if e.text()}

    def typed_settings(self) -> dict[str, str]:
        return {k: e.text().strip() for k, e in self.setting_fields.items() if e.text().strip()}

    # --- saving -----------------------------------------------------------------------
    def save(self) -> bool:
        """Add the new account, or write the changed settings and secrets."""
        from addressbook import accounts

        try:
            if self._adding:
                account = accounts.new_account(
                    self.name.text().strip(),
                    self._selected_service(),
                    self.url.text().strip() or None,
                    self.typed_settings(),
                )
                missing = [k for k in self.secret_fields if not self.secret_fields[k].text()]
                if missing:
                    described = _description(self._selected_service())
                    labels = ", ".join(
                        _(described.secret_label(k)) if described else k for k in missing
                    )
                    raise AddressbookError(
                        _("Fill in {fields}: the service needs it.").format(fields=labels)
                    )
                accounts.add_account(account, self.typed_secrets())
            else:
                current = self.current()
                if current is None:
                    return False
                account = AccountConfig(
                    current.name,
                    current.service,
                    accounts.check_url(self.url.text() or current.url),
                    {
                        **{
                            k: v
                            for k, v in current.settings.items()
                            if k not in self.setting_fields
                        },
                        **self.typed_settings(),
                    },
                )
                secrets = accounts.KeyringSecrets(account.name)
                for key, value in self.typed_secrets().items():
                    secrets.set(key, value)
                accounts.save_settings(account)
        except AddressbookError as error:
            self.say(f"⚠ {self._sentence(error)}")
            return False
        for edit in self.secret_fields.values():
            edit.clear()
        self.reload(select=account.name)
        self.say(
            _("Saved {account}. Press F5 in the main window to sync it.").format(
                account=account.name
            )
        )
        return True

    def remove_selected(self) -> None:
        """Remove the chosen account, its secrets and its cached contacts (after asking)."""
        from addressbook import accounts

        account = self.current()
        if account is None:
            return
        pending = self._window.store.pending_count(account.name)
        extra = (
            " "
            + ngettext(
                "{n} edit made here and not yet sent will be lost.",
                "{n} edits made here and not yet sent will be lost.",
                pending,
            ).format(n=pending)
            if pending
            else ""
        )
        answer = QMessageBox.question(
            self,
            _("Remove account"),
            _(
                "Remove {account}? Its password is forgotten and its contacts are removed from "
                "this computer (they stay on the service)."
            ).format(account=account.name)
            + extra,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            accounts.remove_account(account.name)
        except AddressbookError as error:
            self.say(f"⚠ {self._sentence(error)}")
            return
        self._window.store.forget_account(account.name)
        self._window.refresh()
        self.reload()
        self.say(_("Removed {account}.").format(account=account.name))

    # --- connection checks in workers ---------------------------------------------------
    def _config_from_form(self) -> AccountConfig | None:
        from addressbook import accounts

        try:
            if self._adding:
                service = self._selected_service()
                described = _description(service)
                url = (
                    self.url.text().strip() or (described.default_url if described else None) or ""
                )
                return AccountConfig(
                    self.name.text().strip() or "new",
                    service,
                    accounts.check_url(url),
                    self.typed_settings(),
                )
            current = self.current()
            if current is None:
                return None
            url = accounts.check_url(self.url.text() or current.url)
            return AccountConfig(
                current.name, current.service, url, {**current.settings, **self.typed_settings()}
            )
        except AddressbookError as error:
            self.say(f"⚠ {self._sentence(error)}")
            return None

    def test_connection(self) -> None:
        """Ask the service who we are (connector.check) in a worker."""
        from addressbook.connectors import make_connector

        config = self._config_from_form()
        if config is None:
            return
        secrets = TypedSecrets(self.typed_secrets(), None if self._adding else config.name)
        if self._adding:
            secrets = TypedSecrets(self.typed_secrets(), None)
            secrets.set = lambda key, value: None  # type: ignore[method-assign]  # nothing kept before Save

        def work() -> str:
            with make_connector(config, secrets) as connector:
                return connector.check()

        self.test_button.setEnabled(False)
        self.say(_("Testing the connection…"))
        self._window.tasks.run(work, self._tested, self._test_failed)

    def _tested(self, text: Any) -> None:
        self.test_button.setEnabled(True)
        self.say(_("✓ Connected: {who}").format(who=text))

    def _test_failed(self, error: BaseException) -> None:
        self.test_button.setEnabled(True)
        sentence, details = describe_error(self.name.text() or "the account", error)
        self.say(f"⚠ {sentence}" + (f"\n{details}" if details and details != str(error) else ""))

    def sign_in(self) -> None:
        """Xero: run the browser sign-in from a worker; the browser opens on the GUI thread."""
        account = self.current()
        if account is None:
            return
        tasks = self._window.tasks

        def open_in_browser(url: str) -> None:
            tasks.run_on_main(lambda: _open_url(url))

        open_url = self._window.open_url_hook or open_in_browser
        self.login_button.setEnabled(False)
        self.say(_("Waiting for you to allow access in the browser…"))
        self._window.tasks.run(
            lambda: run_login(account, open_url), self._signed_in, self._sign_in_failed
        )

    def _signed_in(self, text: Any) -> None:
        self.login_button.setEnabled(True)
        account = self.current()
        self.reload(select=account.name if account else None)
        self.say(f"✓ {text}")

    def _sign_in_failed(self, error: BaseException) -> None:
        self.login_button.setEnabled(True)
        sentence, _details = describe_error(self.name.text(), error)
        self.say(f"⚠ {sentence}")


def _open_url(url: str) -> None:
    QDesktopServices.openUrl(QUrl(url))


def run_login(account: AccountConfig, open_url: Any, tenant: str | None = None) -> str:
    """Sign in (in a worker): tokens go to the keyring, the chosen organisation to settings."""
    from addressbook.accounts import KeyringSecrets, save_settings
    from addressbook.connectors import make_connector

    with make_connector(account, KeyringSecrets(account.name)) as connector:
        text = connector.login(open_url, tenant)
        if getattr(connector, "settings_changed", False):
            save_settings(connector.account)
    return text
