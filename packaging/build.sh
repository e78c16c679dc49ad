#!/usr/bin/env bash
# Build the one-folder bundle and its .tar.gz, then smoke-test the binary.
#   bash packaging/build.sh            → packaging/dist/addressbook/ and packaging/dist/addressbook-VERSION-linux-ARCH.tar.gz
# Needs: the project installed (`pip install -e .`), PyInstaller (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip show pyinstaller >/dev/null 2>&1 || python3 -m pip install -q 'pyinstaller>=6.10'
version=$(python3 -c 'import addressbook; print(addressbook.__version__)')
arch=$(uname -m)
QT_QPA_PLATFORM=offscreen python3 packaging/make_icons.py
python3 -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath packaging/dist --workpath packaging/build packaging/addressbook.spec
tarball="packaging/dist/addressbook-${version}-linux-${arch}.tar.gz"
tar -C packaging/dist -czf "$tarball" addressbook
echo "bundle: packaging/dist/addressbook ($(du -sh packaging/dist/addressbook | cut -f1)); archive: $tarball ($(du -sh "$tarball" | cut -f1))"

# Smoke checks: --version, then the demo headless (quits by itself after the first sync).
bin=packaging/dist/addressbook/addressbook
"$bin" --version
home=$(mktemp -d)
ADDRESSBOOK_HOME="$home" QT_QPA_PLATFORM=offscreen timeout 180 "$bin" demo --smoke --contacts 50
echo "bundle smoke check passed"
rm -rf "$home"
