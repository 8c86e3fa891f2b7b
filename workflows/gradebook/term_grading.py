"""One school's grading of one term (or of the year), started by a schedule at the term's end.

Marks are proposed for every class, subject and pupil; teachers are told and reminded until
their deadline, confirming or overriding (with a reason) through updates; what is still open
then goes to the deputy head, reminded until every mark is decided; then the period closes
for each class. The database is the record of what is decided: the workflow recounts it
after every step, so decisions made outside it (or before a continue-as-new) still count.

Closing may be refused (held marks not yet published, a mark back to «proposed» after a
recomputation): decisions are still taken while it is blocked, and a refusal that leaves
marks undecided sends them back to whoever decides them now (the teachers until their
deadline, then the deputy head) before the next attempt.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.gradebook import term_grading as acts
    from workflows.gradebook.messages import (
        Decision,
        DecisionInput,
        DecisionResult,
        GradingInput,
        GradingView,
        NoticeRequest,
        Pending,
        PeriodRef,
    )

ACTIVITY_OPTIONS = {
    "start_to_close_timeout": timedelta(minutes=10),
    "heartbeat_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=1)),
}
DECISION_OPTIONS = {
    "start_to_close_timeout": timedelta(minutes=1),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(seconds=10)),
}
# Phases that take decisions: a blocked close waits for them (publishing held marks may send
# a confirmed mark back to «proposed»), so it must accept them too.
OPEN_PHASES = ("teachers", "deputy", "lock_blocked")


@workflow.defn(name="GradebookTermGrading")
class TermGradingWorkflow:
    # The input is taken in __init__, so a signal or update that comes with the first task
    # (handled before `run` starts) already sees it.
    @workflow.init
    def __init__(self, inp: GradingInput) -> None:
        self.input: GradingInput | None = inp
        self.phase = "starting"
        self.pending = Pending()
        self.proposals = 0
        self.reminders = 0
        # How many times a refused close sent undecided marks back to be decided.
        self.returns = 0
        self.locked: list[int] = []
        self.refused: dict[int, str] = {}
        self.retry_lock = False
        self.lock = asyncio.Lock()

    @workflow.run
    async def run(self, inp: GradingInput) -> GradingView:
        self.reminders = inp.resume_round
        self.returns = inp.resume_returns
        self.proposals = inp.resume_proposals
        phase = inp.resume_phase
        # A continued run picks up the undecided marks from the database, not zero; runs
        # resumed before this step existed replay as they were.
        resumed = phase is not None and workflow.patched("gradebook-recount-pending-on-resume")
        if resumed:
            self.phase = phase
            await self._recount()

        if phase is None:
            if inp.term_id is None:
                await self._wait_for_terms()
            self.phase = "proposing"
            summary = await workflow.execute_activity(acts.propose_marks, self._ref(),
                                                      **ACTIVITY_OPTIONS)
            self.proposals, self.pending = summary.created, summary.pending
            await self._notice("proposed")
            phase = "teachers"

        while True:
            if phase == "teachers":
                self.phase = "teachers"
                await self._teachers()
                phase = "deputy"
            if phase == "deputy":
                self.phase = "deputy"
                # A continued run has told the deputy head already: reminders go on.
                await self._deputy(announce=not (resumed and inp.resume_phase == "deputy"))
            resumed = False
            if await self._close():
                break
            # Closing found marks undecided: they go back to be decided, then it tries again.
            self.returns += 1
            phase = "teachers" if workflow.now() < inp.teacher_deadline else "deputy"

        self.phase = "locked"
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.view()

    async def _wait_for_terms(self) -> None:
        assert self.input is not None
        self.phase = "waiting_for_terms"
        while not await workflow.execute_activity(acts.terms_closed, self._ref(),
                                                  **ACTIVITY_OPTIONS):
            await workflow.sleep(self.input.terms_check_every)

    async def _teachers(self) -> None:
        """Until the deadline, remind the teachers who still have marks to decide."""
        assert self.input is not None
        while self.pending.total > 0:
            left = self.input.teacher_deadline - workflow.now()
            if left <= timedelta(0):
                break
            if await self._quiet(min(self.input.reminder_every, left)):
                return
            if workflow.now() >= self.input.teacher_deadline:
                break
            self.reminders += 1
            await self._notice("reminder")
            await self._continue_if_long("teachers")

    async def _deputy(self, announce: bool = True) -> None:
        """What is still open goes to the deputy head, reminded until all is decided."""
        assert self.input is not None
        self.pending = await workflow.execute_activity(acts.count_pending, self._ref(),
                                                       **ACTIVITY_OPTIONS)
        if self.pending.total == 0:
            return
        self.pending = await workflow.execute_activity(acts.escalate, self._ref(),
                                                       **ACTIVITY_OPTIONS)
        if announce:
            await self._notice("escalated")
        while self.pending.total > 0:
            if await self._quiet(self.input.deputy_reminder_every):
                return
            self.reminders += 1
            await self._notice("deputy_reminder")
            await self._continue_if_long("deputy")

    async def _close(self) -> bool:
        """True once every class is closed; False when marks turned out to be undecided."""
        assert self.input is not None
        self.phase = "locking"
        while True:
            result = await workflow.execute_activity(acts.lock_period, self._ref(),
                                                     **ACTIVITY_OPTIONS)
            self.locked, self.refused = result.locked, result.refused
            if not result.refused:
                return True
            # Runs blocked before this step existed replay as they were.
            if workflow.patched("gradebook-recount-after-refused-close"):
                self.pending = await workflow.execute_activity(
                    acts.count_pending, self._ref(), **ACTIVITY_OPTIONS)
                if self.pending.total > 0:
                    return False
            # Unpublished marks block closing: the teacher or the deputy head publishes them
            # and asks again, or the workflow tries again after a while.
            self.phase = "lock_blocked"
            await self._notice("lock_refused", details=result.refused)
            self.retry_lock = False
            try:
                await workflow.wait_condition(lambda: self.retry_lock,
                                              timeout=self.input.lock_retry_every)
            except TimeoutError:
                pass
            self.phase = "locking"

    async def _recount(self) -> None:
        # Taken with the decisions' lock: a decision taken meanwhile is counted after it.
        async with self.lock:
            self.pending = await workflow.execute_activity(acts.count_pending, self._ref(),
                                                           **ACTIVITY_OPTIONS)

    async def _quiet(self, timeout: timedelta) -> bool:
        """Wait for every mark to be decided; False when the time ran out first."""
        try:
            await workflow.wait_condition(lambda: self.pending.total == 0, timeout=timeout)
        except TimeoutError:
            return False
        return True

    async def _notice(self, kind: str, details: dict[int, str] | None = None) -> None:
        assert self.input is not None
        request = NoticeRequest(period=self._ref(), kind=kind, round=self.reminders,
                                cycle=self.returns,
                                deadline=self.input.teacher_deadline
                                if kind in ("proposed", "reminder") else None,
                                details=details or {})
        self.pending = await workflow.execute_activity(acts.send_notices, request,
                                                       **ACTIVITY_OPTIONS)

    async def _continue_if_long(self, phase: str) -> None:
        """A long run (many reminders and decisions) starts afresh with its place kept."""
        assert self.input is not None
        limit = self.input.reminders_per_run
        enough = limit is not None and self.reminders - self.input.resume_round >= limit
        if not (enough or workflow.info().is_continue_as_new_suggested()):
            return
        await workflow.wait_condition(workflow.all_handlers_finished)
        # The teachers' deadline goes over with the rest of the input, unchanged.
        workflow.continue_as_new(self.input.model_copy(update={
            "resume_phase": phase, "resume_round": self.reminders,
            "resume_returns": self.returns, "resume_proposals": self.proposals}))

    def _ref(self) -> PeriodRef:
        assert self.input is not None
        return PeriodRef(organization_id=self.input.organization_id,
                         school_year_id=self.input.school_year_id,
                         term_id=self.input.term_id, title=self.input.title,
                         time_zone=self.input.time_zone,
                         workflow_id=workflow.info().workflow_id)

    @workflow.update
    async def decide(self, decision: Decision) -> DecisionResult:
        # One decision at a time keeps the pending count in step with the database.
        async with self.lock:
            try:
                result = await workflow.execute_activity(
                    acts.apply_decision, DecisionInput(period=self._ref(), decision=decision),
                    **DECISION_OPTIONS)
            except ActivityError as error:
                cause = error.cause
                if isinstance(cause, ApplicationError):
                    raise ApplicationError(cause.message, *cause.details, type=cause.type,
                                           non_retryable=True) from None
                raise
        self.pending = result.pending
        return result

    @decide.validator
    def _can_decide(self, decision: Decision) -> None:
        if self.phase not in OPEN_PHASES:
            message = ("Отметки за период ещё вычисляются" if self.phase in (
                "starting", "waiting_for_terms", "proposing")
                else "Отметки за период уже подтверждены, период закрывается или закрыт")
            raise ApplicationError(message, "grading_closed", 409, type="GradebookRule",
                                   non_retryable=True)
        past_deadline = (self.phase == "deputy" or (
            self.phase == "lock_blocked" and self.input is not None
            and workflow.now() >= self.input.teacher_deadline))
        if past_deadline and decision.role == "teacher":
            raise ApplicationError(
                "Срок подтверждения истёк: отметку подтверждает или выставляет "
                "заместитель директора", "state_conflict", 409, type="GradebookRule",
                non_retryable=True)

    @workflow.signal
    def retry_closing(self) -> None:
        self.retry_lock = True

    @workflow.query
    def view(self) -> GradingView:
        return GradingView(phase=self.phase, pending=self.pending.total,
                           escalated=self.pending.escalated, proposals=self.proposals,
                           locked_classes=self.locked, refused_classes=self.refused,
                           reminders_sent=self.reminders)
