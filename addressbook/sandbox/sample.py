"""Deterministic sample people and companies in many scripts, for the sandbox services.

    from addressbook.sandbox import sample
    firms = sample.companies(sample.company_count(200), seed=1)
    folk = sample.people(200, seed=1)  # Person.company indexes `firms`

The same (n, seed) always gives the same data, on every machine. Person i depends only
on the seed, i and the people before it, so `people(5)` is a prefix of `people(10)` when
both use the same `companies=` count. Within one call, display names and e-mail
addresses are unique (Xero wants unique names); company names are unique too.

Texts are NFC and trimmed, the way `addressbook.model` normalises them, so a round trip
through a service compares equal. Services turn these into their own records and fill
in their own extra fields.

Shapes a service may need to take care of: postcodes are realistic, so some are not
digits (UK, Canada) and some are above 65535 (Germany); phone numbers keep their
punctuation ("+64 21 123 4567", "(04) 123-4567", "555.555.5555").

This module imports nothing of ours.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

__all__ = ["Company", "Person", "book", "companies", "company_count", "people"]


@dataclass
class Person:
    """One sample person: names, contact details, job and an address."""

    given: str
    family: str
    email: str
    phones: dict[str, str]  # kind ('work', 'mobile', 'fax', 'ddi') -> number as typed
    title: str
    company: int  # index into the companies list of the same book
    address_lines: list[str]
    city: str
    region: str
    postcode: str
    country: str
    notes: str = ""
    family_first: bool = False  # Chinese, Japanese, Vietnamese order: family name first
    locale: str = "en"

    @property
    def display_name(self) -> str:
        """The name as its owner writes it (family first where that is the custom)."""
        if self.family_first:
            joiner = "" if self.locale in ("zh", "ja") else " "
            return f"{self.family}{joiner}{self.given}"
        return f"{self.given} {self.family}"


@dataclass
class Company:
    """One sample organisation (a Harvest/AcuInvoice client, a Xero organisation contact)."""

    name: str
    email: str
    phone: str
    address_lines: list[str]
    city: str
    region: str
    postcode: str
    country: str
    website: str = ""
    locale: str = "en"
    fax: str = ""
    tax_number: str = field(default="")


@dataclass(frozen=True)
class _Place:
    city: str
    region: str
    postcode: str
    country: str
    phone: str  # a key of _PHONES


@dataclass(frozen=True)
class _Locale:
    key: str
    given: tuple[tuple[str, str], ...]  # (as written, ASCII for the e-mail local part)
    family: tuple[tuple[str, str], ...]
    streets: tuple[str, ...]  # '{n}' is the house number
    places: tuple[_Place, ...]
    firms: tuple[str, ...]  # '{w}' is a word from `words`
    words: tuple[str, ...]
    titles: tuple[str, ...]
    domains: tuple[str, ...]
    family_first: bool = False
    weight: int = 1


# fmt: off
# '#' becomes a random digit. First entry: landline style; second: mobile style.
_PHONES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "nz": (
        ("(04) ###-####", "+64 9 ### ####", "(07) ### ####"), ("+64 21 ### ####", "027 ### ####"),
    ),
    "us": (
        ("555.555.####", "(###) 555-####", "+1 212 555 ####"),
        ("555.555.####", "+1 (415) 555-####"),
    ),
    "uk": (("+44 20 7946 ####", "0161 496 ####"), ("+44 7700 900###", "07700 900###")),
    "au": (("+61 2 9### ####", "(03) 9### ####"), ("+61 4## ### ###", "04## ### ###")),
    "de": (
        ("+49 30 #######", "030 ########", "089 / ### ## ##"), ("+49 151 ########", "0170 #######"),
    ),
    "at": (("+43 1 ### ## ##",), ("+43 664 #######",)),
    "vn": (("+84 24 3### ####", "(028) 3### ####"), ("+84 9## ### ###", "09## ### ###")),
    "ae": (("+971 4 ### ####",), ("+971 50 ### ####",)),
    "eg": (("+20 2 #### ####",), ("+20 10 #### ####",)),
    "cn": (("+86 10 #### ####", "021-########"), ("+86 138 #### ####", "139########")),
    "tw": (("+886 2 #### ####",), ("+886 9## ### ###",)),
    "jp": (("03-####-####", "+81 6-####-####"), ("090-####-####", "+81 80-####-####")),
    "gr": (("+30 21# ### ####", "210 #######"), ("+30 69# ### ####",)),
    "ru": (("+7 (495) ###-##-##", "8 (812) ###-##-##"), ("+7 9## ###-##-##",)),
    "ua": (("+380 44 ### ## ##",), ("+380 67 ### ## ##",)),
    "ca": (("+1 (416) 555-####", "604-555-####"), ("+1 647 555 ####",)),
}

_EN_PLACES = (
    _Place("Wellington", "Wellington", "6011", "New Zealand", "nz"),
    _Place("Auckland", "Auckland", "1010", "New Zealand", "nz"),
    _Place("Christchurch", "Canterbury", "8011", "New Zealand", "nz"),
    _Place("Springfield", "IL", "62701", "United States", "us"),
    _Place("Portland", "OR", "97205", "United States", "us"),
    _Place("London", "", "SW1A 1AA", "United Kingdom", "uk"),
    _Place("Manchester", "Greater Manchester", "M1 1AE", "United Kingdom", "uk"),
    _Place("Sydney", "NSW", "2000", "Australia", "au"),
    _Place("Melbourne", "VIC", "3000", "Australia", "au"),
    _Place("Toronto", "ON", "M5H 2N2", "Canada", "ca"),
)

_LOCALES: tuple[_Locale, ...] = (
    _Locale(
        key="en",
        weight=4,
        given=(
            ("Jane", "jane"), ("John", "john"), ("Olivia", "olivia"), ("Liam", "liam"),
            ("Charlotte", "charlotte"), ("Jack", "jack"), ("Amelia", "amelia"),
            ("Oliver", "oliver"), ("Isla", "isla"), ("Noah", "noah"), ("Sophie", "sophie"),
            ("William", "william"), ("Grace", "grace"), ("James", "james"), ("Ruby", "ruby"),
            ("Thomas", "thomas"), ("Emily", "emily"), ("George", "george"), ("Chloé", "chloe"),
            ("Seán", "sean"), ("Zoë", "zoe"), ("Siobhán", "siobhan"), ("D'Arcy", "darcy"),
        ),
        family=(
            ("Doe", "doe"), ("Smith", "smith"), ("Williams", "williams"), ("Brown", "brown"),
            ("Wilson", "wilson"), ("Taylor", "taylor"), ("Anderson", "anderson"),
            ("Thompson", "thompson"), ("Walker", "walker"), ("O'Brien", "obrien"),
            ("McDonald", "mcdonald"), ("Clarke", "clarke"), ("Robinson", "robinson"),
            ("Harris", "harris"), ("Young", "young"), ("King", "king"), ("Wright", "wright"),
            ("Green", "green"), ("Hall", "hall"), ("Baker", "baker"),
            ("Ó Súilleabháin", "osullivan"), ("Smith-Jones", "smithjones"),
        ),
        streets=(
            "{n} Lambton Quay", "{n} Queen Street", "{n} Main Street", "{n} High Street",
            "{n} Elm Avenue", "Level {n}, 12 Willis Street", "Unit {n}, 40 Station Road",
            "PO Box {n}", "{n} Oak Lane", "{n} Victoria Road",
        ),
        places=_EN_PLACES,
        firms=("{w} Ltd", "{w} Limited", "{w} & Co", "{w} Inc.", "{w} Partners", "{w} Pty Ltd"),
        words=(
            "Acme Widgets", "Northwind Traders", "Blue Harbour", "Kea Software", "Fern & Fig",
            "Silver Birch Consulting", "Southern Cross Freight", "Harbourside Design",
            "Summit Accounting", "Pacific Pixel", "Red Kite Media", "Tussock Ventures",
        ),
        titles=(
            "President", "Director", "Accounts Payable", "Office Manager", "Chief Executive",
            "Sales Manager", "Software Engineer", "Bookkeeper", "Project Manager",
            "Head of Operations", "Receptionist", "Chief Financial Officer", "",
        ),
        domains=("example.com", "example.co.nz", "example.org", "example.net"),
    ),
    _Locale(
        key="mi",
        weight=2,
        given=(
            ("Āperahama", "aperahama"), ("Mere", "mere"), ("Hēmi", "hemi"), ("Wiremu", "wiremu"),
            ("Aroha", "aroha"), ("Tāne", "tane"), ("Hinewai", "hinewai"), ("Rāwiri", "rawiri"),
            ("Ngaio", "ngaio"), ("Mānaia", "manaia"), ("Kōwhai", "kowhai"), ("Tamati", "tamati"),
            ("Moana", "moana"), ("Rēhua", "rehua"), ("Te Aomārama", "teaomarama"),
        ),
        family=(
            ("Tūhoe", "tuhoe"), ("Ngata", "ngata"), ("Te Whiti", "tewhiti"), ("Pōmare", "pomare"),
            ("Parata", "parata"), ("Tāwhiao", "tawhiao"), ("Heke", "heke"),
            ("Rangihīroa", "rangihiroa"), ("Walker", "walker"), ("Kīngi", "kingi"),
            ("Māhutonga", "mahutonga"), ("Te Rangi", "terangi"),
        ),
        streets=(
            "{n} Te Ara o Tūhoe", "{n} Tītahi Bay Road", "{n} Rātā Street", "{n} Pōhutukawa Drive",
            "{n} Te Rapa Road", "{n} Kōwhai Grove", "{n} Māui Street",
        ),
        places=(
            _Place("Rotorua", "Bay of Plenty", "3010", "New Zealand", "nz"),
            _Place("Taupō", "Waikato", "3330", "New Zealand", "nz"),
            _Place("Whanganui", "Manawatū-Whanganui", "4500", "New Zealand", "nz"),
            _Place("Ōtaki", "Wellington", "5512", "New Zealand", "nz"),
            _Place("Whakatāne", "Bay of Plenty", "3120", "New Zealand", "nz"),
            _Place("Kirikiriroa Hamilton", "Waikato", "3204", "Aotearoa New Zealand", "nz"),
        ),
        firms=("{w} Ltd", "Te Rōpū {w}", "{w} Trust", "{w} Limited"),
        words=(
            "Whānau Ora", "Kōrero Media", "Aroha Café", "Te Whare Pukapuka", "Mātauranga",
            "Pūtea Accounting", "Tūranga Freight", "Kaitiaki Consulting", "Waka Ama",
        ),
        titles=(
            "Kaiwhakahaere", "Director", "Pou Ārahi", "Kaiāwhina", "Accounts Manager", "Manager",
            "Kaitohutohu", "Chair",
        ),
        domains=("example.co.nz", "example.maori.nz", "example.iwi.nz"),
    ),
    _Locale(
        key="de",
        weight=2,
        given=(
            ("Jürgen", "juergen"), ("Günther", "guenther"), ("Käthe", "kaethe"),
            ("Björn", "bjoern"), ("Müşerref", "muserref"), ("Anja", "anja"), ("Lukas", "lukas"),
            ("Sören", "soeren"), ("Jörg", "joerg"), ("Lena", "lena"), ("Maximilian", "maximilian"),
            ("Hannah", "hannah"), ("Uwe", "uwe"), ("Ursula", "ursula"), ("Dörte", "doerte"),
        ),
        family=(
            ("Müller", "mueller"), ("Schröder", "schroeder"), ("Weiß", "weiss"), ("Groß", "gross"),
            ("Schäfer", "schaefer"), ("Köhler", "koehler"), ("Fischer", "fischer"),
            ("Meyer", "meyer"), ("Bäcker", "baecker"), ("Hoffmann", "hoffmann"),
            ("von Weizsäcker", "vonweizsaecker"), ("Krüger", "krueger"), ("Öztürk", "oeztuerk"),
            ("Straßburger", "strassburger"),
        ),
        streets=(
            "Hauptstraße {n}", "Königsallee {n}", "Schloßstraße {n}", "Müllerstraße {n}",
            "Am Stadtgraben {n}", "Friedrichstraße {n}", "Große Bleichen {n}",
            "Kärntner Straße {n}",
        ),
        places=(
            _Place("Berlin", "Berlin", "10115", "Deutschland", "de"),
            _Place("München", "Bayern", "80331", "Deutschland", "de"),
            _Place("Köln", "Nordrhein-Westfalen", "50667", "Deutschland", "de"),
            _Place("Düsseldorf", "Nordrhein-Westfalen", "40213", "Germany", "de"),
            _Place("Lübeck", "Schleswig-Holstein", "23552", "Deutschland", "de"),
            _Place("Wien", "Wien", "1010", "Österreich", "at"),
        ),
        firms=("{w} GmbH", "{w} AG", "{w} & Söhne", "{w} GmbH & Co. KG", "{w} e.K."),
        words=(
            "Müller", "Bäckerei Schäfer", "Straßenbau Köhler", "Grün & Weiß", "Lübecker Marzipan",
            "Fischer Maschinenbau", "Sägewerk Groß", "Brücken Ingenieure",
        ),
        titles=(
            "Geschäftsführerin", "Geschäftsführer", "Buchhalter", "Prokuristin", "Leiter Einkauf",
            "Sachbearbeiterin", "Vertriebsleiter",
        ),
        domains=("example.de", "example.at", "bäckerei-müller.example"),
    ),
    _Locale(
        key="vi",
        weight=1,
        family_first=True,
        given=(
            ("Thị Minh Khai", "minhkhai"), ("Văn An", "vanan"), ("Thị Hương", "huong"),
            ("Đức Thắng", "ducthang"), ("Ngọc Ánh", "ngocanh"), ("Quốc Bảo", "quocbao"),
            ("Thu Hà", "thuha"), ("Hữu Phước", "huuphuoc"), ("Thị Lụa", "lua"),
        ),
        family=(
            ("Nguyễn", "nguyen"), ("Trần", "tran"), ("Lê", "le"), ("Phạm", "pham"),
            ("Hoàng", "hoang"), ("Võ", "vo"), ("Đặng", "dang"), ("Bùi", "bui"), ("Đỗ", "do"),
        ),
        streets=(
            "{n} Đường Nguyễn Thị Minh Khai", "{n} Phố Hàng Bạc", "{n} Đường Lê Lợi",
            "{n} Đường Điện Biên Phủ", "Số {n} Ngõ Huế",
        ),
        places=(
            _Place("Hà Nội", "Hà Nội", "100000", "Việt Nam", "vn"),
            _Place("Thành phố Hồ Chí Minh", "Hồ Chí Minh", "700000", "Việt Nam", "vn"),
            _Place("Đà Nẵng", "Đà Nẵng", "550000", "Vietnam", "vn"),
            _Place("Huế", "Thừa Thiên Huế", "530000", "Việt Nam", "vn"),
        ),
        firms=("Công ty TNHH {w}", "Công ty Cổ phần {w}", "{w} JSC"),
        words=("Minh Khai", "Sông Hồng", "Phương Đông", "Hòa Bình", "Ánh Dương", "Đại Việt"),
        titles=("Giám đốc", "Kế toán trưởng", "Trưởng phòng kinh doanh", "Director", "Nhân viên"),
        domains=("example.vn", "example.com.vn"),
    ),
    _Locale(
        key="ar",
        weight=1,
        given=(
            ("محمد", "mohammed"), ("فاطمة", "fatima"), ("أحمد", "ahmed"), ("ليلى", "layla"),
            ("يوسف", "yousef"), ("مريم", "maryam"), ("عمر", "omar"), ("نور", "nour"),
            ("خالد", "khaled"), ("سارة", "sara"),
        ),
        family=(
            ("العلي", "alali"), ("حداد", "haddad"), ("الخطيب", "alkhatib"), ("منصور", "mansour"),
            ("الحسيني", "alhusseini"), ("عبد الله", "abdullah"), ("الشامي", "alshami"),
            ("النجار", "alnajjar"),
        ),
        streets=(
            "{n} شارع الملك فيصل", "{n} شارع التحرير", "شارع الشيخ زايد، مبنى {n}",
            "{n} Sheikh Zayed Road",
        ),
        places=(
            _Place("دبي", "دبي", "00000", "الإمارات العربية المتحدة", "ae"),
            _Place("Dubai", "Dubai", "", "United Arab Emirates", "ae"),
            _Place("القاهرة", "القاهرة", "11511", "مصر", "eg"),
            _Place("الإسكندرية", "الإسكندرية", "21500", "Egypt", "eg"),
        ),
        firms=("شركة {w}", "مؤسسة {w}", "{w} LLC"),
        words=("النور للتجارة", "الأمل", "الخليج للاستشارات", "دار الكتب", "الواحة"),
        titles=("مدير عام", "محاسب", "مديرة المبيعات", "Finance Manager", "مهندس"),
        domains=("example.ae", "example.com.eg", "مثال.example"),
    ),
    _Locale(
        key="zh",
        weight=1,
        family_first=True,
        given=(
            ("秀英", "xiuying"), ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"),
            ("静", "jing"), ("强", "qiang"), ("磊", "lei"), ("志明", "zhiming"), ("美玲", "meiling"),
        ),
        family=(
            ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
            ("黄", "huang"), ("赵", "zhao"), ("周", "zhou"), ("吴", "wu"),
        ),
        streets=("长安街{n}号", "南京东路{n}号", "中山路{n}号", "人民大道{n}号", "信義路五段{n}號"),
        places=(
            _Place("北京", "北京市", "100000", "中国", "cn"),
            _Place("上海", "上海市", "200000", "中国", "cn"),
            _Place("广州", "广东省", "510000", "China", "cn"),
            _Place("臺北", "臺北市", "110", "臺灣", "tw"),
        ),
        firms=("{w}有限公司", "{w}贸易有限公司", "{w}股份有限公司"),
        words=("长城", "华夏", "东方明珠", "金龙", "天和", "新世纪"),
        titles=("总经理", "财务经理", "销售代表", "会计", "Director"),
        domains=("example.cn", "example.com.cn", "example.tw"),
    ),
    _Locale(
        key="ja",
        weight=1,
        family_first=True,
        given=(
            ("花子", "hanako"), ("太郎", "taro"), ("陽菜", "hina"), ("翔", "sho"), ("さくら", "sakura"),
            ("健一", "kenichi"), ("由美", "yumi"), ("大輔", "daisuke"), ("あかり", "akari"),
        ),
        family=(
            ("山田", "yamada"), ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"),
            ("田中", "tanaka"), ("渡辺", "watanabe"), ("伊藤", "ito"), ("中村", "nakamura"),
        ),
        streets=(
            "千代田区丸の内{n}-1-1", "中央区銀座{n}丁目", "北区梅田{n}-2-3", "渋谷区神南{n}-4",
        ),
        places=(
            _Place("東京都", "東京", "100-0005", "日本", "jp"),
            _Place("大阪市", "大阪府", "530-0001", "日本", "jp"),
            _Place("Kyoto", "Kyoto", "600-8216", "Japan", "jp"),
        ),
        firms=("株式会社{w}", "{w}株式会社", "合同会社{w}"),
        words=("山田製作所", "さくら商事", "富士テック", "青空デザイン", "日の出物流"),
        titles=("代表取締役", "部長", "経理担当", "営業課長", "エンジニア"),
        domains=("example.jp", "example.co.jp"),
    ),
    _Locale(
        key="el",
        weight=1,
        given=(
            ("Γιώργος", "giorgos"), ("Μαρία", "maria"), ("Δημήτρης", "dimitris"),
            ("Ελένη", "eleni"), ("Νίκος", "nikos"), ("Αικατερίνη", "aikaterini"),
            ("Κώστας", "kostas"), ("Σοφία", "sofia"),
        ),
        family=(
            ("Παπαδόπουλος", "papadopoulos"), ("Οικονόμου", "oikonomou"), ("Γεωργίου", "georgiou"),
            ("Νικολάου", "nikolaou"), ("Καραγιάννη", "karagianni"), ("Βασιλείου", "vasileiou"),
        ),
        streets=("Οδός Ερμού {n}", "Λεωφόρος Συγγρού {n}", "Τσιμισκή {n}", "Πανεπιστημίου {n}"),
        places=(
            _Place("Αθήνα", "Αττική", "105 63", "Ελλάδα", "gr"),
            _Place("Θεσσαλονίκη", "Κεντρική Μακεδονία", "546 23", "Ελλάδα", "gr"),
            _Place("Πάτρα", "Δυτική Ελλάδα", "262 21", "Greece", "gr"),
        ),
        firms=("{w} Α.Ε.", "Αφοί {w} Ο.Ε.", "{w} Ε.Π.Ε."),
        words=("Παπαδόπουλοι", "Ολυμπία", "Αιγαίο Ναυτιλιακή", "Ερμής Logistics", "Ακρόπολις"),
        titles=("Διευθύνων Σύμβουλος", "Λογίστρια", "Υπεύθυνος Πωλήσεων", "Manager"),
        domains=("example.gr", "example.com.gr"),
    ),
    _Locale(
        key="ru",
        weight=1,
        given=(
            ("Алексей", "aleksey"), ("Наталья", "natalya"), ("Дмитрий", "dmitry"),
            ("Ольга", "olga"), ("Сергей", "sergey"), ("Татьяна", "tatyana"), ("Юлия", "yulia"),
            ("Фёдор", "fyodor"), ("Оксана", "oksana"), ("Богдан", "bohdan"),
        ),
        family=(
            ("Иванов", "ivanov"), ("Смирнова", "smirnova"), ("Кузнецов", "kuznetsov"),
            ("Попова", "popova"), ("Соколов", "sokolov"), ("Шевченко", "shevchenko"),
            ("Ковальчук", "kovalchuk"), ("Воробьёва", "vorobyova"),
        ),
        streets=(
            "ул. Тверская, д. {n}", "Невский проспект, {n}", "ул. Ленина, {n}, кв. 12",
            "вул. Хрещатик, {n}",
        ),
        places=(
            _Place("Москва", "Москва", "125009", "Россия", "ru"),
            _Place("Санкт-Петербург", "Санкт-Петербург", "191186", "Россия", "ru"),
            _Place("Київ", "Київ", "01001", "Україна", "ua"),
        ),
        firms=("ООО «{w}»", "АО «{w}»", "ТОВ «{w}»"),
        words=("Берёзка", "Волга", "Северное сияние", "Сибирь Логистик", "Днiпро"),
        titles=("Генеральный директор", "Бухгалтер", "Менеджер по продажам", "Інженер"),
        domains=("example.ru", "example.com.ua", "пример.example"),
    ),
)

# fmt: on

_LOCALE_CHOICES: tuple[_Locale, ...] = tuple(loc for loc in _LOCALES for _ in range(loc.weight))

_EMOJI = ("🌿", "☕", "🚀", "🌊", "🎉", "🥝", "📦", "✨")

_NOTES = (
    "",
    "",
    "",
    "Prefers e-mail.",
    "Met at the trade fair.\nFollow up in March.",
    "Invoices go to accounts, not to this person.",
    "Kia ora — speaks te reo Māori.",
    "Ruft lieber vormittags an.",
    "Birthday: 3 May. Likes ☕.",
    "VIP 🌟 client since 2015.",
    "Line one\nLine two\n\nLine four after a blank line.",
    "Uses the side entrance; the code is on the invoice.",
    "日本語で連絡してください。",
    "Call via the main switchboard & ask for “accounts”.",
    "<b>Not HTML</b> — keep the angle brackets & ampersands.",
)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _digits(rng: random.Random, pattern: str) -> str:
    return "".join(str(rng.randrange(10)) if ch == "#" else ch for ch in pattern)


def _phone(rng: random.Random, style: str, mobile: bool) -> str:
    return _digits(rng, rng.choice(_PHONES[style][1 if mobile else 0]))


def _street(rng: random.Random, locale: _Locale) -> list[str]:
    lines = [_nfc(rng.choice(locale.streets).format(n=rng.randint(1, 480)))]
    if rng.random() < 0.15:
        lines.insert(0, rng.choice(("c/o Accounts", "Suite 5", "Building B", "2nd floor")))
    return lines


def company_count(n_people: int) -> int:
    """How many companies a book of `n_people` people has (about one per five people)."""
    return max(1, (n_people + 4) // 5)


class _Unique:
    """Hands out unique names: `name`, else `name` + the first free suffix."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self._next: dict[str, int] = {}

    def __contains__(self, name: str) -> bool:
        return name.casefold() in self.seen

    def take(self, name: str, suffix: str = "{name} {k}", extra: tuple[str, ...] = ()) -> str:
        candidate = name
        for more in extra:
            if candidate not in self:
                break
            candidate = f"{name}{more}"
        key = name.casefold()
        k = self._next.get(key, 2)
        while candidate in self:  # counting on from the last suffix keeps this linear
            candidate = suffix.format(name=name, k=k)
            k += 1
        self._next[key] = k
        self.seen.add(candidate.casefold())
        return candidate


