"""Contacts that use every field of the model, shared by the interchange tests."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

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


def card_text(*lines: str, version: str = "3.0") -> str:
    """A card of the given property lines (CR LF line ends), named 'Ana Test'."""
    return "\r\n".join(
        ["BEGIN:VCARD", f"VERSION:{version}", "FN:Ana Test", *lines, "END:VCARD", ""]
    )


_VALUE = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"], exclude_characters='\\;,:"'),
    min_size=1,
    max_size=10,
).filter(str.strip)
_PARAM = st.sampled_from(
    ["PREF=1", "PREF=2", "PID=1.1", "ALTID=1", "LANGUAGE=de", "type=pref", "TYPE=x-own", ""]
)
_ADR_PARAM = st.sampled_from(
    ['LABEL="1 Main St, Label\\nline 2"', 'GEO="geo:1.5,2.5"', "TYPE=dom", ""]
)
_LABEL = st.sampled_from(["", "Assistant", "_$!<Other>!$_", "_$!<HomePage>!$_", "Work"])


def _key(param: str) -> str:
    return param.split("=")[0].upper()


@st.composite
def foreign_cards(draw: st.DrawFn) -> str:
    """A vCard of another program: entries with parameters other than TYPE, Apple labels,
    a birthday with a time of day (see test_originals.py)."""
    version = draw(st.sampled_from(["3.0", "4.0"]))
    lines: list[str] = []
    group = 0
    for name in draw(st.lists(st.sampled_from(["TEL", "EMAIL", "URL", "ADR"]), max_size=5)):
        choices = st.one_of(_PARAM, _ADR_PARAM) if name == "ADR" else _PARAM
        params = [p for p in draw(st.lists(choices, max_size=3, unique_by=_key)) if p]
        if name == "ADR":
            value = ";;" + ";".join(draw(st.lists(_VALUE, min_size=1, max_size=5)))
        else:
            value = draw(_VALUE)
        label = draw(_LABEL)
        head = ";".join([name, *params])
        if label and group and draw(st.booleans()):  # a second line in the group before
            lines.append(f"item{group}.{head}:{value}")
        elif label:
            group += 1
            lines += [f"item{group}.{head}:{value}", f"item{group}.X-ABLabel:{label}"]
        else:
            lines.append(f"{head}:{value}")
    when = draw(
        st.sampled_from(["", "1980-05-21T10:30:00Z", "19800521T1030", "--0521", "1980-05-21"])
    )
    if when:
        lines.append(f"BDAY:{when}")
    return card_text(*lines, version=version)
