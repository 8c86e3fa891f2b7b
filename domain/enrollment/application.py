"""A first-grade application as the domain sees it, and the checks it must pass at intake.

The model is independent of any message format: the EPGU gateway reads its XML into these
classes, and another channel (the school's own desk) can build them too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.people import snils as snils_rules

RUSSIA_OKSM_CODE = "643"

# The portal's clock and ours are not the same clock. At the campaign start, when dozens
# of applications arrive each second, a FilingDate a few seconds "ahead" of our clock is
# skew, not a forged date; only a date clearly in the future is refused.
CLOCK_SKEW_TOLERANCE = timedelta(minutes=5)


class ApplicantKind(StrEnum):
    """Who the applicant is to the child.

    GUARDIAN here is опекун (попечитель) in the narrow legal sense; the glossary's
    `guardian` (any parent or legal representative) is the applicant as a whole.
    """

    MOTHER = "mother"
    FATHER = "father"
    GUARDIAN = "guardian"
    OTHER = "other"

    @property
    def needs_representative_document(self) -> bool:
        return self in (ApplicantKind.GUARDIAN, ApplicantKind.OTHER)


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


class PriorityRightKind(StrEnum):
    """Право внеочередного, первоочередного или преимущественного приёма."""

    EXTRAORDINARY = "extraordinary"
    FIRST_PRIORITY = "first_priority"
    SIBLING = "sibling"


@dataclass(frozen=True)
class PersonName:
    surname: str
    name: str
    middle_name: str | None = None


@dataclass(frozen=True)
class Document:
    """A supporting document: guardianship act, employer's certificate, residence permit."""

    name: str
    number: str
    issue_date: date
    issued_by: str
    series: str | None = None
    expiry_date: date | None = None


@dataclass(frozen=True)
class DocumentReference:
    """A document known only by its number and date (ПМПК conclusion, test result)."""

    number: str
    issue_date: date


@dataclass(frozen=True)
class IdentityDocument:
    kind_code: str
    kind_name: str
    number: str
    issue_date: date
    issued_by: str
    series: str | None = None
    issuer_code: str | None = None


@dataclass(frozen=True)
class Contacts:
    phone: str
    email: str


@dataclass(frozen=True)
class Applicant:
    kind: ApplicantKind
    name: PersonName
    contacts: Contacts
    identity_document: IdentityDocument
    representative_document: Document | None = None


@dataclass(frozen=True)
class RussianBirthCertificate:
    series: str
    number: str
    issue_date: date
    act_number: str
    act_date: date
    issued_by: str


@dataclass(frozen=True)
class ForeignBirthDocument:
    name: str
    number: str
    issue_date: date
    issued_by: str
    series: str | None = None


BirthDocument = RussianBirthCertificate | ForeignBirthDocument


@dataclass(frozen=True)
class Child:
    name: PersonName
    birth_date: date
    gender: Gender
    birth_document: BirthDocument
    citizenship: str | None
    """ОКСМ numeric code of the country; None for a stateless child."""
    snils: str | None = None

    @property
    def is_stateless(self) -> bool:
        return self.citizenship is None

    @property
    def is_russian_citizen(self) -> bool:
        return self.citizenship == RUSSIA_OKSM_CODE


@dataclass(frozen=True)
class Address:
    full_text: str
    region: str
    postal_code: str | None = None
    area: str | None = None
    city: str | None = None
    city_area: str | None = None
    place: str | None = None
    street: str | None = None
    additional_area: str | None = None
    additional_street: str | None = None
    house: str | None = None
    building: str | None = None
    structure: str | None = None
    apartment: str | None = None
    house_guid: str | None = None


@dataclass(frozen=True)
class PriorityRight:
    kind: PriorityRightKind
    basis_code: str
    basis_name: str
    document: Document


@dataclass(frozen=True)
class Sibling:
    """A brother or sister already studying at a school."""

    name: PersonName
    birth_date: date
    school_code: str
    school_name: str


@dataclass(frozen=True)
class AdaptedProgramme:
    needed: bool
    special_conditions_needed: bool
    consent: bool | None = None
    pmpk_conclusion: DocumentReference | None = None


@dataclass(frozen=True)
class Language:
    code: str
    """ISO 639-2 three-letter code."""
    name: str


@dataclass(frozen=True)
class Languages:
    education: Language
    native: Language
    republic_state: Language | None = None


@dataclass(frozen=True)
class ForeignCitizenInfo:
    legal_stay_document: Document
    russian_test_result: DocumentReference | None = None
    russian_test_consent: bool | None = None


