"""Activities of the application workflow: each changes the state and queues its status."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from temporalio import activity

from activities.context import runtime
from activities.enrollment.common import (
    calendar_of,
    campaign_config,
    common_placeholders,
    end_of_local_day,
    queue_status,
    record_event,
)
from activities.refusals import TRANSITION_NOT_ALLOWED, refused
from domain.enrollment.errors import TransitionNotAllowedError
from domain.enrollment.states import (
    ApplicationEvent,
    ApplicationState,
    is_terminal,
    transition,
)
from gateways.epgu import REGISTRY, build_cancel_response, status_for
from gateways.epgu.placeholders import format_date, format_moment
from gateways.epgu.results import CancelResult
from tsos.db.enrollment import (
    ApplicationEvent as EventRow,
)
from tsos.db.enrollment import (
    FirstGradeApplication,
    SmevInboxMessage,
    SmevOutboxMessage,
)
from tsos.db.models import Organization
from workflows.enrollment.messages import (
    CancelAnswer,
    TransitionRequest,
    TransitionResult,
)

log = logging.getLogger(__name__)


def _result(app: FirstGradeApplication, deadline_at: datetime | None = None) -> TransitionResult:
    row = status_for(app.state, REGISTRY.get(app.contract))
    return TransitionResult(state=app.state, code=str(row.code),
                            cancel_allowed=row.cancel_allowed,
                            terminal=is_terminal(ApplicationState(app.state)),
                            deadline=app.documents_due, deadline_at=deadline_at)


@activity.defn(name="enrollment.apply_transition")
def apply_transition(request: TransitionRequest) -> TransitionResult:
    """Move the application and queue its one status; a retry finds the work done."""
    rt = runtime()
    now = rt.clock.now()
    with rt.session() as session:
        app = session.scalar(select(FirstGradeApplication)
                             .where(FirstGradeApplication.id == request.application_id)
                             .with_for_update())
        assert app is not None, request.application_id
        config = campaign_config(session, app.campaign_id)

        done = session.scalar(select(EventRow).where(
            EventRow.application_id == app.id, EventRow.seq == request.seq))
        if done is not None:
            return _result(app, _deadline_at(config, app))

        try:
            new_state = transition(ApplicationState(app.state), ApplicationEvent(request.event))
        except TransitionNotAllowedError as exc:
            raise refused(str(exc), type=TRANSITION_NOT_ALLOWED) from None

        # Deadlines are set by the transitions that start one.
        calendar = calendar_of(config)
        today = config.local(now).date()
        if new_state is ApplicationState.DOCUMENTS_REQUESTED:
            given = request.placeholders.get("deadline")
            app.documents_due = (datetime.strptime(given, "%d.%m.%Y").date() if given else
                                 calendar.add_working_days(today,
                                                           config.campaign.documents_due_days))
        elif new_state is ApplicationState.FOREIGN_DOCUMENTS_CHECK:
            app.documents_due = calendar.add_working_days(
                today, config.campaign.foreign_documents_check_days)

        placeholders = common_placeholders(session, app, now)
        placeholders.update(_formatted(request.placeholders, config.time_zone))
        placeholders.setdefault("cancelled_at", format_moment(now, config.time_zone))
        placeholders.setdefault("withdrawn_at", format_date(today))

        before = app.state
        app.state = new_state.value
        if is_terminal(new_state):
            app.closed_at = now
        outbox = queue_status(
            session, dedup_key=f"app:{app.id}:transition:{request.seq}",
            order_id=app.order_id, state=app.state, placeholders=placeholders,
            reply_to=app.reply_to, request_message_id=app.request_message_id,
            application_id=app.id, contract_namespace=app.contract)
        record_event(session, app, seq=request.seq, at=now, from_state=before,
                     state=app.state, code=outbox.code, comment=outbox.comment,
                     actor=request.actor, rule=request.rule, clause=request.clause,
                     details=request.details or None)
        log.info("application %s: %s -> %s", app.id, before, app.state,
                 extra={"application_id": app.id, "order_id": app.order_id})
        return _result(app, _deadline_at(config, app))


def _deadline_at(config, app: FirstGradeApplication) -> datetime | None:  # type: ignore[no-untyped-def]
    return end_of_local_day(config, app.documents_due) if app.documents_due else None


def _formatted(values: dict[str, str], zone) -> dict[str, str]:  # type: ignore[no-untyped-def]
    out = dict(values)
    iso = out.pop("cancelled_at_iso", None)
    if iso:
        out["cancelled_at"] = format_moment(datetime.fromisoformat(iso), zone)
    return out


@activity.defn(name="enrollment.answer_cancel")
def answer_cancel(answer: CancelAnswer) -> None:
    """Reply to the portal's cancelRequest message itself (cancelResponse)."""
    rt = runtime()
    with rt.session() as session:
        key = f"inbox:{answer.inbox_id}:answer"
        if session.scalar(select(SmevOutboxMessage.id)
                          .where(SmevOutboxMessage.dedup_key == key)):
            return
        app = session.get(FirstGradeApplication, answer.application_id)
        inbox = session.get(SmevInboxMessage, answer.inbox_id)
        assert app is not None and inbox is not None
        queue_cancel_response(session, inbox=inbox, order_id=app.order_id,
                              result=answer.result, comment=answer.comment,
                              application_id=app.id, contract_namespace=app.contract)
        inbox.outcome = f"cancel_{answer.result.lower()}"


