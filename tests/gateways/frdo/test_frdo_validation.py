"""Our ФРДО checker: field rules of certificates.md §9.3 and pitfalls C14–C28."""

import io
from datetime import date

import pytest
from frdo_factories import TODAY, make_original, make_row
from openpyxl import load_workbook

from gateways.frdo import (
    DocumentKind,
    DocumentStatus,
    EducationLevel,
    RowProblem,
    check_snils,
    replace_latin_lookalikes,
    validate_rows,
    write_frdo_workbook,
)
from gateways.frdo.columns import COLUMN_BY_LETTER, Requirement
from gateways.frdo.snils import control_number
from gateways.frdo.validation import prepare_row


def _blocking(problems: list[RowProblem]) -> list[RowProblem]:
    return [problem for problem in problems if problem.blocking]


def _messages(problems: list[RowProblem], column: str) -> list[str]:
    return [p.message_ru for p in problems if p.column_title == column and p.blocking]


def _values(**overrides: object) -> dict[str, object]:
    return prepare_row(make_row(**overrides), 2, TODAY).values


def test_a_complete_row_has_no_problems() -> None:
    assert validate_rows([make_row()], TODAY) == []


def test_problem_points_at_worksheet_row_and_exact_column_title() -> None:
    second = make_row(
        document_id="doc-2", number="00712345678902", first_name="Ия", snils=None
    )

    problems = validate_rows([make_row(), second], TODAY)

    assert problems == [
        RowProblem(
            3,
            "СНИЛС",
            "обязателен для гражданина РФ (643) в документе, выданном с 2021 года",
            "doc-2",
        )
    ]


@pytest.mark.parametrize(
    ("raw", "formatted"),
    [
        ("11223344595", "112-233-445 95"),  # weighted sum 95 < 100
        ("987-654-321 83", "987-654-321 83"),  # 285 mod 101 = 83
        ("920 000 100 00", "920-000-100 00"),  # sum exactly 100 → 00
        ("996-100-000 00", "996-100-000 00"),  # 201 mod 101 = 100 → 00
    ],
)
def test_snils_is_formatted_and_its_control_number_checked(
    raw: str, formatted: str
) -> None:
    assert check_snils(raw).formatted == formatted
    assert _values(snils=raw)["S"] == formatted


def test_control_number_of_sum_101_is_zero() -> None:
    # 9*9 + 8*2 + 4*1 = 101
    assert control_number("920001000") == "00"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("112-233-445 96", "неверное контрольное число"),
        ("112-233-445", "11 цифр"),
        ("112/233/445 95", "только цифры"),
    ],
)
def test_invalid_snils_is_reported(raw: str, fragment: str) -> None:
    messages = _messages(validate_rows([make_row(snils=raw)], TODAY), "СНИЛС")

    assert len(messages) == 1
    assert fragment in messages[0]


def test_snils_is_optional_for_a_foreign_citizen() -> None:
    row = make_row(snils=None, citizenship="860")

    assert validate_rows([row], TODAY) == []
    assert prepare_row(row, 2, TODAY).values["S"] is None


def test_absent_patronymic_is_written_as_net() -> None:
    assert _values(patronymic=None)["Q"] == "Нет"
    assert _values(patronymic="  ")["Q"] == "Нет"


def test_series_of_a_2014_blank_is_net_and_number_keeps_leading_zeros() -> None:
    values = _values()

    assert values["H"] == "Нет"
    assert values["I"] == "00712345678901"
    assert values["K"] == "007"


def test_yo_is_kept_exactly_as_written() -> None:
    assert _values(last_name="Ёлкина", first_name="Пётр")["O"] == "Ёлкина"
    assert _values(last_name="Ёлкина", first_name="Пётр")["P"] == "Пётр"


def test_invisible_characters_are_removed_and_reported_without_blocking() -> None:
    row = make_row(last_name="\ufeffЁлкина\u200b", first_name="Анна\u00a0Мария")

    problems = validate_rows([row], TODAY)
    values = prepare_row(row, 2, TODAY).values

    assert values["O"] == "Ёлкина"
    assert values["P"] == "Анна Мария"
    assert _blocking(problems) == []
    notices = {p.column_title: p.message_ru for p in problems}
    assert "U+FEFF" in notices["Фамилия получателя"]
    assert "U+200B" in notices["Фамилия получателя"]
    assert "U+00A0" in notices["Имя получателя"]


def test_a_tab_inside_a_name_becomes_a_space_and_is_reported() -> None:
    # C14: a tab pasted from a spreadsheet between the two parts of a first name.
    row = make_row(first_name="Анна\tМария", last_name="Ёлкина\t")

    problems = validate_rows([row], TODAY)
    values = prepare_row(row, 2, TODAY).values

    assert values["P"] == "Анна Мария"
    assert values["O"] == "Ёлкина"
    assert _blocking(problems) == []
    notices = {p.column_title: p.message_ru for p in problems}
    assert notices["Имя получателя"] == (
        "исправлены невидимые или нестандартные символы: табуляция (U+0009)"
    )
    assert "табуляция (U+0009)" in notices["Фамилия получателя"]


