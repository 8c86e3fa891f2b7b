"""Registration numbers, PDFs on the school's blanks, spoiled blanks, confirmed printing."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from activities.certificates import blank_stock, store
from activities.certificates.context import (
    CertContext,
    CertificateRuleError,
    as_rule_errors,
)
from activities.certificates.records import exam_row_of
from domain.certificates.kinds import CertificateKind, Level
from domain.certificates.lifecycle import Certificate, CertificateStatus
from domain.certificates.marks import MarkValue, PassMark
from gateways.pdf import (
    CertificateDocument,
    CertificatePart,
    CertificatePrintError,
    PrinterCalibration,
    StudyRecordDocument,
    StudyRecordLine,
    SupplementLine,
    render_certificate_pdf,
    render_study_record_pdf,
)
from gateways.pdf import CertificateKind as BlankTitle
from gateways.pdf.certificate import BOTH_PARTS
from tsos.db import certificates as db
from tsos.db.models import Organization

log = logging.getLogger(__name__)

# What a rendered PDF is stored with: blank number, registration number, parts printed.
Meta = tuple[str | None, str, tuple[CertificatePart, ...]]


def _awaiting_print(status: CertificateStatus, kind: CertificateKind | None) -> bool:
    if kind is CertificateKind.STUDY_RECORD:
        return status is CertificateStatus.FORMED
    return status is CertificateStatus.BLANK_ASSIGNED


def reserve_numbers(ctx: CertContext, certificate_ids: Collection[int],
                    issue_date: date) -> list[int]:
    """A registration number from the book for each document about to be printed."""
    ctx.require_staff("присваивать регистрационные номера")
    ctx.serialise_school("book")
    book, _ = store.book_of(ctx)
    organization = ctx.session.get(Organization, ctx.organization_id)
    assert organization is not None
    school_name = organization.name
    reserved = []
    for certificate_id in sorted(certificate_ids):
        row, certificate = store.load(ctx, certificate_id)
        if not _awaiting_print(certificate.status, certificate.kind):
            continue
        if store.reserved_entry(ctx, row.id) is not None:
            continue
        if issue_date.year < certificate.graduation_year:
            raise CertificateRuleError(
                f"Дата выдачи раньше {certificate.graduation_year} года выпуска",
                code="invalid_input", status=422, field="issue_date")
        assert certificate.kind is not None
        with as_rule_errors("issue_date"):
            book, entry = book.reserve(
                level=certificate.level, recorded_on=ctx.today, issue_date=issue_date,
                document_kind=certificate.kind, certificate_id=str(row.id),
                pupil_id=row.pupil_id,
                blank_number=certificate.blank.number if certificate.blank else None,
                supplement_blank_number=certificate.supplement_blank.number
                if certificate.supplement_blank else None,
                is_duplicate=certificate.is_duplicate,
                original_registration_number=certificate.original_registration_number)
        # The name, birth date and school as they stand now go on the blank, the book row
        # and, later, a duplicate's original block: a later change rewrites none of them.
        holder = store.live_holder(ctx.session, row.pupil_id)
        store.save_holder(row, holder)
        row.school_name = school_name
        entry_row = store.add_entry(ctx, entry)
        store.save_holder(entry_row, holder)
        row.book_entry_id = entry_row.id
        reserved.append(row.id)
    ctx.session.flush()
    return reserved


def calibration_of(session: Session, organization_id: int) -> PrinterCalibration:
    row = session.get(db.PrinterCalibration, organization_id)
    if row is None:
        return PrinterCalibration()
    return PrinterCalibration(row.offset_x_mm, row.offset_y_mm, row.scale)


def set_calibration(ctx: CertContext, *, offset_x_mm: Decimal, offset_y_mm: Decimal,
                    scale: Decimal, printing_house: str | None) -> db.PrinterCalibration:
    ctx.require_staff("настраивать печать")
    try:
        PrinterCalibration(offset_x_mm, offset_y_mm, scale)
    except ValueError as error:
        raise CertificateRuleError(str(error), code="invalid_input", status=422,
                                   field="scale" if "Масштаб" in str(error)
                                   else "offset_x_mm") from None
    row = ctx.session.get(db.PrinterCalibration, ctx.organization_id)
    if row is None:
        row = db.PrinterCalibration(organization_id=ctx.organization_id,
                                    updated_by=ctx.user_id, updated_at=ctx.at)
        ctx.session.add(row)
    row.offset_x_mm, row.offset_y_mm, row.scale = offset_x_mm, offset_y_mm, scale
    row.printing_house = printing_house
    row.updated_by, row.updated_at = ctx.user_id, ctx.at
    ctx.session.flush()
    return row


Document = CertificateDocument | StudyRecordDocument
NOT_RESERVED = "не присвоен"


def documents(ctx: CertContext, certificate_ids: Collection[int], head_name: str
              ) -> tuple[list[Document], dict[str, str], dict[str, Meta]]:
    """What goes on each blank (or plain page, for a справка); documents that cannot be
    printed, with the reason.

    Returns (documents, problems by id, (blank number, registration number, parts) by id).
    """
    docs: list[Document] = []
    problems: dict[str, str] = {}
    meta: dict[str, Meta] = {}
    for certificate_id in sorted(certificate_ids):
        row, certificate = store.load(ctx, certificate_id, for_update=False)
        if not _awaiting_print(certificate.status, certificate.kind):
            continue
        entry = store.reserved_entry(ctx, row.id)
        if entry is None or entry.issue_date is None:
            problems[str(row.id)] = "нет регистрационного номера"
            continue
        try:
            docs.append(document_for(ctx, row, certificate, head_name,
                                     registration_number=entry.registration_number,
                                     issue_date=entry.issue_date))
        except CertificateRuleError as error:
            problems[str(row.id)] = error.message
            continue
        parts = ((CertificatePart.SUPPLEMENT,) if certificate.supplement_only
                 else BOTH_PARTS)
        if certificate.kind is CertificateKind.STUDY_RECORD:
            parts = ()
        meta[str(row.id)] = (row.blank_number, entry.registration_number, parts)
    return docs, problems, meta


def document_for(ctx: CertContext, row: db.Certificate, certificate: Certificate,
                 head_name: str, *, registration_number: str, issue_date: date
                 ) -> Document:
    """One document's printed content, from what was saved when its number was taken."""
    holder = store.holder_of(ctx.session, row)
    assert holder is not None
    if holder.birth_date is None:
        raise CertificateRuleError("не указана дата рождения обучающегося",
                                   code="invalid_input", status=422)
    school_name = row.school_name or _school_name(ctx)
    marks = sorted(certificate.final_marks.marks, key=lambda m: m.line.order)
    if certificate.kind is CertificateKind.STUDY_RECORD:
        return StudyRecordDocument(
            document_id=str(row.id), last_name=holder.surname, first_name=holder.name,
            patronymic=holder.patronymic, birth_date=holder.birth_date,
            school_name=school_name, programme=PROGRAMMES[certificate.level],
            final_grade=certificate.level.final_grade,
            registration_number=registration_number, issue_date=issue_date,
            head_name=head_name,
            lines=tuple(StudyRecordLine(m.line.title, _study_record_mark(m.value),
                                        m.note if m.value is None else None)
                        for m in marks),
            exams=tuple(_exam_lines(ctx, row)),
            reasons=tuple(r for r in (certificate.decision.reasons
                                      if certificate.decision else ())
                          if not r.startswith("Выдаётся справка")),
            is_duplicate=certificate.is_duplicate)
    assert certificate.kind is not None
    lines = tuple(
        SupplementLine(mark.line.title,
                       "зачтено" if mark.value is PassMark.PASSED else mark.value)
        for mark in marks if isinstance(mark.value, int) or mark.value is PassMark.PASSED
    )
    return CertificateDocument(
        document_id=str(row.id), kind=BlankTitle(certificate.kind.value),
        last_name=holder.surname, first_name=holder.name, patronymic=holder.patronymic,
        birth_date=holder.birth_date, school_name=school_name,
        registration_number=registration_number, issue_date=issue_date,
        head_name=head_name, lines=lines, is_duplicate=certificate.is_duplicate)


