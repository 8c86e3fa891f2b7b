"""Term and year marks of earlier years, imported from XLSX or CSV and kept as locked history.

A grade-11 certificate needs the grade-10 marks, often earned before the journal lived here.
Each row names a pupil of the school (matched by name and birth date), the school year and
grade, the subject, the period («1 четверть», «2 полугодие», «год») and the mark. The year,
its terms and the class are created as needed, the marks stored as confirmed imports, and
every period of that class closed with a lock: nothing in that history changes afterwards.
A file with any bad row imports nothing; every problem is reported by row and column.

History is of years that are over, for classes the journal did not keep: a current or future
year, or a class with lessons of its own, is refused (closing it would lock a live journal).
Only the deputy head or the head imports, and every mark and lock goes through the domain's
checks like any other write.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.gradebook import terms as dterms
from domain.gradebook.audit import Actor, user_change
from domain.gradebook.computation import NOT_ASSESSED
from domain.gradebook.errors import GradebookError
from domain.gradebook.locks import Action, WriteTarget, check_write
from domain.gradebook.marks import MarkValue
from domain.gradebook.terms import (
    TERM_COUNTS,
    TERM_NAMES_RU,
    TermKind,
    school_year_start,
)
from domain.people.names import full_name_key
from tsos.db import gradebook as db
from tsos.db.models import Organization, Person, Pupil, SchoolYear
from tsos.gradebook import audit_log, structure
from tsos.gradebook.context import WriteContext
from tsos.gradebook.locks import locks_for
from tsos.gradebook.mapping import domain_period_id, period_mark_of

log = logging.getLogger(__name__)

COLUMNS = ("school_year", "grade", "class_letter", "surname", "name", "patronymic",
           "birth_date", "subject", "period", "mark")
TITLES_RU = {
    "school_year": "учебный год", "grade": "класс", "class_letter": "буква класса",
    "surname": "фамилия", "name": "имя", "patronymic": "отчество",
    "birth_date": "дата рождения", "subject": "предмет", "period": "период",
    "mark": "отметка",
}
HISTORY_LETTER = "—"
IMPORTING_ROLES = frozenset({"deputy_head", "school_head"})
# Conventional term dates: imported marks have no lessons, the dates only bound the locks.
CONVENTIONAL_TERMS = {
    TermKind.QUARTER: (((9, 1), (10, 31)), ((11, 1), (12, 31)), ((1, 1), (3, 31)),
                       ((4, 1), (5, 31))),
    TermKind.HALF_YEAR: (((9, 1), (12, 31)), ((1, 1), (5, 31))),
    TermKind.TRIMESTER: (((9, 1), (11, 30)), ((12, 1), (2, 28)), ((3, 1), (5, 31))),
}
_PERIOD = re.compile(r"^\s*(\d)\s*[-–]?\s*(?:я|й)?\s*(четверть|полугодие|триместр)\s*$")


@dataclass(frozen=True)
class HistoryProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"строка {self.row}, «{TITLES_RU.get(self.column, self.column)}»: {self.message}"


@dataclass
class HistoryReport:
    marks: int = 0
    classes_locked: int = 0
    problems: list[HistoryProblem] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    number: int
    year_start: int
    grade: int
    letter: str
    pupil_id: int
    subject_id: int
    kind: TermKind | None
    term_number: int | None
    value: MarkValue | None


def import_history(session: Session, organization_id: int,
                   rows: Iterable[tuple[int, dict[str, str]]], *, actor: Actor,
                   at: datetime) -> HistoryReport:
    actor.require_role(IMPORTING_ROLES, "загружать отметки прошлых лет")
    report = HistoryReport()
    parsed = []
    current_year = school_year_start(at.date())
    for number, raw in rows:
        item = _parse(session, organization_id, number, raw)
        if not isinstance(item, HistoryProblem) and item.year_start >= current_year:
            item = HistoryProblem(number, "school_year",
                                  "учебный год не закончился: загружается история только "
                                  "прошедших лет, текущий год ведётся в журнале")
        if isinstance(item, HistoryProblem):
            report.problems.append(item)
        else:
            parsed.append(item)
    if report.problems or not parsed:
        return report

    ctx = WriteContext(session, actor, at, organization_id)
    classes: dict[tuple[int, int, str], db.SchoolClass] = {}
    # All or nothing, whatever the caller does with its transaction afterwards.
    savepoint = session.begin_nested()
    try:
        for row in parsed:
            key = (row.year_start, row.grade, row.letter)
            if key not in classes:
                classes[key] = _history_class(session, organization_id, row)
            _store_mark(ctx, classes[key], row)
    except GradebookError as error:
        # A refused write stays audited: its refusal was stored in a transaction of its own.
        savepoint.rollback()
        session.info.pop("gb_years", None)
        report.problems.append(HistoryProblem(row.number, "period", error.message))
        return report
    for school_class in classes.values():
        report.classes_locked += _lock(ctx, school_class)
    savepoint.commit()
    report.marks = len(parsed)
    log.info("gradebook history imported: org %s marks %s classes %s", organization_id,
             report.marks, len(classes))
    return report


def _parse(session: Session, organization_id: int, number: int,
           raw: dict[str, str]) -> _Row | HistoryProblem:
    values = {key: (raw.get(key) or raw.get(TITLES_RU[key]) or "").strip() for key in COLUMNS}
    for required in ("school_year", "grade", "surname", "name", "birth_date", "subject",
                     "period", "mark"):
        if not values[required]:
            return HistoryProblem(number, required, "обязательное поле не заполнено")
    match = re.fullmatch(r"(\d{4})/(\d{4})", values["school_year"])
    if match is None or int(match[2]) != int(match[1]) + 1:
        return HistoryProblem(number, "school_year", "ожидается вид «2024/2025»")
    try:
        grade = int(values["grade"])
        if not 1 <= grade <= 11:
            raise ValueError
    except ValueError:
        return HistoryProblem(number, "grade", "ожидается число от 1 до 11")
    try:
        birth = date.fromisoformat(values["birth_date"][:10])
    except ValueError:
        return HistoryProblem(number, "birth_date", "ожидается дата в формате ГГГГ-ММ-ДД")

    key = full_name_key(values["surname"], values["name"], values["patronymic"] or None)
    pupil_id = session.scalar(select(Pupil.id).join(Person).where(
        Pupil.organization_id == organization_id, Person.match_key == key,
        Person.birth_date == birth))
    if pupil_id is None:
        return HistoryProblem(number, "surname", "обучающийся не найден в контингенте школы")
    subject_id = session.scalar(select(db.Subject.id).where(
        (db.Subject.code == values["subject"])
        | (func.lower(db.Subject.name) == values["subject"].lower())))
    if subject_id is None:
        return HistoryProblem(number, "subject", f"предмет «{values['subject']}» неизвестен")

    period = values["period"].lower().replace("ё", "е")
    kind, term_number = None, None
    if period not in ("год", "годовая", "year"):
        found = _PERIOD.match(period)
        if found is None:
            return HistoryProblem(number, "period",
                                  "ожидается «1 четверть», «2 полугодие», «3 триместр» или «год»")
        kind = next(k for k, title in TERM_NAMES_RU.items() if title == found[2])
        term_number = int(found[1])
        if not 1 <= term_number <= TERM_COUNTS[kind]:
            return HistoryProblem(number, "period", f"в году нет периода «{values['period']}»")
    try:
        value = None if values["mark"] == NOT_ASSESSED else MarkValue.parse(values["mark"])
    except GradebookError as error:
        return HistoryProblem(number, "mark", error.message)
    return _Row(number, int(match[1]), grade, values["class_letter"] or HISTORY_LETTER,
                pupil_id, subject_id, kind, term_number, value)


def _history_class(session: Session, organization_id: int, item: _Row) -> db.SchoolClass:
    name = f"{item.year_start}/{item.year_start + 1}"
    year = session.scalar(select(SchoolYear).where(SchoolYear.organization_id == organization_id,
                                                   SchoolYear.name == name))
    if year is None:
        year = SchoolYear(organization_id=organization_id, name=name,
                          starts_on=date(item.year_start, 9, 1),
                          ends_on=date(item.year_start + 1, 8, 31))
        session.add(year)
        session.flush()
    plan = session.scalar(select(db.GradeTermPlan).where(
        db.GradeTermPlan.school_year_id == year.id, db.GradeTermPlan.grade == item.grade))
    if plan is None and item.kind is not None:
        _ensure_terms(session, year, item.kind)
        session.add(db.GradeTermPlan(school_year_id=year.id, grade=item.grade,
                                     term_kind=item.kind.value))
        session.flush()
        session.info.get("gb_years", {}).pop(year.id, None)
    school_class = session.scalar(select(db.SchoolClass).where(
        db.SchoolClass.school_year_id == year.id, db.SchoolClass.grade == item.grade,
        db.SchoolClass.letter == item.letter))
    if school_class is None:
        return structure.create_class(session, year, item.grade, item.letter)
    if session.scalar(select(db.Lesson.id).where(
            db.Lesson.school_class_id == school_class.id).limit(1)) is not None:
        raise GradebookError(f"{school_class.name} класс {name} учебного года ведётся в "
                             f"журнале: его отметки выставляются там, а не загружаются")
    return school_class


def _ensure_terms(session: Session, year: SchoolYear, kind: TermKind) -> None:
    exists = session.scalar(select(db.Term.id).where(db.Term.school_year_id == year.id,
                                                     db.Term.term_kind == kind.value).limit(1))
    if exists:
        return
    for number, ((m1, d1), (m2, d2)) in enumerate(CONVENTIONAL_TERMS[kind], start=1):
        start_year = year.starts_on.year if m1 >= 9 else year.starts_on.year + 1
        end_year = year.starts_on.year if m2 >= 9 else year.starts_on.year + 1
        session.add(db.Term(school_year_id=year.id, term_kind=kind.value, number=number,
                            starts_on=date(start_year, m1, d1),
                            ends_on=date(end_year, m2, d2)))
    session.flush()


def _store_mark(ctx: WriteContext, school_class: db.SchoolClass, item: _Row) -> None:
    session = ctx.session
    term_id = None
    if item.kind is not None:
        term_id = session.scalar(select(db.Term.id).where(
            db.Term.school_year_id == school_class.school_year_id,
            db.Term.term_kind == item.kind.value, db.Term.number == item.term_number))
        if term_id is None:
            raise GradebookError("в этом учебном году школа оценивала по другим периодам")

    shown = NOT_ASSESSED if item.value is None else str(item.value)
    row = db.PeriodMark(
        id=ctx.next_id("period_marks"), pupil_id=item.pupil_id, subject_id=item.subject_id,
        school_class_id=school_class.id, period_kind="term" if term_id else "year",
        term_id=term_id, school_year_id=school_class.school_year_id, status="confirmed",
        computed_value=shown, not_assessed_reason="перенесено из документов школы"
        if item.value is None else None,
        computed=_imported_proposal(item, term_id, school_class.school_year_id, shown),
        overridden=False, confirmed_by=ctx.actor.user_id, confirmed_at=ctx.at,
        source="imported")
    # The same check as every write: a closed period of the class (history loaded before,
    # or a certificate's lock on the pupil) refuses the mark.
    target = WriteTarget.for_period_mark(period_mark_of(row), school_class.id)
    with ctx.refusals_audited():
        check_write(target, Action.CREATE,
                    locks_for(session, [school_class.id], [item.pupil_id]), ctx.actor)
    session.add(row)
    session.flush()
    event = user_change(ctx.actor, ctx.at, "term_mark" if term_id else "year_mark", row.id,
                        "import", new={"pupil_id": item.pupil_id, "subject_id":
                                       item.subject_id, "value": shown, "row": item.number})
    audit_log.store(session, [event], ctx.organization_id)


def _imported_proposal(item: _Row, term_id: int | None, school_year_id: int,
                       shown: str) -> dict[str, object]:
    return {"pupil_id": item.pupil_id, "subject_id": item.subject_id,
            "period_kind": "term" if term_id else "year",
            "period_id": term_id if term_id else -school_year_id,
            "value": None if item.value is None else shown,
            "not_assessed_reason": "перенесено из документов школы"
            if item.value is None else None,
            "policy_id": 0, "policy_version": 0, "method": "imported",
            "exact_average": None, "shown_average": None, "warnings": [],
            "formula": "Отметка перенесена из документов школы за прошлые годы",
            "lines": []}


def _lock(ctx: WriteContext, school_class: db.SchoolClass) -> int:
    """Close every term of the history class and its year, through the domain's closing:
    the history is locked data."""
    session = ctx.session
    session.info.get("gb_years", {}).pop(school_class.school_year_id, None)
    year = structure.domain_school_year(session, school_class.school_year_id)
    rows = session.scalars(select(db.PeriodMark).where(
        db.PeriodMark.school_class_id == school_class.id)).all()
    marks = [period_mark_of(row) for row in rows]
    terms = (year.schedule_for(school_class.grade).terms
             if school_class.grade in year.schedules else ())
    zone = getattr(ctx.at.tzinfo, "key", "UTC")
    for term in terms:
        expected = {(row.pupil_id, row.subject_id) for row in rows if row.term_id == term.id}
        result = dterms.close_term(term, year, lock_id=ctx.next_id("term_locks"),
                                   school_class_id=school_class.id, period_marks=marks,
                                   expected=expected, unpublished_mark_ids=(),
                                   actor=ctx.actor, at=ctx.at)
        _store_lock(ctx, result, "term", term.id, zone)
    expected = {(row.pupil_id, row.subject_id) for row in rows if row.period_kind == "year"}
    as_period = dterms.SchoolYear(domain_period_id("year", year.id), year.start, year.end)
    result = dterms.close_year(as_period, lock_id=ctx.next_id("term_locks"),
                               school_class_id=school_class.id, period_marks=marks,
                               expected=expected, actor=ctx.actor, at=ctx.at)
    _store_lock(ctx, result, "year", year.id, zone)
    return 1


def _store_lock(ctx: WriteContext, result, period_kind: str, period_id: int,  # type: ignore[no-untyped-def]
                zone: str) -> None:
    lock = result.value
    ctx.session.add(db.TermLock(id=lock.id, school_class_id=lock.school_class_id,
                                period_kind=period_kind, period_id=period_id,
                                title=lock.period_title, starts_on=lock.start,
                                ends_on=lock.end, closed_at=lock.closed_at, time_zone=zone,
                                closed_by=lock.closed_by))
    ctx.session.flush()
    audit_log.store(ctx.session, result.events, ctx.organization_id)


def organization_by_code(session: Session, code: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.code == code))
    if org is None:
        raise GradebookError(f"Организация с кодом «{code}» не найдена")
    return org
