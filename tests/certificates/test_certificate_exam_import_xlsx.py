"""State exam results from XLSX: cells typed by Excel read as the parser expects (C13)."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import Workbook

from activities.certificates.exam_import import xlsx_as_csv
from domain.certificates.exam_csv import parse_exam_results_csv

HEADER = ["Код ученика", "Предмет", "Форма", "Тестовый балл", "Дата экзамена"]


def _xlsx(*rows: list[object], epoch: datetime | None = None) -> bytes:
    workbook = Workbook()
    if epoch is not None:
        workbook.epoch = epoch
    for row in (HEADER, *rows):
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _parsed(content: bytes):  # type: ignore[no-untyped-def]
    return parse_exam_results_csv(xlsx_as_csv(content))


def test_an_unformatted_serial_date_is_read_as_the_date() -> None:
    # 46171 days after the Excel epoch 1899-12-30 is 29 May 2026; the cell has no date
    # format, so openpyxl hands over the bare number.
    parsed = _parsed(_xlsx(["1001", "Русский язык", "ЕГЭ", 81, 46171]))

    assert parsed.errors == ()
    (result,) = parsed.results
    assert result.exam_date == date(2026, 5, 29)
    assert result.score == 81


def test_a_serial_with_a_time_of_day_and_a_real_date_cell_are_read_too() -> None:
    parsed = _parsed(
        _xlsx(
            ["1001", "Русский язык", "ЕГЭ", 81, 46171.75],
            ["1002", "Русский язык", "ЕГЭ", 77, date(2026, 5, 29)],
        )
    )

    assert parsed.errors == ()
    assert [r.exam_date for r in parsed.results] == [date(2026, 5, 29)] * 2


def test_serials_of_a_workbook_in_the_1904_date_system() -> None:
    content = _xlsx(
        ["1001", "Русский язык", "ЕГЭ", 81, 46171 - 1462], epoch=datetime(1904, 1, 1)
    )

    assert _parsed(content).results[0].exam_date == date(2026, 5, 29)


def test_numbers_outside_date_columns_stay_numbers() -> None:
    # The score column is not a date column: 81 is a score, not 20 March 1900.
    csv_text = xlsx_as_csv(_xlsx(["1001", "Русский язык", "ЕГЭ", 81, 46171]))

    assert csv_text.splitlines()[1] == "1001;Русский язык;ЕГЭ;81;29.05.2026"


def test_a_number_that_is_no_date_is_a_row_error() -> None:
    parsed = _parsed(_xlsx(["1001", "Русский язык", "ЕГЭ", 81, 10**9]))

    assert parsed.results == ()
    assert [str(e) for e in parsed.errors] == [
        "Строка 2: дата экзамена «1000000000» не в формате дд.мм.гггг"
    ]
