"""ФИС ФРДО export time for 10,000 rows (validation plus writing).

One template file holds 2999 rows, so 10,000 documents make four packages.
Run: .venv/bin/python bench/bench_frdo_export.py [path to the official template]
"""

import io
import sys
import time
from datetime import date

from gateways.frdo import (
    DocumentKind,
    EducationLevel,
    FrdoRow,
    FundingSource,
    Gender,
    StudyForm,
    split_rows,
    validate_rows,
    write_frdo_workbook,
)
from gateways.frdo.snils import control_number, format_snils

ROWS = 10_000
TODAY = date(2026, 7, 1)


def _letters(number: int) -> str:
    """A distinct Cyrillic tail per row, so no two invented people coincide."""
    alphabet = "абвгдежзиклмнопрстуфхцчшщэюя"
    out = ""
    while True:
        number, digit = divmod(number, len(alphabet))
        out += alphabet[digit]
        if number == 0:
            return out


def _rows() -> list[FrdoRow]:
    rows = []
    for i in range(ROWS):
        nine = f"{100_000_000 + i * 7:09d}"
        rows.append(
            FrdoRow(
                document_id=f"doc-{i}",
                document_kind=DocumentKind.BASIC,
                education_level=EducationLevel.BASIC_GENERAL,
                number=f"007{i:011d}",
                issue_date=date(2026, 6, 25),
                registration_number=f"{i:05d}",
                admission_year=2021,
                graduation_year=2026,
                last_name="Ёлкина",
                first_name=f"Анна{_letters(i)}",
                patronymic=None if i % 9 == 0 else "Сергеевна",
                birth_date=date(2010, 1, 1 + i % 28),
                gender=Gender.FEMALE,
                snils=format_snils(nine + control_number(nine)),
                funding_source=FundingSource.MUNICIPAL,
                study_form=StudyForm.FULL_TIME,
            )
        )
    return rows


def _export(rows: list[FrdoRow], template: str | None) -> tuple[float, int]:
    started = time.perf_counter()
    size = 0
    for package in split_rows(rows):
        stream = io.BytesIO()
        write_frdo_workbook(package, stream, template, today=TODAY)
        size += len(stream.getvalue())
    return time.perf_counter() - started, size


def main() -> None:
    rows = _rows()

    started = time.perf_counter()
    problems = validate_rows(rows, TODAY)
    validate_seconds = time.perf_counter() - started

    print(f"{ROWS} rows, {len(split_rows(rows))} packages")
    print(f"validate_rows alone: {validate_seconds:.2f} s ({len(problems)} problems)")
    seconds, size = _export(rows, None)
    print(f"generated workbooks: {seconds:.2f} s, {size / 1e6:.1f} MB")
    if len(sys.argv) > 1:
        seconds, size = _export(rows, sys.argv[1])
        print(f"official template:   {seconds:.2f} s, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
