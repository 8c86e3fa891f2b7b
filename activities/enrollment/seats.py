"""Activities of a school's campaign workflow: ranking, seats, enrollment orders."""

from __future__ import annotations

import logging
from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from temporalio import activity

from activities.context import runtime
from activities.enrollment.common import calendar_of, campaign_config
from activities.refusals import STEP_NOT_ALLOWED, refused
from domain.enrollment import allocation
from domain.enrollment.ranking import Candidate, Category, PriorityRight, category_of
from tsos.db.enrollment import (
    CampaignSchool,
    EnrollmentOrder,
    FirstGradeApplication,
)
from tsos.db.models import Organization
from workflows.enrollment.messages import SeatDecision

log = logging.getLogger(__name__)

UNSERVED_WAVE1_STATES = ("registered", "accepted", "documents_requested",
                         "age_permission_pending", "foreign_documents_check")


class AllocationInput(BaseModel):
    campaign_id: int
    organization_id: int
    application_ids: list[int]
    closed_at: datetime


class AllocationResult(BaseModel):
    decisions: dict[int, SeatDecision]
    seats_held: int
    order_due: date


class SeatInput(BaseModel):
    campaign_id: int
    organization_id: int
    application_id: int


class Wave2Input(BaseModel):
    campaign_id: int
    organization_id: int


class Wave2Item(BaseModel):
    application_id: int
    workflow_id: str
    decision: SeatDecision


class Wave2Result(BaseModel):
    decisions: list[Wave2Item]
    seats_held: int


class OrderInput(BaseModel):
    campaign_id: int
    organization_id: int
    actor: str
    number: str | None
    order_date: date | None
    wave: int


class OrderResult(BaseModel):
    enrollment_order_id: int
    number: str
    order_date: date
    application_ids: list[int]
    workflow_ids: list[str]


def _candidate(app: FirstGradeApplication) -> Candidate:
    right = PriorityRight(app.right_kind) if app.right_kind else None
    return Candidate(order_id=str(app.order_id),
                     category=category_of(right, resident=bool(app.resident)),
                     queued_at=app.filing_date, arrival_sequence=app.inbox_id)


def _places_left(session: Session, campaign_id: int, organization_id: int) -> int:
    places = session.scalar(select(CampaignSchool.places).where(
        CampaignSchool.campaign_id == campaign_id,
        CampaignSchool.organization_id == organization_id))
    held = session.scalar(select(func.count()).select_from(FirstGradeApplication).where(
        FirstGradeApplication.campaign_id == campaign_id,
        FirstGradeApplication.organization_id == organization_id,
        FirstGradeApplication.seat_held.is_(True)))
    return max((places or 0) - (held or 0), 0)


def _held(session: Session, campaign_id: int, organization_id: int) -> int:
    return session.scalar(select(func.count()).select_from(FirstGradeApplication).where(
        FirstGradeApplication.campaign_id == campaign_id,
        FirstGradeApplication.organization_id == organization_id,
        FirstGradeApplication.seat_held.is_(True))) or 0


def _seat(decision: allocation.Decision) -> SeatDecision:
    return SeatDecision(granted=decision.outcome in (allocation.Outcome.ENROLL,
                                                     allocation.Outcome.TAKE_INTO_REVIEW),
                        rule=decision.rule.value, clause=decision.clause,
                        position=decision.position)


def _precedence(session: Session, campaign_id: int) -> tuple[PriorityRight, ...]:
    return campaign_config(session, campaign_id).campaign.ranking.category_precedence


@activity.defn(name="enrollment.allocate_wave1")
def allocate_wave1(inp: AllocationInput) -> AllocationResult:
    """Rank the confirmed wave-1 applications and give seats up to the places left."""
    rt = runtime()
    with rt.session() as session:
        config = campaign_config(session, inp.campaign_id)
        apps = list(session.scalars(select(FirstGradeApplication).where(
            FirstGradeApplication.id.in_(inp.application_ids)).with_for_update()))
        by_order = {str(a.order_id): a for a in apps}

        # Already-granted seats (an activity retried after a crash) are kept as decided.
        decided = {a.id: SeatDecision(granted=True, rule="already_allocated", clause="")
                   for a in apps if a.seat_held}
        pending = [a for a in apps if not a.seat_held and a.closed_at is None]
        left = _places_left(session, inp.campaign_id, inp.organization_id)
        decisions = allocation.allocate_confirmed(
            left, [_candidate(a) for a in pending], precedence=_precedence(
                session, inp.campaign_id))
        for decision in decisions:
            app = by_order[decision.order_id]
            seat = _seat(decision)
            app.seat_held = seat.granted
            decided[app.id] = seat
        for app in apps:
            decided.setdefault(app.id, SeatDecision(granted=False, rule="application_closed",
                                                    clause=""))

        closed_on = config.local(inp.closed_at).date()
        due = calendar_of(config).add_working_days(
            closed_on, config.campaign.enrollment_order.wave1_working_days)
        school = session.scalar(select(CampaignSchool).where(
            CampaignSchool.campaign_id == inp.campaign_id,
            CampaignSchool.organization_id == inp.organization_id))
        # The row records an early close only (its wave 2 opens then): a close by the
        # calendar leaves wave 2 to open on the file's date.
        if (school is not None and school.wave1_closed_at is None
                and inp.closed_at < config.default_wave1_closes_at):
            school.wave1_closed_at = inp.closed_at
        held = _held(session, inp.campaign_id, inp.organization_id)
        log.info("wave 1 allocated", extra={"organization_id": inp.organization_id,
                                            "decided": len(decisions), "seats_held": held})
        return AllocationResult(decisions=decided, seats_held=held, order_due=due)


