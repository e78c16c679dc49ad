"""The translation catalogs: complete, placeholders kept, compiled, and used at run time.

The catalog is extracted from the source here with Babel's own API (babel.cfg and the
keywords of packaging/update-translations.sh), so a sentence wrapped in `_()` but not yet
translated fails this test, not a German user.
"""

from __future__ import annotations

import io
import os
import re
import string
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from addressbook import i18n

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ("de",)
# The same keywords as packaging/update-translations.sh (`-k _ -k N_ -k ngettext:1,2`).
KEYWORDS: dict[str, tuple[int, ...] | None] = {"_": None, "N_": None, "ngettext": (1, 2)}


def extracted() -> dict[str | tuple[str, ...], list[str]]:
    """Every msgid of the source (singular, or (singular, plural)), with where it is."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str | tuple[str, ...], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        key = message if isinstance(message, str) else tuple(message)
        if isinstance(key, tuple) and len(key) == 1:
            key = key[0]
        found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def po_catalog(language: str) -> Catalog:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "addressbook.po").open("rb") as file:
        return read_po(file, locale=language)


def strings(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


PERCENT = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[sdrifx]")


def placeholders(text: str) -> list[str]:
    """The `{name!r:spec}` fields of a str.format text ('{{' is no field) and the `%(name)s`
    fields of argparse's words, sorted."""
    try:
        fields = [
            "{"
            + field
            + (f"!{conversion}" if conversion else "")
            + (f":{spec}" if spec else "")
            + "}"
            for _, field, spec, conversion in string.Formatter().parse(text)
            if field is not None
        ]
    except ValueError as error:  # a lone brace: str.format would fail at run time
        fields = [f"unbalanced braces ({error})"]
    return sorted(fields + PERCENT.findall(text))


@pytest.fixture(scope="module")
def source_ids() -> dict[str | tuple[str, ...], list[str]]:
    found = extracted()
    assert len(found) > 400, "the extraction found too few sentences: is babel.cfg right?"
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sentence_of_the_source_is_translated(
    language: str, source_ids: dict[str | tuple[str, ...], list[str]]
) -> None:
    catalog = po_catalog(language)
    problems = []
    for key, where in sorted(source_ids.items(), key=lambda item: where_key(item[1])):
        message = catalog.get(key)
        if message is None:
            problems.append(f"{where[0]}: not in the .po: {key!r}")
        elif message.fuzzy:
            problems.append(f"{where[0]}: fuzzy in the .po: {key!r}")
        elif not all(strings(message)):
            problems.append(f"{where[0]}: not translated: {key!r}")
    assert not problems, (
        f"{len(problems)} sentences lack a {language} translation "
        "(run packaging/update-translations.sh, translate, run it with --compile):\n"
        + "\n".join(problems)
    )


def where_key(where: list[str]) -> tuple[str, int]:
    name, _, line = where[0].rpartition(":")
    return name, int(line)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    catalog = po_catalog(language)
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        originals = ids(message)
        for index, translated in enumerate(strings(message)):
            if not translated:
                continue
            # plural forms past the first follow the msgid_plural
            original = originals[min(index, len(originals) - 1)]
            if placeholders(original) != placeholders(translated):
                wrong.append(f"{original!r} → {translated!r}")
            # mnemonics: one '&' at most (Qt shows a second one as text)
            if len(re.findall(r"&(?!&)", translated)) > max(1, original.count("&")):
                wrong.append(f"two mnemonics: {translated!r}")
    assert not wrong, "translations that change the placeholders:\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_plural_forms_are_the_languages(language: str) -> None:
    catalog = po_catalog(language)
    assert catalog.num_plurals == 2 and catalog.plural_expr == "(n != 1)"
    for message in catalog:
        if message.pluralizable and message.id:
            assert len(strings(message)) == 2, message.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_is_the_po(language: str) -> None:
    """The committed .mo holds exactly the .po's translations (recompiled in memory)."""
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "addressbook.mo").open("rb") as file:
        committed = read_mo(file)
    fresh = io.BytesIO()
    write_mo(fresh, po_catalog(language))
    fresh.seek(0)
    expected = read_mo(fresh)

    def table(catalog: Catalog) -> dict[object, object]:
        return {
            (tuple(m.id) if isinstance(m.id, (list, tuple)) else m.id): (
                tuple(m.string) if isinstance(m.string, (list, tuple)) else m.string
            )
            for m in catalog
            if m.id
        }

    stale = set(table(expected).items()) ^ set(table(committed).items())
    assert not stale, (
        f"{folder / 'addressbook.mo'} is not compiled from the .po "
        f"({len(stale)} entries differ): run packaging/update-translations.sh --compile"
    )


