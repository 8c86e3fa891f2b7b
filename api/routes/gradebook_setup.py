"""A school's gradebook set up: its grading policy and its school years with terms."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.errors import register_field_names
from api.routes.gradebook_common import GradebookRoute
from tsos.db.models import Organization
from tsos.gradebook import access, structure
from tsos.gradebook.errors import NotFound
from tsos.gradebook.schedules import ensure_term_schedules, grading_plans
from workflows import task_queues

log = logging.getLogger(__name__)
router = APIRouter(prefix="/gradebook", tags=["Настройка журнала"],
                   route_class=GradebookRoute)

TermKind = Literal["quarter", "half_year", "trimester"]

register_field_names({
    "weights": "веса видов работ", "thresholds": "пороги отметок",
    "min_marks": "минимум отметок", "term_method": "способ вычисления отметки за период",
    "year_method": "способ вычисления годовой отметки", "term_weights": "веса периодов",
    "kind_titles": "названия видов работ", "pass_share": "доля зачётов",
    "year_na_if_any_term_na": "«н/а» за год при «н/а» за период",
    "pass_fail_year_rule": "годовой зачёт", "effective_from": "дата начала действия",
    "starts_on": "начало учебного года", "ends_on": "конец учебного года",
    "terms": "периоды", "grade_plans": "периоды по параллелям",
})


class PolicyIn(BaseModel):
    """A new version of the school's policy; numbers as strings, never floats."""

    weights: dict[str, str]
    thresholds: dict[str, str] | None = None
    min_marks: int | None = Field(None, ge=1)
    term_method: str | None = None
    year_method: str | None = None
    term_weights: dict[str, str] | None = None
    kind_titles: dict[str, str] | None = None
    pass_share: str | None = Field(None, description="доля зачётов для «зачёт» за период")
    year_na_if_any_term_na: bool | None = None
    pass_fail_year_rule: Literal["all_terms", "last_term"] | None = None
    # After every closed period, and not before the previous version's start.
    effective_from: date


class PolicyOut(BaseModel):
    policy_id: int
    version: int
    document: dict[str, Any]


class Span(BaseModel):
    start: date
    end: date


class SchoolYearIn(BaseModel):
    starts_on: date
    ends_on: date
    terms: dict[TermKind, list[Span]]
    grade_plans: dict[int, TermKind]


class SchoolYearOut(BaseModel):
    id: int
    name: str
    schedules: list[str]
    # Set when Temporal could not be reached: `tsos gradebook schedules` sets them later.
    schedules_problem: str | None = None


def _school(session: SessionDep, principal: PrincipalDep, code: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.code == code))
    if org is None:
        raise NotFound(f"Организация с кодом «{code}» не найдена")
    access.require_school_admin(principal, org.id)
    return org


@router.post("/schools/{code}/policy", response_model=PolicyOut, status_code=201,
             summary="Новая версия политики оценивания школы")
def publish_policy(code: str, body: PolicyIn, session: SessionDep,
                   principal: PrincipalDep) -> PolicyOut:
    org = _school(session, principal, code)
    # Numbers stay strings until the domain reads them as exact decimals.
    document: dict[str, Any] = {
        key: value for key, value in body.model_dump(exclude={"effective_from"}).items()
        if value is not None
    }
    policy = structure.publish_policy(session, org.id, document,
                                      effective_from=body.effective_from,
                                      created_by=principal.user_id)
    return PolicyOut(policy_id=policy.id, version=policy.version, document=policy.to_dict())


@router.post("/schools/{code}/school-years", response_model=SchoolYearOut, status_code=201,
             summary="Учебный год с периодами; расписания выставления отметок в Temporal")
async def create_school_year(code: str, body: SchoolYearIn, request: Request,
                             session: SessionDep, settings: SettingsDep,
                             principal: PrincipalDep) -> SchoolYearOut:
    def save() -> tuple[int, str, list]:  # type: ignore[type-arg]
        org = _school(session, principal, code)
        year = structure.create_school_year(
            session, org.id, starts_on=body.starts_on, ends_on=body.ends_on,
            terms={kind: [structure.TermDates(s.start, s.end) for s in spans]
                   for kind, spans in body.terms.items()},
            grade_plans=dict(body.grade_plans))
        plans = grading_plans(session, year.id, settings.region_time_zone)
        # The schedules are made after the year is safely stored.
        session.commit()
        return year.id, year.name, plans

    year_id, name, plans = await run_in_threadpool(save)
    try:
        client = await request.app.state.temporal()
        ensured = await ensure_term_schedules(
            client, plans, task_queue=request.app.state.queue(task_queues.MAIN))
    except Exception:
        log.warning("gradebook schedules not set for school year %s", year_id, exc_info=True)
        return SchoolYearOut(id=year_id, name=name, schedules=[], schedules_problem=(
            "Учебный год сохранён, но расписания выставления отметок не созданы: "
            "Temporal недоступен. Их создаст команда «tsos gradebook schedules»."))
    return SchoolYearOut(id=year_id, name=name, schedules=ensured)