def queue_cancel_response(session, *, inbox: SmevInboxMessage, order_id: int, result: str,  # type: ignore[no-untyped-def]
                          comment: str, application_id: int | None,
                          contract_namespace: str | None = None) -> None:
    import uuid

    contract = REGISTRY.get(contract_namespace) if contract_namespace else None
    kwargs = {"contract": contract} if contract is not None else {}
    payload = build_cancel_response(order_id, CancelResult(result), comment, **kwargs)
    session.add(SmevOutboxMessage(
        dedup_key=f"inbox:{inbox.id}:answer", message_id=str(uuid.uuid1()),
        reply_to=inbox.reply_to, request_message_id=inbox.message_id, order_id=order_id,
        application_id=application_id, kind="cancelResponse", code=result, comment=comment,
        cancel_allowed=None, payload=payload))


@activity.defn(name="enrollment.send_cancel_refused")
def send_cancel_refused(application_id: int, inbox_id: int, reason: str) -> None:
    """Status 319 to the original request: the cancellation was refused, nothing changes."""
    rt = runtime()
    with rt.session() as session:
        key = f"app:{application_id}:cancel-refused:{inbox_id}"
        if session.scalar(select(SmevOutboxMessage.id)
                          .where(SmevOutboxMessage.dedup_key == key)):
            return
        app = session.get(FirstGradeApplication, application_id)
        assert app is not None
        placeholders = common_placeholders(session, app, rt.clock.now())
        placeholders["reason"] = reason
        queue_status(session, dedup_key=key, order_id=app.order_id, state="cancel_refused",
                     placeholders=placeholders, reply_to=app.reply_to,
                     request_message_id=app.request_message_id, application_id=app.id,
                     contract_namespace=app.contract)


@activity.defn(name="enrollment.release_seat")
def release_seat(application_id: int) -> None:
    rt = runtime()
    with rt.session() as session:
        app = session.get(FirstGradeApplication, application_id)
        assert app is not None
        if app.seat_held and app.state != "enrolled":
            app.seat_held = False
            org = session.get(Organization, app.organization_id)
            log.info("seat released", extra={"application_id": app.id,
                                             "school": org.code if org else None})


@activity.defn(name="enrollment.flag_overdue_foreign_check")
def flag_overdue_foreign_check(application_id: int) -> bool:
    """Alert (log and audit) when a foreign child's documents are still unchecked after the
    working days the school has for it (п. 26.1 Порядка приёма)."""
    from tsos import audit

    with runtime().session() as session:
        app = session.get(FirstGradeApplication, application_id)
        assert app is not None
        if app.state != "foreign_documents_check":
            return False
        log.error("foreign documents check overdue", extra={
            "application_id": app.id, "organization_id": app.organization_id})
        audit.record(session, actor=None, action="foreign_documents_check.overdue",
                     object_type="first_grade_application", object_id=app.id,
                     organization_id=app.organization_id,
                     new={"documents_due": app.documents_due.isoformat()
                          if app.documents_due else None},
                     reason="Проверка документов иностранного гражданина не завершена в срок.")
        return True
