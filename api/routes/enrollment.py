"""Staff API of first-grade enrollment: applications, staff steps, orders, the dashboard."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.deps import PrincipalDep, SessionDep, SettingsDep, require_roles
from api.enrollment.access import (
    FOUNDER_ROLES,
    ORDER_SIGN_ROLES,
    SCHOOL_STEP_ROLES,
    VIEW_ROLES,
    actor_of,
    may_see_personal_data,
)
from api.enrollment.campaigns import (
    SchoolCampaign,
    campaign_of_school,
    campaign_out,
    campaign_schools,
    figures,
    region_campaign,
    school_dashboard,
    totals,
)
from api.enrollment.orders import list_orders, load_order, number_taken, order_out
from api.enrollment.reading import (
    ApplicationFilters,
    detail_of,
    list_applications,
    load_application,
    load_school,
)
from api.enrollment.schemas import (
    AgePermissionIn,
    ApplicationDetail,
    ApplicationPage,
    ConfirmIn,
    Dashboard,
    EnrollmentOrderList,
    EnrollmentOrderOut,
    ForeignCheckIn,
    InviteIn,
    RightFilter,
    SchoolCampaignOut,
    SignOrderIn,
    WithdrawIn,
)
from api.enrollment.steps import FINISHED_RU, run_update, try_query
from api.errors import Conflict, InvalidInput, register_field_names
from domain.access import Principal
from domain.enrollment.states import ApplicationState
from tsos import audit
from tsos.db.enrollment import EnrollmentOrder, FirstGradeApplication
from workflows.enrollment.application import FirstGradeApplicationWorkflow
from workflows.enrollment.campaign import FirstGradeSchoolCampaignWorkflow
from workflows.enrollment.messages import (
    ForeignCheckResult,
    Invite,
    PermissionDecision,
    SignOrder,
    StaffStep,
    Withdrawal,
)

router = APIRouter(prefix="/enrollment/first-grade", tags=["Приём в 1 класс"])

register_field_names({
    "status": "состояние", "wave": "этап", "right": "право приёма",
    "resident": "проживание на закреплённой территории", "deferred": "отложено до второго этапа",
    "filed_from": "подано с", "filed_to": "подано по", "sort": "порядок", "school": "школа",
    "year": "год кампании", "offset": "смещение", "limit": "размер страницы",
    "deadline": "срок представления документов", "comment": "примечание",
    "granted": "решение учредителя", "reason": "причина", "result": "результат проверки",
    "missing_documents": "недостающие документы", "withdrawn_on": "дата отзыва",
    "number": "номер приказа", "order_date": "дата приказа",
    "enrollment_order_id": "приказ о зачислении",
})

_VIEW = require_roles(*VIEW_ROLES)
_SCHOOL_STEP = require_roles(*SCHOOL_STEP_ROLES)
_FOUNDER = require_roles(*FOUNDER_ROLES)
_SIGN = require_roles(*ORDER_SIGN_ROLES)

RefPath = Annotated[str, Path(description="Номер заявления на ЕПГУ (orderId) или номер в ЦОС",
                              max_length=20)]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100,
                                        description="Год кампании; по умолчанию последний")]
STATE_CODES = tuple(s.value for s in ApplicationState)
# At most this many campaign workflows are asked at once for the dashboard.
_DASHBOARD_QUERIES = 10


def _field_error(field: str, name: str, message: str) -> InvalidInput:
    return InvalidInput(f"Ошибка в поле «{name}»: {message}.",
                        fields=[{"field": field, "name": name, "message": message}])


def _today(settings: SettingsDep) -> date:
    return datetime.now(settings.zone).date()


# --- applications ------------------------------------------------------------------------


@router.get(
    "/applications", response_model=ApplicationPage, dependencies=[_VIEW],
    summary="Заявления в 1 класс",
    description="Заявления школы пользователя (специалист по приёму, директор, заместитель); "
                "роли региона видят все школы и могут выбрать одну параметром `school`. "
                "Фильтры: состояние (можно несколько), этап, право приёма, проживание на "
                "закреплённой территории, отложенные, даты подачи по времени региона. "
                "Порядок — по дате подачи (очерёдность).",
)
def list_first_grade_applications(
    session: SessionDep, principal: PrincipalDep, settings: SettingsDep,
    school: Annotated[str | None, Query(max_length=40, description="Код школы")] = None,
    year: YearQuery = None,
    status: Annotated[list[str] | None,
                      Query(description="Состояние заявления; можно указать несколько: "
                                        + ", ".join(STATE_CODES))] = None,
    wave: Annotated[int | None, Query(ge=1, le=2, description="Этап: 1 или 2")] = None,
    right: Annotated[RightFilter | None, Query(description="Право приёма")] = None,
    resident: Annotated[bool | None, Query(description="На закреплённой территории")] = None,
    deferred: Annotated[bool | None, Query(description="Отложено до второго этапа")] = None,
    filed_from: Annotated[date | None, Query(description="Подано не раньше (дата региона)")]
    = None,
    filed_to: Annotated[date | None, Query(description="Подано не позже (дата региона)")]
    = None,
    sort: Annotated[Literal["filing_date", "-filing_date"],
                    Query(description="filing_date — по очерёдности, -filing_date — новые "
                                      "сначала")] = "filing_date",
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ApplicationPage:
    if filed_from and filed_to and filed_from > filed_to:
        raise _field_error("filed_to", "подано по", "дата раньше, чем «подано с»")
    unknown = [s for s in status or () if s not in STATE_CODES]
    if unknown:
        raise _field_error("status", "состояние", f"неизвестное состояние «{unknown[0]}»; "
                           f"допустимые: {', '.join(STATE_CODES)}")
    school_id = load_school(session, principal, school).id if school else None
    filters = ApplicationFilters(
        school_id=school_id, year=year, states=tuple(status or ()),
        wave=wave, right=right, resident=resident, deferred=deferred, filed_from=filed_from,
        filed_to=filed_to)
    items, total = list_applications(session, principal, filters, zone=settings.zone,
                                     newest_first=sort.startswith("-"), offset=offset,
                                     limit=limit)
    return ApplicationPage(items=items, total=total, offset=offset, limit=limit)


@router.get(
    "/applications/{ref}", response_model=ApplicationDetail, dependencies=[_VIEW],
    summary="Карточка заявления",
    description="Сведения о заявителе и ребёнке, основания решений, полная история статусов, "
                "всё, что отправлено на портал, и текущее ожидание процесса. `ref` — номер "
                "ЕПГУ (orderId) или номер заявления в ЦОС; сначала ищется номер ЕПГУ.",
)
async def get_first_grade_application(ref: RefPath, request: Request, session: SessionDep,
                                      principal: PrincipalDep,
                                      settings: SettingsDep) -> ApplicationDetail:
    app = await run_in_threadpool(load_application, session, principal, ref)
    view = None
    if app.closed_at is None and app.workflow_started:
        client = await request.app.state.temporal()
        view = await try_query(client, app.workflow_id, FirstGradeApplicationWorkflow.view)
    return await run_in_threadpool(detail_of, session, principal, app, zone=settings.zone,
                                   view=view)


def _prepare_step(session: Session, principal: Principal,
                  ref: str) -> tuple[FirstGradeApplication, str]:
    app = load_application(session, principal, ref)
    if app.closed_at is not None:
        raise Conflict(FINISHED_RU, code="finished")
    if not app.workflow_started:
        raise Conflict("Заявление ещё проходит регистрацию. Повторите действие через минуту.",
                       code="not_ready")
    actor = actor_of(session, principal)
    # The engine may take seconds: no transaction stays open while it works.
    session.commit()
    return app, actor


def _finish_step(session: Session, principal: Principal, app_id: int, old_state: str,
                 action: str, arg: BaseModel, view: Any, zone: ZoneInfo) -> ApplicationDetail:
    session.expire_all()
    app = session.get(FirstGradeApplication, app_id)
    assert app is not None
    audit.record(session, actor=principal, action=f"first_grade_application.{action}",
                 object_type="first_grade_application", object_id=app.id,
                 organization_id=app.organization_id, old={"state": old_state},
                 new={"state": app.state, **arg.model_dump(mode="json", exclude={"actor"})},
                 reason=getattr(arg, "reason", None), workflow_id=app.workflow_id)
    session.commit()
    return detail_of(session, principal, app, zone=zone, view=view)


async def _step(request: Request, session: Session, principal: Principal, ref: str, *,
                action: str, update: Callable[..., Any], make: Callable[[str], BaseModel],
                check: Callable[[FirstGradeApplication], None] | None = None,
                ) -> ApplicationDetail:
    """One staff step: scope, execute as the workflow's update, audit, the fresh detail."""
    app, actor = await run_in_threadpool(_prepare_step, session, principal, ref)
    if check is not None:
        check(app)
    arg = make(actor)
    client = await request.app.state.temporal()
    view = await run_update(client, app.workflow_id, update, arg)
    return await run_in_threadpool(_finish_step, session, principal, app.id, app.state, action,
                                   arg, view, request.app.state.settings.zone)


