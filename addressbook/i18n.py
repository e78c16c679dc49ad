"""The one translation system of the program: GNU gettext catalogs, core and window alike.

    from addressbook.i18n import _, ngettext
    _("The disk is full; nothing was changed.")
    ngettext("{n} change waits", "{n} changes wait", n).format(n=n)

Catalogs: `resources/translations/<lang>/LC_MESSAGES/addressbook.mo` (compiled from the
`.po` sources beside them with `pybabel compile`; `packaging/update-translations.sh`
extracts, updates and compiles them). The compiled `.mo` files are committed, so a
checkout and the wheel (which carries `resources/` as `addressbook/resources/`) both have
them. The language follows the system (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`), as
gettext reads them. Nothing here imports Qt; the window loads Qt's own catalogs itself.

Dates and numbers a person reads: `format_datetime_short`, `format_date_medium`,
`format_number` (Babel, the locale of `LC_TIME`/`LC_NUMERIC`, else `LANGUAGE`, `LC_ALL`,
`LANG`); in the C/POSIX locale they stay ISO and plain digits. `--json` never uses them.
"""

from __future__ import annotations

import gettext as _gettext
import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

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


def catalog_language() -> str | None:
    """The language whose catalog the sentences come from ('de'), None for the source English.

    The window loads Qt's own catalog of the same language (`qtbase_de.qm`) with it, so
    Qt's standard buttons match our sentences.
    """
    found = _gettext.find(DOMAIN, str(locale_dir()))
    return Path(found).parent.parent.name if found else None


def reload() -> None:
    """Read the environment's language again (tests and `--lang` switch at run time)."""
    global _translations, _locales
    _translations = None
    _locales = {}


def _(message: str) -> str:
    """The translation of one sentence."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The translation of a sentence that counts (the language's own plural forms)."""
    return translations().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a sentence for the catalog without translating it yet (module-level constants)."""
    return message


# --- argparse's own words ---------------------------------------------------------------------
# argparse translates its words ("usage: ", "options", its errors) through gettext's global
# domain; `use_catalog_for_argparse()` points that domain at our catalog, which holds them
# (marked here so the extraction finds them). %-placeholders: keep them exactly.
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
)


def use_catalog_for_argparse() -> None:
    """Make argparse's own words (and other users of gettext's global domain) ours."""
    _gettext.bindtextdomain(DOMAIN, str(locale_dir()))
    _gettext.textdomain(DOMAIN)


# --- dates and numbers in the user's locale --------------------------------------------------
_locales: dict[str, Locale | None] = {}


def _locale_name(category: str) -> str | None:
    """The first locale the environment names for `category`: LC_ALL, the category,
    LANGUAGE (gettext's list: its first entry), then LANG. LC_CTYPE is not read: Python
    itself sets it to C.UTF-8 when the system lacks the user's locale (PEP 538)."""
    for variable in ("LC_ALL", category, "LANGUAGE", "LANG"):
        value = os.environ.get(variable, "").strip()
        if value:
            return value.split(":")[0]
    return None


def user_locale(category: str = "LC_TIME") -> Locale | None:
    """The Babel locale of the environment for `category` (LC_TIME, LC_NUMERIC).

    None for C and POSIX (and unknown names): the callers then print ISO dates and
    plain digits.
    """
    if category not in _locales:
        from babel import Locale, UnknownLocaleError

        name = _locale_name(category)
        found: Locale | None = None
        base = (name or "C").split(".")[0].split("@")[0]
        if base not in ("C", "POSIX"):
            try:
                found = Locale.parse(base)
            except (ValueError, UnknownLocaleError):
                found = None
        _locales[category] = found
    return _locales[category]


def _moment(value: str | datetime) -> datetime:
    """An ISO text (`2024-03-05T10:00:00Z`) or a datetime, in this computer's time zone."""
    moment = (
        value
        if isinstance(value, datetime)
        else datetime.fromisoformat(value.replace("Z", "+00:00"))
    )
    if moment.tzinfo is None:
        return moment  # a wall-clock time: shown as it is
    return moment.astimezone()


def format_datetime_short(value: str | datetime) -> str:
    """A moment as a person reads it: '05.03.2024, 11:00' (de), 'Mar 5, 2024, 11:00 AM' (en).

    `value`: ISO-8601 text as the store keeps it, or a datetime; an aware moment is shown
    in this computer's time zone. Text that is no ISO moment comes back unchanged.
    """
    try:
        moment = _moment(value)
    except ValueError:
        return str(value)
    locale = user_locale("LC_TIME")
    if locale is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    from babel.dates import format_date, format_time, get_datetime_format

    glue = str(get_datetime_format("medium", locale=locale))
    return (
        glue.replace("'", "")
        .replace("{1}", format_date(moment, "medium", locale=locale))
        .replace("{0}", format_time(moment, "short", locale=locale))
    )


def format_date_medium(value: str | date) -> str:
    """A day as a person reads it: '05.03.2024' (de), 'Mar 5, 2024' (en); ISO in C/POSIX."""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(value[:10])
    except ValueError:
        return str(value)
    locale = user_locale("LC_TIME")
    if locale is None:
        return day.isoformat()
    from babel.dates import format_date

    return format_date(day, "medium", locale=locale)


def format_number(number: int | float) -> str:
    """A number with the locale's digit grouping and decimal sign: '12.345' (de), '12,345' (en)."""
    locale = user_locale("LC_NUMERIC")
    if locale is None:
        return str(number)
    from babel.numbers import format_decimal

    return format_decimal(number, locale=locale)
