"""Invented first-grade applications, as the portal sends them (FormData, contract 1.0.0).

Everything here is invented: people, documents, SNILS (with valid check numbers), houses.
A generator is deterministic: the same seed and the same filing moments give the same
messages, byte for byte. Besides valid applications it produces what a real campaign start
brings: the same child filed again under another order number (sometimes written with Е
for Ё, in other case or with a stray space), and messages the system must refuse (a SNILS
with a wrong check number, no consent to personal data processing).
"""

from __future__ import annotations

import calendar
import random
import uuid
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

from lxml import etree

from domain.enrollment.age import assess_age
from domain.enrollment.duplicates import ChildIdentity
from domain.enrollment.territory import is_resident
from domain.people.snils import generate_snils, snils_check_number
from gateways.epgu.first_grade.v1_0_0.reader import NAMESPACE
from tsos.contingent import PupilRecord
from tsos.demo.campaign import OUTSIDE_STREETS, REGION_OKTMO, DemoSchool

MSK = timezone(timedelta(hours=3))
SERVICE_CODE = "600426"
SERVICE_NAME = "Запись в 1 класс"
_NS = f"{{{NAMESPACE}}}"

# --- names ------------------------------------------------------------------------------

# Surnames in the masculine form; the feminine one is derived (Фёдоров → Фёдорова).
SURNAMES = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов",
    "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Дмитриев", "Королёв", "Гусев", "Киселёв",
    "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов",
    "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов",
    "Беляев", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов", "Марков", "Миронов",
    "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов", "Гаврилов", "Тихонов",
    "Пономарёв", "Журавлёв", "Аксёнов", "Ерёмин", "Чернышёв", "Грачёв", "Муравьёв",
    "Селезнёв", "Нефёдов", "Карасёв", "Вишневский", "Покровский", "Полянский",
    "Шевченко", "Коваленко", "Бондаренко", "Ткачук", "Кравчук", "Мельничук",
)
BOYS = ("Александр", "Максим", "Артём", "Михаил", "Иван", "Дмитрий", "Матвей", "Кирилл",
        "Тимофей", "Лев", "Марк", "Фёдор", "Егор", "Никита", "Семён", "Пётр", "Андрей",
        "Илья", "Роман", "Глеб", "Даниил", "Степан", "Ярослав", "Савелий", "Мирон")
GIRLS = ("Анна", "Мария", "София", "Алиса", "Ева", "Виктория", "Полина", "Варвара",
         "Алёна", "Дарья", "Ксения", "Василиса", "Вероника", "Милана", "Таисия", "Арина",
         "Есения", "Злата", "Софья", "Мирослава", "Фёкла", "Аглая", "Ульяна", "Елизавета")
MOTHERS = ("Анна", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Екатерина", "Юлия",
           "Светлана", "Марина", "Алёна", "Ксения", "Дарья", "Виктория", "Людмила")
# (father's name, son's patronymic, daughter's patronymic)
FATHERS = (
    ("Александр", "Александрович", "Александровна"),
    ("Алексей", "Алексеевич", "Алексеевна"),
    ("Андрей", "Андреевич", "Андреевна"),
    ("Артём", "Артёмович", "Артёмовна"),
    ("Дмитрий", "Дмитриевич", "Дмитриевна"),
    ("Евгений", "Евгеньевич", "Евгеньевна"),
    ("Иван", "Иванович", "Ивановна"),
    ("Игорь", "Игоревич", "Игоревна"),
    ("Константин", "Константинович", "Константиновна"),
    ("Максим", "Максимович", "Максимовна"),
    ("Михаил", "Михайлович", "Михайловна"),
    ("Николай", "Николаевич", "Николаевна"),
    ("Олег", "Олегович", "Олеговна"),
    ("Павел", "Павлович", "Павловна"),
    ("Роман", "Романович", "Романовна"),
    ("Сергей", "Сергеевич", "Сергеевна"),
    ("Владимир", "Владимирович", "Владимировна"),
    ("Виктор", "Викторович", "Викторовна"),
    ("Юрий", "Юрьевич", "Юрьевна"),
    ("Фёдор", "Фёдорович", "Фёдоровна"),
    ("Семён", "Семёнович", "Семёновна"),
    ("Пётр", "Петрович", "Петровна"),
    ("Илья", "Ильич", "Ильинична"),
    ("Денис", "Денисович", "Денисовна"),
    ("Антон", "Антонович", "Антоновна"),
)

FOREIGN_SURNAMES = ("Каримов", "Рахимов", "Юсупов", "Турсунов", "Хасанов", "Исмоилов",
                    "Абдуллаев", "Умаров", "Саидов", "Назаров")
FOREIGN_BOYS = ("Тимур", "Алишер", "Рустам", "Азиз", "Сардор", "Бехруз", "Жасур", "Шахзод")
FOREIGN_GIRLS = ("Мадина", "Сабина", "Зарина", "Малика", "Севара", "Дилноза", "Камила",
                 "Нилуфар")