@activity.defn(name="enrollment.decide_seat")
def decide_seat(inp: SeatInput) -> SeatDecision:
    """One application confirmed after the wave-1 allocation: a seat if one is left."""
    rt = runtime()
    with rt.session() as session:
        app = session.get(FirstGradeApplication, inp.application_id, with_for_update=True)
        assert app is not None
        if app.seat_held:
            return SeatDecision(granted=True, rule="already_allocated", clause="")
        left = _places_left(session, inp.campaign_id, inp.organization_id)
        candidate = _candidate(app)
        if app.wave == 1 and candidate.category is not Category.OTHER:
            decision = allocation.allocate_confirmed(
                left, [candidate], precedence=_precedence(session, inp.campaign_id))[0]
        else:
            decision = allocation.admit_in_second_wave(left, [candidate])[0]
        seat = _seat(decision)
        app.seat_held = seat.granted
        return seat


@activity.defn(name="enrollment.open_wave2")
def open_wave2(inp: Wave2Input) -> Wave2Result:
    """Take the applications held for wave 2, in FilingDate order, while seats remain."""
    rt = runtime()
    with rt.session() as session:
        held = list(session.scalars(select(FirstGradeApplication).where(
            FirstGradeApplication.campaign_id == inp.campaign_id,
            FirstGradeApplication.organization_id == inp.organization_id,
            FirstGradeApplication.state == "deferred_to_second_wave").with_for_update()))
        school = session.scalar(select(CampaignSchool).where(
            CampaignSchool.campaign_id == inp.campaign_id,
            CampaignSchool.organization_id == inp.organization_id))
        early = bool(school and school.wave1_closed_at and held)
        by_order = {str(a.order_id): a for a in held}
        fresh = [a for a in held if not a.seat_held]
        items = [Wave2Item(application_id=a.id, workflow_id=a.workflow_id,
                           decision=SeatDecision(granted=True, rule="already_allocated",
                                                 clause=""))
                 for a in held if a.seat_held]

        left = _places_left(session, inp.campaign_id, inp.organization_id)
        for decision in allocation.open_second_wave(left, [_candidate(a) for a in fresh],
                                                    early_opening=early):
            app = by_order[decision.order_id]
            seat = _seat(decision)
            app.seat_held = seat.granted
            items.append(Wave2Item(application_id=app.id, workflow_id=app.workflow_id,
                                   decision=seat))
        return Wave2Result(decisions=items,
                           seats_held=_held(session, inp.campaign_id, inp.organization_id))


@activity.defn(name="enrollment.unserved_wave1_applications")
def unserved_wave1_applications(inp: Wave2Input) -> int:
    rt = runtime()
    with rt.session() as session:
        return session.scalar(select(func.count()).select_from(FirstGradeApplication).where(
            FirstGradeApplication.campaign_id == inp.campaign_id,
            FirstGradeApplication.organization_id == inp.organization_id,
            FirstGradeApplication.wave == 1,
            FirstGradeApplication.state.in_(UNSERVED_WAVE1_STATES))) or 0


