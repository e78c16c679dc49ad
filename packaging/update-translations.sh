#!/bin/sh
# Extract every sentence of ours into the template, merge it into each language's .po,
# and compile the .mo files the program reads (committed; the wheel carries them).
#
#   packaging/update-translations.sh            extract → update → compile
#   packaging/update-translations.sh --compile  only compile (after editing a .po)
#   packaging/update-translations.sh --init LANG  start a new language
#
# After an update, translate the new and fuzzy entries of each .po (look for `msgstr ""`
# and `#, fuzzy`), run it again with --compile, and run tests/test_translations.py.
set -eu
cd "$(dirname "$0")/.."

DIR=resources/translations
POT=$DIR/addressbook.pot
DOMAIN=addressbook
LANGUAGES="de"  # every language with a catalog under $DIR
PYBABEL="${PYBABEL:-python3 -m babel.messages.frontend}"

extract() {
    $PYBABEL extract -F babel.cfg --no-default-keywords -k _ -k N_ -k ngettext:1,2 \
        --add-comments=Translators: --sort-by-file --no-wrap \
        --project=addressbook --copyright-holder="the addressbook authors" \
        --version="$(sed -n "s/^__version__ = \"\(.*\)\"/\1/p" addressbook/__init__.py)" \
        -o "$POT" .
}

compile() {
    $PYBABEL compile -d "$DIR" -D "$DOMAIN" --statistics
}

case "${1:-}" in
--compile)
    compile
    ;;
--init)
    extract
    $PYBABEL init -i "$POT" -d "$DIR" -D "$DOMAIN" -l "$2" --no-wrap
    ;;
"")
    extract
    for lang in $LANGUAGES; do
        if [ -f "$DIR/$lang/LC_MESSAGES/$DOMAIN.po" ]; then
            $PYBABEL update -i "$POT" -d "$DIR" -D "$DOMAIN" -l "$lang" --no-wrap \
                --ignore-obsolete
        else
            $PYBABEL init -i "$POT" -d "$DIR" -D "$DOMAIN" -l "$lang" --no-wrap
        fi
    done
    compile
    ;;
*)
    echo "usage: $0 [--compile | --init LANG]" >&2
    exit 2
    ;;
esac