_STEP_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Заявление другой школы или действие недоступно для роли"},
    404: {"description": "Заявление не найдено"},
    409: {"description": "Действие невозможно в текущем состоянии заявления"},
}


@router.post(
    "/applications/{ref}/invite", response_model=ApplicationDetail,
    dependencies=[_SCHOOL_STEP], responses=_STEP_RESPONSES,
    summary="Пригласить заявителя с оригиналами документов",
    description="Заявителю отправляется статус 312 со сроком. Без срока он отсчитывается "
                "рабочими днями, установленными кампанией. Документы, не представленные до "
                "срока включительно, ведут к прекращению рассмотрения (352).",
)
async def invite(ref: RefPath, request: Request, session: SessionDep,
                 principal: PrincipalDep, settings: SettingsDep,
                 body: InviteIn | None = None) -> ApplicationDetail:
    body = body or InviteIn(deadline=None)
    if body.deadline is not None and body.deadline < _today(settings):
        raise _field_error("deadline", "срок представления документов",
                           "срок не может быть в прошлом")
    return await _step(request, session, principal, ref, action="invite",
                       update=FirstGradeApplicationWorkflow.invite_to_present_documents,
                       make=lambda actor: Invite(actor=actor, deadline=body.deadline))


@router.post(
    "/applications/{ref}/confirm-documents", response_model=ApplicationDetail,
    dependencies=[_SCHOOL_STEP], responses=_STEP_RESPONSES,
    summary="Подтвердить сведения заявления оригиналами документов",
    description="После приглашения и до срока. Подтверждённое заявление получает место "
                "в порядке очерёдности (или ждёт разрешения учредителя по возрасту).",
)
async def confirm_documents(ref: RefPath, request: Request, session: SessionDep,
                            principal: PrincipalDep,
                            body: ConfirmIn | None = None) -> ApplicationDetail:
    comment = body.comment if body else None
    return await _step(request, session, principal, ref, action="confirm_documents",
                       update=FirstGradeApplicationWorkflow.confirm_documents,
                       make=lambda actor: StaffStep(actor=actor, reason=comment))


