"""Contacts that use every field of the model, shared by the interchange tests."""

from __future__ import annotations

from pathlib import Path

from addressbook.model import Address, Contact, Email, Phone

DATA = Path(__file__).parent / "data"


def full_contact() -> Contact:
    """Every field, every phone kind, both address kinds, several emails, awkward text."""
    return Contact(
        display_name="Zoë Ngā-Müller 😀",
        given_name="Zoë, Ana",
        family_name="Ngā-Müller; Jr.",
        organization="Acme; Kōrero, Ltd \\ Co",
        title="Chief Tea Officer ☕",
        emails=[
            Email("zoe.home@example.com", "home"),
            Email("zoe@acme.example", "work"),
            Email("second@acme.example", "work"),
            Email("other@例え.jp", "other"),
        ],
        phones=[
            Phone("+64-21-555-0101", "mobile"),
            Phone("+64 9 555 0102", "work"),
            Phone("(09) 555 0103", "fax"),
            Phone("+64 9 555 0104 ext. 5", "ddi"),
            Phone("0800 ACME", "default"),
            Phone("+64 27 555 0199", "other"),
            Phone("+64-9-555-0105", "work"),
        ],
        addresses=[
            Address("postal", ["PO Box 5", "Shortland St"], "Auckland", "Tāmaki", "1140", "NZ"),
            Address("street", ["Level 2", "", "12 Queen St; rear"], "Auckland", "", "1010", "NZ"),
            Address("street", [], "東京", "", "", "日本"),
        ],
        notes="First line, with comma; and semicolon\n\n  indented \\n literal\nЭмодзи 🎉 中文",
        status="archived",
    )


def plain_contacts() -> list[Contact]:
    """Contacts in several scripts with one item of each kind (status active)."""
    names = [("Иван", "Петров"), ("太郎", "山田"), ("محمد", "علي"), ("Νίκος", "Παπαδόπουλος")]
    return [
        Contact(
            given_name=given,
            family_name=family,
            emails=[Email(f"p{i}@example.com")],
            phones=[Phone(f"+1 555 010{i}", "mobile")],
        )
        for i, (given, family) in enumerate(names)
    ]
