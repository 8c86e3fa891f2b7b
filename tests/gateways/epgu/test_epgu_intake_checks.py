"""The checks the schema cannot express, each failing and passing, through `parse`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import etree

from gateways.epgu import InvalidPayload, ParsedApplication, parse

from .support import NS, Context, edited_example, example_bytes, find, remove, set_text

Edit = Callable[[etree._Element], None]
REQUEST = "fg:ApplicationRequest"
CHILD = f"{REQUEST}/fg:ChildInfo"
BIRTH_RF = f"{CHILD}/fg:ChildBirthDocRF"


def rejected(payload: bytes, context: Context) -> InvalidPayload:
    result = parse(payload, context)
    assert isinstance(result, InvalidPayload), result
    return result


def accepted(payload: bytes, context: Context) -> ParsedApplication:
    result = parse(payload, context)
    assert isinstance(result, ParsedApplication), result
    return result


def set_kind(kind: str) -> Edit:
    return set_text(f"{REQUEST}/fg:PersonInfo/fg:RepresentativeKind", kind)


def set_oktmo(oktmo: str) -> Edit:
    def edit(root: etree._Element) -> None:
        root.set("oktmo", oktmo)

    return edit


def both(*edits: Edit) -> Edit:
    def edit(root: etree._Element) -> None:
        for one in edits:
            one(root)

    return edit


class TestChildSnils:
    def test_wrong_check_number_is_refused(self, context: Context) -> None:
        payload = edited_example(
            "01-resident.xml", set_text(f"{CHILD}/fg:ChildSnils", "16427530968")
        )

        result = rejected(payload, context)

        assert (result.order_id, result.field, result.problem) == (
            4200000101,
            "СНИЛС ребёнка",
            "неверное контрольное число",
        )

    def test_check_number_00_from_a_sum_of_101_is_accepted(
        self, context: Context
    ) -> None:
        # 0·9 + 3·8 + 0·7 + 2·6 + 1·5 + 4·4 + 8·3 + 8·2 + 4·1 = 101, which gives 00
        payload = edited_example(
            "01-resident.xml", set_text(f"{CHILD}/fg:ChildSnils", "03021488400")
        )

        assert accepted(payload, context).application.child.snils == "03021488400"

    def test_an_application_without_snils_is_accepted(self, context: Context) -> None:
        payload = edited_example("01-resident.xml", remove(f"{CHILD}/fg:ChildSnils"))

        assert accepted(payload, context).application.child.snils is None


class TestRepresentativeDocument:
    def test_guardian_without_the_document_is_refused(self, context: Context) -> None:
        payload = edited_example(
            "08-adapted-program.xml",
            remove(f"{REQUEST}/fg:PersonInfo/fg:RepresentativeDoc"),
        )

        result = rejected(payload, context)

        assert result.field == "Документ, подтверждающий полномочия представителя"
        assert "обязателен" in result.problem

    def test_other_representative_without_the_document_is_refused(
        self, context: Context
    ) -> None:
        payload = edited_example("01-resident.xml", set_kind("other"))

        assert rejected(payload, context).field == (
            "Документ, подтверждающий полномочия представителя"
        )

    def test_guardian_with_the_document_is_accepted(self, context: Context) -> None:
        accepted(example_bytes("08-adapted-program.xml"), context)

    @pytest.mark.parametrize("kind", ["mother", "father"])
    def test_parent_needs_no_document(self, kind: str, context: Context) -> None:
        accepted(edited_example("01-resident.xml", set_kind(kind)), context)

    def test_document_issued_after_filing_is_refused(self, context: Context) -> None:
        path = f"{REQUEST}/fg:PersonInfo/fg:RepresentativeDoc/fg:DocIssueDate"
        payload = edited_example("08-adapted-program.xml", set_text(path, "2026-04-08"))

        result = rejected(payload, context)

        assert (
            result.field
            == "Дата выдачи документа, подтверждающего полномочия представителя"
        )
        assert result.problem == "позже даты подачи заявления"


class TestAdaptedProgramme:
    AGREEMENT = f"{REQUEST}/fg:AdaptationProgram/fg:AgreementOnAdaptedProgram"

    @pytest.mark.parametrize(
        "edit",
        [set_text(AGREEMENT, "false"), remove(AGREEMENT)],
        ids=["false", "absent"],
    )
    def test_needed_programme_without_consent_is_refused(
        self, edit: Edit, context: Context
    ) -> None:
        result = rejected(edited_example("08-adapted-program.xml", edit), context)

        assert result.field == "Согласие на обучение по адаптированной программе"

    def test_needed_programme_with_consent_is_accepted(self, context: Context) -> None:
        accepted(example_bytes("08-adapted-program.xml"), context)

    def test_no_programme_needs_no_consent(self, context: Context) -> None:
        accepted(example_bytes("01-resident.xml"), context)

    def test_pmpk_conclusion_after_filing_is_refused(self, context: Context) -> None:
        path = f"{REQUEST}/fg:AdaptationProgram/fg:PmpkConclusion/fg:DocDate"
        payload = edited_example("08-adapted-program.xml", set_text(path, "2026-04-08"))

        assert rejected(payload, context).field == "Дата заключения ПМПК"


class TestSiblings:
    def test_sibling_right_without_a_sibling_is_refused(self, context: Context) -> None:
        payload = edited_example(
            "02-sibling-right.xml", remove(f"{REQUEST}/fg:BrotherSisterInfo")
        )

        result = rejected(payload, context)

        assert result.field == "Сведения о брате или сестре"
        assert "преимущественном праве" in result.problem

    def test_sibling_right_with_a_sibling_is_accepted(self, context: Context) -> None:
        accepted(example_bytes("02-sibling-right.xml"), context)

    def test_sibling_born_after_filing_is_refused(self, context: Context) -> None:
        path = f"{REQUEST}/fg:BrotherSisterInfo/fg:ChildBirthDate"
        payload = edited_example("02-sibling-right.xml", set_text(path, "2026-05-01"))

        assert rejected(payload, context).field == "Дата рождения брата или сестры"

    def test_right_document_after_filing_is_refused(self, context: Context) -> None:
        path = f"{REQUEST}/fg:AdmissionRight/fg:AdmissionRightDoc/fg:DocIssueDate"
        payload = edited_example(
            "03-first-priority-right.xml", set_text(path, "2026-04-02")
        )

        assert rejected(payload, context).field == (
            "Дата выдачи документа, подтверждающего право приёма"
        )


class TestSchool:
    def test_unknown_school_is_refused(self, context: Context) -> None:
        context.schools = frozenset({"SEV-0802"})

        result = rejected(example_bytes("01-resident.xml"), context)

        assert result.field == "Выбранная школа"
        assert result.problem == (
            "не найдена в региональной системе или не ведёт приём в 1 класс в 2026 году"
        )

    def test_known_school_admitting_is_accepted(self, context: Context) -> None:
        accepted(example_bytes("01-resident.xml"), context)


class TestDates:
    @pytest.mark.parametrize(
        ("edit", "field", "problem"),
        [
            (
                set_text(f"{CHILD}/fg:ChildBirthDate", "2026-04-02"),
                "Дата рождения ребёнка",
                "позже даты подачи заявления",
            ),
            (
                set_text(f"{BIRTH_RF}/fg:ChildBirthDocActDate", "2019-11-13"),
                "Дата записи акта о рождении",
                "раньше даты рождения ребёнка",
            ),
            (
                set_text(f"{BIRTH_RF}/fg:ChildBirthDocIssueDate", "2019-11-21"),
                "Дата выдачи свидетельства о рождении",
                "раньше даты записи акта о рождении",
            ),
            (
                set_text(f"{BIRTH_RF}/fg:ChildBirthDocIssueDate", "2026-04-02"),
                "Дата выдачи свидетельства о рождении",
                "позже даты подачи заявления",
            ),
            (
                set_text(
                    f"{REQUEST}/fg:PersonIdentityDocInfo/fg:IdentityDocIssueDate",
                    "2026-04-02",
                ),
                "Дата выдачи документа, удостоверяющего личность заявителя",
                "позже даты подачи заявления",
            ),
        ],
        ids=[
            "birth-after-filing",
            "act-before-birth",
            "issue-before-act",
            "issue-after-filing",
            "identity-after-filing",
        ],
    )
    def test_inconsistent_dates_are_refused(
        self, edit: Edit, field: str, problem: str, context: Context
    ) -> None:
        result = rejected(edited_example("01-resident.xml", edit), context)

        assert (result.field, result.problem) == (field, problem)

    def test_all_on_the_filing_day_is_consistent(self, context: Context) -> None:
        day = "2026-04-01"
        edit = both(
            set_text(f"{CHILD}/fg:ChildBirthDate", "2019-11-22"),
            set_text(f"{BIRTH_RF}/fg:ChildBirthDocActDate", "2019-11-22"),
            set_text(f"{BIRTH_RF}/fg:ChildBirthDocIssueDate", day),
            set_text(
                f"{REQUEST}/fg:PersonIdentityDocInfo/fg:IdentityDocIssueDate", day
            ),
        )

        accepted(edited_example("01-resident.xml", edit), context)

    def test_foreign_document_issued_before_birth_is_refused(
        self, context: Context
    ) -> None:
        path = f"{CHILD}/fg:ChildBirthDocForeign/fg:ChildBirthDocIssueDate"
        payload = edited_example("07-foreign-citizen.xml", set_text(path, "2019-09-29"))

        result = rejected(payload, context)

        assert (result.field, result.problem) == (
            "Дата выдачи документа о рождении",
            "раньше даты рождения ребёнка",
        )

    def test_legal_stay_document_after_filing_is_refused(
        self, context: Context
    ) -> None:
        path = f"{REQUEST}/fg:ForeignCitizenInfo/fg:LegalStayDoc/fg:DocIssueDate"
        payload = edited_example("07-foreign-citizen.xml", set_text(path, "2026-04-07"))

        assert rejected(payload, context).field == (
            "Дата выдачи документа о законном нахождении в Российской Федерации"
        )

    def test_filing_date_in_the_future_is_refused(self, context: Context) -> None:
        filed = datetime(2026, 4, 1, 0, 0, 5, tzinfo=timezone(timedelta(hours=3)))
        context.now = filed - timedelta(minutes=6)

        result = rejected(example_bytes("01-resident.xml"), context)

        assert (result.field, result.problem) == (
            "Дата подачи заявления",
            "указана дата в будущем",
        )

    def test_filing_date_a_little_ahead_of_our_clock_is_accepted(
        self, context: Context
    ) -> None:
        # Clock skew between the portal and us, not a date in the future.
        filed = datetime(2026, 4, 1, 0, 0, 5, tzinfo=timezone(timedelta(hours=3)))
        context.now = filed - timedelta(seconds=30)

        accepted(example_bytes("01-resident.xml"), context)

    def test_naive_clock_is_a_programming_error(self, context: Context) -> None:
        context.now = datetime(2026, 4, 10, 9, 0)

        with pytest.raises(ValueError, match="timezone-aware"):
            parse(example_bytes("01-resident.xml"), context)

    def test_24_00_is_the_next_midnight(self, context: Context) -> None:
        path = f"{REQUEST}/fg:FilingDate"
        payload = edited_example(
            "01-resident.xml", set_text(path, "2026-04-01T24:00:00+03:00")
        )

        filed = accepted(payload, context).application.filing_date

        assert filed == datetime(2026, 4, 2, tzinfo=timezone(timedelta(hours=3)))

    def test_sub_microsecond_digits_are_dropped(self, context: Context) -> None:
        path = f"{REQUEST}/fg:FilingDate"
        payload = edited_example(
            "01-resident.xml", set_text(path, "2026-04-01T00:00:05.123456999Z")
        )

        filed = accepted(payload, context).application.filing_date

        assert filed == datetime(2026, 4, 1, 0, 0, 5, 123456, tzinfo=UTC)


class TestOktmo:
    def test_other_region_is_refused(self, context: Context) -> None:
        result = rejected(
            edited_example("01-resident.xml", set_oktmo("45000000")), context
        )

        assert (result.field, result.problem) == (
            "Код ОКТМО",
            "не относится к региону, в который направлено заявление",
        )

    @pytest.mark.parametrize("oktmo", ["67000000", "67310000", "67312000001"])
    def test_region_and_its_municipalities_are_accepted(
        self, oktmo: str, context: Context
    ) -> None:
        accepted(edited_example("01-resident.xml", set_oktmo(oktmo)), context)

    def test_a_municipal_installation_refuses_another_municipality(
        self, context: Context
    ) -> None:
        context.region_oktmo = "67310000"

        assert rejected(example_bytes("01-resident.xml"), context).field == "Код ОКТМО"


class TestOrderAndScope:
    def test_the_first_defect_in_field_order_is_named(self, context: Context) -> None:
        edit = both(
            set_oktmo("45000000"), set_text(f"{CHILD}/fg:ChildSnils", "16427530968")
        )

        assert (
            rejected(edited_example("01-resident.xml", edit), context).field
            == "Код ОКТМО"
        )

    def test_foreign_child_without_foreign_citizen_info_is_not_refused(
        self, context: Context
    ) -> None:
        # It goes to the documents check (316), which returns it if they are missing.
        payload = edited_example(
            "07-foreign-citizen.xml", remove(f"{REQUEST}/fg:ForeignCitizenInfo")
        )

        assert accepted(payload, context).application.foreign_citizen_info is None

    def test_stateless_child_has_no_citizenship(self, context: Context) -> None:
        def stateless(root: etree._Element) -> None:
            citizenship = find(root, f"{CHILD}/fg:Citizenship")
            citizenship.tag = f"{{{NS['fg']}}}Stateless"
            citizenship.text = "true"

        child = accepted(edited_example("07-foreign-citizen.xml", stateless), context)

        assert child.application.child.is_stateless
        assert child.application.child.citizenship is None

    def test_cancel_request_is_not_checked_against_the_region(
        self, context: Context
    ) -> None:
        context = replace(context, region_oktmo="45000000")

        result = parse(example_bytes("09-cancel-request.xml"), context)

        assert not isinstance(result, InvalidPayload)