PROGRAMMES = {Level.BASIC: "основного общего образования",
              Level.SECONDARY: "среднего общего образования"}


def _study_record_mark(value: MarkValue | None) -> int | str | None:
    if value is None or isinstance(value, int):
        return value
    return value.label


def _exam_lines(ctx: CertContext, row: db.Certificate) -> list[str]:
    lines = []
    for exam in sorted(ctx.session.scalars(select(db.ExamResult).where(
            db.ExamResult.pupil_id == row.pupil_id,
            db.ExamResult.graduation_year == row.graduation_year)),
            key=lambda e: (e.subject, e.is_retake, e.exam_date or date.min)):
        result = exam_row_of(exam)
        shown = (f"отметка «{result.mark}»" if result.mark is not None
                 else f"{result.score} баллов")
        retake = " (пересдача)" if result.is_retake else ""
        lines.append(f"{result.describe()}{retake}: {shown}")
    return lines


def _school_name(ctx: CertContext) -> str:
    organization = ctx.session.get(Organization, ctx.organization_id)
    assert organization is not None
    return organization.name


def preview(ctx: CertContext, certificate_ids: Collection[int], head_name: str
            ) -> list[tuple[int, bytes]]:
    """PDFs on plain paper with the blank's frame and captions, for checking before print.

    Any formed document may be previewed; one without a number yet shows «не присвоен».
    """
    found = []
    for certificate_id in sorted(certificate_ids):
        row, certificate = store.load(ctx, certificate_id, for_update=False)
        if certificate.kind is None or not (
                certificate.is_locked or certificate.status is CertificateStatus.REVIEWED):
            continue
        entry = store.reserved_entry(ctx, row.id) or store.current_entry(ctx, row)
        number = entry.registration_number if entry is not None else NOT_RESERVED
        issued = (entry.issue_date if entry is not None and entry.issue_date
                  else ctx.today)
        doc = document_for(ctx, row, certificate, head_name, registration_number=number,
                           issue_date=issued)
        with as_rule_errors():
            found.append((row.id, _render(doc, certificate, preview=True)))
    return found