@router.post(
    "/applications/{ref}/age-permission", response_model=ApplicationDetail,
    dependencies=[_FOUNDER], responses=_STEP_RESPONSES,
    summary="Решение учредителя о приёме ребёнка младше 6 лет 6 месяцев или 8 лет и старше",
    description="Принимает специалист учредителя (или администратор региона от имени "
                "учредителя). При отказе причина обязательна: она войдёт в статус для "
                "заявителя.",
)
async def decide_age_permission(ref: RefPath, body: AgePermissionIn, request: Request,
                                session: SessionDep,
                                principal: PrincipalDep) -> ApplicationDetail:
    reason = (body.reason or "").strip() or None
    if not body.granted and reason is None:
        raise _field_error("reason", "причина", "при отказе укажите причину")
    return await _step(request, session, principal, ref, action="age_permission",
                       update=FirstGradeApplicationWorkflow.decide_age_permission,
                       make=lambda actor: PermissionDecision(actor=actor, granted=body.granted,
                                                             reason=reason))


@router.post(
    "/applications/{ref}/foreign-check", response_model=ApplicationDetail,
    dependencies=[_SCHOOL_STEP], responses=_STEP_RESPONSES,
    summary="Результат проверки документов ребёнка — иностранного гражданина",
    description="complete — заявление переходит к рассмотрению; incomplete — возвращается "
                "без рассмотрения (нужно указать недостающие документы); conditions_not_met "
                "— отказ (нужна причина).",
)
async def record_foreign_check(ref: RefPath, body: ForeignCheckIn, request: Request,
                               session: SessionDep,
                               principal: PrincipalDep) -> ApplicationDetail:
    missing = (body.missing_documents or "").strip() or None
    reason = (body.reason or "").strip() or None
    if body.result == "incomplete" and missing is None:
        raise _field_error("missing_documents", "недостающие документы",
                           "укажите, каких документов не хватает")
    if body.result == "conditions_not_met" and reason is None:
        raise _field_error("reason", "причина", "укажите, какие условия приёма не выполнены")
    return await _step(request, session, principal, ref, action="foreign_check",
                       update=FirstGradeApplicationWorkflow.record_foreign_check,
                       make=lambda actor: ForeignCheckResult(
                           actor=actor, result=body.result, missing_documents=missing,
                           reason=reason))


