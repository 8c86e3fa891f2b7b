"""The diary of a pupil, for the pupil and their guardians: lessons, marks, homework, remarks."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter
from sqlalchemy import select

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.routes.gradebook_common import GradebookRoute, today_at, zone_of
from tsos.db import gradebook as db
from tsos.gradebook import access, views
from tsos.gradebook.errors import NotFound

router = APIRouter(prefix="/gradebook", tags=["Дневник"], route_class=GradebookRoute)

FAMILY_ROLES = frozenset({"pupil", "guardian"})


@router.get("/diary/{pupil_id}", response_model=views.Diary,
            summary="Дневник: уроки, отметки, домашние задания, замечания")
def diary(pupil_id: int, session: SessionDep, settings: SettingsDep, principal: PrincipalDep,
          start: date | None = None, end: date | None = None) -> views.Diary:
    pupil = access.require_pupil(session, principal, pupil_id)
    if start is None or end is None:
        # The school week of today at the school, Monday to Sunday.
        today = today_at(session, settings, pupil.organization_id)
        start = today - timedelta(days=today.weekday())
        end = start + timedelta(days=6)
    if start > end:
        raise access.NotAllowed("Начало периода позже его конца")
    return views.diary(session, pupil_id, start, end,
                       zone=zone_of(session, settings, pupil.organization_id))


@router.get("/diary/{pupil_id}/period-marks/{period_mark_id}", response_model=views.Derivation,
            summary="Как получена отметка за период")
def derivation(pupil_id: int, period_mark_id: int, session: SessionDep,
               principal: PrincipalDep) -> views.Derivation:
    access.require_pupil(session, principal, pupil_id)
    row = session.scalar(select(db.PeriodMark).where(db.PeriodMark.id == period_mark_id,
                                                     db.PeriodMark.pupil_id == pupil_id))
    # A proposal is the teacher's until confirmed; families see decided marks only.
    if row is None or (principal.role in FAMILY_ROLES and row.status != "confirmed"
                       and row.source != "imported"):
        raise NotFound("Отметка за период не найдена")
    return views.derivation(row, for_staff=principal.role not in FAMILY_ROLES)
