"""`tsos pupils import`: CSV and XLSX, updates instead of duplicates, problems per row."""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from tests.conftest import shared_path
from tsos.contingent import import_pupils, read_rows
from tsos.db.models import Person, Pupil
from tsos.db.session import session_scope


def _count(url: str) -> int:
    with session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(Pupil)) or 0


def test_reference_csv_imports_and_reimport_updates(database_url, demo_region,
                                                     tmp_path: Path) -> None:
    source = shared_path("reference", "epgu", "first-grade", "pupils-example.csv")
    csv_path = tmp_path / "pupils.csv"
    shutil.copy(source, csv_path)

    with session_scope(database_url) as session:
        first = import_pupils(session, read_rows(csv_path))
    assert (first.created, first.updated, first.problems) == (2, 0, [])

    # The same people again, one moved to another class, one written with Е for Ё and
    # extra spaces: matched, not duplicated.
    text = csv_path.read_text(encoding="utf-8")
    text = text.replace(";3;А;Образцов;", ";3;Б;Образцов;")
    text = text.replace("Примерова;Дарья", "ПРИМЕРОВА ; Дарья ")
    csv_path.write_text(text, encoding="utf-8")
    with session_scope(database_url) as session:
        second = import_pupils(session, read_rows(csv_path))
    assert (second.created, second.updated) == (0, 2)
    assert _count(database_url) == 2

    with session_scope(database_url) as session:
        letter = session.scalar(select(Pupil.class_letter).join(Person)
                                .where(Person.surname == "Образцов"))
    assert letter == "Б"


def test_xlsx_with_bad_rows_reports_them_and_keeps_the_good(database_url, demo_region,
                                                             tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["school_year", "school_code", "grade", "class_letter", "surname", "name",
                  "patronymic", "birth_date", "address"])
    sheet.append(["2026/2027", "SEV-0801", 2, "А", "Ёлкина", "Мария", None, "2018-05-05", ""])
    sheet.append(["2026/2027", "SEV-9999", 2, "А", "Нетова", "Ольга", None, "2018-05-05", ""])
    sheet.append(["2026/2027", "SEV-0801", 14, "А", "Большов", "Иван", None, "2018-05-05", ""])
    sheet.append(["2026/2027", "SEV-0801", 2, "А", "Датов", "Иван", None, "05.05.2018", ""])
    path = tmp_path / "pupils.xlsx"
    book.save(path)

    with session_scope(database_url) as session:
        report = import_pupils(session, read_rows(path))

    assert report.created == 1
    assert [(p.row, p.column) for p in report.problems] == [
        (3, "school_code"), (4, "grade"), (5, "birth_date")]
    assert "SEV-9999" in str(report.problems[0])
    assert _count(database_url) == 1