FOREIGN_MOTHERS = ("Дилноза", "Гульнора", "Нодира", "Феруза", "Шахноза", "Мохира")
FOREIGN_FATHERS = (
    ("Алишер", "Алишерович", "Алишеровна"),
    ("Рустам", "Рустамович", "Рустамовна"),
    ("Бахтиёр", "Бахтиёрович", "Бахтиёровна"),
    ("Шухрат", "Шухратович", "Шухратовна"),
    ("Фаррух", "Фаррухович", "Фарруховна"),
    ("Улугбек", "Улугбекович", "Улугбековна"),
)
FOREIGN_CITIES = ("Ташкента", "Самарканда", "Бухары", "Андижана")

DISTRICTS = (("Гагаринский", "Гагаринского"), ("Ленинский", "Ленинского"),
             ("Нахимовский", "Нахимовского"), ("Балаклавский", "Балаклавского"))

RIGHT_BASES = {
    "ex-svo-fallen": ("extraordinary", "Ребёнок военнослужащего, погибшего при выполнении "
                      "задач в ходе специальной военной операции",
                      "Справка военного комиссариата", "Военный комиссариат г. Севастополя"),
    "ex-prosecutor": ("extraordinary", "Ребёнок прокурорского работника",
                      "Справка с места работы", "Прокуратура г. Севастополя"),
    "ex-judge": ("extraordinary", "Ребёнок судьи", "Справка с места работы",
                 "Севастопольский городской суд"),
    "ex-investigator": ("extraordinary", "Ребёнок сотрудника Следственного комитета",
                        "Справка с места службы",
                        "ГСУ СК России по Республике Крым и г. Севастополю"),
    "fp-military": ("first_priority", "Ребёнок военнослужащего по месту жительства семьи",
                    "Справка с места военной службы", "Войсковая часть 99999 (демо)"),
    "fp-police": ("first_priority", "Ребёнок сотрудника полиции",
                  "Справка с места службы", "УМВД России по г. Севастополю"),
    "fp-interior": ("first_priority", "Ребёнок сотрудника органов внутренних дел",
                    "Справка с места службы", "УМВД России по г. Севастополю"),
    "fp-special-rank": ("first_priority", "Ребёнок сотрудника, имеющего специальное звание",
                        "Справка с места службы", "ГУ МЧС России по г. Севастополю"),
    "fp-rosgvardia": ("first_priority", "Ребёнок сотрудника войск национальной гвардии",
                      "Справка с места службы", "Управление Росгвардии по г. Севастополю"),
}
BOARDING_ONLY_BASES = ("ex-prosecutor", "ex-judge", "ex-investigator")
FIRST_PRIORITY_BASES = ("fp-military", "fp-police", "fp-interior", "fp-special-rank",
                        "fp-rosgvardia")

_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ("a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
     "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"),
    strict=True))


class Kind(StrEnum):
    """What a generated message is, and so what the system must answer first."""

    VALID = "valid"
    DUPLICATE = "duplicate"
    BAD_SNILS = "bad_snils"
    NO_CONSENT = "no_consent"

    @property
    def first_code(self) -> str:
        """The first status the portal must get for the message."""
        return {Kind.VALID: "1", Kind.DUPLICATE: "331"}.get(self, "332")


@dataclass(frozen=True)
class Mix:
    """Shares of kinds of application in a stream (each a probability)."""

    duplicate: float = 0.06
    bad_snils: float = 0.015
    no_consent: float = 0.01
    without_snils: float = 0.12
    inside_territory: float = 0.72
    home_school: float = 0.85
    extraordinary: float = 0.02
    first_priority: float = 0.05
    sibling: float = 0.05
    real_sibling: float = 0.8
    foreign: float = 0.04
    foreign_without_info: float = 0.25
    outside_age: float = 0.04
    guardian: float = 0.03
    adapted_programme: float = 0.02
    father_applies: float = 0.25
    different_residence: float = 0.15


# --- what a filing holds ----------------------------------------------------------------


@dataclass(frozen=True)
class _Name:
    surname: str
    name: str
    middle: str | None


@dataclass(frozen=True)
class _Address:
    street: str
    house: str
    apartment: str | None
    index: str
    district: tuple[str, str]
    guid: str | None

    @property
    def full(self) -> str:
        flat = f", кв. {self.apartment}" if self.apartment else ""
        return f"{self.index}, г. Севастополь, {self.street}, д. {self.house}{flat}"


@dataclass(frozen=True)
class _Document:
    name: str
    series: str | None
    number: str
    issue_date: date
    issued_by: str
    expiry_date: date | None = None


@dataclass(frozen=True)
class _Child:
    name: _Name
    gender: str
    birth_date: date
    snils: str | None
    citizenship: str
    # A Russian certificate (series «II-КМ», act record) or a foreign birth document.
    birth_document: _Document
    act_number: str | None
    act_date: date | None


@dataclass(frozen=True)
class _Applicant:
    name: _Name
    kind: str
    phone: str
    email: str
    identity_code: str
    identity_name: str
    identity: _Document
    identity_issue_code: str | None
    representative_document: _Document | None


@dataclass(frozen=True)
class _Sibling:
    name: _Name
    birth_date: date
    school_code: str
    school_name: str


@dataclass(frozen=True)
class _Foreign:
    legal_stay: _Document
    test_number: str
    test_date: date


