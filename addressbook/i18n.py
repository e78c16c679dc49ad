"""The one translation system of the program: GNU gettext catalogs, core and window alike.

    from addressbook.i18n import _, ngettext
    _("The disk is full; nothing was changed.")
    ngettext("{n} change waits", "{n} changes wait", n).format(n=n)

Catalogs: `resources/translations/<lang>/LC_MESSAGES/addressbook.mo` (compiled from the
`.po` sources beside them with `pybabel compile`). The language follows the system
(`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`), as gettext reads them. Nothing here
imports Qt; the window loads Qt's own catalogs itself.
"""

from __future__ import annotations

import gettext as _gettext
from pathlib import Path

DOMAIN = "addressbook"


def locale_dir() -> Path:
    """Where the compiled catalogs are: in the wheel, or in a checkout's resources/."""
    here = Path(__file__).resolve().parent
    for candidate in (
        here / "resources" / "translations",
        here.parent / "resources" / "translations",
    ):
        if candidate.is_dir():
            return candidate
    return here.parent / "resources" / "translations"


_translations: _gettext.NullTranslations | None = None


def translations() -> _gettext.NullTranslations:
    """The catalog of the user's language (English: no catalog, the source text)."""
    global _translations
    if _translations is None:
        _translations = _gettext.translation(DOMAIN, str(locale_dir()), fallback=True)
    return _translations


def reload() -> None:
    """Read the environment's language again (tests and `--lang` switch at run time)."""
    global _translations
    _translations = None


def _(message: str) -> str:
    """The translation of one sentence."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The translation of a sentence that counts (the language's own plural forms)."""
    return translations().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a sentence for the catalog without translating it yet (module-level constants)."""
    return message
