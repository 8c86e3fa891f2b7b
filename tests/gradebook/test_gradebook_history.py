"""Marks of earlier years from XLSX and CSV: stored as locked history, bad files refused."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from domain.gradebook.errors import GradebookError, StateConflict
from tests.gradebook.school import QUARTERS, moment
from tsos.contingent import read_rows
from tsos.db import gradebook as db
from tsos.db.session import session_scope
from tsos.gradebook import history, structure, term_marks
from tsos.gradebook.context import WriteContext

HEADER = ["учебный год", "класс", "буква класса", "фамилия", "имя", "отчество",
          "дата рождения", "предмет", "период", "отметка"]
PUPIL = ["2024/2025", 6, "Б", "Антонов", "Артём", "", "2012-05-01"]
QUARTER_SPANS = [(q.start, q.end) for q in QUARTERS]


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

    # Loading it again meets the locks, through the same check as every write, audited.
    again = _xlsx(tmp_path / "again.xlsx", quarters[:1])
    with session_scope(database_url) as session:
        report = history.import_history(session, school.org_id, read_rows(again),
                                        actor=school.deputy_actor, at=at)
    [problem] = report.problems
    assert problem.row == 2 and "«1 четверть 2024/2025 учебный год» закрыт" in problem.message
    with session_scope(database_url) as session:
        assert session.scalar(select(func.count()).select_from(db.GradebookAuditEvent).where(
            db.GradebookAuditEvent.outcome == "refused",
            db.GradebookAuditEvent.refusal_code == "term_locked")) == 1
        assert session.scalar(select(func.count()).select_from(db.PeriodMark)) == 5


def test_history_is_of_past_years_and_classes_the_journal_did_not_keep(
        tmp_path, database_url, school) -> None:
    at = moment(date(2025, 9, 10))
    with session_scope(database_url) as session:
        past = structure.create_school_year(
            session, school.org_id, starts_on=date(2024, 9, 1), ends_on=date(2025, 8, 31),
            terms={"quarter": [structure.TermDates(s.replace(year=s.year - 1),
                                                   e.replace(year=e.year - 1))
                               for s, e in QUARTER_SPANS]},
            grade_plans={6: "quarter"})
        kept = structure.create_class(session, past, 6, "А")
        structure.plan_lesson(session, kept, school.algebra_id, date(2024, 9, 9),
                              zone="Europe/Simferopol", status="held")

    live = _xlsx(tmp_path / "live.xlsx", [
        ["2025/2026", 7, "Б", *PUPIL[3:], "алгебра", "1 четверть", "5"],
        ["2026/2027", 8, "Б", *PUPIL[3:], "алгебра", "1 четверть", "5"]])
    journal_kept = _xlsx(tmp_path / "kept.xlsx", [
        ["2024/2025", 6, "Б", *PUPIL[3:], "алгебра", "1 четверть", "5"],
        ["2024/2025", 6, "А", *PUPIL[3:], "алгебра", "1 четверть", "5"]])
    with session_scope(database_url) as session:
        current = history.import_history(session, school.org_id, read_rows(live),
                                         actor=school.deputy_actor, at=at)
        kept_report = history.import_history(session, school.org_id, read_rows(journal_kept),
                                             actor=school.head_actor, at=at)
        with pytest.raises(GradebookError, match="Роль «teacher»"):
            history.import_history(session, school.org_id, read_rows(tmp_path / "kept.xlsx"),
                                   actor=school.teacher_actor, at=at)

    assert [(p.row, p.column) for p in current.problems] == [(2, "school_year"),
                                                             (3, "school_year")]
    assert "не закончился" in current.problems[0].message
    [problem] = kept_report.problems
    assert problem.row == 3 and "6А класс 2024/2025 учебного года ведётся в журнале" in \
        problem.message
    with session_scope(database_url) as session:
        # Nothing of either file: no marks, no locks, not even the 6Б of the first row.
        assert session.scalar(select(func.count()).select_from(db.PeriodMark)) == 0
        assert session.scalar(select(func.count()).select_from(db.TermLock)) == 0
        assert session.scalar(select(func.count()).select_from(db.SchoolClass).where(
            db.SchoolClass.letter == "Б", db.SchoolClass.grade == 6)) == 0


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
