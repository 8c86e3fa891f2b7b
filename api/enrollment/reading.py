"""Applications, their history and what was sent, read from the database for the staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from api.enrollment.access import (
    FOUNDER_ROLES,
    SCHOOL_STEP_ROLES,
    check_school,
    may_see_personal_data,
)
from api.enrollment.schemas import (
    ApplicationDetail,
    ApplicationItem,
    HistoryEvent,
    LiveView,
    OrderRef,
    RightFilter,
    SentStatus,
)
from api.errors import NotFound
from domain.access import Principal
from domain.enrollment.states import STATE_TITLES_RU, ApplicationState
from gateways.epgu.placeholders import format_moment
from tsos.db.enrollment import (
    AdmissionCampaign,
    ApplicationEvent,
    EnrollmentOrder,
    FirstGradeApplication,
    SmevOutboxMessage,
)
from tsos.db.models import Organization

WAITING_TITLES_RU = {
    "invitation": "ожидается приглашение заявителя с оригиналами документов",
    "documents": "ожидаются оригиналы документов",
    "permission": "ожидается решение учредителя",
    "foreign_check": "ожидается результат проверки документов иностранного гражданина",
    "seat": "ожидается решение о месте",
    "wave2": "ожидается начало второго этапа",
    "enrollment_order": "ожидается приказ о зачислении",
    "operator": "обработка приостановлена из-за внутренней ошибки; ожидается администратор",
}
# The staff action each wait is answered by (path segments of the action endpoints).
_ACTION_OF_WAIT = {"invitation": "invite", "documents": "confirm-documents",
                   "permission": "age-permission", "foreign_check": "foreign-check"}
# When the workflow cannot be asked, the stored state tells nearly the same.
_WAIT_OF_STATE = {"accepted": "invitation", "documents_requested": "documents",
                  "age_permission_pending": "permission",
                  "foreign_documents_check": "foreign_check"}


def state_title(state: str) -> str:
    try:
        return STATE_TITLES_RU[ApplicationState(state)]
    except ValueError:
        return state


def child_name(data: dict[str, Any]) -> str | None:
    name = (data.get("child") or {}).get("name") or {}
    parts = [name.get("surname"), name.get("name"), name.get("middle_name")]
    return " ".join(p for p in parts if p) or None


def birth_date_of(data: dict[str, Any]) -> date | None:
    value = (data.get("child") or {}).get("birth_date")
    return date.fromisoformat(value) if value else None


def find_application(session: Session, ref: str) -> FirstGradeApplication:
    """By the portal's orderId first, then by our own number; 404 otherwise."""
    number = int(ref) if ref.isdigit() and len(ref) <= 18 else None
    app = None
    if number is not None:
        app = session.scalar(select(FirstGradeApplication)
                             .where(FirstGradeApplication.order_id == number))
        if app is None:
            app = session.get(FirstGradeApplication, number)
    if app is None:
        raise NotFound(f"Заявление «{ref}» не найдено: нет заявления с таким номером ЕПГУ "
                       "или номером ЦОС.")
    return app


def load_application(session: Session, principal: Principal,
                     ref: str) -> FirstGradeApplication:
    app = find_application(session, ref)
    check_school(principal, app.organization_id)
    return app


def load_school(session: Session, principal: Principal, code: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.code == code))
    if org is None:
        raise NotFound(f"Школа с кодом «{code}» не найдена.")
    check_school(principal, org.id)
    return org


@dataclass(frozen=True)
class ApplicationFilters:
    school_id: int | None = None
    year: int | None = None
    states: tuple[str, ...] = ()
    wave: int | None = None
    right: RightFilter | None = None
    resident: bool | None = None
    deferred: bool | None = None
    filed_from: date | None = None
    filed_to: date | None = None


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def _filtered(query: Select, f: ApplicationFilters, zone: ZoneInfo) -> Select:
    A = FirstGradeApplication
    if f.school_id is not None:
        query = query.where(A.organization_id == f.school_id)
    if f.year is not None:
        query = query.where(AdmissionCampaign.year == f.year)
    if f.states:
        query = query.where(A.state.in_(f.states))
    if f.wave is not None:
        query = query.where(A.wave == f.wave)
    if f.right == "none":
        query = query.where(A.right_kind.is_(None))
    elif f.right is not None:
        query = query.where(A.right_kind == f.right)
    if f.resident is not None:
        query = query.where(A.resident.is_(f.resident))
    if f.deferred is not None:
        query = query.where(A.deferred.is_(f.deferred))
    # The days are the region's: 1 April is 1 April in Sevastopol, whatever the offset sent.
    if f.filed_from is not None:
        query = query.where(A.filing_date >= _start_of(f.filed_from, zone))
    if f.filed_to is not None:
        query = query.where(A.filing_date < _start_of(f.filed_to + timedelta(days=1), zone))
    return query


def list_applications(session: Session, principal: Principal, f: ApplicationFilters, *,
                      zone: ZoneInfo, newest_first: bool, offset: int,
                      limit: int) -> tuple[list[ApplicationItem], int]:
    A = FirstGradeApplication
    query = (select(A, Organization.code, AdmissionCampaign.year)
             .join(Organization, Organization.id == A.organization_id)
             .join(AdmissionCampaign, AdmissionCampaign.id == A.campaign_id))
    if not principal.is_region_wide:
        query = query.where(A.organization_id == principal.organization_id)
    query = _filtered(query, f, zone)

    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    # The queue order: FilingDate, then arrival, then orderId (as the ranking breaks ties).
    keys = (A.filing_date, A.inbox_id, A.order_id)
    order = [k.desc() for k in keys] if newest_first else list(keys)
    rows = session.execute(query.order_by(*order).offset(offset).limit(limit))
    personal = may_see_personal_data(principal)
    items = [item_of(app, code, year, zone, personal=personal) for app, code, year in rows]
    return items, total


