"""Issue (with the book row closed) and duplicates of issued documents."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from activities.certificates import store
from activities.certificates.computing import _exam_results
from activities.certificates.context import (
    CertContext,
    CertificateRuleError,
    as_rule_errors,
)
from domain.certificates.final_marks import FinalMarks
from domain.certificates.honours import decide_certificate
from domain.certificates.lifecycle import (
    DuplicateGround,
    OriginalDisposition,
    create_duplicate,
)
from domain.certificates.marks import MarkValue, check_mark
from domain.certificates.registration_book import Handover, OrderRef
from domain.certificates.rules import load_rule_set
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


@dataclass(frozen=True)
class LineCorrection:
    line_code: str
    value: MarkValue


def duplicate(ctx: CertContext, original_id: int, *, ground: DuplicateGround,
              disposition: OriginalDisposition, reason: str,
              corrections: Sequence[LineCorrection] = (),
              supplement_only: bool = False) -> int:
    """A duplicate of an issued document: the original's data, or a new version of its
    final marks where a mark was wrong; the original recorded as lost, exchanged or
    destroyed. The duplicate starts formed and goes on to a new blank."""
    ctx.require_staff("оформлять дубликаты")
    if not reason.strip():
        raise CertificateRuleError("Укажите основание выдачи дубликата",
                                   code="invalid_input", status=422, field="reason")
    original_row, original = store.load(ctx, original_id)
    duplicate_id = ctx.session.execute(select(
        func.nextval(func.pg_get_serial_sequence("certificates", "id")))).scalar_one()

    corrected = None
    version_row = ctx.session.get(db.FinalMarksVersion, original_row.final_marks_id)
    assert version_row is not None
    if corrections:
        final_marks = _corrected(original.final_marks, corrections, reason)
        rule_set = load_rule_set(original.graduation_year)
        exams = _exam_results(ctx, [original.pupil_id], original.graduation_year)
        with as_rule_errors():
            decision = decide_certificate(final_marks, exams.get(original.pupil_id, []),
                                          rule_set)
        corrected = (final_marks, decision)

    with as_rule_errors():
        marked, made = create_duplicate(
            original, duplicate_id=str(duplicate_id), ground=ground,
            disposition=disposition, by=ctx.user_id, at=ctx.at, corrected=corrected,
            supplement_only=supplement_only)
    if corrected is not None:
        version_row = store.add_version(
            ctx, pupil_id=original.pupil_id, level=original.level,
            graduation_year=original.graduation_year, final_marks=corrected[0],
            decision=corrected[1], sources=version_row.sources, origin="corrected",
            reason=reason.strip())
        made = dataclasses.replace(made, marks_version=version_row.version)

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
    store.save(ctx, row, dataclasses.replace(made, events=()), made)
    store.save(ctx, original_row, original, marked)
    log.info("certificate duplicate made: original %s duplicate %s", original_id,
             duplicate_id)
    return duplicate_id


def _corrected(final_marks: FinalMarks, corrections: Sequence[LineCorrection],
               reason: str) -> FinalMarks:
    by_code = {c.line_code: c for c in corrections}
    unknown = sorted(set(by_code) - {m.line.code for m in final_marks.marks})
    if unknown:
        raise CertificateRuleError(f"В документе нет строк {unknown}", code="invalid_input",
                                   status=422, field="corrections")
    marks = []
    for mark in final_marks.marks:
        correction = by_code.get(mark.line.code)
        if correction is None:
            marks.append(mark)
            continue
        with as_rule_errors("corrections"):
            check_mark(correction.value)
        if correction.value == mark.value:
            raise CertificateRuleError(
                f"По строке «{mark.line.title}» отметка не меняется", code="invalid_input",
                status=422, field="corrections")
        marks.append(dataclasses.replace(
            mark, value=correction.value, exact=None,
            note=f"исправлено при выдаче дубликата: {reason.strip()}"))
    return dataclasses.replace(final_marks, marks=tuple(marks))