@router.post(
    "/applications/{ref}/withdraw", response_model=ApplicationDetail,
    dependencies=[_SCHOOL_STEP], responses=_STEP_RESPONSES,
    summary="Отозвать заявление по письменному заявлению, поданному в школе",
    description="Возможно в любом незавершённом состоянии, в том числе после подтверждения "
                "документов; закреплённое место освобождается.",
)
async def withdraw(ref: RefPath, body: WithdrawIn, request: Request, session: SessionDep,
                   principal: PrincipalDep, settings: SettingsDep) -> ApplicationDetail:
    if body.withdrawn_on > _today(settings):
        raise _field_error("withdrawn_on", "дата отзыва", "дата не может быть в будущем")

    def not_before_filing(app: FirstGradeApplication) -> None:
        if body.withdrawn_on < app.filing_date.astimezone(settings.zone).date():
            raise _field_error("withdrawn_on", "дата отзыва", "дата раньше подачи заявления")

    return await _step(request, session, principal, ref, action="withdraw",
                       update=FirstGradeApplicationWorkflow.withdraw, check=not_before_filing,
                       make=lambda actor: Withdrawal(actor=actor,
                                                     withdrawn_on=body.withdrawn_on))


_REGION_ADMIN = require_roles("region_admin")


class RetryIn(BaseModel):
    reason: str = Field(min_length=3, max_length=500,
                        description="Что исправлено перед повтором (для журнала аудита)")


@router.post(
    "/applications/{ref}/retry", response_model=ApplicationDetail,
    dependencies=[_REGION_ADMIN], responses=_STEP_RESPONSES,
    summary="Повторить шаг, остановленный внутренней ошибкой",
    description="Для администратора региона: когда обработка заявления приостановлена "
                "(ожидает «администратор»), после устранения причины шаг повторяется с того "
                "же места; статус заявителю отправляется один раз.",
)
async def retry_after_fault(ref: RefPath, body: RetryIn, request: Request,
                            session: SessionDep, principal: PrincipalDep,
                            settings: SettingsDep) -> ApplicationDetail:
    app, _ = await run_in_threadpool(_prepare_step, session, principal, ref)
    client = await request.app.state.temporal()
    view = await try_query(client, app.workflow_id, FirstGradeApplicationWorkflow.view)
    if view is None or view.fault is None:
        raise Conflict("Обработка заявления не приостановлена: повторять нечего.",
                       code="step_not_allowed")
    handle = client.get_workflow_handle(app.workflow_id)
    await handle.signal(FirstGradeApplicationWorkflow.retry_after_fault)
    for _ in range(50):
        await asyncio.sleep(0.2)
        view = await try_query(client, app.workflow_id, FirstGradeApplicationWorkflow.view)
        if view is not None and view.fault is None:
            break
    return await run_in_threadpool(_finish_step, session, principal, app.id, app.state,
                                   "retry", body, view, settings.zone)


