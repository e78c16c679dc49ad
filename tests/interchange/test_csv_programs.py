"""CSV from the programs people use: every email, phone and address column each writes,
localised Outlook headers, separators and encodings."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from addressbook.interchange import read_file, read_text
from addressbook.model import Address, Email, Phone, Url

# The header of a German Outlook export, as quoted in a public project's notes
# (found with the code search: 'Anrede,Vorname,Weitere Vornamen,Nachname,…').
GERMAN_HEADER = (
    "Anrede,Vorname,Weitere Vornamen,Nachname,Suffix,Firma,Abteilung,Position,Straße geschäftlich,"
    "Straße geschäftlich 2,Straße geschäftlich 3,Ort geschäftlich,Region geschäftlich,"
    "Postleitzahl geschäftlich,Land/Region geschäftlich,Straße privat,Straße privat 2,"
    "Straße privat 3,Ort privat,Bundesland/Kanton privat,Postleitzahl privat,Land/Region privat,"
    "Weitere Straße,Weitere Straße 2,Weitere Straße 3,Weiterer Ort,Weiteres/r Bundesland/Kanton,"
    "Weitere Postleitzahl,Weiteres/e Land/Region,Telefon Assistent,Fax geschäftlich,"
    "Telefon geschäftlich,Telefon geschäftlich 2,Rückmeldung,Autotelefon,Telefon Firma,Fax privat,"
    "Telefon (privat),Telefon (privat 2),ISDN,Mobiltelefon,Weiteres Fax,Weiteres Telefon,Pager,"
    "Haupttelefon,Mobiltelefon 2,Telefon für Hörbehinderte,Telex,Abrechnungsinformation,"
    "Assistent(in),Benutzer 1,Benutzer 2,Benutzer 3,Benutzer 4,Beruf,Büro,E-Mail-Adresse,E-Mail-Typ,"
    "E-Mail: Angezeigter Name,E-Mail 2: Adresse,E-Mail 2: Typ,E-Mail 2: Angezeigter Name,"
    "E-Mail 3: Adresse,E-Mail 3: Typ,E-Mail 3: Angezeigter Name,Empfohlen von,Geburtstag,Geschlecht,"
    "Hobby,Initialen,Internet Frei/Gebucht,Jahrestag,Kategorien,Kinder,Konto,"
    "Name des/r Vorgesetzten,Notizen,Organisationsnr.,Ort,Partner,Postfach geschäftlich,"
    "Postfach privat,Priorität,Privat,Reisekilometer,Sozialversicherungsnr.,Sprache,Stichwörter,"
    "Vertraulichkeit,Verzeichnisserver,Webseite,Weiteres Postfach"
)


def _row(header: str, separator: str = ",", **cells: str) -> str:
    names = header.split(separator)
    for name in cells:
        assert name.replace("_", " ") in names or name in names, name
    values = {name.replace("_", " ") if name not in names else name: v for name, v in cells.items()}
    return separator.join(_quote(values.get(n, ""), separator) for n in names)


def _quote(value: str, separator: str) -> str:
    if any(ch in value for ch in (separator, '"', "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


def test_german_outlook_export_semicolons_windows_1252(tmp_path: Path) -> None:
    header = GERMAN_HEADER.replace(",", ";")
    row = _row(
        header,
        ";",
        **{
            "Anrede": "Herr",
            "Vorname": "Jörg",
            "Nachname": "Weiß",
            "Firma": "Bäckerei Weiß",
            "Position": "Inhaber",
            "Straße geschäftlich": "Königsallee 1",
            "Ort geschäftlich": "Düsseldorf",
            "Postleitzahl geschäftlich": "40212",
            "Land/Region geschäftlich": "Deutschland",
            "Telefon geschäftlich": "+49 211 55501",
            "Mobiltelefon": "+49 171 5550",
            "Fax geschäftlich": "+49 211 55509",
            "Telefon (privat)": "+49 211 4444",
            "E-Mail-Adresse": "joerg@baeckerei.example",
            "E-Mail-Typ": "SMTP",
            "E-Mail 2: Adresse": "joerg@privat.example",
            "Geburtstag": "21.05.1970",
            "Kategorien": "Lieferanten;Stammkunden",
            "Notizen": "Brötchen ab 5 Uhr",
            "Priorität": "Normal",
            "Vertraulichkeit": "Normal",
            "Privat": "Aus",
            "Webseite": "https://baeckerei.example",
            "Hobby": "Segeln",
        },
    )
    path = tmp_path / "Kontakte.CSV"
    path.write_bytes((header + "\r\n" + row + "\r\n").encode("cp1252"))
    result = read_file(path)
    (jorg,) = result.contacts
    assert jorg.display_name == "Jörg Weiß"
    assert (jorg.organization, jorg.title) == ("Bäckerei Weiß", "Inhaber")
    assert list(jorg.emails) == [
        Email("joerg@baeckerei.example", "work"),
        Email("joerg@privat.example", "other"),
    ]
    assert list(jorg.phones) == [
        Phone("+49 211 55509", "fax"),
        Phone("+49 211 55501", "work"),
        Phone("+49 211 4444", "other"),
        Phone("+49 171 5550", "mobile"),
    ]
    assert list(jorg.addresses) == [
        Address("street", ["Königsallee 1"], "Düsseldorf", "", "40212", "Deutschland")
    ]
    assert jorg.birthday == "1970-05-21"
    assert list(jorg.categories) == ["Lieferanten", "Stammkunden"]
    assert list(jorg.urls) == [Url("https://baeckerei.example", "work")]
    assert jorg.notes == "Brötchen ab 5 Uhr"
    # Kept, not lost: the salutation and the hobby. Outlook's defaults are not kept.
    kept = {item["params"]["COLUMN"][0]: item["value"] for item in jorg.extra}
    assert kept == {"Anrede": "Herr", "Hobby": "Segeln"}


LOCALISED = {
    "fr": (
        "Prénom,Nom,Société,Poste,Adresse de messagerie,Adresse de messagerie 2,"
        "Téléphone (bureau),Tél. mobile,Rue (bureau),Ville (bureau),Code postal (bureau),"
        "Pays/Région (bureau),Anniversaire,Notes",
        "Amélie,Poulain,Café des 2 Moulins,Serveuse,amelie@moulins.example,a.p@perso.example,"
        "+33 1 42 54 90 11,+33 6 12 34 56 78,15 rue Lepic,Paris,75018,France,23/04/1974,Nain de jardin",
    ),
    "es": (
        "Nombre,Apellidos,Organización,Puesto,Dirección de correo electrónico,"
        "Dirección de correo electrónico 2,Teléfono del trabajo,Móvil,Calle del trabajo,"
        "Ciudad de trabajo,Código postal del trabajo,País o región del trabajo,Cumpleaños,Notas",
        "Amélie,Poulain,Café des 2 Moulins,Serveuse,amelie@moulins.example,a.p@perso.example,"
        "+33 1 42 54 90 11,+33 6 12 34 56 78,15 rue Lepic,Paris,75018,France,23/04/1974,Nain de jardin",
    ),
    "it": (
        "Nome,Cognome,Società,Posizione,Indirizzo posta elettronica,Indirizzo posta elettronica 2,"
        "Ufficio,Cellulare,Via (uff.),Città (uff.),CAP (uff.),Paese/area geografica (uff.),"
        "Compleanno,Note",
        "Amélie,Poulain,Café des 2 Moulins,Serveuse,amelie@moulins.example,a.p@perso.example,"
        "+33 1 42 54 90 11,+33 6 12 34 56 78,15 rue Lepic,Paris,75018,France,23/04/1974,Nain de jardin",
    ),
    "nl": (
        "Voornaam,Achternaam,Bedrijf,Functie,E-mailadres,E-mailadres 2,Telefoon op werk,"
        'Mobiele telefoon,"Werkadres, straat","Werkadres, plaats","Werkadres, postcode",'
        '"Werkadres, land/regio",Verjaardag,Notities',
        "Amélie,Poulain,Café des 2 Moulins,Serveuse,amelie@moulins.example,a.p@perso.example,"
        "+33 1 42 54 90 11,+33 6 12 34 56 78,15 rue Lepic,Paris,75018,France,23-4-1974,Nain de jardin",
    ),
}


@pytest.mark.parametrize("language", sorted(LOCALISED))
def test_localised_outlook_exports(language: str) -> None:
    header, row = LOCALISED[language]
    (amelie,) = read_text(header + "\r\n" + row + "\r\n", "csv").contacts
    assert amelie.display_name == "Amélie Poulain"
    assert (amelie.organization, amelie.title) == ("Café des 2 Moulins", "Serveuse")
    assert list(amelie.emails) == [
        Email("amelie@moulins.example", "work"),
        Email("a.p@perso.example", "other"),
    ]
    assert list(amelie.phones) == [
        Phone("+33 1 42 54 90 11", "work"),
        Phone("+33 6 12 34 56 78", "mobile"),
    ]
    assert list(amelie.addresses) == [
        Address("street", ["15 rue Lepic"], "Paris", "", "75018", "France")
    ]
    assert amelie.birthday == "1974-04-23"
    assert amelie.notes == "Nain de jardin"


def test_thunderbird_csv_is_not_taken_for_ours() -> None:
    # Its 'Organization' column once made it look like our CSV.
    header = (
        "First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email,Screen Name,"
        "Work Phone,Home Phone,Fax Number,Pager Number,Mobile Number,Home Address,Home Address 2,"
        "Home City,Home State,Home ZipCode,Home Country,Work Address,Work Address 2,Work City,"
        "Work State,Work ZipCode,Work Country,Job Title,Department,Organization,Web Page 1,"
        "Web Page 2,Birth Year,Birth Month,Birth Day,Custom 1,Custom 2,Custom 3,Custom 4,Notes"
    )
    row = _row(
        header,
        **{
            "First Name": "Tūī",
            "Last Name": "Ngata",
            "Display Name": "Tūī Ngata",
            "Nickname": "Tui",
            "Primary Email": "tui@ngata.example",
            "Secondary Email": "tui@home.example",
            "Work Phone": "09 555 0101",
            "Mobile Number": "021 555 0102",
            "Fax Number": "09 555 0103",
            "Work Address": "1 Wharf Rd",
            "Work Address 2": "Unit 4",
            "Work City": "Tauranga",
            "Work ZipCode": "3110",
            "Organization": "Ngata Orchards",
            "Job Title": "Owner",
            "Web Page 1": "https://ngata.example",
            "Birth Year": "1980",
            "Birth Month": "5",
            "Birth Day": "9",
            "Custom 1": "kiwifruit",
        },
    )
    (tui,) = read_text(header + "\n" + row + "\n", "csv").contacts
    assert (tui.display_name, tui.nickname, tui.organization) == (
        "Tūī Ngata",
        "Tui",
        "Ngata Orchards",
    )
    assert list(tui.emails) == [
        Email("tui@ngata.example", "work"),
        Email("tui@home.example", "other"),
    ]
    assert [p.kind for p in tui.phones] == ["work", "fax", "mobile"]
    assert list(tui.addresses) == [
        Address("street", ["1 Wharf Rd", "Unit 4"], "Tauranga", "", "3110")
    ]
    assert tui.birthday == "1980-05-09"
    assert list(tui.urls) == [Url("https://ngata.example", "work")]
    assert list(tui.extra) == [
        {"name": "X-CSV", "params": {"COLUMN": ["Custom 1"]}, "value": "kiwifruit"}
    ]


def test_google_new_export_every_column() -> None:
    header = (
        "First Name,Middle Name,Last Name,Nickname,Birthday,Notes,Labels,E-mail 1 - Label,"
        "E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,E-mail 3 - Label,E-mail 3 - Value,"
        "Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,Address 1 - Label,"
        "Address 1 - Street,Address 1 - City,Address 1 - Postal Code,Address 1 - Country,"
        "Organization Name,Organization Title,Website 1 - Label,Website 1 - Value"
    )
    row = (
        "Ana,María,García,Anita,--03-15,Cliente,* myContacts ::: Clientes ::: * starred,* Work,"
        "ana@empresa.example,Home,ana@casa.example ::: ana2@casa.example,Other,ana@otro.example,"
        "Mobile,+34 600 123 456,Work Fax,+34 91 765 43 21,Work,Calle Mayor 1,Madrid,28013,España,"
        "Empresa SA,Directora,Profile,https://ana.example"
    )
    (ana,) = read_text(header + "\n" + row + "\n", "csv").contacts
    assert ana.display_name == "Ana María García"
    assert list(ana.emails) == [
        Email("ana@empresa.example", "work"),
        Email("ana@casa.example", "home"),
        Email("ana2@casa.example", "home"),
        Email("ana@otro.example", "other"),
    ]
    assert list(ana.phones) == [
        Phone("+34 600 123 456", "mobile"),
        Phone("+34 91 765 43 21", "fax"),
    ]
    assert list(ana.addresses) == [
        Address("street", ["Calle Mayor 1"], "Madrid", "", "28013", "España")
    ]
    assert (ana.nickname, ana.birthday, list(ana.categories)) == ("Anita", "--03-15", ["Clientes"])
    assert list(ana.urls) == [Url("https://ana.example", "other")]
    assert (ana.organization, ana.title) == ("Empresa SA", "Directora")


def test_apple_contacts_export_tab_separated_utf16(tmp_path: Path) -> None:
    text = (
        "First name\tLast name\tCompany\tEmail (work)\tEmail (home)\tPhone (mobile)\t"
        "Phone (work)\tAddress (home) street\tAddress (home) city\tAddress (home) ZIP\tBirthday\tNote\r\n"
        "Hēmi\tPōmare\tKiwi Café\themi@cafe.example\themi@home.example\t021 555\t09 555\t"
        "2 Beach Rd\tNelson\t7010\t1975-11-30\tFlat white\r\n"
    )
    path = tmp_path / "contacts.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    (hemi,) = read_file(path).contacts
    assert hemi.display_name == "Hēmi Pōmare" and hemi.organization == "Kiwi Café"
    assert list(hemi.emails) == [
        Email("hemi@cafe.example", "work"),
        Email("hemi@home.example", "home"),
    ]
    assert list(hemi.phones) == [Phone("021 555", "mobile"), Phone("09 555", "work")]
    assert list(hemi.addresses) == [Address("street", ["2 Beach Rd"], "Nelson", "", "7010")]
    assert (hemi.birthday, hemi.notes) == ("1975-11-30", "Flat white")


def test_english_outlook_every_email_phone_and_address_column() -> None:
    header = (
        "First Name,Last Name,E-mail Address,E-mail 2 Address,E-mail 3 Address,Primary Phone,"
        "Home Phone,Home Phone 2,Business Phone,Business Phone 2,Mobile Phone,Car Phone,Other Phone,"
        "Pager,Business Fax,Home Fax,Other Fax,Company Main Phone,Callback,Radio Phone,Telex,"
        "TTY/TDD Phone,ISDN,Assistant's Phone,Business Street,Business City,Home Street,Home City,"
        "Other Street,Other City,Birthday"
    )
    values = ["Max", "Power", "a@x.example", "b@x.example", "c@x.example"]
    values += [f"0{n}" for n in range(19)]
    values += [
        "1 Work St",
        "Auckland",
        "2 Home St",
        "Hamilton",
        "3 Other St",
        "Napier",
        "5/21/1980",
    ]
    (max_,) = read_text(header + "\n" + ",".join(values) + "\n", "csv").contacts
    assert [e.address for e in max_.emails] == ["a@x.example", "b@x.example", "c@x.example"]
    assert [p.number for p in max_.phones] == [f"0{n}" for n in range(19)]
    assert [a.city for a in max_.addresses] == ["Auckland", "Hamilton", "Napier"]
    assert max_.birthday == "1980-05-21"


def test_columns_outlook_fills_by_itself_are_kept_when_the_user_changed_them() -> None:
    # Outlook fills Initials, the e-mail's display name, Gender, Priority, Sensitivity,
    # Private and an empty Anniversary by itself: those are not kept. What differs from
    # what it fills in was typed by someone, and is kept (as the real export of
    # corpus/tine20/importtest_outlook2013.csv shows: a display name with another address).
    text = _row(
        GERMAN_HEADER,
        Vorname="Jörg",
        Nachname="Weiß",
        **{
            "E-Mail-Adresse": "joerg@example.de",
            "E-Mail-Typ": "SMTP",
            "E-Mail: Angezeigter Name": "Jörg Weiß (joerg@example.de)",
            "E-Mail 2: Adresse": "jw@example.com",
            "E-Mail 2: Angezeigter Name": "Bäckerei (info@example.com)",
            "Initialen": "J.W.",
            "Geschlecht": "Männlich",
            "Jahrestag": "12.6.2001",
            "Priorität": "Normal",
            "Privat": "Aus",
            "Vertraulichkeit": "Normal",
            "Geburtstag": "0.0.00",
        },
    )
    (contact,) = read_text(GERMAN_HEADER + "\n" + text + "\n").contacts
    assert contact.birthday == ""
    assert [(e["params"]["COLUMN"][0], e["value"]) for e in contact.extra] == [
        ("E-Mail 2: Angezeigter Name", "Bäckerei (info@example.com)"),
        ("Geschlecht", "Männlich"),
        ("Jahrestag", "12.6.2001"),
    ]
    other = read_text(GERMAN_HEADER + "\n" + text.replace("J.W.", "J.R.W.") + "\n").contacts
    assert ("Initialen", "J.R.W.") in [
        (e["params"]["COLUMN"][0], e["value"]) for e in other[0].extra
    ]
