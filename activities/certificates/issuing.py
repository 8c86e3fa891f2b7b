"""Issue (with the book row closed) and duplicates of issued documents."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select

from activities.certificates import store
from activities.certificates.computing import _exam_results
from activities.certificates.context import (
    CertContext,
    CertificateRuleError,
    as_rule_errors,
)
from activities.certificates.gradebook_port import GradebookMarkLocks
from activities.certificates.records import correction_of, value_json
from domain.certificates.corrections import InputCorrection, corrected_final_marks
from domain.certificates.final_marks import FinalMarks
from domain.certificates.honours import decide_certificate
from domain.certificates.lifecycle import (
    DuplicateGround,
    OriginalDisposition,
    create_duplicate,
)
from domain.certificates.registration_book import Handover, OrderRef
from domain.certificates.rules import check_rule_set_unchanged, load_rule_set
from tsos.db import certificates as db

log = logging.getLogger(__name__)


def issue(ctx: CertContext, certificate_id: int, *, handover: Handover,
          handed_over_on: date, order: OrderRef) -> None:
    """Handed over in person, by proxy or by post; the book row is closed as issued."""
    ctx.require_staff("выдавать документы")
    if handed_over_on > ctx.today:
        raise CertificateRuleError("Дата передачи документа не может быть в будущем",
                                   code="invalid_input", status=422, field="handed_over_on")
    ctx.serialise_school("book")
    row, before = store.load(ctx, certificate_id)
    with as_rule_errors():
        after = before.issue(handover=handover, handed_over_on=handed_over_on,
                             issue_order=order, by=ctx.user_id, at=ctx.at)
    entry = store.current_entry(ctx, row)
    if entry is None or entry.status != "reserved":
        raise CertificateRuleError("У документа нет записи в книге регистрации")
    book, _ = store.book_of(ctx)
    with as_rule_errors("handed_over_on"):
        book.record_issued(store.entry_of(ctx.session, entry), handover=handover,
                           handed_over_on=handed_over_on, issue_order=order)
    entry.status = "issued"
    entry.handover = store.handover_json(handover)
    entry.handed_over_on = handed_over_on
    entry.issue_order_number, entry.issue_order_date = order.number, order.dated
    fate = "duplicate" if before.is_duplicate else "issued"
    for blank in ctx.session.scalars(select(db.Blank).where(
            db.Blank.certificate_id == row.id, db.Blank.fate == "assigned")):
        blank.fate = fate
    store.save(ctx, row, before, after)


def duplicate(ctx: CertContext, original_id: int, *, ground: DuplicateGround,
              disposition: OriginalDisposition, reason: str,
              issue_ids: Sequence[int] = (), supplement_only: bool = False,
              locks: GradebookMarkLocks | None = None) -> int:
    """A duplicate of an issued document: the original's data, or — for mark errors the
    deputy head approved (`issue_ids`) — a new version of the final marks recomputed from
    the corrected inputs; the original recorded as lost, exchanged or destroyed. The
    duplicate starts formed and goes on to a new blank."""
    ctx.require_staff("оформлять дубликаты")
    if not reason.strip():
        raise CertificateRuleError("Укажите основание выдачи дубликата",
                                   code="invalid_input", status=422, field="reason")
    original_row, original = store.load(ctx, original_id)
    duplicate_id = ctx.session.execute(select(
        func.nextval(func.pg_get_serial_sequence("certificates", "id")))).scalar_one()

    version_row = ctx.session.get(db.FinalMarksVersion, original_row.final_marks_id)
    assert version_row is not None
    issues = _approved_issues(ctx, original_row.id, issue_ids)
    corrections = [correction_of(c) for i in issues for c in i.corrected_inputs or []]
    corrected = None
    if corrections:
        # The rules the original was decided by, not the year's latest version.
        with as_rule_errors("issue_ids"):
            check_rule_set_unchanged(original.final_marks.rule_set_version,
                                     version_row.rule_set_digest)
            rule_set = load_rule_set(original.graduation_year,
                                     original.final_marks.rule_set_version)
            exams = _exam_results(ctx, [original.pupil_id], original.graduation_year)
            final_marks = corrected_final_marks(
                original.final_marks, corrections, exams.get(original.pupil_id, []),
                rule_set, reason=reason)
            decision = decide_certificate(final_marks, exams.get(original.pupil_id, []),
                                          rule_set)
        corrected = (final_marks, decision)

    with as_rule_errors():
        marked, made = create_duplicate(
            original, duplicate_id=str(duplicate_id), ground=ground,
            disposition=disposition, by=ctx.user_id, at=ctx.at, corrected=corrected,
            supplement_only=supplement_only)
    row = db.Certificate(
        id=duplicate_id, organization_id=ctx.organization_id, pupil_id=original.pupil_id,
        school_class_id=original_row.school_class_id,
        graduation_year=original.graduation_year, level=original.level.value,
        status=made.status.value, final_marks_id=version_row.id,
        marks_version=made.marks_version, warnings_confirmed=made.warnings_confirmed,
        lock_id=original_row.lock_id, duplicate_of_id=original_row.id,
        supplement_only=supplement_only, workflow_id=ctx.workflow_id)
    ctx.session.add(row)
    ctx.session.flush()
    if corrected is not None:
        previous = version_row
        version_row = store.add_version(
            ctx, pupil_id=original.pupil_id, level=original.level,
            graduation_year=original.graduation_year, final_marks=corrected[0],
            decision=corrected[1], sources=previous.sources, origin="corrected",
            reason=reason.strip())
        (locks or GradebookMarkLocks(ctx.session)).write_new_version(
            version_id=version_row.id, previous_version_id=previous.id,
            duplicate_id=duplicate_id, pupil_id=original.pupil_id,
            school_class_id=original_row.school_class_id,
            changes=_changes(original.final_marks, corrections), reason=reason.strip(),
            actor=ctx.lock_actor())
        made = dataclasses.replace(made, marks_version=version_row.version)
        row.final_marks_id, row.marks_version = version_row.id, version_row.version
        for issue in issues:
            issue.duplicate_id = duplicate_id
    store.save(ctx, row, dataclasses.replace(made, events=()), made)
    store.save(ctx, original_row, original, marked)
    log.info("certificate duplicate made: original %s duplicate %s", original_id,
             duplicate_id)
    return duplicate_id


def _approved_issues(ctx: CertContext, original_id: int, issue_ids: Sequence[int]
                     ) -> list[db.MarkIssue]:
    """Mark issues of the original found after issue, approved, and not yet applied."""
    issues = []
    for issue_id in sorted(set(issue_ids)):
        issue = ctx.session.get(db.MarkIssue, issue_id, with_for_update=True)
        if issue is None or issue.certificate_id != original_id:
            raise CertificateRuleError(f"Замечание № {issue_id} не относится к этому "
                                       "документу", code="invalid_input", status=422,
                                       field="issue_ids")
        if not issue.after_issue or issue.status != "corrected" or not issue.corrected_inputs:
            raise CertificateRuleError(
                f"Замечание № {issue_id} не одобрено заместителем директора с исправленными "
                "отметками", code="invalid_input", status=422, field="issue_ids")
        if issue.duplicate_id is not None:
            raise CertificateRuleError(f"Замечание № {issue_id} уже учтено в дубликате "
                                       f"№ {issue.duplicate_id}", code="invalid_input",
                                       status=422, field="issue_ids")
        issues.append(issue)
    return issues


def _changes(final_marks: FinalMarks, corrections: Sequence[InputCorrection]
             ) -> dict[str, tuple[object, object]]:
    """Old and new value per corrected gradebook subject, for the audit."""
    changes: dict[str, tuple[object, object]] = {}
    for correction in corrections:
        mark = final_marks.mark_for(correction.line_code)
        assert mark is not None
        old = next(m.value for m in mark.inputs
                   if (m.subject, m.grade, m.period) == (correction.subject,
                                                         correction.grade,
                                                         correction.period))
        changes[correction.subject] = (value_json(old), value_json(correction.value))
    return changes
