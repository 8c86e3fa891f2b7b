"""The school's certificate records: exam results, blanks, calibration, PDFs, the book, ФРДО."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from activities.certificates import blank_stock, exam_import, printing, store
from activities.certificates.context import CertificateRuleError, as_rule_errors
from api.certificates.common import CertificateRoute, cert_context, require_staff
from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.errors import NotFound
from domain.certificates.blank_accounting import ReconciliationRow
from domain.certificates.blanks import BlankKind
from domain.certificates.exams import ExamForm, ExamResult, find_exam_subject
from domain.certificates.kinds import Level
from domain.certificates.lines import line_mapping_from_data, load_line_mapping
from gateways.pdf import (
    BookEntryStatus,
    RegistrationBookEntry,
    SupplementLine,
    render_calibration_grid_pdf,
    render_registration_book_pdf,
    write_registration_book_xlsx,
)
from tsos.db import certificates as db
from tsos.db.models import Organization, Pupil

router = APIRouter(prefix="/certificates", tags=["Аттестаты: учёт и документы"],
                   route_class=CertificateRoute)

MAX_UPLOAD = 5 * 1024 * 1024
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(content: bytes, media_type: str, file_name: str) -> Response:
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{file_name}"'})


# Exam results.


class ImportOut(BaseModel):
    imported: int
    replaced: int
    errors: list[str]
    ignored_columns: list[str]


@router.post("/exam-results/import", response_model=ImportOut,
             summary="Загрузить результаты ГИА (CSV или XLSX); ошибки — по строкам")
async def import_exam_results(
        session: SessionDep, settings: SettingsDep, principal: PrincipalDep,
        file: Annotated[UploadFile, File(description="CSV (UTF-8, «;») или XLSX")],
        graduation_year: Annotated[int, Form(ge=2020, le=2100)]) -> ImportOut:
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise CertificateRuleError("Файл больше 5 МБ", code="invalid_input", status=422,
                                   field="file")
    name = file.filename or "results.csv"
    if not name.lower().endswith((".csv", ".xlsx")):
        raise CertificateRuleError("Нужен файл CSV или XLSX", code="invalid_input",
                                   status=422, field="file")
    ctx = cert_context(session, settings, principal)
    report = exam_import.import_results(ctx, content=content, file_name=name,
                                        graduation_year=graduation_year)
    if report.imported == 0 and report.refused:
        raise CertificateRuleError(
            "Ни один результат не загружен: результаты ГИА использованы в "
            "сформированных документах", code="certificate_locked", status=409,
            field="file", details=report.errors)
    if report.imported == 0:
        # Nothing stored: the upload failed as a whole, with every row's problem listed.
        raise CertificateRuleError(
            "Ни один результат не загружен: исправьте ошибки в строках файла"
            if report.errors else "В файле нет результатов ГИА",
            code="invalid_input", status=422, field="file", details=report.errors)
    return ImportOut(imported=report.imported, replaced=report.replaced,
                     errors=report.errors, ignored_columns=report.ignored_columns)


class ExamResultIn(BaseModel):
    pupil_id: int
    graduation_year: int = Field(ge=2020, le=2100)
    subject: str = Field(min_length=1, max_length=100,
                         description="код или название предмета ГИА")
    form: Literal["oge", "ege", "gve"]
    mark: int | None = Field(None, ge=2, le=5)
    score: int | None = Field(None, ge=0, le=100)
    primary_points: int | None = Field(None, ge=0)
    minimum: int | None = Field(None, ge=0)
    is_retake: bool = False
    exam_date: date | None = None


class ExamResultOut(BaseModel):
    id: int
    pupil_id: int
    graduation_year: int
    subject: str
    subject_name: str
    form: str
    mark: int | None
    score: int | None
    primary_points: int | None
    minimum: int | None
    is_retake: bool
    exam_date: date | None
    replaced: bool


@router.post("/exam-results", status_code=201, response_model=ExamResultOut,
             summary="Внести результат ГИА вручную (одна попытка одного ученика)")
def enter_exam_result(body: ExamResultIn, session: SessionDep, settings: SettingsDep,
                      principal: PrincipalDep) -> ExamResultOut:
    ctx = cert_context(session, settings, principal)
    subject = find_exam_subject(body.subject)
    if subject is None:
        raise CertificateRuleError(f"Предмет «{body.subject}» не найден в перечне "
                                   "предметов ГИА", code="invalid_input", status=422,
                                   field="subject")
    pupil = session.get(Pupil, body.pupil_id)
    if pupil is None or pupil.organization_id != ctx.organization_id:
        raise CertificateRuleError("Обучающийся не найден в школе", code="not_found",
                                   status=404, field="pupil_id")
    with as_rule_errors("form"):
        result = ExamResult(
            pupil_id=str(pupil.id), subject=subject, form=ExamForm(body.form),
            mark=body.mark, score=body.score, primary_points=body.primary_points,
            minimum=body.minimum, is_retake=body.is_retake, exam_date=body.exam_date)
    replaced = exam_import.store_result(ctx, pupil.id, body.graduation_year, result,
                                        "manual")
    row = session.scalar(select(db.ExamResult).where(
        db.ExamResult.pupil_id == pupil.id, db.ExamResult.subject == subject,
        db.ExamResult.form == body.form, db.ExamResult.is_retake == body.is_retake))
    assert row is not None
    return ExamResultOut(
        id=row.id, pupil_id=row.pupil_id, graduation_year=row.graduation_year,
        subject=row.subject, subject_name=result.subject_name, form=row.form,
        mark=row.mark, score=row.score, primary_points=row.primary_points,
        minimum=row.minimum, is_retake=row.is_retake, exam_date=row.exam_date,
        replaced=replaced)


# Blanks.


class ReceiptIn(BaseModel):
    kind: BlankKind
    first_number: str = Field(min_length=1, max_length=40)
    last_number: str = Field(min_length=1, max_length=40)
    received_on: date
    document: str = Field("", max_length=200)


class ReceiptOut(BaseModel):
    id: int
    kind: str
    first_number: str
    last_number: str
    quantity: int
    received_on: date


@router.post("/blanks/receipts", status_code=201, response_model=ReceiptOut,
             summary="Оприходовать партию бланков")
def receive_blanks(body: ReceiptIn, session: SessionDep, settings: SettingsDep,
                   principal: PrincipalDep) -> ReceiptOut:
    ctx = cert_context(session, settings, principal)
    if body.received_on > ctx.today:
        raise CertificateRuleError("Дата поступления не может быть в будущем",
                                   code="invalid_input", status=422, field="received_on")
    row = blank_stock.receive(ctx, kind=body.kind, first_number=body.first_number,
                              last_number=body.last_number, received_on=body.received_on,
                              document=body.document)
    return ReceiptOut(id=row.id, kind=row.kind, first_number=row.first_number,
                      last_number=row.last_number, quantity=row.quantity,
                      received_on=row.received_on)


class ReconciliationRowOut(BaseModel):
    batch: str
    kind: str | None
    received: int
    issued: int
    duplicates: int
    spoiled: int
    awaiting_issue: int
    in_stock: int
    assigned: int
    balances: bool


class ReconciliationOut(BaseModel):
    as_of: date
    balanced: bool
    rows: list[ReconciliationRowOut]
    totals: ReconciliationRowOut
    in_stock_numbers: list[str]
    discrepancies: list[str]


@router.get("/blanks/reconciliation", response_model=ReconciliationOut,
            summary="Сверка бланков: поступило = выдано + дубликаты + испорчено + назначено "
                    "+ на складе; склад сверяется с книгой регистрации")
def reconciliation(session: SessionDep, settings: SettingsDep, principal: PrincipalDep,
                   as_of: date | None = None) -> ReconciliationOut:
    ctx = cert_context(session, settings, principal)
    report = blank_stock.reconciliation(ctx, as_of or ctx.today)

    def out(row: ReconciliationRow) -> ReconciliationRowOut:
        return ReconciliationRowOut(
            batch=row.batch_id, kind=row.kind.label if row.kind else None,
            received=row.received, issued=row.issued, duplicates=row.duplicates,
            spoiled=row.spoiled, awaiting_issue=row.awaiting_issue, in_stock=row.in_stock,
            assigned=row.assigned, balances=row.balances)

    return ReconciliationOut(as_of=report.as_of, balanced=report.balanced,
                             rows=[out(r) for r in report.rows], totals=out(report.totals),
                             in_stock_numbers=list(report.in_stock_numbers),
                             discrepancies=list(report.discrepancies))


# Printer calibration.


class CalibrationIn(BaseModel):
    offset_x_mm: Decimal = Field(Decimal(0), ge=-30, le=30)
    offset_y_mm: Decimal = Field(Decimal(0), ge=-30, le=30)
    scale: Decimal = Field(Decimal(1), ge=Decimal("0.9"), le=Decimal("1.1"))
    printing_house: str | None = Field(None, max_length=200)


@router.put("/printer-calibration", response_model=CalibrationIn,
            summary="Калибровка принтера школы под бланки типографии")
def set_calibration(body: CalibrationIn, session: SessionDep, settings: SettingsDep,
                    principal: PrincipalDep) -> CalibrationIn:
    ctx = cert_context(session, settings, principal)
    row = printing.set_calibration(ctx, offset_x_mm=body.offset_x_mm,
                                   offset_y_mm=body.offset_y_mm, scale=body.scale,
                                   printing_house=body.printing_house)
    return CalibrationIn(offset_x_mm=row.offset_x_mm, offset_y_mm=row.offset_y_mm,
                         scale=row.scale, printing_house=row.printing_house)


@router.get("/printer-calibration/grid.pdf", summary="Тестовая сетка для калибровки",
            response_class=Response)
def calibration_grid(session: SessionDep, settings: SettingsDep,
                     principal: PrincipalDep) -> Response:
    ctx = cert_context(session, settings, principal)
    pdf = render_calibration_grid_pdf(printing.calibration_of(session, ctx.organization_id))
    return _attachment(pdf, PDF, "calibration-grid.pdf")


# PDFs.


@router.get("/{certificate_id}/pdf", summary="PDF документа для печати на бланке",
            response_class=Response)
def certificate_pdf(certificate_id: int, session: SessionDep,
                    principal: PrincipalDep) -> Response:
    row = session.get(db.Certificate, certificate_id)
    if row is None:
        raise NotFound("Документ не найден.")
    require_staff(principal, row.organization_id)
    pdf = session.get(db.CertificatePdf, certificate_id)
    if pdf is None or pdf.blank_number != row.blank_number:
        raise NotFound("PDF документа ещё не подготовлен.")
    return _attachment(pdf.pdf, PDF, f"certificate-{certificate_id}.pdf")


@router.get("/wizards/{wizard_id}/pdfs.zip", summary="PDF всех документов мастера (архив)",
            response_class=Response)
def wizard_pdfs(wizard_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    organization_id = require_staff(principal)
    rows = session.execute(select(db.Certificate, db.CertificatePdf).join(
        db.CertificatePdf, db.CertificatePdf.certificate_id == db.Certificate.id).where(
        db.Certificate.workflow_id == wizard_id,
        db.Certificate.organization_id == organization_id).order_by(db.Certificate.id)).all()
    current = [(c, p) for c, p in rows if p.blank_number == c.blank_number]
    if not current:
        raise NotFound("PDF ещё не подготовлены.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate, pdf in current:
            archive.writestr(f"{pdf.registration_number}-{certificate.id}.pdf", pdf.pdf)
    return _attachment(buffer.getvalue(), "application/zip", "certificates.zip")


HeadName = Annotated[str, Query(max_length=120,
                                description="фамилия и инициалы руководителя для подписи")]


@router.get("/{certificate_id}/preview.pdf", response_class=Response,
            summary="Предпросмотр документа на чистом листе с рамкой бланка")
def certificate_preview(certificate_id: int, session: SessionDep, settings: SettingsDep,
                        principal: PrincipalDep, head_name: HeadName = "") -> Response:
    ctx = cert_context(session, settings, principal)
    row = session.get(db.Certificate, certificate_id)
    if row is None:
        raise NotFound("Документ не найден.")
    require_staff(principal, row.organization_id)
    found = printing.preview(ctx, [certificate_id], head_name.strip())
    if not found:
        raise CertificateRuleError("Предпросмотр доступен после проверки итоговых отметок",
                                   code="step_not_allowed", status=409)
    return _attachment(found[0][1], PDF, f"preview-{certificate_id}.pdf")


@router.get("/wizards/{wizard_id}/preview.zip", response_class=Response,
            summary="Предпросмотр всех документов мастера на чистых листах (архив)")
def wizard_preview(wizard_id: str, session: SessionDep, settings: SettingsDep,
                   principal: PrincipalDep, head_name: HeadName = "") -> Response:
    ctx = cert_context(session, settings, principal)
    ids = list(session.scalars(select(db.Certificate.id).where(
        db.Certificate.workflow_id == wizard_id,
        db.Certificate.organization_id == ctx.organization_id)
        .order_by(db.Certificate.id)))
    found = printing.preview(ctx, ids, head_name.strip())
    if not found:
        raise NotFound("Нет документов для предпросмотра: проверьте итоговые отметки.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate_id, pdf in found:
            archive.writestr(f"preview-{certificate_id}.pdf", pdf)
    return _attachment(buffer.getvalue(), "application/zip", "preview.zip")


# The registration book.


def _book_entries(session: SessionDep, organization_id: int, level: str,
                  year: int) -> list[RegistrationBookEntry]:
    found = []
    for row in session.scalars(select(db.BookEntry).where(
            db.BookEntry.organization_id == organization_id, db.BookEntry.level == level,
            db.BookEntry.year == year, db.BookEntry.status != "reserved")
            .order_by(db.BookEntry.sequence)):
        # The row as it was written: the name saved with it, never the person today.
        holder = store.holder_of(session, row)
        marks: tuple[SupplementLine, ...] = ()
        if row.certificate_id is not None:
            certificate = session.get(db.Certificate, row.certificate_id)
            assert certificate is not None
            version = session.get(db.FinalMarksVersion, certificate.final_marks_id)
            assert version is not None
            marks = tuple(SupplementLine(m["line"]["title"],
                                         m["value"] if isinstance(m["value"], int)
                                         else "зачтено")
                          for m in sorted(version.marks, key=lambda x: x["line"]["order"])
                          if m["value"] is not None and m["value"] != "failed")
        status = (BookEntryStatus.SPOILED if row.status == "spoiled"
                  else BookEntryStatus.DUPLICATE if row.is_duplicate
                  else BookEntryStatus.ISSUED)
        handover = row.handover or {}
        act = session.get(db.SpoilageAct, row.spoilage_act_id) if row.spoilage_act_id else None
        found.append(RegistrationBookEntry(
            registration_number=row.registration_number, status=status,
            last_name=holder.surname if holder else "—",
            first_name=holder.name if holder else "",
            patronymic=holder.patronymic if holder else None,
            birth_date=holder.birth_date if holder else None,
            blank_number=row.blank_number or "",
            supplement_blank_number=row.supplement_blank_number,
            marks=marks if status is not BookEntryStatus.SPOILED else (),
            issue_order_date=row.issue_order_date, issue_order_number=row.issue_order_number,
            issue_date=row.issue_date, recipient_name=handover.get("proxy_name"),
            postal_item_number=handover.get("postal_item_number"),
            postal_item_date=date.fromisoformat(handover["posted_on"])
            if handover.get("posted_on") else None,
            original_registration_number=row.original_registration_number,
            spoilage_act=f"№ {act.number} от {act.dated:%d.%m.%Y}" if act else None,
            void_reason=row.void_reason))
    return found


@router.get("/registration-book.{fmt}", summary="Книга регистрации (PDF или XLSX)",
            response_class=Response)
def registration_book(fmt: Literal["pdf", "xlsx"], level: Literal["basic", "secondary"],
                      year: int, session: SessionDep, principal: PrincipalDep) -> Response:
    organization_id = require_staff(principal)
    entries = _book_entries(session, organization_id, level, year)
    school = session.get(Organization, organization_id)
    assert school is not None
    title = ("Книга регистрации выданных аттестатов об основном общем образовании"
             if level == "basic" else
             "Книга регистрации выданных аттестатов о среднем общем образовании")
    name = f"registration-book-{level}-{year}.{fmt}"
    if fmt == "pdf":
        return _attachment(render_registration_book_pdf(entries, school_name=school.name,
                                                        title=title), PDF, name)
    buffer = io.BytesIO()
    write_registration_book_xlsx(entries, buffer, school_name=school.name, title=title)
    return _attachment(buffer.getvalue(), XLSX, name)


# ФИС ФРДО exports.


class ExportOut(BaseModel):
    id: int
    file_name: str
    rows: int
    from_official_template: bool
    notices: list[str]
    certificate_ids: list[int]


@router.get("/frdo-exports", response_model=list[ExportOut], summary="Выгрузки в ФИС ФРДО")
def list_exports(session: SessionDep, principal: PrincipalDep) -> list[ExportOut]:
    organization_id = require_staff(principal)
    found = []
    for row in session.scalars(select(db.FrdoExport).where(
            db.FrdoExport.organization_id == organization_id).order_by(db.FrdoExport.id)):
        ids = list(session.scalars(select(db.FrdoExportItem.certificate_id).where(
            db.FrdoExportItem.export_id == row.id).order_by(db.FrdoExportItem.row_number)))
        found.append(ExportOut(id=row.id, file_name=row.file_name, rows=row.rows,
                               from_official_template=row.from_official_template,
                               notices=list(row.notices), certificate_ids=ids))
    return found


@router.get("/frdo-exports/{export_id}/file", summary="Файл выгрузки в ФИС ФРДО (XLSX)",
            response_class=Response)
def export_file(export_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    row = session.get(db.FrdoExport, export_id)
    if row is None:
        raise NotFound("Выгрузка не найдена.")
    require_staff(principal, row.organization_id)
    return _attachment(row.content, XLSX, row.file_name)


# The school's subject → certificate-line mapping.


class MappingIn(BaseModel):
    mapping_name: str = Field("default", min_length=1, max_length=60,
                              description="имя поставляемого соответствия")
    document: dict[str, Any] | None = Field(
        None, description="своё соответствие школы в том же виде, что и поставляемые")
    term_kind: Literal["half_year", "quarter", "trimester"] | None = Field(
        None, description="11 класс: периоды 10–11 классов школы")


class MappingOut(BaseModel):
    level: str
    mapping_name: str
    lines: list[str]
    term_kind: str | None


@router.put("/line-mappings/{level}", response_model=MappingOut,
            summary="Соответствие предметов журнала и строк аттестата для школы")
def set_line_mapping(level: Literal["basic", "secondary"], body: MappingIn,
                     session: SessionDep, settings: SettingsDep,
                     principal: PrincipalDep) -> MappingOut:
    ctx = cert_context(session, settings, principal)
    with as_rule_errors("mapping"):
        mapping = (line_mapping_from_data(body.document) if body.document
                   else load_line_mapping(Level(level), body.mapping_name))
    if mapping.level is not Level(level):
        raise CertificateRuleError("Соответствие описано для другого уровня образования",
                                   code="invalid_input", status=422, field="mapping")
    row = session.scalar(select(db.LineMappingChoice).where(
        db.LineMappingChoice.organization_id == ctx.organization_id,
        db.LineMappingChoice.level == level))
    if row is None:
        row = db.LineMappingChoice(organization_id=ctx.organization_id, level=level)
        session.add(row)
    row.mapping_name, row.document = mapping.name, body.document
    row.term_kind = body.term_kind
    row.updated_by, row.updated_at = ctx.user_id, ctx.at
    session.flush()
    return MappingOut(level=level, mapping_name=mapping.name,
                      lines=[line.title for line in mapping.lines], term_kind=row.term_kind)