@dataclass(frozen=True)
class _Filing:
    order_id: int
    filed_at: datetime
    applicant: _Applicant
    child: _Child
    registration: _Address
    residence: _Address
    school: DemoSchool
    right_basis: str | None = None
    right_document: _Document | None = None
    siblings: tuple[_Sibling, ...] = ()
    adapted: tuple[str, date] | None = None
    special_conditions: bool = False
    native_language: tuple[str, str] = ("rus", "русский")
    foreign: _Foreign | None = None
    consent: bool = True


@dataclass(frozen=True)
class GeneratedApplication:
    """One message for the portal's side to offer, with what the system should make of it."""

    order_id: int
    payload: bytes = field(repr=False)
    kind: Kind
    school_code: str
    filed_at: datetime
    child: ChildIdentity = field(repr=False)
    duplicate_of: int | None = None
    resident: bool = False
    right: str | None = None
    sibling_in_contingent: bool = False
    foreign: bool = False
    foreign_info: bool = False
    needs_age_permission: bool = False

    @property
    def expected_first_code(self) -> str:
        return self.kind.first_code


@dataclass(frozen=True)
class DemoPupil:
    """A pupil of the demo contingent: a possible older brother or sister."""

    record: PupilRecord
    family: str
    father: tuple[str, str, str]
    address: _Address


# --- addresses ------------------------------------------------------------------------


class _Addresses:
    """Addresses of the demo city, on a school's territory or on no school's at all."""

    def __init__(self, rng: random.Random, schools: Sequence[DemoSchool]) -> None:
        self._rng = rng
        self.schools = tuple(schools)
        self._territories = [t for s in self.schools for t in s.assigned]

    def any(self, *, inside: bool) -> _Address:
        if inside:
            school = self._rng.choices(self.schools, weights=[s.places for s in self.schools])
            return self.inside(school[0])
        return self.outside()

    def inside(self, school: DemoSchool) -> _Address:
        rng = self._rng
        line = rng.choice(school.assigned)
        text = school.territory[school.assigned.index(line)].houses
        listed = [token for token in text.replace(" ", "").split(",") if token[:1].isdigit()]
        for _ in range(200):
            if listed and rng.random() < 0.5:
                house = _house_from_item(rng.choice(listed), rng)
            else:
                house = _random_house(rng)
            if is_resident(line.street.text, house, (line,)).resident:
                return self._with_house(line.street.text, house)
        raise AssertionError(f"no house found on the territory of {school.code}")

    def outside(self) -> _Address:
        rng = self._rng
        for _ in range(200):
            if rng.random() < 0.6:
                street = rng.choice(OUTSIDE_STREETS)
            else:
                street = rng.choice(self._territories).street.text
            house = _random_house(rng, top=220)
            if not is_resident(street, house, self._territories).resident:
                return self._with_house(street, house)
        raise AssertionError("no house found outside every territory")

    def _with_house(self, street: str, house: str) -> _Address:
        rng = self._rng
        guid = str(uuid.UUID(int=rng.getrandbits(128), version=4)) if rng.random() < 0.5 \
            else None
        apartment = str(rng.randint(1, 120)) if rng.random() < 0.6 else None
        return _Address(street, house, apartment, f"2990{rng.randint(1, 59):02d}",
                        DISTRICTS[sum(map(ord, street)) % len(DISTRICTS)], guid)


# --- the generator ----------------------------------------------------------------------


