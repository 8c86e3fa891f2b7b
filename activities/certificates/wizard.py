"""Activities of the certificate wizard: one step at a time, and the PDF run with progress.

Each step runs in one transaction through the services of this package, so a refused step
changes nothing. A broken rule fails the activity for good with its Russian message (the
workflow hands it to the API as 409/422); anything else is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from temporalio import activity

from activities.certificates import (
    blank_stock,
    computing,
    forming,
    frdo_export,
    issuing,
    printing,
)
from activities.certificates.context import CertContext, CertificateRuleError
from activities.context import runtime
from activities.refusals import CERTIFICATE_RULE, refused
from domain.certificates.lifecycle import DuplicateGround, OriginalDisposition
from domain.certificates.registration_book import Handover, HandoverMethod, OrderRef
from gateways.pdf import (
    CertificateDocument,
    CertificatePart,
    CertificatePrintError,
    RenderedCertificate,
    StudyRecordDocument,
    render_class_pdfs,
    render_study_record_pdf,
)
from tsos.db import certificates as db
from workflows.certificates.messages import (
    CertificateSummary,
    RenderInput,
    RenderProgress,
    StaffActor,
    StepInput,
    StepOutcome,
    WizardRef,
)

log = logging.getLogger(__name__)
RULE_ERROR = CERTIFICATE_RULE


@contextmanager
def rules_final() -> Iterator[None]:
    """A broken rule is an answer, not a fault: no retry, the message and status kept."""
    try:
        yield
    except CertificateRuleError as error:
        raise refused(error.message, type=RULE_ERROR, code=error.code, status=error.status,
                      field=error.field, details=error.details) from None


def _now(ref: WizardRef) -> datetime:
    """The engine's time (time-skipping tests move it), on the school's clock."""
    return runtime().clock.now().astimezone(ZoneInfo(ref.time_zone))


def _ctx(session: Any, ref: WizardRef, actor: StaffActor) -> CertContext:
    return CertContext(session, ref.organization_id, actor.user_id, actor.role, _now(ref),
                       ref.workflow_id)


def summaries(ctx: CertContext, certificate_ids: list[int]) -> list[CertificateSummary]:
    """Where each certificate stands: IDs, statuses and rule texts, no personal data."""
    if not certificate_ids:
        return []
    rows = list(ctx.session.scalars(select(db.Certificate).where(
        db.Certificate.id.in_(certificate_ids)).order_by(db.Certificate.id)))
    issues = computing.open_issues(ctx, certificate_ids)
    pdfs = {p.certificate_id: p.blank_number for p in ctx.session.scalars(
        select(db.CertificatePdf).where(db.CertificatePdf.certificate_id.in_(
            certificate_ids)))}
    found = []
    for row in rows:
        version = ctx.session.get(db.FinalMarksVersion, row.final_marks_id)
        assert version is not None
        found.append(CertificateSummary(
            certificate_id=row.id, pupil_id=row.pupil_id, status=row.status,
            kind=row.kind, medal=row.medal, is_duplicate=row.duplicate_of_id is not None,
            blank_number=row.blank_number,
            supplement_blank_number=row.supplement_blank_number,
            registration_number=row.registration_number or _reserved_number(ctx, row.id),
            has_pdf=row.id in pdfs and pdfs[row.id] == row.blank_number,
            problems=list(version.problems), warnings=list(version.warnings),
            notices=list((version.decision or {}).get("warnings", [])),
            open_issues=sum(1 for i in issues if i.certificate_id == row.id)))
    return found


def _reserved_number(ctx: CertContext, certificate_id: int) -> str | None:
    from activities.certificates import store

    entry = store.reserved_entry(ctx, certificate_id)
    return entry.registration_number if entry is not None else None


def _issue(ctx: CertContext, p: dict[str, Any], ids: list[int]) -> None:
    try:
        handover = Handover(HandoverMethod(p["method"]), p.get("proxy_name"),
                            p.get("proxy_document"), p.get("postal_item_number"),
                            p.get("posted_on"))
    except Exception as error:  # noqa: BLE001 - the domain words the problem in Russian
        field = "proxy_name" if p["method"] == "proxy" else "postal_item_number"
        raise CertificateRuleError(getattr(error, "message", str(error)),
                                   code="invalid_input", status=422, field=field) from None
    if not p["order_number"].strip():
        raise CertificateRuleError("Укажите номер приказа о выдаче", code="invalid_input",
                                   status=422, field="order_number")
    issuing.issue(ctx, p["certificate_id"], handover=handover,
                  handed_over_on=p["handed_over_on"],
                  order=OrderRef(p["order_number"].strip(), p["order_date"]))


def _duplicate(ctx: CertContext, p: dict[str, Any], ids: list[int]) -> int:
    return issuing.duplicate(ctx, p["original_certificate_id"],
                             ground=DuplicateGround(p["ground"]),
                             disposition=OriginalDisposition(p["disposition"]),
                             reason=p["reason"], issue_ids=p.get("issue_ids", []),
                             supplement_only=p.get("supplement_only", False))


def _export(ctx: CertContext, p: dict[str, Any], ids: list[int]) -> list[int]:
    # A class fits one file; a longer export is split into several, each its own export.
    exports = frdo_export.export(ctx, ids, template_path=runtime().settings.frdo_template_path)
    return [export.id for export in exports]


Action = Callable[[CertContext, WizardRef, dict[str, Any], list[int]], Any]

_ACTIONS: dict[str, Action] = {
    "compute": lambda ctx, ref, p, ids: computing.compute_class(
        ctx, ref.school_class_id, ref.graduation_year, p.get("pupil_ids")),
    "report_issue": lambda ctx, ref, p, ids: computing.report_issue(
        ctx, p["certificate_id"], p["line_code"], p["description"]),
    "review": lambda ctx, ref, p, ids: forming.review(
        ctx, ids, confirm_warnings=p.get("confirm_warnings", False)),
    "form": lambda ctx, ref, p, ids: forming.form(ctx, ids),
    "assign_blanks": lambda ctx, ref, p, ids: blank_stock.assign(
        ctx, ids, with_supplements=p.get("with_supplements", True)),
    "reserve_numbers": lambda ctx, ref, p, ids: printing.reserve_numbers(
        ctx, ids, p["issue_date"]),
    "spoil": lambda ctx, ref, p, ids: printing.spoil(
        ctx, p["certificate_id"], act_number=p["act_number"], act_date=p["act_date"],
        reason=p["reason"], replace=p.get("replace", True)),
    "confirm_printed": lambda ctx, ref, p, ids: printing.confirm_printed(
        ctx, p.get("certificate_ids") or ids),
    "issue": lambda ctx, ref, p, ids: _issue(ctx, p, ids),
    "cancel": lambda ctx, ref, p, ids: forming.cancel(
        ctx, p["certificate_id"], reason=p["reason"], act_number=p.get("act_number"),
        act_date=p.get("act_date")),
    "export": lambda ctx, ref, p, ids: _export(ctx, p, ids),
    "duplicate": lambda ctx, ref, p, ids: _duplicate(ctx, p, ids),
    "summary": lambda ctx, ref, p, ids: None,
}
_DATE_FIELDS = {"issue_date", "act_date", "handed_over_on", "order_date", "posted_on"}


@activity.defn(name="certificates.apply_step")
def apply_step(inp: StepInput) -> StepOutcome:
    """One step of the wizard in one transaction; returns where the certificates stand."""
    payload = {k: date.fromisoformat(v) if k in _DATE_FIELDS and isinstance(v, str) else v
               for k, v in inp.payload.items()}
    with rules_final(), runtime().session() as session:
        ctx = _ctx(session, inp.ref, inp.actor)
        value = _ACTIONS[inp.action](ctx, inp.ref, payload, list(inp.certificate_ids))
        ids = list(inp.certificate_ids)
        if inp.action == "compute":
            ids, value = list(value), None
        elif inp.action == "duplicate":
            ids = [value]
        found = summaries(ctx, ids)
    log.info("certificate step done: %s certificates %s", inp.action, len(ids))
    return StepOutcome(certificate_ids=ids, summaries=found,
                       value=value if isinstance(value, bool | int | list) else None)


@activity.defn(name="certificates.render_pdfs")
def render_pdfs(inp: RenderInput) -> RenderProgress:
    """PDFs of the documents awaiting print, one by one, heartbeating and counting progress."""
    with rules_final(), runtime().session() as session:
        ctx = _ctx(session, inp.ref, inp.actor)
        ctx.require_staff("печатать документы")
        docs, problems, meta = printing.documents(ctx, inp.certificate_ids, inp.head_name)
        calibration = printing.calibration_of(session, ctx.organization_id)
        run = db.RenderRun(organization_id=ctx.organization_id,
                           workflow_id=inp.ref.workflow_id, total=len(docs) + len(problems),
                           done=len(problems), failed=len(problems), problems=problems,
                           started_at=ctx.at)
        session.add(run)
        session.flush()
        run_id = run.id

    failed = dict(problems)
    groups: dict[tuple[CertificatePart, ...], list[CertificateDocument]] = {}
    study_records: list[StudyRecordDocument] = []
    for doc in docs:
        if isinstance(doc, StudyRecordDocument):
            study_records.append(doc)
        else:
            groups.setdefault(tuple(meta[doc.document_id][2]), []).append(doc)
    counted = 0
    for parts, group in groups.items():
        def progress(done: int, total: int, before: int = counted) -> None:
            activity.heartbeat(before + done, len(docs))

        for rendered in render_class_pdfs(group, calibration, parts=parts,
                                          on_progress=progress):
            _store_rendered(inp, run_id, meta, rendered, failed)
        counted += len(group)
    # A справка is the school's own form on plain paper: no blank, no calibration.
    for study_record in study_records:
        try:
            rendered = RenderedCertificate(study_record.document_id,
                                           render_study_record_pdf(study_record))
        except CertificatePrintError as error:
            rendered = RenderedCertificate(study_record.document_id, None,
                                           error.message_ru)
        _store_rendered(inp, run_id, meta, rendered, failed)
        counted += 1
        activity.heartbeat(counted, len(docs))
    with runtime().session() as session:
        row = session.get(db.RenderRun, run_id)
        assert row is not None
        row.finished_at = _now(inp.ref)
        outcome = RenderProgress(run_id=row.id, total=row.total, done=row.done,
                                 failed=row.failed, finished=True, problems=dict(failed))
    log.info("certificate pdfs rendered: run %s total %s failed %s", run_id, outcome.total,
             outcome.failed)
    return outcome


def _store_rendered(inp: RenderInput, run_id: int, meta: dict[str, printing.Meta],
                    rendered: RenderedCertificate, failed: dict[str, str]) -> None:
    """Each PDF in its own transaction, with the run's counters: the API shows progress."""
    with runtime().session() as session:
        blank_number, registration_number, _ = meta[rendered.document_id]
        if rendered.pdf is not None:
            printing.store_pdf(session, int(rendered.document_id), blank_number,
                               registration_number, rendered.pdf, _now(inp.ref))
        else:
            failed[rendered.document_id] = rendered.problem_ru or "не напечатан"
        row = session.get(db.RenderRun, run_id, with_for_update=True)
        assert row is not None
        row.done += 1
        row.failed = len(failed)
        row.problems = dict(failed)
