"""The people commands as a user or a script runs them: `addressbook` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from addressbook.model import Contact, Email, Phone
from addressbook.store import Store


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "addressbook", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
    )


def ok(*args: str) -> subprocess.CompletedProcess[str]:
    result = run(*args)
    assert result.returncode == 0, result.stderr
    return result


def refused(status: int, *args: str) -> str:
    """A command that must fail with status and one line on stderr (no traceback)."""
    result = run(*args)
    assert result.returncode == status, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def _three() -> list[int]:
    with Store.default() as store:
        return [
            store.create(
                Contact(
                    display_name="Ada Lovelace",
                    emails=[Email("ada@analytical.example")],
                    phones=[Phone(f"+44 20 7946 00{n}", "work")],
                )
            )
            for n in (11, 12, 13)
        ]


def test_suggest_join_people_split_dismiss() -> None:
    a, b, c = _three()
    assert json.loads(ok("people", "suggest", "--json").stdout) == [
        {"ids": [a, b, c], "reasons": ["same email"]}
    ]
    assert "Ada Lovelace" in ok("people", "suggest").stdout
    person = int(ok("people", "join", str(a), str(b)).stdout.strip())
    listed = json.loads(ok("people", "--json").stdout)
    assert listed == [{"person": person, "display_name": "Ada Lovelace", "ids": [a, b]}]
    shown = json.loads(ok("show", str(a), "--json").stdout)
    assert shown["person"] == person
    assert [r["person"] for r in json.loads(ok("list", "--json").stdout)] == [person, person, None]
    ok("people", "split", str(person))
    assert json.loads(ok("people", "--json").stdout) == []
    ok("people", "dismiss", str(a), str(c))
    ok("people", "dismiss", str(b), str(c))
    assert json.loads(ok("people", "suggest", "--json").stdout) == [
        {"ids": [a, b], "reasons": ["same email"]}
    ]


def test_joining_two_people_merges_them_and_says_so() -> None:
    a, b, c = _three()
    with Store.default() as store:
        d = store.create(Contact(display_name="Ada L."))
    first = int(ok("people", "join", str(a), str(b)).stdout)
    second = int(ok("people", "join", str(c), str(d)).stdout)
    result = ok("people", "join", str(b), str(d))
    assert int(result.stdout) == min(first, second)
    assert "merged" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert sorted(json.loads(ok("people", "--json").stdout)[0]["ids"]) == [a, b, c, d]


def test_join_refusals() -> None:
    a, b, _c = _three()
    assert "itself" in refused(2, "people", "join", str(a), str(a))
    assert "two or more" in refused(2, "people", "join", str(a))
    assert "999" in refused(1, "people", "join", str(a), "999")
    refused(2, "people", "join")
    refused(2, "people", "join", "abc", str(b))
    assert "person 77" in refused(1, "people", "split", "77")
    assert "itself" in refused(2, "people", "dismiss", str(a), str(a))
    assert "999" in refused(1, "people", "dismiss", str(a), "999")
    assert json.loads(ok("people", "--json").stdout) == []


def test_edit_everywhere_changes_every_record_of_the_person() -> None:
    a, b, c = _three()
    ok("people", "join", str(a), str(b))
    result = ok("edit", str(a), "--everywhere", "--field", "phone.mobile=+64 21 555 0199")
    assert "2 of 2" in result.stderr
    for contact_id, changed in ((a, True), (b, True), (c, False)):
        phones = json.loads(ok("show", str(contact_id), "--json").stdout)["phones"]
        assert ({"kind": "mobile", "number": "+64 21 555 0199"} in phones) is changed
        assert len([p for p in phones if p["kind"] == "work"]) == 1  # its own work number kept
    assert "999" in refused(1, "edit", "999", "--everywhere", "--field", "title=CEO")
    refused(2, "edit", str(a), "--everywhere", "--field", "colour=blue")


def test_edit_everywhere_of_a_record_of_no_person_edits_it_alone() -> None:
    a, b, _c = _three()
    ok("edit", str(a), "--everywhere", "--field", "title=Countess")
    assert json.loads(ok("show", str(a), "--json").stdout)["title"] == "Countess"
    assert json.loads(ok("show", str(b), "--json").stdout)["title"] == ""