@dataclass(frozen=True)
class Agreements:
    personal_data_processing: bool
    charter_acknowledged: bool


@dataclass(frozen=True)
class FirstGradeApplication:
    order_id: int
    """The portal's order number."""
    oktmo: str
    service_code: str
    filing_date: datetime
    """The filing moment exactly as sent: aware, with the sender's offset kept."""
    applicant: Applicant
    child: Child
    registration_address: Address
    residence_address: Address
    school_code: str
    school_name: str
    adapted_programme: AdaptedProgramme
    languages: Languages
    agreements: Agreements
    priority_right: PriorityRight | None = None
    siblings: tuple[Sibling, ...] = ()
    foreign_citizen_info: ForeignCitizenInfo | None = None

    def __post_init__(self) -> None:
        if self.filing_date.utcoffset() is None:
            raise ValueError("the filing date of an application must be timezone-aware")

    @property
    def filing_day(self) -> date:
        """The calendar day of filing, in the offset the portal sent."""
        return self.filing_date.date()


@dataclass(frozen=True)
class CancelRequest:
    """The applicant asks on the portal to cancel an application."""

    order_id: int
    reason: str


@dataclass(frozen=True)
class StatusQuery:
    """The portal asks for the last status of an application."""

    order_id: int


@dataclass(frozen=True)
class ApplicationDefect:
    """Why an application cannot be registered: the field in words and what is wrong."""

    field: str
    problem: str


SchoolAdmitsFirstGrade = Callable[[str, datetime], bool]

_LATER_THAN_FILING = "позже даты подачи заявления"


def find_defect(
    application: FirstGradeApplication,
    *,
    region_oktmo: str,
    now: datetime,
    school_admits_first_grade: SchoolAdmitsFirstGrade,
) -> ApplicationDefect | None:
    """Return the first defect the schema of a message cannot catch, or None.

    Checks run in the order the fields appear in an application, so the parent is told
    about the first one; the school lookup runs last because it may cost a query.
    """
    checks: tuple[Callable[[], ApplicationDefect | None], ...] = (
        lambda: check_oktmo(application.oktmo, region_oktmo),
        lambda: check_filing_date(application.filing_date, now),
        lambda: check_applicant(application.applicant, application.filing_day),
        lambda: check_child(application.child, application.filing_day),
        lambda: check_priority_right(
            application.priority_right, application.siblings, application.filing_day
        ),
        lambda: check_adapted_programme(
            application.adapted_programme, application.filing_day
        ),
        lambda: check_foreign_citizen_info(
            application.foreign_citizen_info, application.filing_day
        ),
        lambda: check_school(
            application.school_code, application.filing_date, school_admits_first_grade
        ),
    )
    for check in checks:
        defect = check()
        if defect is not None:
            return defect
    return None


def oktmo_belongs_to_region(oktmo: str, region_oktmo: str) -> bool:
    """Tell whether an ОКТМО code lies within the territory of another one.

    ОКТМО is hierarchical: digits 1–2 are the region, 3–5 the municipality, 6–8 the
    settlement, 9–11 the locality. A level of zeros means "the whole of the level above".
    """
    prefix = region_oktmo
    for level_start in (8, 5, 2):
        if prefix[level_start:].strip("0") == "":
            prefix = prefix[:level_start]
    return oktmo.startswith(prefix)


def check_oktmo(oktmo: str, region_oktmo: str) -> ApplicationDefect | None:
    if oktmo_belongs_to_region(oktmo, region_oktmo):
        return None
    return ApplicationDefect(
        "Код ОКТМО", "не относится к региону, в который направлено заявление"
    )


def check_filing_date(filing_date: datetime, now: datetime) -> ApplicationDefect | None:
    if filing_date <= now + CLOCK_SKEW_TOLERANCE:
        return None
    return ApplicationDefect("Дата подачи заявления", "указана дата в будущем")


def check_applicant(applicant: Applicant, filing_day: date) -> ApplicationDefect | None:
    representative_document = applicant.representative_document
    if representative_document is None and applicant.kind.needs_representative_document:
        return ApplicationDefect(
            "Документ, подтверждающий полномочия представителя",
            "не указан, а для опекуна (попечителя) и иного законного представителя "
            "он обязателен",
        )

    # A document issued on the filing day itself is plausible (a passport collected in the
    # morning, the application filed in the evening); only a later date is wrong.
    if (
        representative_document is not None
        and representative_document.issue_date > filing_day
    ):
        return ApplicationDefect(
            "Дата выдачи документа, подтверждающего полномочия представителя",
            _LATER_THAN_FILING,
        )
    if applicant.identity_document.issue_date > filing_day:
        return ApplicationDefect(
            "Дата выдачи документа, удостоверяющего личность заявителя",
            _LATER_THAN_FILING,
        )
    return None


