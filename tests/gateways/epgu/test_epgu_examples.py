"""The contract's examples read into the domain's classes, and the invalid ones refused."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from domain.enrollment.application import (
    AdaptedProgramme,
    Address,
    Agreements,
    ApplicantKind,
    CancelRequest,
    Contacts,
    Document,
    DocumentReference,
    FirstGradeApplication,
    ForeignBirthDocument,
    Gender,
    IdentityDocument,
    Language,
    PersonName,
    PriorityRightKind,
    RussianBirthCertificate,
    Sibling,
)
from gateways.epgu import (
    FIRST_GRADE_1_0_0,
    InvalidPayload,
    Operation,
    ParsedApplication,
    ParsedCancel,
    parse,
)

from .support import (
    EXAMPLES_DIR,
    INVALID_EXAMPLES,
    VALID_EXAMPLES,
    Context,
    example_bytes,
    reference_path,
)

MSK = timezone(timedelta(hours=3))


def application(name: str, context: Context) -> FirstGradeApplication:
    result = parse(example_bytes(name), context)
    assert isinstance(result, ParsedApplication), result
    assert result.contract == FIRST_GRADE_1_0_0.id
    return result.application


class TestValidExamples:
    @pytest.mark.parametrize("name", VALID_EXAMPLES)
    def test_every_valid_example_is_read(self, name: str, context: Context) -> None:
        result = parse(example_bytes(name), context)

        assert isinstance(result, ParsedApplication | ParsedCancel), result

    def test_resident_application_is_read_field_by_field(
        self, context: Context
    ) -> None:
        read = application("01-resident.xml", context)

        address = Address(
            full_text="299011, г. Севастополь, ул. Примерная, д. 17, кв. 5",
            postal_code="299011",
            region="г. Севастополь",
            city="г. Севастополь",
            city_area="Гагаринский муниципальный округ",
            street="ул. Примерная",
            house="17",
            apartment="5",
            house_guid="3f1c2a9e-5b7d-4e21-9c3a-7d2e8f41b6a0",
        )
        assert read.order_id == 4200000101
        assert read.oktmo == "67000000"
        assert read.service_code == "600426"
        assert read.filing_date == datetime(2026, 4, 1, 0, 0, 5, tzinfo=MSK)
        assert read.filing_date.utcoffset() == timedelta(hours=3)
        assert read.applicant.kind is ApplicantKind.MOTHER
        assert read.applicant.name == PersonName("Примерова", "Анна", "Сергеевна")
        assert read.applicant.contacts == Contacts(
            "+79780001122", "primerova.anna@example.org"
        )
        assert read.applicant.identity_document == IdentityDocument(
            kind_code="21",
            kind_name="Паспорт гражданина Российской Федерации",
            series="6719",
            number="204518",
            issue_date=date(2019, 6, 14),
            issuer_code="920-001",
            issued_by="УМВД России по г. Севастополю",
        )
        assert read.applicant.representative_document is None
        assert read.child.name == PersonName("Примеров", "Иван", "Андреевич")
        assert read.child.birth_date == date(2019, 11, 14)
        assert read.child.gender is Gender.MALE
        assert read.child.snils == "16427530969"
        assert read.child.birth_document == RussianBirthCertificate(
            series="II-КМ",
            number="531407",
            issue_date=date(2019, 11, 22),
            act_number="120199200000100431001",
            act_date=date(2019, 11, 22),
            issued_by=(
                "Отдел ЗАГС Гагаринского района управления ЗАГС города Севастополя"
            ),
        )
        assert read.child.citizenship == "643"
        assert read.child.is_russian_citizen
        assert read.registration_address == address
        assert read.residence_address == address
        assert read.school_code == "SEV-0801"
        assert read.school_name == "ГБОУ «Средняя общеобразовательная школа № 801»"
        assert read.priority_right is None
        assert read.siblings == ()
        assert read.adapted_programme == AdaptedProgramme(
            needed=False, special_conditions_needed=False
        )
        assert read.languages.education == Language("rus", "русский")
        assert read.languages.native == Language("rus", "русский")
        assert read.languages.republic_state is None
        assert read.foreign_citizen_info is None
        assert read.agreements == Agreements(
            personal_data_processing=True, charter_acknowledged=True
        )

    def test_sibling_right_carries_the_brother(self, context: Context) -> None:
        read = application("02-sibling-right.xml", context)

        assert read.priority_right is not None
        assert read.priority_right.kind is PriorityRightKind.SIBLING
        assert read.priority_right.basis_code == "sib"
        assert read.priority_right.document == Document(
            name="Свидетельство о рождении брата",
            series="I-КМ",
            number="402716",
            issue_date=date(2017, 7, 3),
            issued_by=(
                "Отдел ЗАГС Гагаринского района управления ЗАГС города Севастополя"
            ),
        )
        assert read.siblings == (
            Sibling(
                name=PersonName("Образцов", "Максим", "Олегович"),
                birth_date=date(2017, 6, 21),
                school_code="SEV-0802",
                school_name="ГБОУ «Гимназия № 802»",
            ),
        )
        assert read.child.gender is Gender.FEMALE

    def test_first_priority_right_filed_by_the_father_without_snils(
        self, context: Context
    ) -> None:
        read = application("03-first-priority-right.xml", context)

        assert read.applicant.kind is ApplicantKind.FATHER
        assert read.child.snils is None
        assert read.priority_right is not None
        assert read.priority_right.kind is PriorityRightKind.FIRST_PRIORITY
        assert read.priority_right.basis_code == "fp-military"
        assert read.priority_right.document.series is None
        assert read.priority_right.document.number == "1187"

    def test_extraordinary_right(self, context: Context) -> None:
        read = application("04-extraordinary-right.xml", context)

        assert read.priority_right is not None
        assert read.priority_right.kind is PriorityRightKind.EXTRAORDINARY
        assert read.priority_right.basis_code == "ex-svo-fallen"
        assert read.school_code == "SEV-0802"
        assert read.filing_date == datetime(2026, 4, 3, 14, 25, tzinfo=MSK)

    @pytest.mark.parametrize(
        ("name", "birth_date"),
        [
            ("05-age-6y3m-on-1-september.xml", date(2020, 5, 20)),
            ("06-age-8y1m-on-1-september.xml", date(2018, 7, 25)),
        ],
    )
    def test_children_outside_the_age_limits_are_read_as_any_other(
        self, name: str, birth_date: date, context: Context
    ) -> None:
        # The age rule is applied after intake; the gateway only reads the date.
        assert application(name, context).child.birth_date == birth_date

    def test_foreign_citizen(self, context: Context) -> None:
        read = application("07-foreign-citizen.xml", context)

        assert read.child.citizenship == "860"
        assert not read.child.is_russian_citizen
        assert not read.child.is_stateless
        assert read.child.birth_document == ForeignBirthDocument(
            name="Свидетельство о рождении (Республика Узбекистан)",
            series="I-TN",
            number="0831652",
            issue_date=date(2019, 10, 8),
            issued_by="Орган ЗАГС Чиланзарского района города Ташкента",
        )
        assert read.applicant.identity_document.kind_code == "10"
        assert read.applicant.identity_document.issuer_code is None
        assert read.languages.native == Language("uzb", "узбекский")
        info = read.foreign_citizen_info
        assert info is not None
        assert info.legal_stay_document.expiry_date == date(2029, 5, 16)
        assert info.russian_test_result == DocumentReference(
            "ТРЯ-92-2026-000318", date(2026, 3, 12)
        )
        assert info.russian_test_consent is True

    def test_adapted_programme_applied_by_a_guardian(self, context: Context) -> None:
        read = application("08-adapted-program.xml", context)

        assert read.applicant.kind is ApplicantKind.GUARDIAN
        assert read.applicant.representative_document == Document(
            name="Распоряжение об установлении опеки",
            number="318-о",
            issue_date=date(2023, 2, 14),
            issued_by="Орган опеки и попечительства Гагаринского района",
        )
        assert read.adapted_programme == AdaptedProgramme(
            needed=True,
            consent=True,
            pmpk_conclusion=DocumentReference("ЦПМПК-2026/0142", date(2026, 2, 12)),
            special_conditions_needed=True,
        )

    def test_cancel_request(self, context: Context) -> None:
        result = parse(example_bytes("09-cancel-request.xml"), context)

        assert result == ParsedCancel(
            contract=FIRST_GRADE_1_0_0.id,
            request=CancelRequest(4200000101, "Ребёнок будет учиться в другой школе"),
        )

    def test_school_is_asked_with_the_filing_moment(self, context: Context) -> None:
        application("01-resident.xml", context)

        assert context.asked == [
            ("SEV-0801", datetime(2026, 4, 1, 0, 0, 5, tzinfo=MSK)),
        ]


class TestInvalidExamples:
    @pytest.mark.parametrize(
        ("name", "order_id", "field", "problem"),
        [
            (
                "21-invalid-no-consent.xml",
                4200000121,
                "Согласие на обработку персональных данных",
                "не указано",
            ),
            (
                "22-invalid-snils-format.xml",
                4200000122,
                "СНИЛС ребёнка",
                "не соответствует формату: 11 цифр без разделителей",
            ),
            (
                "23-invalid-filing-date-without-offset.xml",
                4200000123,
                "Дата подачи заявления",
                "дата и время должны содержать смещение от UTC",
            ),
        ],
    )
    def test_invalid_example_names_the_field_in_words(
        self, name: str, order_id: int, field: str, problem: str, context: Context
    ) -> None:
        result = parse(example_bytes(name), context)

        assert isinstance(result, InvalidPayload)
        assert result.operation is Operation.APPLICATION
        assert result.order_id == order_id
        assert result.field == field
        assert result.problem == problem
        assert result.details  # the raw messages, kept for the audit record

    def test_invalid_payload_never_asks_for_the_school(self, context: Context) -> None:
        parse(example_bytes(INVALID_EXAMPLES[0]), context)

        assert context.asked == []


class TestReferenceCopies:
    @pytest.mark.parametrize("name", VALID_EXAMPLES + INVALID_EXAMPLES)
    def test_example_is_the_contract_s_own(self, name: str) -> None:
        official = reference_path("examples", name)

        assert (EXAMPLES_DIR / name).read_bytes() == official.read_bytes()
