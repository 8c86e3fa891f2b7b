"""The wizard over HTTP: start it for a class (or a duplicate), read its step, post each step."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from activities.certificates import computing, store
from activities.certificates.context import CertificateRuleError
from api.certificates.common import (
    READ_ROLES,
    CertificateRoute,
    cert_context,
    organization_code,
    require_staff,
    school_zone,
    update_error,
)
from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.errors import Conflict, NotFound
from domain.access import Principal
from domain.certificates.corrections import InputCorrection
from domain.certificates.marks import PassMark, Period
from domain.people.names import full_name_key
from tsos.db import certificates as db
from tsos.db import gradebook as gb
from tsos.db.models import SchoolYear, User
from workflows import task_queues
from workflows.certificates import messages as m
from workflows.certificates.ids import class_wizard_id, duplicate_wizard_id
from workflows.certificates.wizard import CertificateWizardWorkflow as Wizard

router = APIRouter(prefix="/certificates", tags=["Аттестаты: мастер оформления"],
                   route_class=CertificateRoute)


class StartIn(BaseModel):
    school_class_id: int
    graduation_year: int | None = Field(None, ge=2020, le=2100,
                                        description="по умолчанию — год окончания "
                                                    "учебного года класса")


class LineOut(BaseModel):
    code: str
    title: str
    value: int | str | None
    printed: str
    exact: str | None
    note: str | None
    exam: dict[str, Any] | None


class IssueOut(BaseModel):
    id: int
    line_code: str
    description: str
    status: str
    resolution: str | None
    after_issue: bool = False
    corrected_inputs: list[dict[str, Any]] = Field(default_factory=list)
    duplicate_id: int | None = None


class CertificateOut(m.CertificateSummary):
    surname: str
    name: str
    patronymic: str | None
    marks_version: int
    lines: list[LineOut]
    explanation: list[str]
    issues: list[IssueOut]


class PupilOut(BaseModel):
    pupil_id: int
    surname: str
    name: str
    patronymic: str | None


class WizardOut(m.WizardView):
    details: list[CertificateOut]
    # At the first step: the class's roster to choose the graduates from.
    roster: list[PupilOut] = Field(default_factory=list)


async def _handle(request: Request, wizard_id: str) -> WorkflowHandle:
    client = await request.app.state.temporal()
    return client.get_workflow_handle(wizard_id)


async def _view(request: Request, principal: Principal, wizard_id: str,
                roles: frozenset[str] = READ_ROLES) -> tuple[WorkflowHandle, m.WizardView]:
    handle = await _handle(request, wizard_id)
    try:
        view = await handle.query(Wizard.view)
    except RPCError as error:
        if error.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            raise NotFound("Мастер оформления не найден.") from None
        raise
    require_staff(principal, view.organization_id, roles)
    return handle, view


def _details(session: SessionDep, view: m.WizardView) -> list[CertificateOut]:
    session.expire_all()
    ids = [c.certificate_id for c in view.certificates]
    issues = list(session.scalars(select(db.MarkIssue).where(
        db.MarkIssue.certificate_id.in_(ids)).order_by(db.MarkIssue.id))) if ids else []
    found = []
    for summary in view.certificates:
        row = session.get(db.Certificate, summary.certificate_id)
        assert row is not None
        version = session.get(db.FinalMarksVersion, row.final_marks_id)
        assert version is not None
        person = store.person_of(session, row.pupil_id)
        lines = [LineOut(code=mark["line"]["code"], title=mark["line"]["title"],
                         value=mark["value"], printed=mark["printed"], exact=mark["exact"],
                         note=mark["note"], exam=mark["exam"])
                 for mark in sorted(version.marks, key=lambda x: x["line"]["order"])]
        found.append(CertificateOut(
            **summary.model_dump(), surname=person.surname, name=person.name,
            patronymic=person.patronymic, marks_version=version.version, lines=lines,
            explanation=list((version.decision or {}).get("explanation", [])),
            issues=[IssueOut(id=i.id, line_code=i.line_code, description=i.description,
                             status=i.status, resolution=i.resolution)
                    for i in issues if i.certificate_id == row.id]))
    return found


def _roster(session: SessionDep, view: m.WizardView) -> list[PupilOut]:
    if view.step != "choose_class":
        return []
    pupil_ids = sorted(set(session.scalars(select(gb.ClassMembership.pupil_id).where(
        gb.ClassMembership.school_class_id == view.school_class_id,
        gb.ClassMembership.study_group_id.is_(None),
        gb.ClassMembership.ends_on.is_(None)))))
    people = [(pupil_id, store.person_of(session, pupil_id)) for pupil_id in pupil_ids]
    return sorted((PupilOut(pupil_id=pupil_id, surname=p.surname, name=p.name,
                            patronymic=p.patronymic) for pupil_id, p in people),
                  key=lambda out: full_name_key(out.surname, out.name, out.patronymic))


async def _out(session: SessionDep, view: m.WizardView) -> WizardOut:
    details = await run_in_threadpool(_details, session, view)
    roster = await run_in_threadpool(_roster, session, view)
    return WizardOut(**view.model_dump(), details=details, roster=roster)


class GraduatingClassOut(BaseModel):
    school_class_id: int
    name: str
    school_year: str
    graduation_year: int
    pupils: int
    wizard_id: str


@router.get("/classes", response_model=list[GraduatingClassOut],
            summary="Выпускные классы школы (9 и 11) и их мастера оформления")
def graduating_classes(session: SessionDep, principal: PrincipalDep
                       ) -> list[GraduatingClassOut]:
    organization_id = require_staff(principal, roles=READ_ROLES)
    code = organization_code(session, organization_id)
    found = []
    for klass, year in session.execute(select(gb.SchoolClass, SchoolYear).join(
            SchoolYear, SchoolYear.id == gb.SchoolClass.school_year_id).where(
            gb.SchoolClass.organization_id == organization_id,
            gb.SchoolClass.grade.in_(list(computing.LEVEL_OF_GRADE)))
            .order_by(SchoolYear.starts_on.desc(), gb.SchoolClass.grade,
                      gb.SchoolClass.letter)).all():
        pupils = session.scalar(select(func.count(func.distinct(
            gb.ClassMembership.pupil_id))).where(
            gb.ClassMembership.school_class_id == klass.id,
            gb.ClassMembership.study_group_id.is_(None),
            gb.ClassMembership.ends_on.is_(None))) or 0
        found.append(GraduatingClassOut(
            school_class_id=klass.id, name=f"{klass.grade} {klass.letter}",
            school_year=year.name, graduation_year=year.ends_on.year, pupils=pupils,
            wizard_id=class_wizard_id(code, klass.id, year.ends_on.year)))
    return found


@router.post("/wizards", status_code=201, response_model=WizardOut,
             summary="Начать оформление аттестатов класса")
async def start_class_wizard(body: StartIn, request: Request, session: SessionDep,
                             settings: SettingsDep, principal: PrincipalDep) -> WizardOut:
    organization_id = require_staff(principal)

    def prepare() -> tuple[m.WizardInput, str]:
        klass = session.get(gb.SchoolClass, body.school_class_id)
        if klass is None:
            raise NotFound("Класс не найден.")
        require_staff(principal, klass.organization_id)
        if klass.grade not in computing.LEVEL_OF_GRADE:
            raise CertificateRuleError(
                f"Аттестаты выдаются выпускникам 9 и 11 классов, а выбран {klass.grade} "
                "класс", code="invalid_input", status=422, field="school_class_id")
        year = session.get(SchoolYear, klass.school_year_id)
        assert year is not None
        code = organization_code(session, organization_id)
        graduation_year = body.graduation_year or year.ends_on.year
        return m.WizardInput(
            organization_id=organization_id, organization_code=code,
            time_zone=school_zone(session, settings, organization_id),
            school_class_id=klass.id, graduation_year=graduation_year,
            started_by=m.StaffActor(user_id=principal.user_id, role=principal.role),
        ), class_wizard_id(code, klass.id, graduation_year)

    inp, wizard_id = await run_in_threadpool(prepare)
    return await _start(request, session, inp, wizard_id)


async def _start(request: Request, session: SessionDep, inp: m.WizardInput,
                 wizard_id: str) -> WizardOut:
    client = await request.app.state.temporal()
    try:
        handle = await client.start_workflow(
            Wizard.run, inp, id=wizard_id,
            task_queue=request.app.state.queue(task_queues.MAIN))
    except WorkflowAlreadyStartedError:
        raise Conflict(f"Мастер уже запущен: {wizard_id}", code="already_started") from None
    return await _out(session, await handle.query(Wizard.view))


@router.post("/{certificate_id}/duplicates", status_code=201, response_model=WizardOut,
             summary="Начать оформление дубликата выданного документа")
async def start_duplicate_wizard(certificate_id: int, request: Request, session: SessionDep,
                                 settings: SettingsDep,
                                 principal: PrincipalDep) -> WizardOut:
    organization_id = require_staff(principal)

    def prepare() -> tuple[m.WizardInput, str]:
        row = session.get(db.Certificate, certificate_id)
        if row is None:
            raise NotFound("Документ не найден.")
        require_staff(principal, row.organization_id)
        if row.status not in ("issued", "exported"):
            raise Conflict("Дубликат оформляется только взамен выданного документа.",
                           code="step_not_allowed")
        code = organization_code(session, organization_id)
        return m.WizardInput(
            organization_id=organization_id, organization_code=code,
            time_zone=school_zone(session, settings, organization_id),
            school_class_id=row.school_class_id, graduation_year=row.graduation_year,
            started_by=m.StaffActor(user_id=principal.user_id, role=principal.role),
            mode="duplicate", original_certificate_id=row.id,
        ), duplicate_wizard_id(code, row.id)

    inp, wizard_id = await run_in_threadpool(prepare)
    return await _start(request, session, inp, wizard_id)


@router.get("/wizards/{wizard_id}", response_model=WizardOut,
            summary="Текущий шаг мастера и его данные")
async def read_wizard(wizard_id: str, request: Request, session: SessionDep,
                      principal: PrincipalDep) -> WizardOut:
    _, view = await _view(request, principal, wizard_id)
    return await _out(session, view)


class ProgressOut(BaseModel):
    step: str
    total: int
    done: int
    failed: int
    finished: bool
    problems: dict[str, str]


@router.get("/wizards/{wizard_id}/progress", response_model=ProgressOut,
            summary="Ход подготовки PDF")
async def render_progress(wizard_id: str, request: Request, session: SessionDep,
                          principal: PrincipalDep) -> ProgressOut:
    _, view = await _view(request, principal, wizard_id)

    def latest() -> db.RenderRun | None:
        return session.scalar(select(db.RenderRun).where(
            db.RenderRun.workflow_id == wizard_id).order_by(db.RenderRun.id.desc()).limit(1))

    run = await run_in_threadpool(latest)
    if run is None:
        return ProgressOut(step=view.step, total=0, done=0, failed=0, finished=False,
                           problems={})
    return ProgressOut(step=view.step, total=run.total, done=run.done, failed=run.failed,
                       finished=run.finished_at is not None, problems=dict(run.problems))


# The steps. Each body is checked here (422 naming the field), the step by the workflow (409).


class ChooseClassIn(BaseModel):
    pupil_ids: list[int] | None = Field(None, description="по умолчанию — весь класс")


class ReportIssueIn(BaseModel):
    certificate_id: int
    line_code: str = Field(min_length=1, max_length=60)
    description: str = Field(min_length=1, max_length=2000)


class Empty(BaseModel):
    pass


class ApproveReviewIn(BaseModel):
    confirm_warnings: bool = False


class AssignBlanksIn(BaseModel):
    with_supplements: bool = True


class RenderIn(BaseModel):
    issue_date: date
    head_name: str = Field(min_length=3, max_length=120,
                           description="фамилия и инициалы руководителя для подписи")


class SpoilIn(BaseModel):
    certificate_id: int
    act_number: str = Field(min_length=1, max_length=40)
    act_date: date
    reason: str = Field(min_length=1, max_length=1000)
    replace: bool = True


class ConfirmPrintedIn(BaseModel):
    certificate_ids: list[int] | None = None


class IssueIn(BaseModel):
    certificate_id: int
    method: Literal["in_person", "proxy", "post"]
    handed_over_on: date
    order_number: str = Field(min_length=1, max_length=40)
    order_date: date
    proxy_name: str | None = Field(None, max_length=200)
    proxy_document: str | None = Field(None, max_length=200)
    postal_item_number: str | None = Field(None, max_length=40)
    posted_on: date | None = None


class CancelIn(BaseModel):
    certificate_id: int
    reason: str = Field(min_length=1, max_length=1000)
    act_number: str | None = Field(None, max_length=40)
    act_date: date | None = None


class DuplicateIn(BaseModel):
    # A mark is never typed here: unknown fields (an old «corrections») are refused.
    model_config = ConfigDict(extra="forbid")

    ground: Literal["loss", "damage", "error_after_issue", "name_change"]
    disposition: Literal["lost", "exchanged", "destroyed"]
    reason: str = Field(min_length=1, max_length=1000)
    issue_ids: list[int] = Field(
        default_factory=list,
        description="замечания к отметкам оригинала, одобренные заместителем директора")
    supplement_only: bool = False


STEPS: dict[str, tuple[Any, type[BaseModel], type[BaseModel], str]] = {
    "choose-class": (Wizard.choose_class, ChooseClassIn, m.ChooseClass, "Выбрать класс"),
    "report-issue": (Wizard.report_issue, ReportIssueIn, m.ReportIssue,
                     "Сообщить об ошибке в отметке (исправляется в журнале)"),
    "recompute": (Wizard.recompute, Empty, m.Recompute, "Пересчитать итоговые отметки"),
    "approve-review": (Wizard.approve_review, ApproveReviewIn, m.ApproveReview,
                       "Подтвердить проверку отметок"),
    "form": (Wizard.form, Empty, m.FormStep, "Сформировать (зафиксировать отметки)"),
    "assign-blanks": (Wizard.assign_blanks, AssignBlanksIn, m.AssignBlanks,
                      "Назначить бланки со склада"),
    "render": (Wizard.render, RenderIn, m.RenderStep, "Подготовить PDF к печати"),
    "spoil": (Wizard.spoil, SpoilIn, m.SpoilStep, "Списать испорченный бланк по акту"),
    "confirm-printed": (Wizard.confirm_printed, ConfirmPrintedIn, m.ConfirmPrinted,
                        "Подтвердить печать"),
    "issue": (Wizard.issue, IssueIn, m.IssueStep, "Выдать документ"),
    "cancel": (Wizard.cancel, CancelIn, m.CancelStep, "Отменить документ до выдачи"),
    "export": (Wizard.export, Empty, m.ExportStep, "Выгрузить в ФИС ФРДО"),
    "duplicate": (Wizard.duplicate, DuplicateIn, m.DuplicateStep,
                  "Основание и данные дубликата"),
}


def _step_route(name: str, update: Any, body_model: type[BaseModel],
                message: type[BaseModel], summary: str) -> None:
    async def post_step(wizard_id: str, body: Any, request: Request,
                        session: SessionDep, principal: PrincipalDep) -> WizardOut:
        handle, _ = await _view(request, principal, wizard_id, roles=frozenset(
            {"secretary", "school_head"}))
        actor = m.StaffActor(user_id=principal.user_id, role=principal.role)
        try:
            view = await handle.execute_update(update, message(actor=actor,
                                                               **body.model_dump()))
        except WorkflowUpdateFailedError as error:
            raise update_error(error) from None
        return await _out(session, view)

    post_step.__name__ = f"step_{name.replace('-', '_')}"
    # Annotations are strings here (postponed evaluation): give FastAPI the real body type.
    post_step.__annotations__ = {"wizard_id": str, "body": body_model, "request": Request,
                                 "session": SessionDep, "principal": PrincipalDep,
                                 "return": WizardOut}
    router.add_api_route(f"/wizards/{{wizard_id}}/{name}", post_step, methods=["POST"],
                         response_model=WizardOut, summary=summary)


for _name, (_update, _body, _message, _summary) in STEPS.items():
    _step_route(_name, _update, _body, _message, _summary)


# Mark issues: answered by the deputy head after the gradebook was corrected.


class CorrectedInputIn(BaseModel):
    subject: str = Field(min_length=1, max_length=40, description="предмет журнала")
    grade: int = Field(ge=1, le=11)
    period: Literal["h1", "h2", "q1", "q2", "q3", "q4", "t1", "t2", "t3", "year"]
    value: int | Literal["passed"] = Field(description="2–5 или «passed» (зачтено)")


class AnswerIn(BaseModel):
    corrected: bool
    resolution: str = Field(min_length=1, max_length=2000)
    correction_request_id: int | None = None
    corrected_inputs: list[CorrectedInputIn] = Field(
        default_factory=list,
        description="после выдачи: отметки за периоды, как они должны были быть")


class ReportIn(BaseModel):
    line_code: str = Field(min_length=1, max_length=60)
    description: str = Field(min_length=1, max_length=2000)


@router.post("/{certificate_id}/mark-issues", status_code=201, response_model=IssueOut,
             summary="Сообщить об ошибке в отметке выданного документа (для дубликата)")
def report_issue_after_issue(certificate_id: int, body: ReportIn, session: SessionDep,
                             settings: SettingsDep, principal: PrincipalDep) -> IssueOut:
    ctx = cert_context(session, settings, principal)
    row = session.get(db.Certificate, certificate_id)
    if row is None:
        raise NotFound("Документ не найден.")
    require_staff(principal, row.organization_id)
    if row.status not in ("issued", "exported"):
        raise Conflict("До выдачи об ошибке сообщают в мастере оформления, на шаге проверки.",
                       code="step_not_allowed")
    issue = computing.report_issue(ctx, certificate_id, body.line_code, body.description)
    return _issue_out(issue)


def _issue_out(issue: db.MarkIssue) -> IssueOut:
    return IssueOut(id=issue.id, line_code=issue.line_code, description=issue.description,
                    status=issue.status, resolution=issue.resolution,
                    after_issue=issue.after_issue,
                    corrected_inputs=list(issue.corrected_inputs or []),
                    duplicate_id=issue.duplicate_id)


@router.get("/mark-issues", response_model=list[IssueOut],
            summary="Замечания к итоговым отметкам школы")
def list_issues(session: SessionDep, principal: PrincipalDep,
                status: Literal["open", "corrected", "rejected"] | None = "open"
                ) -> list[IssueOut]:
    organization_id = require_staff(principal, roles=READ_ROLES)
    query = select(db.MarkIssue).where(db.MarkIssue.organization_id == organization_id)
    if status is not None:
        query = query.where(db.MarkIssue.status == status)
    return [_issue_out(i) for i in session.scalars(query.order_by(db.MarkIssue.id))]


@router.post("/mark-issues/{issue_id}/answer", response_model=IssueOut,
             summary="Ответ заместителя директора: отметка исправлена в журнале или верна")
async def answer_issue(issue_id: int, body: AnswerIn, request: Request, session: SessionDep,
                       settings: SettingsDep, principal: PrincipalDep) -> IssueOut:
    def answer() -> tuple[db.MarkIssue, str | None]:
        ctx = cert_context(session, settings, principal, roles=frozenset({"deputy_head"}))
        issue = session.get(db.MarkIssue, issue_id)
        if issue is None:
            raise NotFound("Замечание не найдено.")
        require_staff(principal, issue.organization_id, frozenset({"deputy_head"}))
        issue = computing.resolve_issue(
            ctx, issue_id, corrected=body.corrected, resolution=body.resolution,
            correction_request_id=body.correction_request_id,
            corrected_inputs=[InputCorrection(issue.line_code, c.subject, c.grade,
                                              Period(c.period),
                                              PassMark.PASSED if c.value == "passed"
                                              else c.value)
                              for c in body.corrected_inputs])
        certificate = session.get(db.Certificate, issue.certificate_id)
        assert certificate is not None
        session.commit()
        return issue, certificate.workflow_id

    issue, wizard_id = await run_in_threadpool(answer)
    # After issue no wizard recomputes: the duplicate applies the approved correction.
    if wizard_id and not issue.after_issue:
        handle = await _handle(request, wizard_id)
        try:
            actor = await run_in_threadpool(_signal_actor, session, issue.certificate_id)
            await handle.signal(Wizard.marks_corrected, actor)
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
    return _issue_out(issue)


def _signal_actor(session: SessionDep, certificate_id: int) -> m.StaffActor:
    """The recomputation runs for the secretary who reported the issue."""
    issue = session.scalar(select(db.MarkIssue).where(
        db.MarkIssue.certificate_id == certificate_id).order_by(db.MarkIssue.id.desc()))
    assert issue is not None
    user = session.get(User, issue.reported_by)
    assert user is not None
    return m.StaffActor(user_id=user.id, role=str(user.role))