# --- schools: wave 1, enrollment orders ---------------------------------------------------


def _school_campaign(session: Session, principal: Principal, code: str,
                     year: int | None) -> tuple[SchoolCampaign, str]:
    org = load_school(session, principal, code)
    sc = campaign_of_school(session, org, year)
    actor = actor_of(session, principal)
    session.commit()
    return sc, actor


@router.post(
    "/schools/{code}/close-wave1-early", response_model=SchoolCampaignOut,
    dependencies=[_SCHOOL_STEP],
    summary="Завершить первый этап досрочно",
    description="Возможно, когда все заявления первого этапа рассмотрены. Места "
                "распределяются сразу, отложенные заявления второго этапа рассматриваются "
                "с этого момента.",
)
async def close_wave1_early(code: str, request: Request, session: SessionDep,
                            principal: PrincipalDep,
                            year: YearQuery = None) -> SchoolCampaignOut:
    sc, actor = await run_in_threadpool(_school_campaign, session, principal, code, year)
    client = await request.app.state.temporal()
    view = await run_update(client, sc.workflow_id,
                            FirstGradeSchoolCampaignWorkflow.close_wave1_early,
                            StaffStep(actor=actor),
                            finished_message="Приёмная кампания школы завершена.")

    def record() -> None:
        audit.record(session, actor=principal, action="first_grade_campaign.close_wave1_early",
                     object_type="campaign_school", object_id=sc.school.id,
                     organization_id=sc.organization.id, new={"phase": view.phase},
                     workflow_id=sc.workflow_id)
        session.commit()

    await run_in_threadpool(record)
    return campaign_out(sc, view)


@router.post(
    "/schools/{code}/enrollment-orders", response_model=EnrollmentOrderOut, status_code=201,
    dependencies=[_SIGN],
    summary="Подписать приказ о зачислении",
    description="В приказ входят все подтверждённые заявления с закреплённым местом, ещё не "
                "включённые в приказ. Заявители получают статус «зачислен» (техкод 3) с "
                "номером и датой приказа. Подписывает директор или заместитель.",
)
async def sign_enrollment_order(code: str, request: Request, session: SessionDep,
                                principal: PrincipalDep, settings: SettingsDep,
                                body: SignOrderIn | None = None,
                                year: YearQuery = None) -> EnrollmentOrderOut:
    body = body or SignOrderIn(number=None, order_date=None)
    if body.order_date is not None and body.order_date > _today(settings):
        raise _field_error("order_date", "дата приказа", "дата не может быть в будущем")
    sc, actor = await run_in_threadpool(_school_campaign, session, principal, code, year)
    number = body.number
    if number is not None and await run_in_threadpool(number_taken, session,
                                                      sc.organization, number):
        raise Conflict(f"Приказ № {body.number} у школы уже есть: укажите другой номер.",
                       code="number_taken")
    client = await request.app.state.temporal()
    signed = await run_update(client, sc.workflow_id,
                              FirstGradeSchoolCampaignWorkflow.sign_enrollment_order,
                              SignOrder(actor=actor, number=body.number,
                                        order_date=body.order_date),
                              finished_message="Приёмная кампания школы завершена: приказы "
                                               "по ней больше не издаются.")

    def record() -> EnrollmentOrderOut:
        order = session.get(EnrollmentOrder, signed.enrollment_order_id)
        assert order is not None
        audit.record(session, actor=principal, action="enrollment_order.sign",
                     object_type="enrollment_order", object_id=order.id,
                     organization_id=sc.organization.id,
                     new={"number": order.number, "order_date": order.order_date.isoformat(),
                          "application_ids": signed.application_ids},
                     workflow_id=sc.workflow_id)
        session.commit()
        return order_out(session, sc.organization, order,
                         personal=may_see_personal_data(principal))

    return await run_in_threadpool(record)


