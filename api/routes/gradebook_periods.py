"""Term and year marks (view, confirm, override) and correction requests of closed terms.

While a school's grading workflow runs, decisions go to it as updates (it keeps count of
what is still open); otherwise they are applied directly. Either way the same service
applies them, through the same lock check.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from temporalio.client import WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.errors import ApiError, register_field_names
from api.routes.gradebook_common import (
    GradebookRoute,
    MarkText,
    PeriodMarkText,
    period_of,
    write_context,
)
from api.workflow_errors import update_refused
from domain.access import Principal
from domain.gradebook.attendance import AbsenceReason, AttendanceRecord, Presence
from domain.gradebook.errors import GradebookError
from domain.gradebook.marks import MarkValue
from tsos.db import gradebook as db
from tsos.db.models import Organization, Person
from tsos.gradebook import access, corrections, structure, term_marks, views
from tsos.gradebook.errors import NotAllowed, NotFound
from tsos.gradebook.journal import load_lesson
from workflows.gradebook.ids import grading_workflow_id
from workflows.gradebook.messages import Decision
from workflows.gradebook.term_grading import TermGradingWorkflow

router = APIRouter(prefix="/gradebook", tags=["Отметки за период и исправления"],
                   route_class=GradebookRoute)

register_field_names({"period_mark_ids": "отметки за период", "action": "действие",
                      "reason": "причина", "comment": "комментарий",
                      "attendance": "посещаемость", "target": "что исправляется"})


class PeriodMarkOut(BaseModel):
    id: int
    pupil_id: int
    surname: str
    name: str
    subject_id: int
    period_kind: str
    term_id: int | None
    value: str
    computed_value: str
    shown_average: str | None
    not_assessed_reason: str | None
    status: str
    overridden: bool
    override_reason: str | None
    escalated: bool
    recompute_flag: dict | None  # type: ignore[type-arg]
    policy_id: int | None
    policy_version: int | None


class DecisionIn(BaseModel):
    period_mark_ids: list[int] = Field(min_length=1, max_length=500)
    action: Literal["confirm", "override", "remove_override"]
    value: PeriodMarkText | None = None
    reason: str | None = Field(None, max_length=1000)


class DecisionOut(BaseModel):
    marks: list[PeriodMarkOut]
    via_workflow: str | None
    pending_in_school: int | None


def _period_mark_out(row: db.PeriodMark, person: Person) -> PeriodMarkOut:
    return PeriodMarkOut(
        id=row.id, pupil_id=row.pupil_id, surname=person.surname, name=person.name,
        subject_id=row.subject_id, period_kind=row.period_kind, term_id=row.term_id,
        value=term_marks.value_in_force(row), computed_value=row.computed_value,
        shown_average=(row.computed or {}).get("shown_average"),
        not_assessed_reason=row.not_assessed_reason, status=row.status,
        overridden=row.overridden, override_reason=row.override_reason,
        escalated=row.escalated_at is not None, recompute_flag=row.recompute_flag,
        policy_id=row.policy_id, policy_version=row.policy_version)


def _outs(session: SessionDep, rows: list[db.PeriodMark]) -> list[PeriodMarkOut]:
    people = views.persons_of(session, [row.pupil_id for row in rows])
    outs = [_period_mark_out(row, people[row.pupil_id]) for row in rows]
    return sorted(outs, key=lambda out: (out.surname, out.name, out.pupil_id))


@router.get("/classes/{class_id}/period-marks", response_model=list[PeriodMarkOut],
            summary="Отметки за четверть (полугодие) или год по предмету")
def list_period_marks(class_id: int, subject_id: int, session: SessionDep,
                      principal: PrincipalDep, term_id: int | None = None,
                      year: bool = False) -> list[PeriodMarkOut]:
    school_class = structure.get_class(session, class_id)
    scope = access.period_mark_scope(session, principal, school_class, subject_id)
    period = period_of(session, school_class, term_id, year)
    query = select(db.PeriodMark).where(db.PeriodMark.school_class_id == class_id,
                                        db.PeriodMark.subject_id == subject_id,
                                        db.PeriodMark.period_kind == period.kind)
    if scope is not None:
        query = query.where(db.PeriodMark.pupil_id.in_(scope))
    if period.term_id is not None:
        query = query.where(db.PeriodMark.term_id == period.term_id)
    else:
        query = query.where(db.PeriodMark.school_year_id == period.school_year_id)
    return _outs(session, list(session.scalars(query)))


def _check_decision(session: SessionDep, principal: Principal,
                    ids: list[int]) -> tuple[int, str, int, int | None]:
    """(organization, its code, school year, term) of marks the caller may decide."""
    found = set()
    for period_mark_id in ids:
        # A plain read: a row lock held here would block the workflow's own write.
        row = session.get(db.PeriodMark, period_mark_id)
        if row is None:
            raise NotFound("Отметка за период не найдена")
        school_class = structure.get_class(session, row.school_class_id)
        scope = access.period_mark_scope(session, principal, school_class, row.subject_id,
                                         write=True)
        if scope is not None and row.pupil_id not in scope:
            raise NotAllowed("Этот ученик не в вашей группе по предмету")
        found.add((school_class.organization_id, row.school_year_id, row.term_id))
    if len(found) != 1:
        raise GradebookError("Все отметки решения должны относиться к одному периоду")
    [(organization_id, school_year_id, term_id)] = found
    code = session.scalar(select(Organization.code).where(Organization.id == organization_id))
    assert code is not None
    return organization_id, code, school_year_id, term_id


@router.post("/period-marks/decisions", response_model=DecisionOut,
             summary="Подтвердить отметки, выставить свою (с причиной) или вернуть вычисленную")
async def decide(body: DecisionIn, request: Request, session: SessionDep,
                 settings: SettingsDep, principal: PrincipalDep) -> DecisionOut:
    organization_id, code, school_year_id, term_id = await run_in_threadpool(
        _check_decision, session, principal, body.period_mark_ids)
    workflow_id = grading_workflow_id(code, school_year_id, term_id)
    client = await request.app.state.temporal()
    handle = client.get_workflow_handle(workflow_id)

    if await _running(handle):
        decision = Decision(period_mark_ids=body.period_mark_ids, action=body.action,
                            value=body.value, reason=body.reason, user_id=principal.user_id,
                            role=principal.role)
        try:
            result = await handle.execute_update(TermGradingWorkflow.decide, decision)
        except WorkflowUpdateFailedError as error:
            raise _update_error(error) from None
        rows = await run_in_threadpool(_reload, session, body.period_mark_ids)
        return DecisionOut(marks=await run_in_threadpool(_outs, session, rows),
                           via_workflow=workflow_id, pending_in_school=result.pending.total)

    def direct() -> list[PeriodMarkOut]:
        ctx = write_context(session, settings, principal, organization_id)
        rows = term_marks.decide(ctx, body.period_mark_ids, body.action, body.value,
                                 body.reason)
        return _outs(session, rows)

    return DecisionOut(marks=await run_in_threadpool(direct), via_workflow=None,
                       pending_in_school=None)


async def _running(handle) -> bool:  # type: ignore[no-untyped-def]
    try:
        description = await handle.describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return description.status == WorkflowExecutionStatus.RUNNING


def _reload(session: SessionDep, ids: list[int]) -> list[db.PeriodMark]:
    # The workflow's activity committed in its own transaction: read it afresh.
    session.expire_all()
    return list(session.scalars(select(db.PeriodMark).where(db.PeriodMark.id.in_(ids))))


def _update_error(error: WorkflowUpdateFailedError) -> ApiError:
    return update_refused(error, unavailable="Не удалось применить решение; повторите попытку.")


@router.post("/period-marks/{period_mark_id}/acknowledge", response_model=PeriodMarkOut,
             summary="Снять отметку о пересчёте (после проверки)")
def acknowledge(period_mark_id: int, session: SessionDep, settings: SettingsDep,
                principal: PrincipalDep) -> PeriodMarkOut:
    row, school_class = term_marks.load_period_mark(session, period_mark_id)
    access.require_school_admin(principal, school_class.organization_id)
    ctx = write_context(session, settings, principal, school_class.organization_id)
    return _outs(session, [term_marks.acknowledge_recompute(ctx, row.id)])[0]


# Correction requests.


class AttendanceFix(BaseModel):
    presence: Literal["present", "absent", "late"]
    reason: AbsenceReason | None = None
    excused: bool = False
    late_minutes: int | None = Field(None, ge=1, le=45)


class CorrectionIn(BaseModel):
    lesson_id: int
    target: Literal["mark", "attendance"]
    reason: str = Field(min_length=1, max_length=2000)
    mark_id: int | None = None
    pupil_id: int | None = None
    # For a mark: the new value, or None to delete it.
    value: MarkText | None = None
    kind: str | None = Field(None, max_length=40)
    attendance: AttendanceFix | None = None


class CorrectionOut(BaseModel):
    id: int
    lesson_id: int
    target_kind: str
    action: str
    current: dict | None  # type: ignore[type-arg]
    proposed: dict | None  # type: ignore[type-arg]
    reason: str
    status: str
    requested_by: int
    decided_by: int | None
    decision_comment: str | None


class DecisionComment(BaseModel):
    comment: str | None = Field(None, max_length=2000)


def _correction_out(row: db.CorrectionRequest) -> CorrectionOut:
    return CorrectionOut(id=row.id, lesson_id=row.lesson_id, target_kind=row.target_kind,
                         action=row.action, current=row.current, proposed=row.proposed,
                         reason=row.reason, status=row.status, requested_by=row.requested_by,
                         decided_by=row.decided_by, decision_comment=row.decision_comment)


@router.post("/corrections", status_code=201, response_model=CorrectionOut,
             summary="Запрос на исправление отметки или посещаемости закрытого периода")
def request_correction(body: CorrectionIn, session: SessionDep, settings: SettingsDep,
                       principal: PrincipalDep) -> CorrectionOut:
    lesson, school_class = load_lesson(session, body.lesson_id)
    access.require_journal(session, principal, school_class, lesson.subject_id, write=True,
                           study_group_id=lesson.study_group_id)
    ctx = write_context(session, settings, principal, school_class.organization_id)
    if body.target == "mark":
        row = corrections.request_mark_correction(
            ctx, lesson_id=body.lesson_id, reason=body.reason, mark_id=body.mark_id,
            pupil_id=body.pupil_id,
            value=None if body.value is None else MarkValue.parse(body.value),
            kind=body.kind)
    else:
        if body.pupil_id is None or body.attendance is None:
            raise GradebookError("Укажите ученика и посещаемость")
        fix = body.attendance
        record = None
        if fix.presence != "present":
            record = AttendanceRecord(body.lesson_id, body.pupil_id, Presence(fix.presence),
                                      fix.reason, fix.excused, fix.late_minutes)
        row = corrections.request_attendance_correction(
            ctx, lesson_id=body.lesson_id, pupil_id=body.pupil_id, record=record,
            reason=body.reason)
    return _correction_out(row)


@router.get("/corrections", response_model=list[CorrectionOut],
            summary="Запросы на исправление: свои (учитель) или школы (администрация)")
def list_corrections(session: SessionDep, principal: PrincipalDep,
                     status: str | None = None) -> list[CorrectionOut]:
    if principal.organization_id is None:
        raise NotAllowed("Запросы на исправление доступны сотрудникам школы")
    query = select(db.CorrectionRequest).where(
        db.CorrectionRequest.organization_id == principal.organization_id)
    if principal.role == "teacher":
        query = query.where(db.CorrectionRequest.requested_by == principal.user_id)
    elif principal.role not in access.SCHOOL_ADMIN_ROLES:
        raise NotAllowed("Запросы на исправление доступны учителям и администрации школы")
    if status is not None:
        query = query.where(db.CorrectionRequest.status == status)
    return [_correction_out(row) for row in session.scalars(
        query.order_by(db.CorrectionRequest.requested_at, db.CorrectionRequest.id))]


def _decidable_request(session: SessionDep, principal: Principal,
                       request_id: int) -> db.CorrectionRequest:
    row = session.get(db.CorrectionRequest, request_id)
    if row is None or principal.organization_id != row.organization_id:
        raise NotFound("Запрос на исправление не найден")
    return row


@router.post("/corrections/{request_id}/approve", response_model=CorrectionOut,
             summary="Одобрить и применить исправление (заместитель директора)")
def approve_correction(request_id: int, body: DecisionComment, session: SessionDep,
                       settings: SettingsDep, principal: PrincipalDep) -> CorrectionOut:
    row = _decidable_request(session, principal, request_id)
    ctx = write_context(session, settings, principal, row.organization_id)
    return _correction_out(corrections.approve(ctx, request_id, body.comment))


@router.post("/corrections/{request_id}/reject", response_model=CorrectionOut,
             summary="Отклонить исправление (заместитель директора)")
def reject_correction(request_id: int, body: DecisionComment, session: SessionDep,
                      settings: SettingsDep, principal: PrincipalDep) -> CorrectionOut:
    row = _decidable_request(session, principal, request_id)
    ctx = write_context(session, settings, principal, row.organization_id)
    return _correction_out(corrections.reject(ctx, request_id, body.comment or ""))


@router.post("/corrections/{request_id}/withdraw", response_model=CorrectionOut,
             summary="Отозвать свой запрос на исправление")
def withdraw_correction(request_id: int, session: SessionDep, settings: SettingsDep,
                        principal: PrincipalDep) -> CorrectionOut:
    row = _decidable_request(session, principal, request_id)
    ctx = write_context(session, settings, principal, row.organization_id)
    return _correction_out(corrections.withdraw(ctx, request_id))


class NotificationOut(BaseModel):
    id: int
    kind: str
    text: str
    created_at: datetime
    read: bool


@router.get("/notifications", response_model=list[NotificationOut],
            summary="Уведомления журнала для текущего пользователя")
def notifications(session: SessionDep, principal: PrincipalDep) -> list[NotificationOut]:
    rows = session.scalars(select(db.GradebookNotification).where(
        db.GradebookNotification.recipient_user_id == principal.user_id)
        .order_by(db.GradebookNotification.created_at.desc()).limit(200))
    return [NotificationOut(id=row.id, kind=row.kind, text=row.text,
                            created_at=row.created_at, read=row.read_at is not None)
            for row in rows]