def test_leading_trailing_and_doubled_spaces_in_names_are_trimmed() -> None:
    # C14: ordinary spaces are trimmed and collapsed silently (nothing invisible was there).
    row = make_row(
        last_name="  Ёлкина ", first_name=" Анна  Мария  ", patronymic="Сергеевна   "
    )

    values = prepare_row(row, 2, TODAY).values

    assert (values["O"], values["P"], values["Q"]) == ("Ёлкина", "Анна Мария", "Сергеевна")
    assert validate_rows([row], TODAY) == []


def test_a_name_of_tabs_and_spaces_only_is_empty() -> None:
    # A patronymic that is only whitespace is no patronymic: «Нет» (C17); a first name
    # that is only whitespace is missing and blocks the row.
    assert _values(patronymic=" \t ")["Q"] == "Нет"
    messages = _messages(
        validate_rows([make_row(first_name="\t \t")], TODAY), "Имя получателя"
    )
    assert messages == ["не заполнено"]


def test_the_written_workbook_holds_the_trimmed_names() -> None:
    # The export path: what reaches the cells is the cleaned value, not the raw one.
    row = make_row(last_name="\tЁлкина ", first_name=" Анна\tМария", patronymic="  ")
    stream = io.BytesIO()
    write_frdo_workbook([row], stream, None, today=TODAY)

    sheet = load_workbook(io.BytesIO(stream.getvalue()))["Шаблон"]
    header = [cell.value for cell in sheet[1]]
    names = [
        sheet.cell(2, header.index(title) + 1).value
        for title in ("Фамилия получателя", "Имя получателя", "Отчество получателя")
    ]
    assert names == ["Ёлкина", "Анна Мария", "Нет"]


def test_long_dash_in_a_double_surname_becomes_a_hyphen() -> None:
    assert _values(last_name="Петрова\u2014Водкина")["O"] == "Петрова-Водкина"


def test_line_break_in_a_name_blocks_the_export() -> None:
    messages = _messages(
        validate_rows([make_row(first_name="Анна\nМария")], TODAY), "Имя получателя"
    )

    assert messages == ["содержит перенос на новую строку"]


def test_latin_lookalikes_in_a_name_are_detected() -> None:
    # «Ивaнова» with a Latin «a», «Cергей» with a Latin «C».
    row = make_row(last_name="Ивaнова", first_name="Cергей")

    problems = validate_rows([row], TODAY)

    surname = _messages(problems, "Фамилия получателя")
    assert len(surname) == 1
    assert "«a»" in surname[0] and "похожие на русские" in surname[0]
    assert "«C»" in _messages(problems, "Имя получателя")[0]
    assert replace_latin_lookalikes("Ивaнова") == "Иванова"
    assert replace_latin_lookalikes("Cергей") == "Сергей"


@pytest.mark.parametrize(
    ("surname", "fragment"),
    [
        ("Петров--Водкин", "два дефиса подряд"),
        ("-Анна", "дефисом"),
        ("Иванов2", "недопустимые символы: «2»"),
        ("Smith", "латинские буквы недопустимы"),
        ("Я" * 51, "длиннее 50"),
    ],
)
def test_malformed_surnames_are_rejected(surname: str, fragment: str) -> None:
    messages = _messages(
        validate_rows([make_row(last_name=surname)], TODAY), "Фамилия получателя"
    )

    assert any(fragment in message for message in messages), messages


def test_value_differing_from_the_list_only_by_case_is_rejected_with_the_exact_value() -> (
    None
):
    problems = validate_rows([make_row(study_form="очная", gender="М")], TODAY)

    assert _messages(problems, "Форма обучения") == [
        "значение «очная» отличается от справочника только написанием: нужно «Очная»"
    ]
    assert "нужно «Муж»" in _messages(problems, "Пол получателя")[0]


def test_honours_attestat_must_match_its_level() -> None:
    row = make_row(
        document_kind=DocumentKind.SECONDARY_HONOURS,
        education_level=EducationLevel.BASIC_GENERAL,
    )

    messages = _messages(validate_rows([row], TODAY), "Уровень образования")

    assert messages == [
        "не соответствует виду документа: нужно «Среднее общее образование»"
    ]


def test_study_term_counted_from_first_grade_is_rejected() -> None:
    messages = _messages(
        validate_rows([make_row(admission_year=2017)], TODAY), "Год поступления"
    )

    assert len(messages) == 1
    assert "больше 7" in messages[0]


def test_issue_date_before_the_year_of_completion_is_rejected() -> None:
    row = make_row(issue_date=date(2025, 6, 25), graduation_year=2026)

    assert _messages(validate_rows([row], TODAY), "Дата выдачи") == [
        "дата выдачи раньше года окончания обучения"
    ]