@activity.defn(name="enrollment.create_enrollment_order")
def create_enrollment_order(inp: OrderInput) -> OrderResult:
    """The enrollment order: every confirmed application holding a seat, not yet enrolled."""
    from activities.enrollment.orders import make_order

    rt = runtime()
    with rt.session() as session:
        existing = session.scalar(select(EnrollmentOrder).where(
            EnrollmentOrder.organization_id == inp.organization_id,
            EnrollmentOrder.number == inp.number)) if inp.number else None
        if existing is not None:
            # A retried activity: the order exists, report what it holds.
            apps = list(session.scalars(select(FirstGradeApplication).where(
                FirstGradeApplication.enrollment_order_id == existing.id)))
            return OrderResult(enrollment_order_id=existing.id, number=existing.number,
                               order_date=existing.order_date,
                               application_ids=[a.id for a in apps],
                               workflow_ids=[a.workflow_id for a in apps])

        apps = list(session.scalars(select(FirstGradeApplication).where(
            FirstGradeApplication.campaign_id == inp.campaign_id,
            FirstGradeApplication.organization_id == inp.organization_id,
            FirstGradeApplication.seat_held.is_(True),
            FirstGradeApplication.state == "confirmed",
            FirstGradeApplication.enrollment_order_id.is_(None),
        ).order_by(FirstGradeApplication.filing_date).with_for_update()))
        if not apps:
            raise refused("Нет заявлений для включения в приказ: ни одно подтверждённое "
                          "заявление не ожидает зачисления.", type=STEP_NOT_ALLOWED)
        org = session.get(Organization, inp.organization_id)
        assert org is not None
        order = make_order(session, org=org, campaign_id=inp.campaign_id, apps=apps,
                           actor=inp.actor, number=inp.number, order_date=inp.order_date,
                           wave=inp.wave, now=rt.clock.now())
        return OrderResult(enrollment_order_id=order.id, number=order.number,
                           order_date=order.order_date, application_ids=[a.id for a in apps],
                           workflow_ids=[a.workflow_id for a in apps])


@activity.defn(name="enrollment.end_of_day")
def end_of_day(campaign_id: int, day: date) -> datetime:
    """The moment a day of the region ends (a deadline "by D inclusive" passes then)."""
    from activities.enrollment.common import end_of_local_day

    with runtime().session() as session:
        return end_of_local_day(campaign_config(session, campaign_id), day)


@activity.defn(name="enrollment.flag_unsigned_order")
def flag_unsigned_order(inp: Wave2Input) -> int:
    """Alert (log and audit) when the wave-1 enrollment order is overdue."""
    from tsos import audit

    with runtime().session() as session:
        waiting = session.scalar(select(func.count()).select_from(FirstGradeApplication).where(
            FirstGradeApplication.campaign_id == inp.campaign_id,
            FirstGradeApplication.organization_id == inp.organization_id,
            FirstGradeApplication.seat_held.is_(True),
            FirstGradeApplication.state == "confirmed",
            FirstGradeApplication.enrollment_order_id.is_(None))) or 0
        if waiting:
            log.error("enrollment order overdue", extra={
                "organization_id": inp.organization_id, "applications_waiting": waiting})
            audit.record(session, actor=None, action="enrollment_order.overdue",
                         object_type="campaign_school", object_id=inp.organization_id,
                         organization_id=inp.organization_id,
                         new={"applications_waiting": waiting},
                         reason="Приказ о зачислении не издан в срок (3 рабочих дня после "
                                "завершения первого этапа).")
        return waiting


class OrderDueInput(BaseModel):
    campaign_id: int
    # The moment the documents were confirmed: the wave-2 order is due within working days
    # of that day.
    confirmed_at: datetime


@activity.defn(name="enrollment.wave2_order_due")
def wave2_order_due(inp: OrderDueInput) -> datetime:
    """When a wave-2 application's enrollment order is overdue: the end of the last working
    day allowed after its documents (5 by default, п. 21 Порядка приёма)."""
    from activities.enrollment.common import end_of_local_day

    with runtime().session() as session:
        config = campaign_config(session, inp.campaign_id)
        confirmed_on = config.local(inp.confirmed_at).date()
        due = calendar_of(config).add_working_days(
            confirmed_on, config.campaign.enrollment_order.wave2_working_days)
        return end_of_local_day(config, due)


@activity.defn(name="enrollment.flag_overdue_application_order")
def flag_overdue_application_order(application_id: int) -> bool:
    """Alert (log and audit) when a wave-2 application still waits for its order."""
    from tsos import audit

    with runtime().session() as session:
        app = session.get(FirstGradeApplication, application_id)
        assert app is not None
        if not (app.seat_held and app.state == "confirmed" and app.enrollment_order_id is None):
            return False
        log.error("enrollment order overdue", extra={
            "application_id": app.id, "organization_id": app.organization_id})
        audit.record(session, actor=None, action="enrollment_order.overdue",
                     object_type="first_grade_application", object_id=app.id,
                     organization_id=app.organization_id,
                     new={"application_id": app.id},
                     reason="Приказ о зачислении не издан в срок (5 рабочих дней после "
                            "приёма документов на втором этапе).")
        return True