def test_the_catalogs_are_found_where_the_program_looks() -> None:
    folder = i18n.locale_dir()
    for language in LANGUAGES:
        assert (folder / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo").is_file()


@pytest.fixture
def language(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Switch the process's language in a test; back to the environment's afterwards."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LC_TIME", "LC_NUMERIC", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    i18n.reload()
    yield monkeypatch
    monkeypatch.undo()
    i18n.reload()


def test_sentences_and_plurals_follow_the_language(language: pytest.MonkeyPatch) -> None:
    language.setenv("LANG", "C.UTF-8")
    i18n.reload()
    assert i18n._("No conflicts.") == "No conflicts."
    language.setenv("LANGUAGE", "de")
    i18n.reload()
    assert i18n._("No conflicts.") == "Keine Konflikte."
    assert i18n.ngettext("{n} conflict", "{n} conflicts", 1).format(n=1) == "1 Konflikt"
    assert i18n.ngettext("{n} conflict", "{n} conflicts", 3).format(n=3) == "3 Konflikte"
    assert i18n._("a sentence nobody wrote") == "a sentence nobody wrote"
    assert i18n.catalog_language() == "de"
    language.setenv("LANGUAGE", "fr:de")  # no French catalog: the next language's
    i18n.reload()
    assert i18n._("No conflicts.") == "Keine Konflikte." and i18n.catalog_language() == "de"
    language.setenv("LANGUAGE", "en")
    i18n.reload()
    assert i18n._("No conflicts.") == "No conflicts." and i18n.catalog_language() is None


def test_dates_and_numbers_follow_the_locale(language: pytest.MonkeyPatch) -> None:
    language.setenv("TZ", "UTC")
    moment = datetime(2024, 3, 5, 10, 7, tzinfo=UTC).astimezone()
    local = moment.strftime("%H:%M")  # the machine's zone, as the helpers show it
    language.setenv("LANG", "de_DE.UTF-8")
    i18n.reload()
    assert i18n.format_datetime_short(moment) == f"05.03.2024, {local}"
    assert i18n.format_date_medium("2024-03-05") == "05.03.2024"
    assert i18n.format_number(12345) == "12.345"
    language.setenv("LANG", "en_US.UTF-8")
    i18n.reload()
    assert i18n.format_date_medium("2024-03-05") == "Mar 5, 2024"
    assert i18n.format_number(12345) == "12,345"
    language.setenv("LC_TIME", "fr_FR.UTF-8")  # a category of its own wins over LANG
    i18n.reload()
    assert i18n.format_date_medium("2024-03-05") == "5 mars 2024"
    language.setenv("LANG", "C.UTF-8")
    language.delenv("LC_TIME")
    i18n.reload()
    assert i18n.format_datetime_short("2024-03-05T10:07:00Z").startswith("2024-03-05 ")
    assert i18n.format_date_medium("2024-03-05") == "2024-03-05"
    assert i18n.format_number(12345) == "12345"
    assert i18n.format_datetime_short("not a date") == "not a date"


def run_addressbook(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("LC_", "LANG"))
    }
    environment.update(ADDRESSBOOK_HOME=str(home), LANG="C.UTF-8", **env)
    return subprocess.run(
        [sys.executable, "-m", "addressbook", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=60,
    )


def test_the_command_line_refuses_in_german(addressbook_home: Path) -> None:
    args = ["accounts", "add", "work", "--service", "harvest", "--url", "http://example.com"]
    english = run_addressbook(args, addressbook_home)
    assert english.returncode == 1
    assert english.stderr.strip() == (
        "addressbook: http://example.com is not https: addressbook only sends your "
        "credentials over https (plain http only to this computer)."
    )
    german = run_addressbook(args, addressbook_home, LANGUAGE="de")
    assert german.returncode == 1
    assert german.stderr.strip() == (
        "addressbook: http://example.com ist nicht https: addressbook sendet Ihre "
        "Zugangsdaten nur über https (unverschlüsseltes http nur an diesen Computer)."
    )
    assert "Traceback" not in german.stderr


def test_help_speaks_german_argparse_words_included(addressbook_home: Path) -> None:
    german = run_addressbook(["push", "--help"], addressbook_home, LANGUAGE="de")
    assert german.returncode == 0
    assert german.stdout.startswith("Aufruf: addressbook push")
    assert "ausstehende Änderungen an die Konten senden" in german.stdout
    assert "diese Hilfe anzeigen und beenden" in german.stdout
    wrong = run_addressbook(["resolve", "3", "--keep", "x"], addressbook_home, LANGUAGE="de")
    assert wrong.returncode == 2
    assert "ungültige Auswahl: 'x'" in wrong.stderr


def test_accounts_list_speaks_german_and_json_stays_iso(addressbook_home: Path) -> None:
    from addressbook import accounts
    from addressbook.store import Store

    accounts._write_file(
        [accounts.AccountConfig(name="work", service="harvest", url="https://example.com")]
    )
    with Store.default() as store:
        state = store.sync_state("work")
        state.last_sync = "2024-03-05T10:07:00Z"
        store.save_sync_state(state)
    german = run_addressbook(["accounts", "list"], addressbook_home, LANGUAGE="de", TZ="UTC")
    assert german.returncode == 0, german.stderr
    header, row = german.stdout.splitlines()
    assert header.split() == ["NAME", "DIENST", "URL", "LETZTER", "ABGLEICH", "AUSSTEHEND"]
    assert "05.03.2024, 10:07" in row
    listed = run_addressbook(["accounts", "list", "--json"], addressbook_home, LANGUAGE="de")
    assert '"last_sync": "2024-03-05T10:07:00Z"' in listed.stdout
