"""One school's first-grade campaign: the seat authority of its applications.

Wave 1 runs until the calendar closes it or the school closes it early; then confirmed
applications are ranked and given seats up to capacity, the rest refused for lack of places.
Applications confirmed later are decided one by one against the places left. When wave 2
opens, applications held for it are taken in FilingDate order while seats remain. Staff sign
enrollment orders here; the enrolled applications hear of it by signal.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.enrollment import seats as acts
    from workflows.enrollment.messages import (
        CampaignSchoolInput,
        CampaignSchoolView,
        EnrolledNotice,
        OrderSigned,
        SeatDecision,
        SeatRequest,
        SignOrder,
        StaffStep,
    )

ACTIVITY_OPTIONS = {
    "start_to_close_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(seconds=30)),
}
# How long the workflow keeps serving late requests and orders after wave 2 ends.
AFTER_CAMPAIGN = timedelta(days=30)


@workflow.defn(name="FirstGradeSchoolCampaign")
class FirstGradeSchoolCampaignWorkflow:
    # The input is taken in __init__, so a signal or update that comes with the first task
    # (handled before `run` starts) already sees it.
    @workflow.init
    def __init__(self, inp: CampaignSchoolInput) -> None:
        self.input: CampaignSchoolInput | None = inp
        self.phase = "wave1"
        self.requests: list[SeatRequest] = []
        self.seats_held = 0
        self.closed_early_by: str | None = None
        self.wave1_closed_at = None
        self.wave2_opened_at = None
        self.order_due = None
        # Held applications given their wave-2 decision, so that one is never decided twice.
        self.wave2_decided: set[int] = set()
        # Bumped by every reload of the campaign file, so that a running wait starts again.
        self.dates_version = 0
        self.reminder: asyncio.Task[None] | None = None
        self.lock = asyncio.Lock()

    @workflow.run
    async def run(self, inp: CampaignSchoolInput) -> str:
        if workflow.patched("enrollment-campaign-dates-reloadable"):
            await self._run_waves()
        else:
            await self._run_waves_as_first_deployed(inp)
        self.phase = "closed"
        if self.reminder is not None and not self.reminder.done():
            self.reminder.cancel()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.phase

    async def _run_waves(self) -> None:
        """Each wait follows the campaign file as it is now: a reloaded file's dates reach
        the timers still running (`campaign_dates`)."""
        await self._wait_until(lambda i: i.wave1_close_at,
                               lambda: self.closed_early_by is not None)
        await self._close_wave1()
        if self.closed_early_by is None:
            await self._wait_until(lambda i: i.wave2_open_at)
        await self._open_wave2()
        await self._wait_until(lambda i: i.wave2_close_at, after=AFTER_CAMPAIGN)

    async def _wait_until(self, moment, done=lambda: False,  # type: ignore[no-untyped-def]
                          after: timedelta = timedelta(0)) -> None:
        while True:
            assert self.input is not None
            version = self.dates_version
            try:
                await workflow.wait_condition(
                    lambda version=version: done() or self.dates_version != version,
                    timeout=self._until(moment(self.input)) + after)
            except TimeoutError:
                return
            if done():
                return

    async def _run_waves_as_first_deployed(self, inp: CampaignSchoolInput) -> None:
        # Histories begun before the dates could be reloaded replay through this path.
        try:
            await workflow.wait_condition(lambda: self.closed_early_by is not None,
                                          timeout=self._until(inp.wave1_close_at))
        except TimeoutError:
            pass
        await self._close_wave1()

        if self.closed_early_by is None:
            try:
                await workflow.wait_condition(lambda: False,
                                              timeout=self._until(inp.wave2_open_at))
            except TimeoutError:
                pass
        await self._open_wave2()

        try:
            await workflow.wait_condition(lambda: False,
                                          timeout=self._until(inp.wave2_close_at)
                                          + AFTER_CAMPAIGN)
        except TimeoutError:
            pass

    async def _remind_unsigned_order(self, due) -> None:  # type: ignore[no-untyped-def]
        """The wave-1 order is due within 3 working days: say so when the day has passed."""
        assert self.input is not None
        due_at = await workflow.execute_activity(
            acts.end_of_day, args=[self.input.campaign_id, due], **ACTIVITY_OPTIONS)
        await workflow.sleep(self._until(due_at))
        await workflow.execute_activity(
            acts.flag_unsigned_order,
            acts.Wave2Input(campaign_id=self.input.campaign_id,
                            organization_id=self.input.organization_id),
            **ACTIVITY_OPTIONS)

    def _until(self, moment) -> timedelta:  # type: ignore[no-untyped-def]
        return max(moment - workflow.now(), timedelta(seconds=1))

    async def _close_wave1(self) -> None:
        assert self.input is not None
        async with self.lock:
            self.phase = "allocating"
            self.wave1_closed_at = workflow.now()
            waiting, self.requests = self.requests, []
            result = await workflow.execute_activity(
                acts.allocate_wave1,
                acts.AllocationInput(campaign_id=self.input.campaign_id,
                                     organization_id=self.input.organization_id,
                                     application_ids=[r.application_id for r in waiting],
                                     closed_at=self.wave1_closed_at),
                **ACTIVITY_OPTIONS,
            )
            self.order_due = result.order_due
            self.reminder = asyncio.create_task(self._remind_unsigned_order(result.order_due))
            await self._tell(waiting, result.decisions)
            self.seats_held = result.seats_held
            self.phase = "wave1_allocated"

    async def _open_wave2(self) -> None:
        assert self.input is not None
        async with self.lock:
            self.wave2_opened_at = workflow.now()
            result = await workflow.execute_activity(
                acts.open_wave2,
                acts.Wave2Input(campaign_id=self.input.campaign_id,
                                organization_id=self.input.organization_id),
                **ACTIVITY_OPTIONS,
            )
            for item in result.decisions:
                self.wave2_decided.add(item.application_id)
                handle = workflow.get_external_workflow_handle(item.workflow_id)
                await handle.signal("wave2_opened", item.decision)
            self.seats_held = result.seats_held
            self.phase = "wave2"

    async def _tell(self, requests: list[SeatRequest], decisions: dict[int, SeatDecision]) -> None:
        for request in requests:
            decision = decisions[request.application_id]
            handle = workflow.get_external_workflow_handle(request.workflow_id)
            await handle.signal("seat_decided", decision)

    @workflow.signal
    async def request_seat(self, request: SeatRequest) -> None:
        assert self.input is not None
        async with self.lock:
            if self.phase == "wave1":
                # Ranked together at the close of wave 1.
                self.requests.append(request)
                return
            decision = await self._decide_seat(request)
            await self._tell([request], {request.application_id: decision})

    @workflow.signal
    async def held_for_wave2(self, request: SeatRequest) -> None:
        """An application held for wave 2 after it opened: decided now, first come first
        served against the places left. Before the opening it waits to be taken with the
        others in FilingDate order (open_wave2 reads them from the database)."""
        assert self.input is not None
        async with self.lock:
            if self.phase != "wave2" or request.application_id in self.wave2_decided:
                return
            self.wave2_decided.add(request.application_id)
            decision = await self._decide_seat(request)
            handle = workflow.get_external_workflow_handle(request.workflow_id)
            await handle.signal("wave2_opened", decision)

    async def _decide_seat(self, request: SeatRequest) -> SeatDecision:
        """One application against the places left, outside the wave-1 ranking."""
        assert self.input is not None
        decision = await workflow.execute_activity(
            acts.decide_seat,
            acts.SeatInput(campaign_id=self.input.campaign_id,
                           organization_id=self.input.organization_id,
                           application_id=request.application_id),
            **ACTIVITY_OPTIONS,
        )
        if decision.granted:
            self.seats_held += 1
        return decision

    @workflow.signal
    def campaign_dates(self, inp: CampaignSchoolInput) -> None:
        """The campaign file was loaded again: its dates (and places) from now on. A wave
        already closed or opened stays so; the waits still ahead follow the new dates."""
        assert self.input is not None
        self.input = self.input.model_copy(update={
            "places": inp.places, "wave1_close_at": inp.wave1_close_at,
            "wave2_open_at": inp.wave2_open_at, "wave2_close_at": inp.wave2_close_at})
        self.dates_version += 1

    @workflow.signal
    def seat_released(self) -> None:
        self.seats_held = max(0, self.seats_held - 1)

    @workflow.update
    async def close_wave1_early(self, step: StaffStep) -> CampaignSchoolView:
        assert self.input is not None
        unserved = await workflow.execute_activity(
            acts.unserved_wave1_applications,
            acts.Wave2Input(campaign_id=self.input.campaign_id,
                            organization_id=self.input.organization_id),
            **ACTIVITY_OPTIONS,
        )
        if unserved:
            raise ApplicationError(
                f"Первый этап нельзя завершить досрочно: не рассмотрено заявлений "
                f"первого этапа — {unserved}.", type="StepNotAllowed", non_retryable=True)
        self.closed_early_by = step.actor
        await workflow.wait_condition(lambda: self.phase not in ("wave1", "allocating"))
        return self.view()

    @close_wave1_early.validator
    def _can_close_early(self, step: StaffStep) -> None:
        if self.phase != "wave1" or self.closed_early_by is not None:
            raise ApplicationError("Первый этап уже завершён.", type="StepNotAllowed",
                                   non_retryable=True)

    @workflow.update
    async def sign_enrollment_order(self, request: SignOrder) -> OrderSigned:
        assert self.input is not None
        async with self.lock:
            signed = await workflow.execute_activity(
                acts.create_enrollment_order,
                acts.OrderInput(campaign_id=self.input.campaign_id,
                                organization_id=self.input.organization_id,
                                actor=request.actor, number=request.number,
                                order_date=request.order_date,
                                wave=1 if self.phase == "wave1_allocated" else 2),
                **ACTIVITY_OPTIONS,
            )
        notice = EnrolledNotice(enrollment_order_id=signed.enrollment_order_id,
                                number=signed.number, order_date=signed.order_date)
        for workflow_id in signed.workflow_ids:
            await workflow.get_external_workflow_handle(workflow_id).signal(
                "enrollment_order_signed", notice)
        return OrderSigned(enrollment_order_id=signed.enrollment_order_id,
                           number=signed.number, order_date=signed.order_date,
                           application_ids=signed.application_ids)

    @sign_enrollment_order.validator
    def _can_sign(self, request: SignOrder) -> None:
        if self.phase in ("wave1", "allocating"):
            raise ApplicationError(
                "Приказ о зачислении издаётся после завершения первого этапа приёма.",
                type="StepNotAllowed", non_retryable=True)

    @workflow.query
    def view(self) -> CampaignSchoolView:
        assert self.input is not None
        return CampaignSchoolView(phase=self.phase, places=self.input.places,
                                  seats_held=self.seats_held,
                                  waiting_requests=len(self.requests),
                                  wave1_closed_at=self.wave1_closed_at,
                                  wave2_opened_at=self.wave2_opened_at,
                                  order_due=self.order_due)
