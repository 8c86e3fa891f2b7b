"""An export longer than one template file (2999 rows) is split into several valid files."""

import io
from datetime import date, timedelta

import pytest
from frdo_factories import TODAY, make_row
from openpyxl import load_workbook

from gateways.frdo import (
    ROW_CAPACITY,
    FrdoAlreadyExported,
    FrdoRow,
    FrdoValidationFailed,
    validate_rows,
    write_frdo_packages,
)
from gateways.frdo.snils import control_number

SURNAMES = ("Антонова", "Борисова", "Ёлкина", "Жукова", "Иванова")


def _rows(count: int) -> list[FrdoRow]:
    rows = []
    for i in range(count):
        nine = f"{112233400 + i * 7919:09d}"
        snils = nine + control_number(nine)
        rows.append(make_row(
            document_id=f"doc-{i}", number=f"007123456{i:05d}", registration_number=f"9{i:03d}",
            last_name=SURNAMES[i % len(SURNAMES)], birth_date=date(2010, 1, 1)
            + timedelta(days=i), snils=f"{snils[:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:]}"))
    return rows


def _numbers_and_surnames(content: bytes) -> list[tuple[str, str]]:
    sheet = load_workbook(io.BytesIO(content))["Шаблон"]
    found = []
    for r in range(2, sheet.max_row + 1):
        if sheet.cell(r, 9).value is not None:
            found.append((sheet.cell(r, 9).value, sheet.cell(r, 15).value))
    return found


def test_rows_past_the_capacity_go_into_further_files_each_once() -> None:
    rows = _rows(5)
    assert not [p for p in validate_rows(rows, TODAY) if p.blocking]

    packages = write_frdo_packages(rows, today=TODAY, capacity=2)

    assert [p.result.exported_document_ids for p in packages] == [
        ("doc-0", "doc-1"), ("doc-2", "doc-3"), ("doc-4",)]
    written = [_numbers_and_surnames(p.content) for p in packages]
    # Each file starts at the template's first data row, in order; no document twice.
    assert [[number for number, _ in file] for file in written] == [
        ["00712345600000", "00712345600001"], ["00712345600002", "00712345600003"],
        ["00712345600004"]]
    every = [number for file in written for number in file]
    assert len(every) == len(set(every)) == 5


def test_the_default_capacity_is_the_templates_2999_rows() -> None:
    assert ROW_CAPACITY == 2999
    [package] = write_frdo_packages(_rows(3), today=TODAY)
    assert len(package.result.exported_document_ids) == 3


def test_a_repeat_across_files_is_found_and_nothing_is_written() -> None:
    rows = _rows(3)
    rows[2] = make_row(**{**rows[2].__dict__, "number": rows[0].number})

    with pytest.raises(FrdoValidationFailed) as failed:
        write_frdo_packages(rows, today=TODAY, capacity=2)

    messages = [p.message_ru for p in failed.value.problems]
    assert any("повторяются" in m and "2 файла 1" in m and "2 файла 2" in m
               for m in messages)


def test_a_row_problem_names_its_file() -> None:
    rows = _rows(3)
    rows[2] = make_row(**{**rows[2].__dict__, "number": "12-34"})
    with pytest.raises(FrdoValidationFailed) as failed:
        write_frdo_packages(rows, today=TODAY, capacity=2)
    assert any(p.message_ru.startswith("файл 2: ") and p.row_number == 2
               for p in failed.value.problems)


def test_documents_exported_before_are_refused_in_any_file() -> None:
    with pytest.raises(FrdoAlreadyExported):
        write_frdo_packages(_rows(3), today=TODAY, capacity=2, already_exported={"doc-2"})
