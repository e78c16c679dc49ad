"""Benchmark of vCard import: a 10,000-card file with names from many scripts.

Run: python tests/perf/bench_import.py [--cards N] [--keep FILE]
Prints the time to write the file (export), to read it (`interchange.read_file` alone), and,
when the store can take many contacts at once (`Store.create_many`), the whole
`addressbook import FILE` as a process with a throw-away ADDRESSBOOK_HOME.
Target (issue 2): `addressbook import` of a 10,000-card vCard file ≤ 15 s end to end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from addressbook.interchange import export_contacts, read_file
from addressbook.model import Address, Contact, Email, Phone

TARGET_SECONDS = 15.0
NAMES = {
    "latin": (["Zoë", "José", "Renée", "Adam", "Maria"], ["Müller", "García", "O'Brien", "Ørsted"]),
    "maori": (["Tūī", "Hēmi", "Rāwiri", "Mere"], ["Te Whare", "Ngata", "Pōmare"]),
    "vietnamese": (["Nguyễn", "Trần", "Thị"], ["Nguyễn Văn", "Lê Hoàng", "Đỗ"]),
    "arabic": (["محمد", "فاطمة", "ليلى"], ["الهاشمي", "حداد", "منصور"]),
    "chinese": (["伟", "芳", "秀英"], ["王", "李", "张"]),
    "japanese": (["太郎", "さくら", "裕貴"], ["山田", "中村", "佐藤"]),
    "cyrillic": (["Иван", "Ольга", "Сергей"], ["Иванов", "Смирнова", "Попова"]),
    "greek": (["Γιώργος", "Μαρία", "Σοφία"], ["Παπαδόπουλος", "Νικολάου"]),
    "hindi": (["अनिल", "प्रिया"], ["शर्मा", "पटेल"]),
}
ORGS = [
    "Acme Ltd",
    "Kiwi Café",
    "Ōtautahi Builders",
    "Müller & Söhne GmbH",
    "北京科技",
    "ООО Ромашка",
]
EMOJI = ["🍕", "🌿", "🚀", "👩‍💻", "🎉"]


def make_contact(rng: random.Random, n: int) -> Contact:
    """One generated contact with most fields filled, reproducible from rng."""
    given_names, family_names = NAMES[rng.choice(list(NAMES))]
    given, family = rng.choice(given_names), rng.choice(family_names)
    phones = [Phone(f"+64 21 {n:07d}", "mobile"), Phone(f"+64-9-555-{n % 10000:04d}", "work")]
    if rng.random() < 0.3:
        phones.append(Phone(f"(09) 555 {n % 10000:04d}", rng.choice(["fax", "ddi", "default"])))
    return Contact(
        given_name=given,
        family_name=family,
        organization=rng.choice(ORGS),
        title=rng.choice(["", "Director", "Accounts", "営業部長"]),
        emails=[Email(f"user{n}@example.com", "work")]
        + ([Email(f"home{n}@mail.example", "home")] if rng.random() < 0.5 else []),
        phones=phones,
        addresses=[
            Address("street", [f"{n} Queen Street", "Level 2"], "Auckland", "", "1010", "NZ")
        ]
        + ([Address("postal", [f"PO Box {n}"], "Wellington", "", "6011", "NZ")] if n % 3 else []),
        notes=f"Imported contact {n}.\nLikes {rng.choice(EMOJI)}; met at conference, 2024.",
        status="archived" if n % 50 == 0 else "active",
    ).normalized()


def timed(action: object, repeat: int) -> list[float]:
    """Wall-clock seconds of each of `repeat` calls of action()."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return times


def bench_cli_import(path: Path, cards: int) -> float | None:
    """Seconds for `addressbook import FILE` as a process, or None if the store cannot yet."""
    try:
        from addressbook.store import Store
    except ImportError:
        return None
    if not hasattr(Store, "create_many"):
        return None
    with tempfile.TemporaryDirectory(prefix="bench-import-home-") as home:
        env = {**os.environ, "ADDRESSBOOK_HOME": home}
        command = [sys.executable, "-m", "addressbook", "import", str(path)]
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        if done.returncode != 0 or f"imported {cards} contacts" not in done.stdout:
            print(f"addressbook import failed ({done.returncode}): {done.stderr.strip()}")
            return None
        counted = subprocess.run(
            [sys.executable, "-m", "addressbook", "list", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        listed = len(json.loads(counted.stdout))
        print(f"  `addressbook list` shows {listed} contacts afterwards")
    return seconds


def main() -> int:
    """Write the file, time reading it, time the whole import command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="write the vCard file here and keep it")
    args = parser.parse_args()
    rng = random.Random(20240601)
    contacts = [make_contact(rng, n) for n in range(args.cards)]
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        path = args.keep or Path(folder) / "contacts.vcf"
        start = time.perf_counter()
        text = export_contacts(contacts, "vcard4")
        export_seconds = time.perf_counter() - start
        path.write_text(text, encoding="utf-8", newline="")
        size_mb = path.stat().st_size / 1e6
        print(f"{args.cards} cards, {size_mb:.1f} MB of vCard 4.0")
        print(f"export_contacts (vCard 4.0):      {export_seconds:6.2f} s")
        read_times = timed(lambda: read_file(path), 3)
        result = read_file(path)
        assert result.contacts == contacts, "the file did not read back as written"
        print(
            f"read_file (parse + map), median: {statistics.median(read_times):6.2f} s"
            f"  (min {min(read_times):.2f} s, {1e6 * min(read_times) / args.cards:.0f} µs/card)"
        )
        cli_seconds = bench_cli_import(path, args.cards)
    if cli_seconds is None:
        print("addressbook import FILE:           not measured (no Store.create_many yet)")
        return 0
    verdict = "OK" if cli_seconds <= TARGET_SECONDS else "OVER TARGET"
    print(
        f"addressbook import FILE (process): {cli_seconds:6.2f} s  target ≤ {TARGET_SECONDS:.0f} s  {verdict}"
    )
    return 0 if cli_seconds <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
