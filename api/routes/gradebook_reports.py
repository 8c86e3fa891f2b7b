"""Performance and attendance reports of a class, each figure with its denominator."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.routes.gradebook_common import GradebookRoute, resolve_period
from tsos.gradebook import access, structure, views
from tsos.gradebook.term_marks import Period

router = APIRouter(prefix="/gradebook", tags=["Отчёты журнала"], route_class=GradebookRoute)


@router.get("/classes/{class_id}/reports/performance", response_model=views.PerformanceReport,
            summary="Успеваемость класса по предмету за период")
def performance(class_id: int, subject_id: int, session: SessionDep, settings: SettingsDep,
                principal: PrincipalDep, term_id: int | None = None,
                start: date | None = None, end: date | None = None) -> views.PerformanceReport:
    school_class = structure.get_class(session, class_id)
    access.require_journal(session, principal, school_class, subject_id)
    start, end, term = resolve_period(session, settings, school_class, term_id=term_id,
                                      start=start, end=end)
    period = None if term is None else Period(school_class.school_year_id, term)
    return views.performance(session, school_class, subject_id, start, end, period)


@router.get("/classes/{class_id}/reports/attendance", response_model=views.AttendanceReport,
            summary="Посещаемость класса (по предмету или по всем) за период")
def attendance(class_id: int, session: SessionDep, settings: SettingsDep,
               principal: PrincipalDep, subject_id: int | None = None,
               term_id: int | None = None, start: date | None = None,
               end: date | None = None) -> views.AttendanceReport:
    school_class = structure.get_class(session, class_id)
    if subject_id is None:
        access.require_class(session, principal, school_class)
    else:
        access.require_journal(session, principal, school_class, subject_id)
    start, end, _ = resolve_period(session, settings, school_class, term_id=term_id,
                                   start=start, end=end)
    return views.attendance_report(session, school_class, subject_id, start, end)