def check_child(child: Child, filing_day: date) -> ApplicationDefect | None:
    if child.birth_date > filing_day:
        return ApplicationDefect("Дата рождения ребёнка", _LATER_THAN_FILING)

    if child.snils is not None:
        problem = snils_rules.snils_problem(child.snils)
        if problem is not None:
            return ApplicationDefect("СНИЛС ребёнка", problem.text_ru)

    document = child.birth_document
    if isinstance(document, RussianBirthCertificate):
        return _check_russian_birth_certificate(document, child.birth_date, filing_day)
    return _check_foreign_birth_document(document, child.birth_date, filing_day)


def _check_russian_birth_certificate(
    certificate: RussianBirthCertificate, birth_date: date, filing_day: date
) -> ApplicationDefect | None:
    # The chain is birth ≤ act record ≤ certificate issue ≤ filing.
    if certificate.act_date < birth_date:
        return ApplicationDefect(
            "Дата записи акта о рождении", "раньше даты рождения ребёнка"
        )
    if certificate.issue_date < certificate.act_date:
        return ApplicationDefect(
            "Дата выдачи свидетельства о рождении", "раньше даты записи акта о рождении"
        )
    if certificate.issue_date > filing_day:
        return ApplicationDefect(
            "Дата выдачи свидетельства о рождении", _LATER_THAN_FILING
        )
    return None


def _check_foreign_birth_document(
    document: ForeignBirthDocument, birth_date: date, filing_day: date
) -> ApplicationDefect | None:
    if document.issue_date < birth_date:
        return ApplicationDefect(
            "Дата выдачи документа о рождении", "раньше даты рождения ребёнка"
        )
    if document.issue_date > filing_day:
        return ApplicationDefect("Дата выдачи документа о рождении", _LATER_THAN_FILING)
    return None


def check_priority_right(
    right: PriorityRight | None, siblings: tuple[Sibling, ...], filing_day: date
) -> ApplicationDefect | None:
    if right is not None and right.document.issue_date > filing_day:
        return ApplicationDefect(
            "Дата выдачи документа, подтверждающего право приёма", _LATER_THAN_FILING
        )

    if right is not None and right.kind is PriorityRightKind.SIBLING and not siblings:
        return ApplicationDefect(
            "Сведения о брате или сестре",
            "не указаны, а при преимущественном праве приёма они обязательны",
        )

    for sibling in siblings:
        if sibling.birth_date > filing_day:
            return ApplicationDefect(
                "Дата рождения брата или сестры", _LATER_THAN_FILING
            )
    return None


def check_adapted_programme(
    programme: AdaptedProgramme, filing_day: date
) -> ApplicationDefect | None:
    if programme.needed and programme.consent is not True:
        return ApplicationDefect(
            "Согласие на обучение по адаптированной программе",
            "не дано, а при потребности в адаптированной программе оно обязательно",
        )

    conclusion = programme.pmpk_conclusion
    if conclusion is not None and conclusion.issue_date > filing_day:
        return ApplicationDefect("Дата заключения ПМПК", _LATER_THAN_FILING)
    return None


def check_foreign_citizen_info(
    info: ForeignCitizenInfo | None, filing_day: date
) -> ApplicationDefect | None:
    # A child without Russian citizenship and without this block is not refused here: the
    # application goes to the documents check, which returns it if they are missing.
    if info is None:
        return None

    if info.legal_stay_document.issue_date > filing_day:
        return ApplicationDefect(
            "Дата выдачи документа о законном нахождении в Российской Федерации",
            _LATER_THAN_FILING,
        )
    result = info.russian_test_result
    if result is not None and result.issue_date > filing_day:
        return ApplicationDefect(
            "Дата документа о результате тестирования по русскому языку",
            _LATER_THAN_FILING,
        )
    return None


def check_school(
    school_code: str, filing_date: datetime, admits_first_grade: SchoolAdmitsFirstGrade
) -> ApplicationDefect | None:
    if admits_first_grade(school_code, filing_date):
        return None
    return ApplicationDefect(
        "Выбранная школа",
        "не найдена в региональной системе или не ведёт приём в 1 класс "
        f"в {filing_date.year} году",
    )