def companies(n: int, seed: int = 1) -> list[Company]:
    """`n` deterministic companies with unique names."""
    names = _Unique()
    return [_company(i, seed, names) for i in range(n)]


def _company(i: int, seed: int, names: _Unique) -> Company:
    rng = random.Random(f"company:{seed}:{i}")
    locale = rng.choice(_LOCALE_CHOICES)
    place = rng.choice(locale.places)
    name = _nfc(rng.choice(locale.firms).format(w=rng.choice(locale.words)))
    if rng.random() < 0.05:
        name = f"{name} {rng.choice(_EMOJI)}"
    name = names.take(name, "{name} {k}", (f" ({place.city})", f" {place.city} Branch"))
    slug = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:20] or "firm"
    domain = rng.choice(locale.domains)
    return Company(
        name=name,
        email=f"accounts{i}@{slug}.{domain}",
        phone=_phone(rng, place.phone, mobile=False),
        fax=_phone(rng, place.phone, mobile=False) if rng.random() < 0.3 else "",
        address_lines=_street(rng, locale),
        city=place.city,
        region=place.region,
        postcode=place.postcode,
        country=place.country,
        website=f"https://www.{slug}.{domain}" if rng.random() < 0.7 else "",
        locale=locale.key,
        tax_number=_digits(rng, "###-###-###") if rng.random() < 0.5 else "",
    )