class ApplicationGenerator:
    """Invented applications for the demo campaign's schools, deterministic by seed."""

    def __init__(self, schools: Sequence[DemoSchool], reference_date: date, *, seed: int,
                 contingent: Sequence[DemoPupil] = (), mix: Mix | None = None,
                 order_id_base: int | None = None, oktmo: str = REGION_OKTMO) -> None:
        if not schools:
            raise ValueError("a generator needs at least one school")
        self._rng = random.Random(seed)
        self.schools = tuple(schools)
        self.reference_date = reference_date
        self.contingent = tuple(contingent)
        self.mix = mix or Mix()
        self.oktmo = oktmo
        # An 11-digit number with room for 100 000 orders: runs with other seeds do not
        # collide, so a restarted demo is never taken for a repeated delivery.
        self.order_id_base = (order_id_base if order_id_base is not None
                              else 30_000_000_000 + self._rng.randrange(100_000) * 100_000)
        self.issued = 0
        self._addresses = _Addresses(self._rng, self.schools)
        self._recent: deque[tuple[_Filing, bool]] = deque(maxlen=400)

    def next(self, filed_at: datetime, *,
             exclude_schools: Iterable[str] = ()) -> GeneratedApplication:
        """The next message, filed at `filed_at` (timezone-aware), to a school not excluded."""
        if filed_at.utcoffset() is None:
            raise ValueError("filed_at must be timezone-aware")
        excluded = frozenset(exclude_schools)
        schools = [s for s in self.schools if s.code not in excluded]
        if not schools:
            raise ValueError("every school is excluded")
        self.issued += 1
        order_id = self.order_id_base + self.issued

        roll = self._rng.random()
        mix = self.mix
        if roll < mix.duplicate:
            duplicate = self._duplicate(order_id, filed_at, excluded)
            if duplicate is not None:
                return duplicate
        filing = self._filing(order_id, filed_at, schools)
        kind = Kind.VALID
        if mix.duplicate <= roll < mix.duplicate + mix.bad_snils:
            kind, filing = Kind.BAD_SNILS, self._spoil_snils(filing)
        elif (mix.duplicate + mix.bad_snils <= roll
              < mix.duplicate + mix.bad_snils + mix.no_consent):
            kind, filing = Kind.NO_CONSENT, replace(filing, consent=False)
        in_contingent = self._sibling_in_contingent(filing)
        if kind is Kind.VALID:
            self._recent.append((filing, in_contingent))
        return self._generated(filing, kind, sibling_in_contingent=in_contingent)

    def cancel_request(self, order_id: int, reason: str = "") -> bytes:
        """A cancelRequest of the portal for an order."""
        root = etree.Element(_NS + "FormData", nsmap={"fg": NAMESPACE}, oktmo=self.oktmo)
        cancel = _sub(root, "cancelRequest")
        _sub(cancel, "orderId", str(order_id))
        _sub(cancel, "reason", reason)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    # --- one filing --------------------------------------------------------------------

    def _filing(self, order_id: int, filed_at: datetime,
                schools: list[DemoSchool]) -> _Filing:
        rng, mix = self._rng, self.mix
        day = filed_at.astimezone(MSK).date()
        foreign = rng.random() < mix.foreign
        gender = rng.choice(("male", "female"))

        right_roll = rng.random()
        sibling_of: DemoPupil | None = None
        basis = None
        if right_roll < mix.extraordinary:
            basis = "ex-svo-fallen"
            boarding = [s for s in schools if s.boarding]
            if boarding and rng.random() < 0.25:
                basis = rng.choice(BOARDING_ONLY_BASES)
        elif right_roll < mix.extraordinary + mix.first_priority:
            basis = rng.choice(FIRST_PRIORITY_BASES)
        elif right_roll < mix.extraordinary + mix.first_priority + mix.sibling:
            basis = "sib"
            codes = {s.code for s in schools}
            pupils = [p for p in self.contingent if p.record.school_code in codes]
            if pupils and rng.random() < mix.real_sibling:
                sibling_of = rng.choice(pupils)
            foreign = False

        if sibling_of is not None:
            family, father = sibling_of.family, sibling_of.father
        elif foreign:
            family, father = rng.choice(FOREIGN_SURNAMES), rng.choice(FOREIGN_FATHERS)
        else:
            family, father = rng.choice(SURNAMES), rng.choice(FATHERS)
        child = self._child(gender, family, father, foreign, day)

        if sibling_of is not None:
            school = next(s for s in schools if s.code == sibling_of.record.school_code)
            residence = sibling_of.address
        elif basis in BOARDING_ONLY_BASES:
            school = rng.choice([s for s in schools if s.boarding])
            residence = self._addresses.any(inside=rng.random() < mix.inside_territory)
        else:
            residence, school = self._home_and_school(schools)
        registration = residence
        if rng.random() < mix.different_residence:
            registration = self._addresses.any(inside=rng.random() < 0.5)

        right_document = None
        siblings: tuple[_Sibling, ...] = ()
        if basis == "sib":
            siblings, right_document = self._sibling(sibling_of, family, father, school, day)
        elif basis is not None:
            right_document = self._right_document(basis, day)

        adapted = None
        special = False
        if rng.random() < mix.adapted_programme:
            adapted = (f"ПМПК-92-{rng.randint(1, 9999):04d}",
                       day - timedelta(days=rng.randint(20, 300)))
            special = rng.random() < 0.5

        foreign_info = None
        if foreign and rng.random() >= mix.foreign_without_info:
            foreign_info = self._foreign_info(day)

        return _Filing(
            order_id=order_id, filed_at=filed_at,
            applicant=self._applicant(family, father, child, foreign, day),
            child=child, registration=registration, residence=residence, school=school,
            right_basis=basis, right_document=right_document, siblings=siblings,
            adapted=adapted, special_conditions=special,
            native_language=("uzb", "узбекский") if foreign else ("rus", "русский"),
            foreign=foreign_info)

    def _child(self, gender: str, family: str, father: tuple[str, str, str],
               foreign: bool, day: date) -> _Child:
        rng, mix = self._rng, self.mix
        male = gender == "male"
        if foreign:
            name = rng.choice(FOREIGN_BOYS if male else FOREIGN_GIRLS)
        else:
            name = rng.choice(BOYS if male else GIRLS)
        middle = father[1] if male else father[2]
        if not foreign and rng.random() < 0.02:
            middle = None
        birth = self._birth_date()

        if foreign:
            issued = birth + timedelta(days=rng.randint(3, 30))
            document = _Document(
                name="Свидетельство о рождении (Республика Узбекистан)",
                series=rng.choice(("I-TN", "II-TN", "I-SM")),
                number=f"{rng.randint(0, 9_999_999):07d}", issue_date=issued,
                issued_by=f"Отдел ЗАГС Чиланзарского района города "
                          f"{rng.choice(FOREIGN_CITIES)}")
            snils = generate_snils(rng) if rng.random() < 0.3 else None
            return _Child(_Name(_gendered(family, male), name, middle), gender, birth, snils,
                          "860", document, None, None)

        act_date = birth + timedelta(days=rng.randint(2, 30))
        issued = act_date if rng.random() < 0.8 else act_date + timedelta(days=1)
        district = rng.choice(DISTRICTS)
        document = _Document(
            name="Свидетельство о рождении",
            series=f"{rng.choice(('I', 'II', 'II', 'III', 'IV', 'V'))}-"
                   f"{'КМ' if rng.random() < 0.8 else rng.choice(('АЯ', 'ЕЛ', 'ИК'))}",
            number=f"{rng.randint(0, 999_999):06d}", issue_date=issued,
            issued_by=f"Отдел ЗАГС {district[1]} района управления ЗАГС города Севастополя")
        act_number = (f"1{birth.year}92000001{rng.randint(1, 99_999):05d}"
                      f"{rng.randint(1, 999):03d}")
        snils = None if rng.random() < mix.without_snils else generate_snils(rng)
        return _Child(_Name(_gendered(family, male), name, middle), gender, birth, snils,
                      "643", document, act_number, act_date)

    def _birth_date(self) -> date:
        """Mostly 6 y 6 m – 8 y on the reference date; a few younger or older."""
        rng, ref = self._rng, self.reference_date
        youngest_within = _months_before(ref, 78)
        oldest_within = _months_before(ref, 96) + timedelta(days=1)
        if rng.random() >= self.mix.outside_age:
            return _day_between(rng, oldest_within, youngest_within)
        if rng.random() < 0.5:
            return _day_between(rng, youngest_within + timedelta(days=1),
                                _months_before(ref, 72))
        return _day_between(rng, _months_before(ref, 102), _months_before(ref, 96))

    def _applicant(self, family: str, father: tuple[str, str, str], child: _Child,
                   foreign: bool, day: date) -> _Applicant:
        rng, mix = self._rng, self.mix
        roll = rng.random()
        if roll < mix.guardian:
            kind = "guardian"
            male = rng.random() < 0.3
            surname = _gendered(rng.choice(SURNAMES), male)
            name = rng.choice(tuple(f[0] for f in FATHERS) if male else MOTHERS)
            middle = rng.choice(FATHERS)[1 if male else 2]
        elif roll < mix.guardian + mix.father_applies:
            kind, male = "father", True
            surname, name = _gendered(family, True), father[0]
            middle = rng.choice(FOREIGN_FATHERS if foreign else FATHERS)[1]
        else:
            kind, male = "mother", False
            surname = _gendered(family, False)
            name = rng.choice(FOREIGN_MOTHERS if foreign else MOTHERS)
            middle = rng.choice(FOREIGN_FATHERS if foreign else FATHERS)[2]

        issued = day - timedelta(days=rng.randint(60, 15 * 365))
        if foreign:
            identity = _Document("Паспорт иностранного гражданина", rng.choice(("FA", "AB")),
                                 f"{rng.randint(0, 9_999_999):07d}", issued,
                                 "Министерство внутренних дел Республики Узбекистан")
            code, title, issue_code = "10", "Паспорт иностранного гражданина", None
        else:
            identity = _Document("Паспорт гражданина Российской Федерации",
                                 f"67{rng.randint(14, 24):02d}",
                                 f"{rng.randint(0, 999_999):06d}", issued,
                                 "УМВД России по г. Севастополю")
            code, title = "21", "Паспорт гражданина Российской Федерации"
            issue_code = f"920-00{rng.randint(1, 4)}"

        representative = None
        if kind == "guardian":
            earliest = max(child.birth_date + timedelta(days=30), day - timedelta(days=2000))
            representative = _Document(
                "Распоряжение об установлении опеки", None, f"{rng.randint(1, 999)}-р",
                _day_between(rng, earliest, day - timedelta(days=7)),
                "Департамент труда и социальной защиты населения г. Севастополя")

        return _Applicant(_Name(surname, name, middle), kind,
                          f"+7978{rng.randint(0, 9_999_999):07d}",
                          _email(surname, name, rng), code, title, identity, issue_code,
                          representative)

    def _home_and_school(self, schools: list[DemoSchool]) -> tuple[_Address, DemoSchool]:
        rng, mix = self._rng, self.mix
        if rng.random() < mix.inside_territory:
            home = rng.choices(schools, weights=[s.places for s in schools])[0]
            address = self._addresses.inside(home)
            if rng.random() < mix.home_school:
                return address, home
        else:
            address = self._addresses.outside()
        return address, rng.choices(schools, weights=[_popularity(s) for s in schools])[0]

    def _sibling(self, pupil: DemoPupil | None, family: str, father: tuple[str, str, str],
                 school: DemoSchool, day: date) -> tuple[tuple[_Sibling, ...], _Document]:
        rng = self._rng
        if pupil is not None:
            record = pupil.record
            sibling = _Sibling(_Name(record.surname, record.name, record.patronymic),
                               record.birth_date, school.code, school.name)
            male = record.surname == _gendered(pupil.family, True)
        else:
            # A brother or sister the school does not have: the right is claimed, not found.
            male = rng.random() < 0.5
            sibling = _Sibling(
                _Name(_gendered(family, male), rng.choice(BOYS if male else GIRLS),
                      father[1] if male else father[2]),
                _months_before(self.reference_date, rng.randint(100, 130)),
                school.code, school.name)
        issued = sibling.birth_date + timedelta(days=rng.randint(3, 30))
        document = _Document(
            "Свидетельство о рождении брата" if male else "Свидетельство о рождении сестры",
            "I-КМ", f"{rng.randint(0, 999_999):06d}", min(issued, day),
            "Отдел ЗАГС Гагаринского района управления ЗАГС города Севастополя")
        return (sibling,), document

    def _right_document(self, basis: str, day: date) -> _Document:
        rng = self._rng
        _, _, title, issuer = RIGHT_BASES[basis]
        return _Document(title, None, f"{rng.randint(1, 99)}/{rng.randint(100, 9999)}",
                         day - timedelta(days=rng.randint(3, 200)), issuer)

    def _foreign_info(self, day: date) -> _Foreign:
        rng = self._rng
        issued = day - timedelta(days=rng.randint(60, 1500))
        if rng.random() < 0.6:
            stay = _Document("Вид на жительство иностранного гражданина", "83",
                             f"{rng.randint(0, 9_999_999):07d}", issued,
                             "УМВД России по г. Севастополю",
                             issued + timedelta(days=5 * 365))
        else:
            stay = _Document("Разрешение на временное проживание", None,
                             f"{rng.randint(0, 999_999):06d}", issued,
                             "УМВД России по г. Севастополю",
                             issued + timedelta(days=3 * 365))
        return _Foreign(stay, f"ТРЯ-92-{day.year}-{rng.randint(1, 999_999):06d}",
                        day - timedelta(days=rng.randint(5, 90)))

    # --- duplicates and defects --------------------------------------------------------

    def _duplicate(self, order_id: int, filed_at: datetime,
                   excluded: frozenset[str]) -> GeneratedApplication | None:
        """The same child, same school, filed again: a parent's second try."""
        rng = self._rng
        candidates = [item for item in self._recent if item[0].school.code not in excluded]
        if not candidates:
            return None
        original, in_contingent = rng.choice(candidates)

        child = original.child
        name = _variant(child.name, rng)
        snils = child.snils if rng.random() < 0.8 else None
        applicant = original.applicant
        if applicant.kind == "mother" and child.name.middle and rng.random() < 0.3:
            # The other parent files this time.
            father = _father_of(child.name.middle)
            if father is not None:
                applicant = replace(applicant, kind="father",
                                    name=_Name(_gendered(_family_of(child.name.surname),
                                                         True), father, None))
        filing = replace(original, order_id=order_id, filed_at=filed_at, applicant=applicant,
                         child=replace(child, name=name, snils=snils))
        return self._generated(filing, Kind.DUPLICATE, duplicate_of=original.order_id,
                               sibling_in_contingent=in_contingent)

    def _spoil_snils(self, filing: _Filing) -> _Filing:
        rng = self._rng
        snils = filing.child.snils or generate_snils(rng)
        right = snils_check_number(snils[:9])
        wrong = f"{(int(right) + rng.randint(1, 98)) % 100:02d}"
        return replace(filing, child=replace(filing.child, snils=snils[:9] + wrong))

    def _sibling_in_contingent(self, filing: _Filing) -> bool:
        return any(
            p.record.school_code == s.school_code and p.record.birth_date == s.birth_date
            and p.record.name == s.name.name and p.record.surname == s.name.surname
            for s in filing.siblings for p in self.contingent)

    def _generated(self, filing: _Filing, kind: Kind, *, duplicate_of: int | None = None,
                   sibling_in_contingent: bool = False) -> GeneratedApplication:
        child = filing.child
        document = child.birth_document
        identity = ChildIdentity(
            surname=child.name.surname, name=child.name.name,
            middle_name=child.name.middle, birth_date=child.birth_date,
            birth_document_series=document.series,
            birth_document_number=document.number,
            russian_birth_document=child.citizenship == "643", snils=child.snils)
        school = filing.school
        resident = any(is_resident(a.street, a.house, school.assigned).resident
                       for a in (filing.residence, filing.registration))
        right = RIGHT_BASES[filing.right_basis][0] if filing.right_basis in RIGHT_BASES \
            else ("sibling" if filing.right_basis == "sib" else None)
        return GeneratedApplication(
            order_id=filing.order_id, payload=render(filing, self.oktmo), kind=kind,
            school_code=school.code, filed_at=filing.filed_at, child=identity,
            duplicate_of=duplicate_of, resident=resident, right=right,
            sibling_in_contingent=sibling_in_contingent and right == "sibling",
            foreign=child.citizenship != "643", foreign_info=filing.foreign is not None,
            needs_age_permission=assess_age(child.birth_date, self.reference_date)
            .needs_founder_permission)