def test_date_given_as_text_is_rejected() -> None:
    row = make_row(issue_date="25.06.2026")

    assert _messages(validate_rows([row], TODAY), "Дата выдачи") == [
        "не заполнено или не является датой"
    ]


def test_blank_number_of_a_modern_attestat_has_fourteen_digits() -> None:
    messages = _messages(
        validate_rows([make_row(number="0071234567890")], TODAY), "Номер документа"
    )

    assert messages == ["номер бланка аттестата должен состоять из 14 цифр"]


def test_duplicate_carries_the_original_block() -> None:
    row = make_row(
        status=DocumentStatus.DUPLICATE,
        document_kind=DocumentKind.BASIC,
        admission_year=2019,
        graduation_year=2024,
        loss_confirmed=True,
        original=make_original(),
    )

    values = prepare_row(row, 2, TODAY).values

    assert validate_rows([row], TODAY) == []
    assert values["C"] == "Дубликат"
    assert values["D"] == "Да"
    assert (values["Y"], values["Z"], values["AA"], values["AB"]) == (
        "Аттестат",
        "Нет",
        "00712345670001",
        "3",
    )
    assert values["AC"] == date(2024, 6, 20)
    assert (values["AD"], values["AE"], values["AF"]) == ("Ёлкина", "Анна", "Нет")


def test_duplicate_without_the_original_and_original_with_it_are_both_rejected() -> (
    None
):
    duplicate = make_row(status=DocumentStatus.DUPLICATE)
    original = make_row(
        document_id="doc-2", number="00712345678902", original=make_original()
    )

    problems = validate_rows([duplicate, original], TODAY)
    column = "Наименование документа об образовании (оригинала)"

    assert [
        (p.row_number, p.message_ru) for p in problems if p.column_title == column
    ] == [
        (2, "для дубликата нужны данные оригинала (столбцы Y–AF)"),
        (3, "данные оригинала заполняются только для дубликата"),
    ]


def test_same_document_number_twice_in_a_batch_is_reported_on_both_rows() -> None:
    rows = [
        make_row(),
        make_row(document_id="doc-2", snils="987-654-321 83", first_name="Ия"),
    ]

    messages = _messages(validate_rows(rows, TODAY), "Номер документа")

    assert (
        messages == ["серия и номер документа повторяются в выгрузке (строки 2, 3)"] * 2
    )


_FIELD_OF_TEXT_COLUMN = {
    "A": "document_name",
    "B": "document_kind",
    "C": "status",
    "G": "education_level",
    "I": "number",
    "K": "registration_number",
    "O": "last_name",
    "P": "first_name",
    "T": "citizenship",
    "U": "education_setting",
    "V": "gender",
    "W": "funding_source",
    "X": "study_form",
}


@pytest.mark.parametrize("letter", sorted(_FIELD_OF_TEXT_COLUMN))
def test_declared_required_columns_are_enforced(letter: str) -> None:
    column = COLUMN_BY_LETTER[letter]
    assert column.required in (
        Requirement.ALWAYS,
        Requirement.UNLESS_STUDY_REFERENCE,
        Requirement.FROM_2021,
    )

    problems = validate_rows([make_row(**{_FIELD_OF_TEXT_COLUMN[letter]: " "})], TODAY)

    assert _messages(problems, column.title), problems


def test_form_of_study_may_be_empty_for_a_document_issued_before_2021() -> None:
    row = make_row(
        issue_date=date(2019, 6, 25),
        admission_year=2014,
        graduation_year=2019,
        funding_source=None,
        study_form=None,
        snils=None,
    )

    assert validate_rows([row], TODAY) == []


def test_same_snils_twice_in_a_batch_is_reported_on_both_rows() -> None:
    # C26: two different people (names differ) with one СНИЛС.
    rows = [
        make_row(),
        make_row(document_id="doc-2", number="00712345678902", registration_number="008",
                 last_name="Жукова", first_name="Ия"),
    ]

    messages = _messages(validate_rows(rows, TODAY), "СНИЛС")

    assert messages == [
        "СНИЛС повторяется у оригиналов одного уровня образования (строки 2, 3)"
    ] * 2


def test_same_name_and_birth_date_twice_in_a_batch_is_reported_on_both_rows() -> None:
    # C26: one person written twice under different numbers and СНИЛС.
    rows = [
        make_row(),
        make_row(document_id="doc-2", number="00712345678902", registration_number="008",
                 snils="987-654-321 83"),
    ]

    messages = _messages(validate_rows(rows, TODAY), "Фамилия получателя")

    assert messages == [
        "ФИО и дата рождения повторяются у оригиналов одного уровня (строки 2, 3)"
    ] * 2
    assert _messages(validate_rows(rows, TODAY), "СНИЛС") == []