def people(n: int, seed: int = 1, companies: int | None = None) -> list[Person]:
    """`n` deterministic people with unique display names and e-mail addresses.

    `companies` is how many companies their `company` index ranges over
    (default `company_count(n)`).
    """
    n_companies = company_count(n) if companies is None else max(1, companies)
    names, emails = _Unique(), _Unique()
    return [_person(i, seed, n_companies, names, emails) for i in range(n)]


def _display(given: str, family: str, locale: _Locale) -> str:
    if not locale.family_first:
        return f"{given} {family}"
    return f"{family}{'' if locale.key in ('zh', 'ja') else ' '}{given}"


def _person(i: int, seed: int, n_companies: int, names: _Unique, emails: _Unique) -> Person:
    rng = random.Random(f"person:{seed}:{i}")
    locale = rng.choice(_LOCALE_CHOICES)
    for _attempt in range(6):
        given, given_ascii = rng.choice(locale.given)
        family, family_ascii = rng.choice(locale.family)
        if rng.random() < 0.04:
            given = f"{given} {rng.choice(_EMOJI)}"
        if _display(given, family, locale) not in names:
            break
    # After six collisions, a number after the family name keeps the name unique.
    display = names.take(_display(given, family, locale))
    suffix = display.removeprefix(_display(given, family, locale))
    if locale.family_first:
        given += suffix
    else:
        family += suffix
    place = rng.choice(locale.places)
    local = rng.choice(
        (f"{given_ascii}.{family_ascii}", f"{given_ascii[0]}{family_ascii}", given_ascii)
        + (f"{family_ascii}.{given_ascii}",)
    )
    domain = rng.choice(locale.domains)
    email = emails.take(f"{local}@{domain}", f"{local}{{k}}@{domain}")
    return Person(
        given=_nfc(given),
        family=_nfc(family),
        email=email,
        phones=_phones(rng, place.phone),
        title=_nfc(rng.choice(locale.titles)),
        company=rng.randrange(n_companies),
        address_lines=_street(rng, locale),
        city=place.city,
        region=place.region,
        postcode=place.postcode,
        country=place.country,
        notes=rng.choice(_NOTES).strip(),
        family_first=locale.family_first,
        locale=locale.key,
    )


def _phones(rng: random.Random, style: str) -> dict[str, str]:
    phones: dict[str, str] = {}
    if rng.random() < 0.85:
        phones["work"] = _phone(rng, style, mobile=False)
    if rng.random() < 0.7:
        phones["mobile"] = _phone(rng, style, mobile=True)
    if rng.random() < 0.2:
        phones["fax"] = _phone(rng, style, mobile=False)
    if rng.random() < 0.05:
        phones["ddi"] = _phone(rng, style, mobile=False)
    return phones


def book(n: int, seed: int = 1) -> tuple[list[Company], list[Person]]:
    """A consistent set: `company_count(n)` companies and `n` people working at them."""
    count = company_count(n)
    return companies(count, seed), people(n, seed, companies=count)