def item_of(app: FirstGradeApplication, school_code: str, year: int, zone: ZoneInfo, *,
            personal: bool) -> ApplicationItem:
    return ApplicationItem(
        id=app.id, order_id=app.order_id, school_code=school_code, campaign_year=year,
        child_name=child_name(app.data) if personal else None,
        birth_date=birth_date_of(app.data),
        filing_date=app.filing_date_as_sent,
        filing_date_local=format_moment(app.filing_date, zone),
        state=app.state, state_title=state_title(app.state), wave=app.wave,
        right=app.right_kind or "none", resident=app.resident, deferred=app.deferred,
        seat_held=app.seat_held, documents_due=app.documents_due,
        enrollment_order_id=app.enrollment_order_id,
    )


def _event_of(row: ApplicationEvent, zone: ZoneInfo) -> HistoryEvent:
    return HistoryEvent(seq=row.seq, at=row.at.astimezone(zone), from_state=row.from_state,
                        state=row.state, state_title=state_title(row.state), code=row.code,
                        comment=row.comment, actor=row.actor, rule=row.rule,
                        clause=row.clause, details=row.details)


def _sent_of(row: SmevOutboxMessage, zone: ZoneInfo) -> SentStatus:
    delivery: Literal["sent", "pending", "failed"] = (
        "sent" if row.sent_at else ("failed" if row.gave_up_at else "pending"))
    return SentStatus(kind=row.kind, code=row.code, comment=row.comment,
                      cancel_allowed=row.cancel_allowed,
                      queued_at=row.created_at.astimezone(zone),
                      sent_at=row.sent_at.astimezone(zone) if row.sent_at else None,
                      delivery=delivery)


def live_view(view: Any | None) -> LiveView | None:
    if view is None:
        return None
    return LiveView(state=view.state, waiting_for=view.waiting_for,
                    waiting_for_title=WAITING_TITLES_RU.get(view.waiting_for or ""),
                    deadline=view.deadline, cancel_allowed=view.cancel_allowed,
                    seat_held=view.seat_held, fault=getattr(view, "fault", None))


def available_actions(app: FirstGradeApplication, live: LiveView | None,
                      principal: Principal) -> list[str]:
    if app.closed_at is not None:
        return []
    wait = live.waiting_for if live is not None else _WAIT_OF_STATE.get(app.state)
    if wait == "operator":
        return ["retry"] if principal.role == "region_admin" else []
    action = _ACTION_OF_WAIT.get(wait or "")
    actions = []
    if action == "age-permission":
        if principal.role in FOUNDER_ROLES:
            actions.append(action)
    elif action is not None and principal.role in SCHOOL_STEP_ROLES:
        actions.append(action)
    if principal.role in SCHOOL_STEP_ROLES:
        actions.append("withdraw")
    return actions


def detail_of(session: Session, principal: Principal, app: FirstGradeApplication, *,
              zone: ZoneInfo, view: Any | None) -> ApplicationDetail:
    org = session.get(Organization, app.organization_id)
    campaign = session.get(AdmissionCampaign, app.campaign_id)
    assert org is not None and campaign is not None
    personal = may_see_personal_data(principal)
    item = item_of(app, org.code, campaign.year, zone, personal=personal)

    events = list(session.scalars(select(ApplicationEvent)
                                  .where(ApplicationEvent.application_id == app.id)
                                  .order_by(ApplicationEvent.seq)))
    sent = session.scalars(select(SmevOutboxMessage).where(or_(
        SmevOutboxMessage.application_id == app.id,
        and_(SmevOutboxMessage.application_id.is_(None),
             SmevOutboxMessage.order_id == app.order_id),
    )).order_by(SmevOutboxMessage.id))
    order = (session.get(EnrollmentOrder, app.enrollment_order_id)
             if app.enrollment_order_id else None)
    live = live_view(view) if app.closed_at is None else None

    data = app.data if personal else {}
    registration = next((e for e in events if e.seq == 1), None)
    return ApplicationDetail(
        **item.model_dump(),
        contract=app.contract, received_at=app.received_at.astimezone(zone),
        closed_at=app.closed_at.astimezone(zone) if app.closed_at else None,
        needs_age_permission=app.needs_age_permission, foreign_citizen=app.foreign_citizen,
        applicant=data.get("applicant"), child=data.get("child"),
        addresses={"registration": data.get("registration_address"),
                   "residence": data.get("residence_address")} if personal else None,
        priority_right=data.get("priority_right"),
        siblings=data.get("siblings") if personal else None,
        adapted_programme=data.get("adapted_programme"), languages=data.get("languages"),
        foreign_citizen_info=data.get("foreign_citizen_info"),
        basis=registration.details if registration else None,
        events=[_event_of(e, zone) for e in events],
        outbox=[_sent_of(s, zone) for s in sent],
        enrollment_order=OrderRef(id=order.id, number=order.number,
                                  order_date=order.order_date) if order else None,
        live=live, actions=available_actions(app, live, principal),
    )