@router.get(
    "/schools/{code}/enrollment-orders", response_model=EnrollmentOrderList,
    dependencies=[_VIEW], summary="Приказы о зачислении школы",
)
def list_enrollment_orders(code: str, session: SessionDep, principal: PrincipalDep,
                           year: YearQuery = None) -> EnrollmentOrderList:
    org = load_school(session, principal, code)
    personal = may_see_personal_data(principal)
    return EnrollmentOrderList(items=[order_out(session, org, o, personal=personal)
                                      for o in list_orders(session, org, year)])


@router.get(
    "/schools/{code}/enrollment-orders/{enrollment_order_id}.pdf", dependencies=[_VIEW],
    summary="Приказ о зачислении (PDF)", response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "Приказ в PDF"}},
)
def enrollment_order_pdf(code: str, enrollment_order_id: int, session: SessionDep,
                         principal: PrincipalDep) -> Response:
    org = load_school(session, principal, code)
    order = load_order(session, org, enrollment_order_id)
    if not order.pdf:
        raise Conflict("Файл приказа ещё не сформирован.", code="not_ready")
    audit.record(session, actor=principal, action="enrollment_order.download",
                 object_type="enrollment_order", object_id=order.id,
                 organization_id=org.id)
    return Response(content=order.pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="enrollment-order-{order.id}.pdf"'})


@router.get(
    "/schools/{code}/enrollment-orders/{enrollment_order_id}",
    response_model=EnrollmentOrderOut, dependencies=[_VIEW],
    summary="Приказ о зачислении: номер, дата, список",
)
def get_enrollment_order(code: str, enrollment_order_id: int, session: SessionDep,
                         principal: PrincipalDep) -> EnrollmentOrderOut:
    org = load_school(session, principal, code)
    order = load_order(session, org, enrollment_order_id)
    return order_out(session, org, order, personal=may_see_personal_data(principal))


# --- dashboard -----------------------------------------------------------------------------


def _dashboard_schools(session: Session, principal: Principal, school: str | None,
                       year: int | None) -> list[SchoolCampaign]:
    if school is not None:
        org = load_school(session, principal, school)
        return [campaign_of_school(session, org, year)]
    if not principal.is_region_wide:
        assert principal.organization_code is not None
        org = load_school(session, principal, principal.organization_code)
        return [campaign_of_school(session, org, year)]
    return campaign_schools(session, region_campaign(session, year), only=None)


@router.get(
    "/dashboard", response_model=Dashboard, dependencies=[_VIEW],
    summary="Ход приёмной кампании",
    description="По каждой школе: места, заявления, состояния, подтверждённые, закреплённые "
                "места, зачисленные, отказы, отложенные, отклонённые повторные заявления, "
                "этап кампании и срок приказа. Роли региона видят все школы и итог.",
)
async def dashboard(request: Request, session: SessionDep, principal: PrincipalDep,
                    school: Annotated[str | None, Query(max_length=40,
                                                        description="Код школы")] = None,
                    year: YearQuery = None) -> Dashboard:
    schools = await run_in_threadpool(_dashboard_schools, session, principal, school, year)
    if not schools:
        campaign = await run_in_threadpool(region_campaign, session, year)
        return Dashboard(campaign_year=campaign.year, schools=[],
                         totals=totals([]) if principal.is_region_wide else None)
    campaign = schools[0].campaign
    numbers = await run_in_threadpool(figures, session, campaign.id,
                                      [s.organization.id for s in schools])

    client = await request.app.state.temporal()
    limit = asyncio.Semaphore(_DASHBOARD_QUERIES)

    async def phase_of(sc: SchoolCampaign) -> Any:
        async with limit:
            return await try_query(client, sc.workflow_id,
                                   FirstGradeSchoolCampaignWorkflow.view)

    views = await asyncio.gather(*(phase_of(s) for s in schools))
    items = [school_dashboard(s, numbers[s.organization.id], v)
             for s, v in zip(schools, views, strict=True)]
    return Dashboard(campaign_year=campaign.year, schools=items,
                     totals=totals([numbers[s.organization.id] for s in schools])
                     if principal.is_region_wide else None)