# --- the contingent ---------------------------------------------------------------------


def demo_contingent(schools: Sequence[DemoSchool], year: int, *, per_school: int = 6,
                    seed: int = 2027) -> tuple[DemoPupil, ...]:
    """Pupils of grades 2–4 of the demo schools in the school year before `year`'s."""
    rng = random.Random(seed)
    addresses = _Addresses(rng, schools)
    pupils = []
    for school in schools:
        for _ in range(per_school):
            male = rng.random() < 0.5
            family, father = rng.choice(SURNAMES), rng.choice(FATHERS)
            grade = rng.randint(2, 4)
            born = _day_between(rng, date(year - 7 - grade, 1, 1),
                                date(year - 7 - grade, 12, 31))
            address = addresses.inside(school)
            record = PupilRecord(
                school_year=f"{year - 1}/{year}", school_code=school.code, grade=grade,
                class_letter=rng.choice("АБВ"), surname=_gendered(family, male),
                name=rng.choice(BOYS if male else GIRLS),
                patronymic=father[1] if male else father[2], birth_date=born,
                address=address.full)
            pupils.append(DemoPupil(record, family, father, address))
    return tuple(pupils)


# --- rendering --------------------------------------------------------------------------


def render(filing: _Filing, oktmo: str = REGION_OKTMO) -> bytes:
    """The FormData of one filing, in the element order of first-grade.xsd."""
    root = etree.Element(_NS + "FormData", nsmap={"fg": NAMESPACE}, oktmo=oktmo)
    request = _sub(root, "ApplicationRequest")
    _sub(request, "orderId", str(filing.order_id))
    _sub(request, "ServicesType", SERVICE_NAME, code=SERVICE_CODE)
    _sub(request, "FilingDate",
         filing.filed_at.astimezone(MSK).replace(microsecond=0).isoformat())

    applicant = filing.applicant
    person = _sub(request, "PersonInfo")
    _names(person, "Person", applicant.name)
    _sub(person, "PersonPhone", applicant.phone)
    _sub(person, "PersonEmail", applicant.email)
    _sub(person, "RepresentativeKind", applicant.kind)
    if applicant.representative_document is not None:
        _document(person, "RepresentativeDoc", applicant.representative_document)

    identity = _sub(request, "PersonIdentityDocInfo")
    _sub(identity, "IdentityDocName", applicant.identity_name, code=applicant.identity_code)
    _sub(identity, "IdentityDocSeries", applicant.identity.series)
    _sub(identity, "IdentityDocNumber", applicant.identity.number)
    _sub(identity, "IdentityDocIssueDate", applicant.identity.issue_date.isoformat())
    if applicant.identity_issue_code:
        _sub(identity, "IdentityDocIssueCode", applicant.identity_issue_code)
    _sub(identity, "IdentityDocIssued", applicant.identity.issued_by)

    _child_info(request, filing.child)
    _address(request, "RegistrationAddress", filing.registration)
    _address(request, "ResidenceAddress", filing.residence)
    _sub(request, "EduOrganization", filing.school.name, code=filing.school.code)

    if filing.right_basis is not None and filing.right_document is not None:
        right = _sub(request, "AdmissionRight")
        if filing.right_basis == "sib":
            kind, basis = "sibling", "В школе обучается брат или сестра ребёнка"
        else:
            kind, basis = RIGHT_BASES[filing.right_basis][:2]
        _sub(right, "AdmissionRightKind", kind)
        _sub(right, "AdmissionRightBasis", basis, code=filing.right_basis)
        _document(right, "AdmissionRightDoc", filing.right_document)
    for sibling in filing.siblings:
        node = _sub(request, "BrotherSisterInfo")
        _names(node, "Child", sibling.name)
        _sub(node, "ChildBirthDate", sibling.birth_date.isoformat())
        _sub(node, "EduOrganization", sibling.school_name, code=sibling.school_code)

    programme = _sub(request, "AdaptationProgram")
    _sub(programme, "NeedAdaptedProgram", _bool(filing.adapted is not None))
    if filing.adapted is not None:
        _sub(programme, "AgreementOnAdaptedProgram", "true")
        conclusion = _sub(programme, "PmpkConclusion")
        _sub(conclusion, "DocNumber", filing.adapted[0])
        _sub(conclusion, "DocDate", filing.adapted[1].isoformat())
    _sub(programme, "NeedSpecialConditions", _bool(filing.special_conditions))

    _sub(request, "EducationLanguage", "русский", code="rus")
    _sub(request, "NativeLanguage", filing.native_language[1], code=filing.native_language[0])
    if filing.foreign is not None:
        info = _sub(request, "ForeignCitizenInfo")
        _document(info, "LegalStayDoc", filing.foreign.legal_stay)
        test = _sub(info, "RussianTestResult")
        _sub(test, "DocNumber", filing.foreign.test_number)
        _sub(test, "DocDate", filing.foreign.test_date.isoformat())
        _sub(info, "RussianTestAgreement", "true")

    agreements = _sub(request, "Agreements")
    if filing.consent:
        _sub(agreements, "PersonalDataAgreement", "true")
    _sub(agreements, "CharterAcknowledgement", "true")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _child_info(request: etree._Element, child: _Child) -> None:
    info = _sub(request, "ChildInfo")
    _names(info, "Child", child.name)
    _sub(info, "ChildBirthDate", child.birth_date.isoformat())
    _sub(info, "ChildGender", child.gender)
    if child.snils is not None:
        _sub(info, "ChildSnils", child.snils)
    document = child.birth_document
    if child.act_number is not None and child.act_date is not None:
        rf = _sub(info, "ChildBirthDocRF")
        _sub(rf, "ChildBirthDocSeries", document.series)
        _sub(rf, "ChildBirthDocNumber", document.number)
        _sub(rf, "ChildBirthDocIssueDate", document.issue_date.isoformat())
        _sub(rf, "ChildBirthDocActNumber", child.act_number)
        _sub(rf, "ChildBirthDocActDate", child.act_date.isoformat())
        _sub(rf, "ChildBirthDocIssued", document.issued_by)
    else:
        foreign = _sub(info, "ChildBirthDocForeign")
        _sub(foreign, "ChildBirthDocName", document.name)
        if document.series:
            _sub(foreign, "ChildBirthDocSeries", document.series)
        _sub(foreign, "ChildBirthDocNumber", document.number)
        _sub(foreign, "ChildBirthDocIssueDate", document.issue_date.isoformat())
        _sub(foreign, "ChildBirthDocIssued", document.issued_by)
    _sub(info, "Citizenship", child.citizenship)