def _render(doc: Document, certificate: Certificate, *, preview: bool) -> bytes:
    if isinstance(doc, StudyRecordDocument):
        return render_study_record_pdf(doc)
    parts = ((CertificatePart.SUPPLEMENT,) if certificate.supplement_only else BOTH_PARTS)
    try:
        return render_certificate_pdf(doc, preview=preview, parts=parts)
    except CertificatePrintError as error:
        raise CertificateRuleError(error.message_ru, code="print", status=422) from None


def store_pdf(session: Session, certificate_id: int, blank_number: str | None,
              registration_number: str, pdf: bytes, at: datetime) -> None:
    session.execute(delete(db.CertificatePdf).where(
        db.CertificatePdf.certificate_id == certificate_id))
    session.add(db.CertificatePdf(certificate_id=certificate_id, blank_number=blank_number,
                                  registration_number=registration_number, pdf=pdf,
                                  rendered_at=at))
    session.flush()


def spoil(ctx: CertContext, certificate_id: int, *, act_number: str, act_date: date,
          reason: str, replace: bool) -> bool:
    """Write off the document's blanks by an act; with `replace`, new blanks and a new
    registration number (the document is then printed again). True when it must be."""
    ctx.require_staff("списывать бланки")
    if not reason.strip():
        raise CertificateRuleError("Укажите причину списания", code="invalid_input",
                                   status=422, field="reason")
    ctx.serialise_school("blanks")
    ctx.serialise_school("book")
    row, before = store.load(ctx, certificate_id)
    if before.status not in (CertificateStatus.BLANK_ASSIGNED, CertificateStatus.PRINTED):
        raise CertificateRuleError(
            f"Нельзя списать бланк: документ в состоянии «{before.status.label}», а списать "
            "можно только назначенный или напечатанный бланк")
    spoiled = list(before.assigned_blanks)
    entry = store.reserved_entry(ctx, row.id)
    issue_date = entry.issue_date if entry is not None else None
    act = blank_stock.new_act(ctx, act_number, act_date, [b.number for b in spoiled], reason)
    replacements = blank_stock.replacements_for(ctx, spoiled) if replace else []
    with as_rule_errors():
        after = before.spoil_blanks(store.act_of(act), replacements=replacements,
                                    by=ctx.user_id, at=ctx.at)
    blank_stock.write_off(ctx, row.id, act, entry)
    blank_stock.mark_assigned(ctx, row.id, [b.number for b in replacements])
    row.book_entry_id = None
    ctx.session.execute(delete(db.CertificatePdf).where(
        db.CertificatePdf.certificate_id == row.id))
    store.save(ctx, row, before, after)
    log.info("certificate blanks spoiled: certificate %s act %s", row.id, act.id)
    if replace and issue_date is not None:
        reserve_numbers(ctx, [row.id], issue_date)
    return bool(replacements)


def confirm_printed(ctx: CertContext, certificate_ids: Collection[int]) -> list[int]:
    """The secretary checked the printed blanks: the documents are printed."""
    ctx.require_staff("подтверждать печать")
    confirmed = []
    for certificate_id in sorted(certificate_ids):
        row, before = store.load(ctx, certificate_id)
        if not _awaiting_print(before.status, before.kind):
            continue
        entry = store.reserved_entry(ctx, row.id)
        if entry is None or entry.issue_date is None:
            raise CertificateRuleError(
                "Документ ещё не напечатан: нет регистрационного номера")
        pdf = ctx.session.get(db.CertificatePdf, row.id)
        # A справка is printed too (on plain paper): its PDF must exist like any other.
        if pdf is None or pdf.blank_number != row.blank_number:
            raise CertificateRuleError("Документ ещё не напечатан: PDF не готов")
        with as_rule_errors():
            after = before.record_printed(registration_number=entry.registration_number,
                                          issue_date=entry.issue_date, by=ctx.user_id,
                                          at=ctx.at)
        row.book_entry_id = entry.id
        store.save(ctx, row, before, after)
        confirmed.append(row.id)
    return confirmed
