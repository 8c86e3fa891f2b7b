"""Marks of earlier years from XLSX and CSV: stored as locked history, bad files refused."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from domain.gradebook.errors import StateConflict
from tests.gradebook.school import moment
from tsos.contingent import read_rows
from tsos.db import gradebook as db
from tsos.db.session import session_scope
from tsos.gradebook import history, term_marks
from tsos.gradebook.context import WriteContext

HEADER = ["учебный год", "класс", "буква класса", "фамилия", "имя", "отчество",
          "дата рождения", "предмет", "период", "отметка"]
PUPIL = ["2024/2025", 6, "Б", "Антонов", "Артём", "", "2012-05-01"]


def _xlsx(path, rows):  # type: ignore[no-untyped-def]
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_past_marks_are_imported_as_locked_history(tmp_path, database_url, school) -> None:
    quarters = [[*PUPIL, "алгебра", f"{n} четверть", mark] for n, mark in
                ((1, "5"), (2, "4"), (3, "5"), (4, "5"))]
    path = _xlsx(tmp_path / "history.xlsx", [*quarters, [*PUPIL, "История", "год", "зачёт"]])
    at = moment(date(2025, 9, 10))
    with session_scope(database_url) as session:
        report = history.import_history(session, school.org_id, read_rows(path),
                                        actor=school.deputy_actor, at=at)
    assert report.problems == [] and (report.marks, report.classes_locked) == (5, 1)

    with session_scope(database_url) as session:
        rows = session.scalars(select(db.PeriodMark).where(
            db.PeriodMark.pupil_id == school.pupils[0], db.PeriodMark.source == "imported")
            .order_by(db.PeriodMark.id)).all()
        assert [(r.period_kind, r.computed_value, r.status) for r in rows] == [
            ("term", "5", "confirmed"), ("term", "4", "confirmed"),
            ("term", "5", "confirmed"), ("term", "5", "confirmed"),
            ("year", "зачёт", "confirmed")]
        school_class = session.get(db.SchoolClass, rows[0].school_class_id)
        assert (school_class.grade, school_class.letter) == (6, "Б")
        locks = session.scalars(select(db.TermLock).where(
            db.TermLock.school_class_id == school_class.id)).all()
        assert sorted(lock.period_kind for lock in locks) == ["term"] * 4 + ["year"]

        ctx = WriteContext(session, school.deputy_actor, at, school.org_id)
        with pytest.raises(StateConflict, match="история"):
            term_marks.override(ctx, rows[1].id, None, "попытка переписать")

    again = _xlsx(tmp_path / "again.xlsx", quarters[:1])
    with session_scope(database_url) as session:
        report = history.import_history(session, school.org_id, read_rows(again),
                                        actor=school.deputy_actor, at=at)
    assert [p.message for p in report.problems] == [
        "строка 2: история 6Б класса за этот год уже загружена и закрыта"]


def test_a_file_with_a_bad_row_imports_nothing(tmp_path, database_url, school) -> None:
    path = tmp_path / "history.csv"
    path.write_text(
        ";".join(HEADER) + "\n"
        "2024/2025;6;Б;Антонов;Артём;;2012-05-01;algebra;1 четверть;5\n"
        "2024/2025;6;Б;Неизвестный;Некто;;2012-01-01;algebra;1 четверть;5\n"
        "2024/2025;6;Б;Антонов;Артём;;2012-05-01;algebra;5 четверть;5\n"
        "2024/2026;6;Б;Антонов;Артём;;2012-05-01;algebra;год;6\n", encoding="utf-8")
    with session_scope(database_url) as session:
        report = history.import_history(session, school.org_id, read_rows(path),
                                        actor=school.deputy_actor,
                                        at=moment(date(2025, 9, 10)))
    assert [str(p) for p in report.problems] == [
        "строка 3, «фамилия»: обучающийся не найден в контингенте школы",
        "строка 4, «период»: в году нет периода «5 четверть»",
        "строка 5, «учебный год»: ожидается вид «2024/2025»",
    ]
    with session_scope(database_url) as session:
        assert session.scalar(select(db.PeriodMark.id).limit(1)) is None