def _address(parent: etree._Element, tag: str, address: _Address) -> None:
    node = _sub(parent, tag)
    _sub(node, "FullAddress", address.full)
    _sub(node, "Index", address.index)
    _sub(node, "Region", "г. Севастополь")
    _sub(node, "City", "г. Севастополь")
    _sub(node, "CityArea", f"{address.district[0]} муниципальный округ")
    _sub(node, "Street", address.street)
    _sub(node, "House", address.house)
    if address.apartment:
        _sub(node, "Apartment", address.apartment)
    if address.guid:
        _sub(node, "HouseGuid", address.guid)


def _document(parent: etree._Element, tag: str, document: _Document) -> None:
    node = _sub(parent, tag)
    _sub(node, "DocName", document.name)
    if document.series:
        _sub(node, "DocSeries", document.series)
    _sub(node, "DocNumber", document.number)
    _sub(node, "DocIssueDate", document.issue_date.isoformat())
    if document.expiry_date:
        _sub(node, "DocExpirationDate", document.expiry_date.isoformat())
    _sub(node, "DocIssued", document.issued_by)


def _names(parent: etree._Element, prefix: str, name: _Name) -> None:
    _sub(parent, f"{prefix}Surname", name.surname)
    _sub(parent, f"{prefix}Name", name.name)
    if name.middle:
        _sub(parent, f"{prefix}MiddleName", name.middle)


