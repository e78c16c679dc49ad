"""`addressbook demo --smoke`: sandbox, four accounts, a real Xero sign-in, the first sync."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_smoke_syncs_every_account_and_cleans_up(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    env.pop("PYTHON_KEYRING_BACKEND", None)
    result = subprocess.run(
        [sys.executable, "-m", "addressbook", "demo", "--smoke", "--contacts", "20"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    # the throw-away home is gone; nothing was left in TMPDIR
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("addressbook-demo-")]


def test_demo_keep_home_keeps_accounts_but_no_secrets(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "addressbook", "demo", "--smoke", "--keep-home", "--contacts", "5"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    homes = [p for p in tmp_path.iterdir() if p.name.startswith("addressbook-demo-")]
    assert len(homes) == 1 and str(homes[0]) in result.stderr
    settings = (homes[0] / "config" / "accounts.json").read_text("utf-8")
    for service in ("xero", "xero-legacy", "harvest", "acuinvoice"):
        assert f'"service": "{service}"' in settings
    for secret_word in ("password", "api_key", "refresh_token"):
        assert secret_word not in settings  # secrets lived in the in-memory keyring only
