"""Temporal schedules that start term grading at each term's end, in the school's time zone.

Saving (or loading) a school year calls `ensure_term_schedules`: one schedule per term the
school's grades use, and one for the year marks, each firing once. Re-running it updates
them in place, so a corrected term end moves its schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
    WorkflowHandle,
)

from tsos.db import gradebook as db
from tsos.db.models import Organization, SchoolYear
from tsos.gradebook import structure
from workflows.gradebook.ids import grading_schedule_id, grading_workflow_id
from workflows.gradebook.messages import GradingInput
from workflows.gradebook.term_grading import TermGradingWorkflow

log = logging.getLogger(__name__)

# Grading starts on the term's last day after lessons, and teachers have three days.
STARTS_AT = time(18, 0)
TEACHER_DAYS = 3


@dataclass(frozen=True)
class GradingPlan:
    schedule_id: str
    workflow_id: str
    fire_at: datetime
    input: GradingInput


def grading_plans(session: Session, school_year_id: int, default_zone: str) -> list[GradingPlan]:
    """The grading runs of a school year: each term its grades use, then the year."""
    year = session.get(SchoolYear, school_year_id)
    if year is None:
        raise ValueError(f"school year {school_year_id} not found")
    org = session.get(Organization, year.organization_id)
    assert org is not None
    zone = structure.school_zone(session, org.id, default_zone)
    used_kinds = set(session.scalars(select(db.GradeTermPlan.term_kind).where(
        db.GradeTermPlan.school_year_id == school_year_id)))
    terms = [row for row in session.scalars(select(db.Term).where(
        db.Term.school_year_id == school_year_id).order_by(db.Term.ends_on, db.Term.id))
        if row.term_kind in used_kinds]
    if not terms:
        return []

    domain_year = structure.domain_school_year(session, school_year_id)
    plans = []
    for row in terms:
        term = structure.term_of(row)
        fire_at = datetime.combine(term.end, STARTS_AT, ZoneInfo(zone))
        plans.append(_plan(org, school_year_id, term.id,
                           f"{term.title} {domain_year.title}", zone, fire_at))
    last_deadline = datetime.combine(terms[-1].ends_on + timedelta(days=TEACHER_DAYS + 1),
                                     STARTS_AT, ZoneInfo(zone))
    plans.append(_plan(org, school_year_id, None, domain_year.title, zone, last_deadline))
    return plans


def _plan(org: Organization, school_year_id: int, term_id: int | None, title: str,
          zone: str, fire_at: datetime) -> GradingPlan:
    code = org.code
    inp = GradingInput(organization_id=org.id, organization_code=code,
                       school_year_id=school_year_id, term_id=term_id, title=title,
                       time_zone=zone, teacher_deadline=fire_at + timedelta(days=TEACHER_DAYS))
    return GradingPlan(schedule_id=grading_schedule_id(code, school_year_id, term_id),
                       workflow_id=grading_workflow_id(code, school_year_id, term_id),
                       fire_at=fire_at, input=inp)


def schedule_of(plan: GradingPlan, task_queue: str) -> Schedule:
    local = plan.fire_at
    moment = ScheduleCalendarSpec(
        year=(ScheduleRange(local.year),), month=(ScheduleRange(local.month),),
        day_of_month=(ScheduleRange(local.day),), hour=(ScheduleRange(local.hour),),
        minute=(ScheduleRange(local.minute),), second=(ScheduleRange(0),),
        comment="конец периода",
    )
    return Schedule(
        action=ScheduleActionStartWorkflow(TermGradingWorkflow.run, plan.input,
                                           id=plan.workflow_id, task_queue=task_queue),
        spec=ScheduleSpec(calendars=[moment], time_zone_name=plan.input.time_zone),
        state=ScheduleState(note=f"Выставление отметок: {plan.input.title}",
                            limited_actions=True, remaining_actions=1),
    )


async def ensure_term_schedules(client: Client, plans: Sequence[GradingPlan], *,
                                task_queue: str, now: datetime | None = None) -> list[str]:
    """Create or update a schedule per plan; a period already over gets none."""
    now = now or datetime.now(ZoneInfo("UTC"))
    ensured = []
    for plan in plans:
        if plan.fire_at <= now:
            continue
        schedule = schedule_of(plan, task_queue)
        try:
            await client.create_schedule(plan.schedule_id, schedule)
        except ScheduleAlreadyRunningError:
            def replace(_: ScheduleUpdateInput, new: Schedule = schedule) -> ScheduleUpdate:
                return ScheduleUpdate(schedule=new)

            await client.get_schedule_handle(plan.schedule_id).update(replace)
        ensured.append(plan.schedule_id)
    log.info("gradebook schedules ensured: %s", len(ensured))
    return ensured


async def start_grading(client: Client, plan: GradingPlan, *, task_queue: str,
                        teacher_deadline: datetime | None = None) -> WorkflowHandle:
    """Start a run now (a past term, or by hand) instead of waiting for its schedule."""
    inp = plan.input
    if teacher_deadline is not None:
        inp = inp.model_copy(update={"teacher_deadline": teacher_deadline})
    return await client.start_workflow(TermGradingWorkflow.run, inp, id=plan.workflow_id,
                                       task_queue=task_queue)