def _sub(parent: etree._Element, tag: str, text: str | None = None,
         **attributes: str) -> etree._Element:
    node = etree.SubElement(parent, _NS + tag, attributes)
    if text is not None:
        node.text = text
    return node


def _bool(value: bool) -> str:
    return "true" if value else "false"


# --- small helpers ----------------------------------------------------------------------


def _gendered(surname: str, male: bool) -> str:
    """The surname in the child's gender: Фёдоров → Фёдорова, Полянский → Полянская."""
    if male:
        return surname
    if surname.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


def _family_of(surname: str) -> str:
    """The masculine form back from either form."""
    stripped = surname.strip()
    if stripped.endswith(("ская", "цкая")):
        return stripped[:-2] + "ий"
    if stripped.lower().endswith(("ова", "ева", "ёва", "ина", "ына")):
        return stripped[:-1]
    return stripped


def _father_of(patronymic: str) -> str | None:
    for father, son, daughter in FATHERS + FOREIGN_FATHERS:
        if patronymic.strip().lower() in (son.lower(), daughter.lower()):
            return father
    return None


def _variant(name: _Name, rng: random.Random) -> _Name:
    """The child's name as a parent may type it the second time."""
    choice = rng.choices(("yo", "case", "space", "same"), weights=(35, 25, 20, 20))[0]
    whole = name.surname + name.name + (name.middle or "")
    if choice == "yo" and ("ё" in whole or "Ё" in whole):
        def plain(text: str | None) -> str | None:
            return text.replace("ё", "е").replace("Ё", "Е") if text else text

        return _Name(plain(name.surname) or name.surname, plain(name.name) or name.name,
                     plain(name.middle))
    if choice in ("yo", "case"):
        if rng.random() < 0.5:
            return replace(name, surname=name.surname.upper())
        return _Name(name.surname.lower(), name.name.lower(),
                     name.middle.lower() if name.middle else None)
    if choice == "space":
        return replace(name, surname=name.surname + " ")
    return name


def _email(surname: str, name: str, rng: random.Random) -> str:
    local = "".join(_TRANSLIT.get(char, char) for char in surname.lower().strip())
    initial = _TRANSLIT.get(name[0].lower(), "x")[:1] or "x"
    domain = rng.choice(("example.org", "example.com", "example.net"))
    return f"{local}.{initial}{rng.randint(1, 999)}@{domain}"


def _popularity(school: DemoSchool) -> int:
    # Gymnasiums draw applications from the whole city.
    return school.places + (40 if "Гимназия" in school.name else 0)


def _random_house(rng: random.Random, top: int = 140) -> str:
    number = rng.randint(1, top)
    return f"{number}{rng.choice('абв')}" if rng.random() < 0.1 else str(number)


def _house_from_item(item: str, rng: random.Random) -> str:
    low, _, high = item.partition("-")
    if high:
        return str(rng.randint(int(low), int(high)))
    return item


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _day_between(rng: random.Random, first: date, last: date) -> date:
    if last < first:
        return first
    return first + timedelta(days=rng.randint(0, (last - first).days))
