"""Activities of term grading: proposals, notices, decisions, escalation, closing the period.

Each writes through `tsos.gradebook`, so the locks and the audit are the same as the API's;
the audit names the workflow. A rule the input breaks fails the activity for good (retrying
would not change the answer); anything else is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio import activity

from activities.context import runtime
from activities.refusals import GRADEBOOK_RULE, refused
from domain.gradebook.audit import Actor
from domain.gradebook.errors import GradebookError
from tsos.db import gradebook as db
from tsos.gradebook import term_marks
from tsos.gradebook.context import WriteContext
from tsos.gradebook.term_marks import Period
from workflows.gradebook.messages import (
    DecidedMark,
    DecisionInput,
    DecisionResult,
    LockResult,
    NoticeRequest,
    Pending,
    PeriodRef,
    ProposalSummary,
)

log = logging.getLogger(__name__)


@contextmanager
def rules_final() -> Iterator[None]:
    """A broken rule is an answer, not a fault: no retry, the Russian message kept."""
    try:
        yield
    except GradebookError as error:
        raise refused(error.message, type=GRADEBOOK_RULE, code=error.code,
                      status=error.http_status) from None


def _period(ref: PeriodRef) -> Period:
    return Period(ref.school_year_id, ref.term_id)


def _workflow_id(ref: PeriodRef) -> str:
    """The workflow the activity runs for, which the audit names (the reference's, else ours)."""
    return ref.workflow_id or activity.info().workflow_id


def _now(ref: PeriodRef) -> datetime:
    """The engine's time (time-skipping tests move it), on the school's clock."""
    return runtime().clock.now().astimezone(ZoneInfo(ref.time_zone))


def _pending(session: Session, ref: PeriodRef) -> Pending:
    found = term_marks.pending(session, ref.organization_id, _period(ref))
    return Pending(total=found.total, escalated=found.escalated, by_teacher=found.by_teacher)


@activity.defn(name="gradebook.propose_marks")
def propose_marks(ref: PeriodRef) -> ProposalSummary:
    """Proposals for every class, subject and pupil, one class and subject per transaction."""
    at = _now(ref)
    period = _period(ref)
    with runtime().session() as session:
        pairs = [(school_class.id, subject_id)
                 for school_class in term_marks.classes_of(session, ref.organization_id,
                                                            period)
                 for subject_id in term_marks.class_subjects(session, school_class.id)]
    created = 0
    with rules_final():
        for school_class_id, subject_id in pairs:
            activity.heartbeat(school_class_id, subject_id)
            with runtime().session() as session:
                school_class = session.get(db.SchoolClass, school_class_id)
                assert school_class is not None
                created += term_marks.propose(
                    session, at=at, organization_id=ref.organization_id,
                    school_class=school_class, subject_id=subject_id, period=period,
                    workflow_id=ref.workflow_id)
    with runtime().session() as session:
        pending = _pending(session, ref)
    log.info("gradebook proposals: org %s period %s created %s", ref.organization_id,
             period.label(), created)
    return ProposalSummary(classes=len({c for c, _ in pairs}), created=created,
                           pending=pending)


@activity.defn(name="gradebook.count_pending")
def count_pending(ref: PeriodRef) -> Pending:
    with runtime().session() as session:
        return _pending(session, ref)


@activity.defn(name="gradebook.send_notices")
def send_notices(request: NoticeRequest) -> Pending:
    """Tell teachers (or the deputy head) what waits for them; once per kind and round."""
    ref = request.period
    with runtime().session() as session:
        pending = _pending(session, ref)
        if request.kind in ("proposed", "reminder"):
            recipients = {user_id: _teacher_text(request, count)
                          for user_id, count in pending.by_teacher.items() if count}
        else:
            deputy = term_marks.responsible_user(session, ref.organization_id)
            text = _deputy_text(request, pending, _class_names(session, request.details))
            recipients = {deputy: text} if text else {}
        at = _now(ref)
        for user_id, text in recipients.items():
            if _already_sent(session, ref, request, user_id):
                continue
            session.add(db.GradebookNotification(
                organization_id=ref.organization_id, recipient_user_id=user_id,
                kind=request.kind, text=text,
                payload={"round": request.round, "cycle": request.cycle,
                         "term_id": ref.term_id,
                         "school_year_id": ref.school_year_id},
                workflow_id=ref.workflow_id, created_at=at))
        return pending


def _already_sent(session: Session, ref: PeriodRef, request: NoticeRequest,
                  user_id: int) -> bool:
    """An activity retried after its commit must not notify twice."""
    rows = session.scalars(select(db.GradebookNotification.payload).where(
        db.GradebookNotification.workflow_id == ref.workflow_id,
        db.GradebookNotification.kind == request.kind,
        db.GradebookNotification.recipient_user_id == user_id))
    return any(payload.get("round") == request.round
               and payload.get("cycle", 0) == request.cycle for payload in rows)


def _deadline_text(request: NoticeRequest) -> str:
    if request.deadline is None:
        return ""
    local = request.deadline.astimezone(ZoneInfo(request.period.time_zone))
    return f" Срок — до {local:%d.%m.%Y %H:%M}."


def _teacher_text(request: NoticeRequest, count: int) -> str:
    title = request.period.title
    if request.kind == "proposed":
        return (f"Вычислены отметки за {title}: ждут вашего подтверждения — {count}. "
                f"Подтвердите их или выставьте свою отметку с причиной."
                f"{_deadline_text(request)}")
    return (f"Напоминание: не подтверждено отметок за {title} — {count}."
            f"{_deadline_text(request)}")


def _class_names(session: Session, details: dict[int, str]) -> dict[int, str]:
    rows = session.scalars(select(db.SchoolClass).where(db.SchoolClass.id.in_(details)))
    return {row.id: f"{row.name} класс" for row in rows}


def _deputy_text(request: NoticeRequest, pending: Pending,
                 class_names: dict[int, str]) -> str | None:
    title = request.period.title
    if request.kind == "escalated":
        return (f"Срок подтверждения отметок за {title} истёк. Вам переданы "
                f"неподтверждённые отметки — {pending.escalated}: подтвердите их или "
                f"выставьте отметку.")
    if request.kind == "deputy_reminder":
        if not pending.total:
            return None
        return f"Напоминание: ждут вашего решения отметок за {title} — {pending.total}."
    reasons = "; ".join(f"{class_names.get(class_id, class_id)}: {reason}"
                        for class_id, reason in sorted(request.details.items()))
    return f"Период {title} не закрыт для части классов. {reasons}"


@activity.defn(name="gradebook.escalate")
def escalate(ref: PeriodRef) -> Pending:
    with runtime().session() as session:
        term_marks.escalate(session, at=_now(ref), organization_id=ref.organization_id,
                            period=_period(ref), workflow_id=ref.workflow_id)
        return _pending(session, ref)


@activity.defn(name="gradebook.apply_decision")
def apply_decision(inp: DecisionInput) -> DecisionResult:
    """Confirm, override or restore marks as one act: all of them or none."""
    ref, decision = inp.period, inp.decision
    with rules_final(), runtime().session() as session:
        ctx = WriteContext(session, Actor(decision.user_id, decision.role), _now(ref),
                           ref.organization_id, _workflow_id(ref))
        for period_mark_id in decision.period_mark_ids:
            _belongs(session, period_mark_id, ref)
        rows = term_marks.decide(ctx, decision.period_mark_ids, decision.action,
                                 decision.value, decision.reason)
        marks = [DecidedMark(period_mark_id=row.id, value=term_marks.value_in_force(row),
                             status=row.status) for row in rows]
        session.flush()
        return DecisionResult(marks=marks, pending=_pending(session, ref))


def _belongs(session: Session, period_mark_id: int, ref: PeriodRef) -> None:
    row = session.get(db.PeriodMark, period_mark_id)
    same = row is not None and row.school_year_id == ref.school_year_id and (
        row.term_id == ref.term_id)
    if not same:
        raise GradebookError(f"Отметка {period_mark_id} не относится к этому периоду")


@activity.defn(name="gradebook.lock_period")
def lock_period(ref: PeriodRef) -> LockResult:
    # The workflow closes the period: a system act, for the deputy head who answers for it.
    with runtime().session() as session:
        responsible = term_marks.responsible_user(session, ref.organization_id)
        outcome = term_marks.close(session, at=_now(ref), organization_id=ref.organization_id,
                                   period=_period(ref), on_behalf_of=responsible,
                                   workflow_id=ref.workflow_id)
    log.info("gradebook period closed: org %s locked %s refused %s", ref.organization_id,
             len(outcome.locked), len(outcome.refused))
    return LockResult(locked=outcome.locked, refused=outcome.refused)


@activity.defn(name="gradebook.terms_closed")
def terms_closed(ref: PeriodRef) -> bool:
    """Year grading waits for every term of the school's year to be closed."""
    with runtime().session() as session:
        term_ids = session.scalars(select(db.Term.id).where(
            db.Term.school_year_id == ref.school_year_id)).all()
        return all(
            term_marks.is_closed(session, ref.organization_id,
                                 Period(ref.school_year_id, term_id))
            for term_id in term_ids
            if term_marks.classes_of(session, ref.organization_id,
                                     Period(ref.school_year_id, term_id))
        )


ACTIVITIES = [propose_marks, count_pending, send_notices, escalate, apply_decision,
              lock_period, terms_closed]
