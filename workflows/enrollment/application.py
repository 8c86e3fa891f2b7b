"""One first-grade application, from registration to a final status.

Intake has already registered the application and queued techCode 1 (transition 1); this
workflow owns every later step: review, documents, the founder's permission, the seat, the
enrollment order, and cancellation from the portal or in writing. Every transition goes
through one activity that changes the state and queues exactly one status in the outbox.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.enrollment import seats
    from activities.enrollment import transitions as acts
    from activities.refusals import failure_kind, find_refusal
    from domain.enrollment.states import ApplicationEvent as E
    from workflows.enrollment.ids import campaign_workflow_id
    from workflows.enrollment.messages import (
        ApplicationFacts,
        ApplicationView,
        CancelAnswer,
        EnrolledNotice,
        ForeignCheckResult,
        Invite,
        PermissionDecision,
        PortalCancel,
        SeatDecision,
        SeatRequest,
        StaffStep,
        TransitionRequest,
        TransitionResult,
        Withdrawal,
    )

ACTIVITY_OPTIONS = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(seconds=30)),
}


class _Closed(Exception):
    """The application reached a final state out of the normal course (cancel, withdrawal)."""


@workflow.defn(name="FirstGradeApplication")
class FirstGradeApplicationWorkflow:
    # The input is taken in __init__: a portal cancel that arrives with the workflow's first
    # task is handled before `run` starts, and it must already know the application.
    @workflow.init
    def __init__(self, facts: ApplicationFacts) -> None:
        self.facts: ApplicationFacts | None = facts
        self.state = "registered"
        self.cancel_allowed = True
        self.terminal = False
        self.seq = 1  # transition 1 (registration) was made by intake
        self.waiting_for: str | None = None
        self.deadline = None
        self.seat_held = False
        self.lock = asyncio.Lock()
        self.fault: str | None = None
        self.retry_requested = False

        self.invite: Invite | None = None
        self.documents_confirmed: StaffStep | None = None
        self.permission: PermissionDecision | None = None
        self.foreign_check: ForeignCheckResult | None = None
        self.seat_decision: SeatDecision | None = None
        self.wave2_decision: SeatDecision | None = None
        self.enrolled: EnrolledNotice | None = None
        self.order_watch: asyncio.Task[None] | None = None

    # --- the main course -------------------------------------------------------------

    @workflow.run
    async def run(self, facts: ApplicationFacts) -> str:
        try:
            await self._review(facts)
        except _Closed:
            pass
        # A cancel or a withdrawal may still be finishing its own steps.
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    async def _review(self, facts: ApplicationFacts) -> None:
        if facts.foreign_citizen:
            await self._foreign_documents_check()

        if facts.wave == "deferred":
            await self._step(E.DEFER_TO_SECOND_WAVE)
            if workflow.patched("enrollment-held-application-tells-its-campaign"):
                await self._tell_campaign_held()
            await self._wait("wave2", lambda: self.wave2_decision is not None)
            assert self.wave2_decision is not None
            if not self.wave2_decision.granted:
                await self._finish(E.REFUSE_NO_PLACES, rule=self.wave2_decision.rule,
                                   clause=self.wave2_decision.clause)
            self.seat_held = True

        await self._step(E.TAKE_INTO_REVIEW, rule="taken_into_review",
                         clause="п. 17 Порядка приёма, приказ Минпросвещения № 458")
        await self._documents()

        if facts.needs_age_permission:
            await self._step(E.REQUIRE_AGE_PERMISSION)
            await self._wait("permission", lambda: self.permission is not None)
            assert self.permission is not None
            if not self.permission.granted:
                await self._finish(E.REFUSE, actor=self.permission.actor,
                                   placeholders={"reason": self.permission.reason or
                                                 "учредитель не разрешил приём в этом возрасте"},
                                   rule="founder_refused_age_permission",
                                   clause="ч. 1 ст. 67 Федерального закона № 273-ФЗ")

        if self.permission is not None:
            await self._step(E.CONFIRM, actor=self.permission.actor,
                             rule="founder_granted_age_permission",
                             clause="ч. 1 ст. 67 Федерального закона № 273-ФЗ")
        else:
            assert self.documents_confirmed is not None
            await self._step(E.CONFIRM, actor=self.documents_confirmed.actor,
                             rule="documents_confirmed", clause="п. 26 Порядка приёма")
        if not self.seat_held:
            await self._ask_for_seat()

        if facts.wave != "wave1" and workflow.patched("enrollment-wave2-order-deadline"):
            # Watched beside the wait: the order may still come after its deadline.
            self.order_watch = asyncio.create_task(self._watch_wave2_order())
        await self._wait("enrollment_order", lambda: self.enrolled is not None)
        assert self.enrolled is not None
        await self._finish(E.ENROLL, placeholders={
            "enrollment_order_number": self.enrolled.number,
            "enrollment_order_date": self.enrolled.order_date.strftime("%d.%m.%Y"),
        }, rule="enrollment_order", clause="п. 21 Порядка приёма (приказ № 458)",
            details=self._seat_basis())

    async def _foreign_documents_check(self) -> None:
        result = await self._step(E.START_FOREIGN_DOCUMENTS_CHECK)
        self.deadline = result.deadline
        if (result.deadline_at is not None
                and workflow.patched("enrollment-foreign-check-deadline")):
            # The school's working days for the check: past them, an alert, and the
            # application still waits for the check.
            try:
                await self._wait("foreign_check", lambda: self.foreign_check is not None,
                                 timeout=max(result.deadline_at - workflow.now(),
                                             timedelta(seconds=1)))
            except TimeoutError:
                assert self.facts is not None
                await workflow.execute_activity(acts.flag_overdue_foreign_check,
                                                self.facts.application_id, **ACTIVITY_OPTIONS)
        await self._wait("foreign_check", lambda: self.foreign_check is not None)
        check = self.foreign_check
        assert check is not None
        if check.result == "incomplete":
            await self._finish(E.RETURN_INCOMPLETE, actor=check.actor, placeholders={
                "missing_documents": check.missing_documents or "документы"},
                rule="foreign_package_incomplete", clause="п. 26.1 Порядка приёма")
        if check.result == "conditions_not_met":
            await self._finish(E.REFUSE_FOREIGN_CONDITIONS, actor=check.actor, placeholders={
                "reason": check.reason or "не выполнены условия приёма иностранных граждан"},
                rule="foreign_conditions_not_met", clause="п. 26.2 Порядка приёма")
        self.deadline = None

    async def _documents(self) -> None:
        await self._wait("invitation", lambda: self.invite is not None)
        assert self.invite is not None
        placeholders = {}
        if self.invite.deadline is not None:
            placeholders["deadline"] = self.invite.deadline.strftime("%d.%m.%Y")
        result = await self._step(E.REQUEST_DOCUMENTS, actor=self.invite.actor,
                                  placeholders=placeholders)
        self.deadline = result.deadline

        assert result.deadline_at is not None
        timeout = max(result.deadline_at - workflow.now(), timedelta(seconds=1))
        try:
            await self._wait("documents", lambda: self.documents_confirmed is not None,
                             timeout=timeout)
        except TimeoutError:
            await self._finish(E.REFUSE_DOCUMENTS_NOT_PRESENTED,
                               rule="documents_not_presented_in_time",
                               clause="п. 26 Порядка приёма")
        self.deadline = None

    async def _tell_campaign_held(self) -> None:
        """Held for wave 2: a school whose wave 2 is already open decides at once.

        The campaign takes the held applications from the database when its wave 2 opens;
        one held after that moment (a foreign child's check that ended later, an intake that
        lagged behind the opening) would otherwise wait for an opening that has passed.
        """
        assert self.facts is not None
        campaign = workflow.get_external_workflow_handle(
            campaign_workflow_id(self.facts.campaign_id, self.facts.school_code))
        await campaign.signal("held_for_wave2", SeatRequest(
            application_id=self.facts.application_id, workflow_id=workflow.info().workflow_id))

    async def _ask_for_seat(self) -> None:
        assert self.facts is not None
        campaign = workflow.get_external_workflow_handle(
            campaign_workflow_id(self.facts.campaign_id, self.facts.school_code))
        await campaign.signal("request_seat", SeatRequest(
            application_id=self.facts.application_id, workflow_id=workflow.info().workflow_id))
        await self._wait("seat", lambda: self.seat_decision is not None)
        decision = self.seat_decision
        assert decision is not None
        if not decision.granted:
            await self._finish(E.REFUSE_NO_PLACES, rule=decision.rule, clause=decision.clause)
        self.seat_held = True

    async def _watch_wave2_order(self) -> None:
        """A wave-2 order is due within 5 working days of the documents: flag it after."""
        assert self.facts is not None
        due = await workflow.execute_activity(
            seats.wave2_order_due,
            seats.OrderDueInput(campaign_id=self.facts.campaign_id,
                                confirmed_at=workflow.now()),
            **ACTIVITY_OPTIONS)
        try:
            await workflow.wait_condition(lambda: self.enrolled is not None or self.terminal,
                                          timeout=max(due - workflow.now(),
                                                      timedelta(seconds=1)))
        except TimeoutError:
            await workflow.execute_activity(seats.flag_overdue_application_order,
                                            self.facts.application_id, **ACTIVITY_OPTIONS)

    def _seat_basis(self) -> dict[str, str]:
        """The allocation that gave the seat, kept with the enrollment as its basis: the
        seat itself makes no status of its own."""
        decision = self.seat_decision or self.wave2_decision
        if decision is None:
            return {}
        basis = {"seat_rule": decision.rule, "seat_clause": decision.clause}
        if decision.position is not None:
            basis["seat_position"] = str(decision.position)
        return basis

    # --- transitions -----------------------------------------------------------------

    async def _step(self, event: E, *, actor: str = "система",
                    placeholders: dict[str, str] | None = None, rule: str | None = None,
                    clause: str | None = None,
                    details: dict[str, str] | None = None) -> TransitionResult:
        async with self.lock:
            if self.terminal:
                raise _Closed()
            return await self._apply(event, actor=actor, placeholders=placeholders,
                                     rule=rule, clause=clause, details=details)

    async def _apply(self, event: E, *, actor: str, placeholders: dict[str, str] | None,
                     rule: str | None, clause: str | None,
                     details: dict[str, str] | None = None) -> TransitionResult:
        assert self.facts is not None
        self.seq += 1
        request = TransitionRequest(application_id=self.facts.application_id, seq=self.seq,
                                    event=event.value, actor=actor, rule=rule, clause=clause,
                                    placeholders=placeholders or {}, details=details or {})
        while True:
            try:
                result = await workflow.execute_activity(acts.apply_transition, request,
                                                         **ACTIVITY_OPTIONS)
                break
            except ActivityError as error:
                await self._hold_for_operator(event, error)
        self.state = result.state
        self.cancel_allowed = result.cancel_allowed
        self.terminal = result.terminal
        return result

    async def _hold_for_operator(self, event: E, error: ActivityError) -> None:
        """A step that fails for good is a fault (data changed behind the workflow, or a
        bug): the application waits, visibly, for an operator to mend it and retry, instead
        of the workflow ending with nothing decided. The same step, same seq, is retried."""
        assert self.facts is not None
        # The fault is kept in history and shown to staff: our own Russian text of a refusal,
        # otherwise only the kind of failure (a database error's text may quote a row).
        refusal = find_refusal(error.cause)
        self.fault = f"{event.value}: " + (
            refusal.message if refusal is not None else
            f"внутренняя ошибка ({failure_kind(error.cause)}), подробности в журнале обработчика")
        workflow.logger.error("application %s: step %s failed; held for an operator",
                              self.facts.application_id, event.value)
        previous, self.waiting_for = self.waiting_for, "operator"
        await workflow.wait_condition(lambda: self.retry_requested)
        self.retry_requested = False
        self.fault = None
        self.waiting_for = previous

    @workflow.signal
    def retry_after_fault(self) -> None:
        """An operator mended the cause of a held step: try it again."""
        if self.fault is not None:
            self.retry_requested = True

    async def _finish(self, event: E, **kwargs: object) -> None:
        kwargs.setdefault("actor", "система")
        await self._step(event, **kwargs)  # type: ignore[arg-type]
        await self._release_seat()
        raise _Closed()

    async def _release_seat(self) -> None:
        if not self.seat_held or self.state == "enrolled":
            return
        assert self.facts is not None
        self.seat_held = False
        await workflow.execute_activity(acts.release_seat, self.facts.application_id,
                                        **ACTIVITY_OPTIONS)
        campaign = workflow.get_external_workflow_handle(
            campaign_workflow_id(self.facts.campaign_id, self.facts.school_code))
        await campaign.signal("seat_released")

    async def _wait(self, what: str, condition, timeout: timedelta | None = None) -> None:
        self.waiting_for = what
        try:
            await workflow.wait_condition(lambda: self.terminal or condition(),
                                          timeout=timeout)
        finally:
            self.waiting_for = None
        if self.terminal:
            raise _Closed()

    # --- the portal and the staff ----------------------------------------------------

    @workflow.signal
    async def portal_cancel(self, request: PortalCancel) -> None:
        assert self.facts is not None
        async with self.lock:
            if self.terminal:
                await self._answer_cancel(request, "REJECTED",
                                          "Рассмотрение заявления уже завершено.")
                return
            if not self.cancel_allowed:
                reason = ("сведения заявления подтверждены документами, ребёнок включён в "
                          "список для зачисления")
                await self._answer_cancel(request, "REJECTED",
                                          f"Отменить заявление через портал нельзя: {reason}.")
                await workflow.execute_activity(
                    acts.send_cancel_refused, args=[self.facts.application_id,
                                                    request.inbox_id, reason],
                    **ACTIVITY_OPTIONS)
                return
            await self._answer_cancel(request, "CANCELLED", "Заявление отменено.")
            await self._apply(E.CANCEL_ON_PORTAL, actor="заявитель (портал)", rule=None,
                              clause=None, placeholders={
                                  "cancelled_at_iso": request.received_at.isoformat()})
        await self._release_seat()

    async def _answer_cancel(self, request: PortalCancel, result: str, comment: str) -> None:
        assert self.facts is not None
        await workflow.execute_activity(
            acts.answer_cancel,
            CancelAnswer(application_id=self.facts.application_id, inbox_id=request.inbox_id,
                         result=result, comment=comment),
            **ACTIVITY_OPTIONS,
        )

    @workflow.update
    async def withdraw(self, step: Withdrawal) -> ApplicationView:
        async with self.lock:
            await self._apply(E.WITHDRAW_IN_WRITING, actor=step.actor, rule=None, clause=None,
                              placeholders={"withdrawn_at": step.withdrawn_on.strftime(
                                  "%d.%m.%Y")})
        await self._release_seat()
        return self.view()

    @withdraw.validator
    def _can_withdraw(self, step: Withdrawal) -> None:
        self._require(not self.terminal, "рассмотрение заявления уже завершено")

    @workflow.update
    async def invite_to_present_documents(self, step: Invite) -> ApplicationView:
        self.invite = step
        await workflow.wait_condition(lambda: self.state != "accepted" or self.terminal)
        return self.view()

    @invite_to_present_documents.validator
    def _can_invite(self, step: Invite) -> None:
        self._require(self.waiting_for == "invitation",
                      "пригласить с документами можно только заявление, принятое к "
                      "рассмотрению")

    @workflow.update
    async def confirm_documents(self, step: StaffStep) -> ApplicationView:
        self.documents_confirmed = step
        await workflow.wait_condition(
            lambda: self.state != "documents_requested" or self.terminal)
        return self.view()

    @confirm_documents.validator
    def _can_confirm(self, step: StaffStep) -> None:
        self._require(self.waiting_for == "documents",
                      "подтвердить документы можно только после приглашения, до срока")

    @workflow.update
    async def decide_age_permission(self, decision: PermissionDecision) -> ApplicationView:
        self.permission = decision
        await workflow.wait_condition(
            lambda: self.state != "age_permission_pending" or self.terminal)
        return self.view()

    @decide_age_permission.validator
    def _can_decide_permission(self, decision: PermissionDecision) -> None:
        self._require(self.waiting_for == "permission",
                      "заявление не ожидает разрешения учредителя")

    @workflow.update
    async def record_foreign_check(self, result: ForeignCheckResult) -> ApplicationView:
        self.foreign_check = result
        await workflow.wait_condition(
            lambda: self.state != "foreign_documents_check" or self.terminal)
        return self.view()

    @record_foreign_check.validator
    def _can_record_foreign_check(self, result: ForeignCheckResult) -> None:
        self._require(self.waiting_for == "foreign_check",
                      "заявление не находится на проверке документов иностранного гражданина")
        self._require(result.result in ("complete", "incomplete", "conditions_not_met"),
                      "результат проверки: complete, incomplete или conditions_not_met")

    @workflow.signal
    def seat_decided(self, decision: SeatDecision) -> None:
        self.seat_decision = decision

    @workflow.signal
    def wave2_opened(self, decision: SeatDecision) -> None:
        self.wave2_decision = decision

    @workflow.signal
    def enrollment_order_signed(self, notice: EnrolledNotice) -> None:
        self.enrolled = notice

    @workflow.query
    def view(self) -> ApplicationView:
        assert self.facts is not None
        return ApplicationView(application_id=self.facts.application_id, state=self.state,
                               cancel_allowed=self.cancel_allowed,
                               waiting_for=self.waiting_for, deadline=self.deadline,
                               seat_held=self.seat_held, fault=self.fault)

    @staticmethod
    def _require(condition: bool, message_ru: str) -> None:
        if not condition:
            raise ApplicationError(message_ru, type="StepNotAllowed", non_retryable=True)
