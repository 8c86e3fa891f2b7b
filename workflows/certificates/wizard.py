"""The certificate wizard of one class and graduation year (or of one duplicate).

choose the class → final marks computed → review (a wrong mark goes back to the gradebook
as an issue; the finals are recomputed when it is answered) → form (the marks locked) →
blanks from stock → issue date and PDFs (rendered in the background, with progress) →
printing confirmed (a spoiled blank written off by an act and replaced) → issue → ФРДО
export. Queries show the step and its data; updates move on, each checked against the step
first, then against the rules by its activity. The database holds the certificates; the
workflow holds the step and which certificates it works on.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.certificates import wizard as acts
    from workflows.certificates.messages import (
        STEP_TITLES_RU,
        ApproveReview,
        AssignBlanks,
        CancelStep,
        CertificateSummary,
        ChooseClass,
        ConfirmPrinted,
        DuplicateStep,
        ExportStep,
        FormStep,
        IssueStep,
        Recompute,
        RenderInput,
        RenderProgress,
        RenderStep,
        ReportIssue,
        SpoilStep,
        StaffActor,
        StepInput,
        StepOutcome,
        WizardInput,
        WizardRef,
        WizardView,
    )

STEP_OPTIONS: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(seconds=10), maximum_attempts=5),
}
RENDER_OPTIONS: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=30),
    "heartbeat_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=1)),
}

# What each step allows; `cancel` is possible before issue in every working step.
ALLOWED = {
    "choose_class": ["choose_class"],
    "duplicate": ["duplicate"],
    "review": ["report_issue", "recompute", "approve_review", "cancel"],
    "awaiting_corrections": ["report_issue", "recompute", "cancel"],
    # After a cancel in these steps the pupil's certificate is computed again (a new one):
    # `recompute` brings it back through review and forming in the same wizard.
    "form": ["form", "cancel", "recompute"],
    "assign_blanks": ["assign_blanks", "cancel", "recompute"],
    "render": ["render", "cancel", "recompute"],
    "rendering": [],
    "confirm_print": ["spoil", "confirm_printed", "cancel"],
    "issue": ["issue", "spoil", "confirm_printed", "cancel", "export"],
    "export": ["export"],
    "done": [],
}
LIVE = ("computed", "reviewed", "formed", "blank_assigned", "printed", "issued")


def refuse(message: str, code: str = "step_not_allowed", status: int = 409) -> ApplicationError:
    return ApplicationError(message, code, status, "", [], type=acts.RULE_ERROR,
                            non_retryable=True)


@workflow.defn(name="CertificateWizard")
class CertificateWizardWorkflow:
    # The input is taken in __init__, so a signal or update that comes with the first task
    # (handled before `run` starts) already sees it.
    @workflow.init
    def __init__(self, inp: WizardInput) -> None:
        self.input: WizardInput | None = inp
        # The first step is known from the input: an update in the first task finds it.
        self.step = "choose_class" if inp.mode == "class" else "duplicate"
        self.ids: list[int] = []
        self.certificates: list[CertificateSummary] = []
        self.render_progress: RenderProgress | None = None
        self.render_queue: list[int] = []
        self.render_actor: StaffActor | None = None
        self.after_render = "confirm_print"
        self.head_name = ""
        self.issue_date: date | None = None
        self.exports: list[int] = []
        self.pupil_ids: list[int] | None = None
        self.lock = asyncio.Lock()

    @workflow.run
    async def run(self, inp: WizardInput) -> WizardView:
        while self.step != "done":
            await workflow.wait_condition(lambda: bool(self.render_queue)
                                          or self.step == "done")
            if self.render_queue:
                await self._render()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.view()

    # Background work: the PDFs.

    async def _render(self) -> None:
        assert self.render_actor is not None
        async with self.lock:
            ids, self.render_queue = self.render_queue, []
            self.step = "rendering"
            self.render_progress = RenderProgress(total=len(ids))
            try:
                self.render_progress = await workflow.execute_activity(
                    acts.render_pdfs, RenderInput(ref=self._ref(), actor=self.render_actor,
                                                  certificate_ids=ids,
                                                  head_name=self.head_name),
                    **RENDER_OPTIONS)
            except ActivityError as error:
                # A refused run (e.g. the actor lost the right to print) is shown, and the
                # step stays open for another try.
                message = getattr(error.cause, "message", None) or "PDF не подготовлены"
                self.render_progress = RenderProgress(total=len(ids), finished=True,
                                                      failed=len(ids),
                                                      problems={"run": message})
            await self._apply(self.render_actor, "summary")
            self.step = self.after_render

    # The steps.

    @workflow.update
    async def choose_class(self, inp: ChooseClass) -> WizardView:
        async with self.lock:
            self.pupil_ids = inp.pupil_ids
            outcome = await self._apply(inp.actor, "compute", {"pupil_ids": inp.pupil_ids})
            self.ids = outcome.certificate_ids
            self._after_review_change()
        return self.view()

    @choose_class.validator
    def _check_choose_class(self, inp: ChooseClass) -> None:
        self._allowed("choose_class")

    @workflow.update
    async def report_issue(self, inp: ReportIssue) -> WizardView:
        async with self.lock:
            self._in_scope(inp.certificate_id)
            await self._apply(inp.actor, "report_issue", inp.model_dump(exclude={"actor"}))
            self._after_review_change()
        return self.view()

    @report_issue.validator
    def _check_report_issue(self, inp: ReportIssue) -> None:
        self._allowed("report_issue")

    @workflow.update
    async def recompute(self, inp: Recompute) -> WizardView:
        async with self.lock:
            await self._recompute(inp.actor)
        return self.view()

    @recompute.validator
    def _check_recompute(self, inp: Recompute) -> None:
        self._allowed("recompute")

    @workflow.signal
    async def marks_corrected(self, actor: StaffActor) -> None:
        """The gradebook answered a mark issue: the finals are computed again."""
        if self.step not in ("review", "awaiting_corrections"):
            return
        async with self.lock:
            await self._recompute(actor)

    async def _recompute(self, actor: StaffActor) -> None:
        before = self.step
        outcome = await self._apply(actor, "compute", {"pupil_ids": self.pupil_ids})
        self.ids = outcome.certificate_ids
        computed = any(c.status == "computed" for c in self._live())
        if before in ("review", "awaiting_corrections") or computed:
            self._after_review_change()

    @workflow.update
    async def approve_review(self, inp: ApproveReview) -> WizardView:
        async with self.lock:
            await self._apply(inp.actor, "review", {"confirm_warnings": inp.confirm_warnings})
            self.step = "form"
        return self.view()

    @approve_review.validator
    def _check_approve_review(self, inp: ApproveReview) -> None:
        if self.step == "awaiting_corrections":
            raise refuse("Есть замечания к отметкам без ответа: дождитесь исправления в "
                         "журнале и пересчёта итоговых отметок")
        self._allowed("approve_review")

    @workflow.update
    async def form(self, inp: FormStep) -> WizardView:
        async with self.lock:
            await self._apply(inp.actor, "form")
            self.step = "assign_blanks" if self._needs_blanks() else "render"
        return self.view()

    @form.validator
    def _check_form(self, inp: FormStep) -> None:
        self._allowed("form")

    @workflow.update
    async def assign_blanks(self, inp: AssignBlanks) -> WizardView:
        async with self.lock:
            await self._apply(inp.actor, "assign_blanks",
                              {"with_supplements": inp.with_supplements})
            self.step = "render"
        return self.view()

    @assign_blanks.validator
    def _check_assign_blanks(self, inp: AssignBlanks) -> None:
        self._allowed("assign_blanks")

    @workflow.update
    async def render(self, inp: RenderStep) -> WizardView:
        async with self.lock:
            await self._apply(inp.actor, "reserve_numbers", {"issue_date": inp.issue_date})
            self.issue_date, self.head_name = inp.issue_date, inp.head_name.strip()
            self._queue_render(inp.actor, self._awaiting_print(), "confirm_print")
        return self.view()

    @render.validator
    def _check_render(self, inp: RenderStep) -> None:
        self._allowed("render")
        if not inp.head_name.strip():
            raise refuse("Укажите фамилию и инициалы руководителя", "invalid_input", 422)

    @workflow.update
    async def spoil(self, inp: SpoilStep) -> WizardView:
        async with self.lock:
            self._in_scope(inp.certificate_id)
            outcome = await self._apply(inp.actor, "spoil", inp.model_dump(exclude={"actor"}))
            if outcome.value:
                self._queue_render(inp.actor, [inp.certificate_id], self.step)
        return self.view()

    @spoil.validator
    def _check_spoil(self, inp: SpoilStep) -> None:
        self._allowed("spoil")

    @workflow.update
    async def confirm_printed(self, inp: ConfirmPrinted) -> WizardView:
        async with self.lock:
            ids = inp.certificate_ids or self.ids
            for certificate_id in ids:
                self._in_scope(certificate_id)
            await self._apply(inp.actor, "confirm_printed", {"certificate_ids": ids})
            if not self._awaiting_print():
                self.step = "issue"
            self._after_issue_change()
        return self.view()

    @confirm_printed.validator
    def _check_confirm_printed(self, inp: ConfirmPrinted) -> None:
        self._allowed("confirm_printed")

    @workflow.update
    async def issue(self, inp: IssueStep) -> WizardView:
        async with self.lock:
            self._in_scope(inp.certificate_id)
            await self._apply(inp.actor, "issue", inp.model_dump(exclude={"actor"}))
            self._after_issue_change()
        return self.view()

    @issue.validator
    def _check_issue(self, inp: IssueStep) -> None:
        self._allowed("issue")

    @workflow.update
    async def cancel(self, inp: CancelStep) -> WizardView:
        async with self.lock:
            self._in_scope(inp.certificate_id)
            await self._apply(inp.actor, "cancel", inp.model_dump(exclude={"actor"}))
            if self.step in ("review", "awaiting_corrections"):
                self._after_review_change()
            elif self.step in ("confirm_print", "issue"):
                if not self._awaiting_print():
                    self.step = "issue"
                self._after_issue_change()
        return self.view()

    @cancel.validator
    def _check_cancel(self, inp: CancelStep) -> None:
        self._allowed("cancel")

    @workflow.update
    async def export(self, inp: ExportStep) -> WizardView:
        async with self.lock:
            outcome = await self._apply(inp.actor, "export")
            if isinstance(outcome.value, list):
                self.exports.extend(outcome.value)
            elif isinstance(outcome.value, int) and not isinstance(outcome.value, bool):
                self.exports.append(outcome.value)
            self._after_issue_change()
        return self.view()

    @export.validator
    def _check_export(self, inp: ExportStep) -> None:
        self._allowed("export")
        if not any(c.status == "issued" for c in self.certificates):
            raise refuse("Нет выданных документов, ещё не выгруженных в ФИС ФРДО")

    @workflow.update
    async def duplicate(self, inp: DuplicateStep) -> WizardView:
        assert self.input is not None
        async with self.lock:
            payload = inp.model_dump(exclude={"actor"})
            payload["original_certificate_id"] = self.input.original_certificate_id
            outcome = await self._apply(inp.actor, "duplicate", payload)
            self.ids = outcome.certificate_ids
            self.step = "assign_blanks" if self._needs_blanks() else "render"
        return self.view()

    @duplicate.validator
    def _check_duplicate(self, inp: DuplicateStep) -> None:
        self._allowed("duplicate")

    # Queries.

    @workflow.query
    def view(self) -> WizardView:
        assert self.input is not None
        return WizardView(
            workflow_id=workflow.info().workflow_id,
            organization_id=self.input.organization_id,
            school_class_id=self.input.school_class_id,
            graduation_year=self.input.graduation_year, mode=self.input.mode,
            step=self.step, step_title=STEP_TITLES_RU.get(self.step, self.step),
            allowed=list(ALLOWED.get(self.step, [])), certificates=self.certificates,
            render=self.render_progress, issue_date=self.issue_date, exports=self.exports)

    # Internals.

    async def _apply(self, actor: StaffActor, action: str,
                     payload: dict[str, Any] | None = None) -> StepOutcome:
        try:
            outcome = await workflow.execute_activity(
                acts.apply_step,
                StepInput(ref=self._ref(), actor=actor, action=action, payload=payload or {},
                          certificate_ids=self.ids),
                **STEP_OPTIONS)
        except ActivityError as error:
            cause = error.cause
            if isinstance(cause, ApplicationError) and cause.type == acts.RULE_ERROR:
                raise ApplicationError(cause.message, *cause.details, type=cause.type,
                                       non_retryable=True) from None
            raise
        known = {c.certificate_id: c for c in self.certificates}
        for summary in outcome.summaries:
            known[summary.certificate_id] = summary
        self.certificates = [known[i] for i in sorted(known)]
        return outcome

    def _ref(self) -> WizardRef:
        assert self.input is not None
        return WizardRef(organization_id=self.input.organization_id,
                         time_zone=self.input.time_zone,
                         school_class_id=self.input.school_class_id,
                         graduation_year=self.input.graduation_year,
                         workflow_id=workflow.info().workflow_id)

    def _allowed(self, action: str) -> None:
        if action not in ALLOWED.get(self.step, []):
            title = STEP_TITLES_RU.get(self.step, self.step)
            raise refuse(f"Сейчас этот шаг недоступен: мастер на шаге «{title}»")

    def _in_scope(self, certificate_id: int) -> None:
        if certificate_id not in self.ids:
            raise refuse("Документ не относится к этому мастеру", "not_found", 404)

    def _live(self) -> list[CertificateSummary]:
        return [c for c in self.certificates if c.status in LIVE]

    def _needs_blanks(self) -> bool:
        return any(c.status == "formed" and c.kind != "study_record" for c in self._live())

    def _awaiting_print(self) -> list[int]:
        return [c.certificate_id for c in self._live()
                if c.status == "blank_assigned"
                or (c.status == "formed" and c.kind == "study_record")]

    def _queue_render(self, actor: StaffActor, ids: list[int], after: str) -> None:
        self.render_actor = actor
        self.after_render = after if after != "rendering" else "confirm_print"
        self.render_queue = sorted(set(self.render_queue) | set(ids))
        self.step = "rendering"

    def _after_review_change(self) -> None:
        if not self._live():
            self.step = "done"
            return
        self.step = ("awaiting_corrections" if any(c.open_issues for c in self.certificates)
                     else "review")

    def _after_issue_change(self) -> None:
        """Issue → export → done: done when every live document went to ФРДО."""
        if self.step not in ("issue", "export"):
            return
        live = self._live()
        waiting = [c for c in live if c.status != "issued"]
        if waiting:
            self.step = "issue"
        elif live:
            self.step = "export"
        else:
            self.step = "done"
