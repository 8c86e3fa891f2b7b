"""The ФРДО XLSX: our generated workbook and the filled official template."""

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from frdo_factories import TODAY, make_original, make_row
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from gateways.frdo import (
    FRDO_COLUMNS,
    ROW_CAPACITY,
    FrdoAlreadyExported,
    FrdoCapacityExceeded,
    FrdoRow,
    FrdoTemplateMismatch,
    FrdoValidationFailed,
    build_blank_workbook,
    split_rows,
    write_frdo_workbook,
)

DATA = "Шаблон"
LISTS = "Проверки"


def _export(
    rows: list[FrdoRow], template: Path | None = None, **kwargs: object
) -> bytes:
    stream = io.BytesIO()
    write_frdo_workbook(rows, stream, template, today=TODAY, **kwargs)
    return stream.getvalue()


def _open(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def _headers(sheet: Worksheet) -> list[object]:
    return [cell.value for cell in sheet[1]]


def _validations(workbook: Workbook) -> dict[str, tuple[object, ...]]:
    out: dict[str, tuple[object, ...]] = {}
    for dv in workbook[DATA].data_validations.dataValidation:
        # formula2 of a ">= 1" date rule is meaningless and not compared.
        formula2 = dv.formula2 if dv.type in ("decimal", "whole") else None
        out[str(dv.sqref)] = (
            dv.type,
            dv.operator,
            dv.formula1,
            formula2,
            dv.prompt,
            dv.allow_blank,
            dv.showInputMessage,
            dv.showErrorMessage,
        )
    return out


def _defined_names(workbook: Workbook) -> dict[str, str]:
    return {name: dn.attr_text for name, dn in workbook.defined_names.items()}


def _list_values(workbook: Workbook) -> dict[str, list[str]]:
    """Every named list as strings (the official sheet stores codes ≥ 100 as numbers)."""
    out: dict[str, list[str]] = {}
    for name, dn in workbook.defined_names.items():
        for sheet_title, ref in dn.destinations:
            cells = workbook[sheet_title][ref.replace("$", "")]
            out[name] = [str(row[0].value) for row in cells]
    return out


@pytest.fixture(scope="module")
def official(official_template_path: Path) -> Workbook:
    return load_workbook(official_template_path)


_LEADING_ZEROS_ROW = {"snils": "00345678939", "citizenship": "004"}


@pytest.fixture(scope="module")
def filled_official(official_template_path: Path) -> Workbook:
    """The official template filled with one row, read back."""
    return _open(_export([make_row(**_LEADING_ZEROS_ROW)], official_template_path))


def _header_styles(sheet: Worksheet) -> list[tuple[object, ...]]:
    return [
        (
            c.font.name,
            c.font.sz,
            c.fill.fgColor.rgb,
            c.alignment.wrap_text,
            c.number_format,
        )
        for c in sheet[1]
    ]


def test_generated_workbook_matches_the_official_template(official: Workbook) -> None:
    ours = _open(_export([make_row()]))

    assert ours.sheetnames == official.sheetnames == [DATA, LISTS]
    assert [ws.sheet_state for ws in ours.worksheets] == ["visible", "hidden"]
    assert _headers(ours[DATA]) == _headers(official[DATA])
    assert _validations(ours) == _validations(official)
    assert _defined_names(ours) == _defined_names(official)
    assert _list_values(ours) == _list_values(official)


def test_our_column_definitions_match_the_official_header_cells(
    official: Workbook,
) -> None:
    sheet = official[DATA]

    assert [column.title for column in FRDO_COLUMNS] == _headers(sheet)
    assert sheet["R1"].value == "Дата рождения получателя "
    text_columns = {c.letter for c in FRDO_COLUMNS if c.text_format}
    official_text = {c.column_letter for c in sheet[2] if c.number_format == "@"}
    assert official_text <= text_columns


def test_filled_template_keeps_sheets_validations_names_and_headers(
    official: Workbook, filled_official: Workbook
) -> None:
    filled = filled_official

    assert filled.sheetnames == official.sheetnames
    assert [ws.sheet_state for ws in filled.worksheets] == ["visible", "hidden"]
    assert filled[LISTS].protection.sheet
    assert _headers(filled[DATA]) == _headers(official[DATA])
    assert _header_styles(filled[DATA]) == _header_styles(official[DATA])
    assert _validations(filled) == _validations(official)
    assert _defined_names(filled) == _defined_names(official)
    assert _list_values(filled) == _list_values(official)
    assert filled[DATA]["N3000"].value == "=M3000-L3000"
    assert filled[DATA]["O2"].value == "Ёлкина"


def test_template_with_a_changed_header_is_refused(tmp_path: Path) -> None:
    changed = build_blank_workbook()
    changed[DATA]["S1"] = "СНИЛС получателя"
    path = tmp_path / "changed.xlsx"
    changed.save(path)

    with pytest.raises(FrdoTemplateMismatch) as caught:
        _export([make_row()], path)

    assert caught.value.differences == ["столбец S: «СНИЛС получателя» вместо «СНИЛС»"]


def test_template_with_a_trimmed_header_is_accepted_and_left_as_it_is(
    tmp_path: Path,
) -> None:
    workbook = build_blank_workbook()
    workbook[DATA]["R1"] = "Дата рождения получателя"
    path = tmp_path / "trimmed.xlsx"
    workbook.save(path)

    filled = _open(_export([make_row()], path))

    assert filled[DATA]["R1"].value == "Дата рождения получателя"


@pytest.mark.parametrize("use_template", [False, True])
def test_numbers_keep_leading_zeros_as_text_and_dates_are_date_cells(
    use_template: bool, request: pytest.FixtureRequest
) -> None:
    if use_template:
        sheet = request.getfixturevalue("filled_official")[DATA]
    else:
        sheet = _open(_export([make_row(**_LEADING_ZEROS_ROW)]))[DATA]

    for coordinate, expected in [
        ("H2", "Нет"),
        ("I2", "00712345678901"),
        ("K2", "007"),
        ("S2", "003-456-789 39"),
        ("T2", "004"),
    ]:
        assert sheet[coordinate].value == expected
        assert sheet[coordinate].data_type == "s"
    for coordinate, expected in [("J2", date(2026, 6, 25)), ("R2", date(2010, 3, 12))]:
        cell = sheet[coordinate]
        assert cell.is_date
        assert cell.value == datetime.combine(expected, datetime.min.time())
        assert cell.number_format == "DD.MM.YYYY"
    assert (sheet["L2"].value, sheet["M2"].value) == (2021, 2026)
    assert sheet["N2"].value == "=M2-L2"
    assert sheet["Q2"].value == "Сергеевна"
    assert sheet["AG2"].value is None


def test_term_formula_carries_its_cached_value() -> None:
    data = _export([make_row()])

    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")

    assert re.search(rb'<c r="N2"[^>]*><f>M2-L2</f><v>5</v></c>', sheet_xml)


def test_second_export_of_the_same_document_is_refused() -> None:
    first = write_frdo_workbook([make_row()], io.BytesIO(), today=TODAY)
    stream = io.BytesIO()

    with pytest.raises(FrdoAlreadyExported) as caught:
        write_frdo_workbook(
            [make_row()],
            stream,
            already_exported=set(first.exported_document_ids),
            today=TODAY,
        )

    assert caught.value.document_ids == ["doc-1"]
    assert stream.getvalue() == b""


def test_already_exported_documents_can_be_skipped_and_are_reported() -> None:
    second = make_row(
        document_id="doc-2",
        number="00712345678902",
        first_name="Ия",
        snils="987-654-321 83",
    )
    stream = io.BytesIO()

    result = write_frdo_workbook(
        [make_row(), second],
        stream,
        already_exported={"doc-1"},
        skip_already_exported=True,
        today=TODAY,
    )

    sheet = _open(stream.getvalue())[DATA]
    assert result.exported_document_ids == ("doc-2",)
    assert result.skipped_document_ids == ("doc-1",)
    assert sheet["P2"].value == "Ия"
    assert sheet["P3"].value is None


def test_rows_with_problems_are_not_written() -> None:
    stream = io.BytesIO()

    with pytest.raises(FrdoValidationFailed) as caught:
        write_frdo_workbook([make_row(snils="112-233-445 96")], stream, today=TODAY)

    assert [(p.row_number, p.column_title) for p in caught.value.problems] == [
        (2, "СНИЛС")
    ]
    assert stream.getvalue() == b""


def test_duplicate_row_is_written_with_the_original_block() -> None:
    row = make_row(
        status="Дубликат",
        admission_year=2019,
        graduation_year=2024,
        original=make_original(),
    )

    sheet = _open(_export([row]))[DATA]

    assert [sheet.cell(2, col).value for col in range(25, 33)] == [
        "Аттестат",
        "Нет",
        "00712345670001",
        "3",
        datetime(2024, 6, 20),
        "Ёлкина",
        "Анна",
        "Нет",
    ]
    assert sheet["AC2"].number_format == "DD.MM.YYYY"


def test_more_rows_than_one_template_holds_are_refused_and_can_be_split() -> None:
    rows = [make_row(document_id=f"doc-{i}") for i in range(ROW_CAPACITY + 1)]

    with pytest.raises(FrdoCapacityExceeded):
        write_frdo_workbook(rows, io.BytesIO(), today=TODAY)

    assert [len(part) for part in split_rows(rows)] == [ROW_CAPACITY, 1]


def test_template_with_an_extra_visible_sheet_is_refused(tmp_path: Path) -> None:
    # C22: all data on the one sheet «Шаблон»; another visible sheet is not the template.
    workbook = build_blank_workbook()
    workbook.create_sheet("Лист1")
    path = tmp_path / "extra.xlsx"
    workbook.save(path)

    with pytest.raises(FrdoTemplateMismatch) as caught:
        _export([make_row()], path)

    assert caught.value.differences == [
        "видимые листы ['Шаблон', 'Лист1'], ожидается только «Шаблон»"
    ]


def test_hidden_columns_of_the_template_are_shown_again(tmp_path: Path) -> None:
    # C22: a column hidden in the school's copy is not left hidden in the file we send.
    workbook = build_blank_workbook()
    workbook[DATA].column_dimensions["S"].hidden = True
    workbook[DATA].column_dimensions["AD"].hidden = True
    path = tmp_path / "hidden.xlsx"
    workbook.save(path)

    filled = _open(_export([make_row()], path))

    hidden = [k for k, d in filled[DATA].column_dimensions.items() if d.hidden]
    assert hidden == []
    assert filled[DATA]["S2"].value == "112-233-445 95"


def test_an_overwritten_term_formula_is_restored(tmp_path: Path) -> None:
    # C22: someone typed a number over «Срок обучения, лет» in the school's copy.
    workbook = build_blank_workbook()
    workbook[DATA]["N2"] = 5
    workbook[DATA]["N3"] = None
    path = tmp_path / "overwritten.xlsx"
    workbook.save(path)

    filled = _open(_export([make_row(), make_row(document_id="doc-2",
                                                 number="00712345678902",
                                                 registration_number="008",
                                                 snils="987-654-321 83",
                                                 first_name="Ия")], path))

    assert filled[DATA]["N2"].value == "=M2-L2"
    assert filled[DATA]["N3"].value == "=M3-L3"
