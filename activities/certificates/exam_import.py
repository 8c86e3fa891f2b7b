"""State exam results from a CSV or XLSX file into the school's records, with row errors."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel
from sqlalchemy import select

from activities.certificates.computing import live_documents
from activities.certificates.context import CertContext, CertificateRuleError
from domain.certificates.exam_csv import is_date_header, parse_exam_results_csv
from domain.certificates.exams import ExamResult
from domain.certificates.lifecycle import LOCKED_STATUSES, CertificateStatus
from tsos.db import certificates as db
from tsos.db.models import Pupil

log = logging.getLogger(__name__)

MAX_ROWS = 20_000


@dataclass
class ImportReport:
    imported: int = 0
    replaced: int = 0
    # Rows of pupils whose formed or issued documents use their results (409 if all).
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


class ExamResultsLocked(CertificateRuleError):
    """A result that a formed or issued document uses: refused and audited."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="certificate_locked", status=409)


def xlsx_as_csv(content: bytes) -> str:
    """The first sheet as «;»-separated text, so one parser checks both formats."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable upload is the same answer
        raise CertificateRuleError("Файл не читается как книга Excel (XLSX)",
                                   code="invalid_input", status=422, field="file") from None
    sheet = workbook.worksheets[0]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    date_columns: set[int] = set()
    for count, values in enumerate(sheet.iter_rows(values_only=True)):
        if count > MAX_ROWS:
            raise CertificateRuleError(f"В файле больше {MAX_ROWS} строк",
                                       code="invalid_input", status=422, field="file")
        if count == 0:
            # The parser takes the first row as the header, so do we.
            date_columns = {i for i, v in enumerate(values)
                            if isinstance(v, str) and is_date_header(v)}
        writer.writerow([_cell_text(v, epoch=workbook.epoch if i in date_columns else None)
                         for i, v in enumerate(values)])
    workbook.close()
    return out.getvalue()


def _cell_text(value: object, *, epoch: datetime | None = None) -> str:
    """A cell as the parser's text; `epoch` (the workbook's) is given for date columns."""
    if value is None:
        return ""
    if epoch is not None and isinstance(value, int | float) and not isinstance(value, bool):
        # A date cell left without a date format reads as its serial number (C13): days
        # since the workbook's epoch, 1899-12-30 (1904-01-01 in the Mac date system).
        serial = _from_excel_serial(value, epoch)
        if serial is not None:
            return f"{serial:%d.%m.%Y}"
    if isinstance(value, datetime):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "да" if value else "нет"
    return str(value)


def _from_excel_serial(value: float, epoch: datetime) -> datetime | None:
    """The date of an Excel serial number; None for one that is no date (left as text,
    so the parser names it in the row's error)."""
    if value < 1:
        return None
    try:
        converted = from_excel(value, epoch=epoch)
    except (OverflowError, ValueError):
        return None
    return converted if isinstance(converted, datetime) else None


def import_results(ctx: CertContext, *, content: bytes, file_name: str,
                   graduation_year: int) -> ImportReport:
    """Valid rows are stored (replacing the same attempt); faulty rows are reported."""
    ctx.require_staff("загружать результаты ГИА")
    source = "xlsx" if file_name.lower().endswith(".xlsx") else "csv"
    if source == "xlsx":
        text = xlsx_as_csv(content)
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CertificateRuleError("Файл CSV должен быть в кодировке UTF-8",
                                       code="invalid_input", status=422,
                                       field="file") from None
    parsed = parse_exam_results_csv(text)
    report = ImportReport(errors=[str(e) for e in parsed.errors],
                          ignored_columns=list(parsed.ignored_columns))
    school_pupils = _school_pupils(ctx, {r.pupil_id for r in parsed.results})
    unknown: dict[str, int] = {}
    for result in parsed.results:
        pupil_id = school_pupils.get(result.pupil_id)
        if pupil_id is None:
            unknown[result.pupil_id] = unknown.get(result.pupil_id, 0) + 1
            continue
        try:
            replaced = store_result(ctx, pupil_id, graduation_year, result, source)
        except ExamResultsLocked as error:
            report.refused += 1
            report.errors.append(f"Ученик с кодом «{result.pupil_id}», "
                                 f"{result.describe()}: {error.message}")
            continue
        report.imported += 1
        report.replaced += int(replaced)
    for code, count in sorted(unknown.items()):
        report.errors.append(f"Ученик с кодом «{code}» не найден в школе: "
                             f"его результаты ({count}) не загружены")
    log.info("exam results imported: org %s rows %s errors %s", ctx.organization_id,
             report.imported, len(report.errors))
    return report


def _school_pupils(ctx: CertContext, codes: set[str]) -> dict[str, int]:
    ids = [int(c) for c in codes if c.isdigit()]
    if not ids:
        return {}
    return {str(i): i for i in ctx.session.scalars(select(Pupil.id).where(
        Pupil.id.in_(ids), Pupil.organization_id == ctx.organization_id))}


def store_result(ctx: CertContext, pupil_id: int, graduation_year: int,
                 result: ExamResult, source: str) -> bool:
    """Store one attempt (replacing the same attempt); True when it replaced one.

    Refused with ExamResultsLocked, and audited, while a formed or issued document of the
    pupil uses the results: they change only after it is cancelled before issue.
    """
    row = ctx.session.scalar(select(db.ExamResult).where(
        db.ExamResult.pupil_id == pupil_id, db.ExamResult.subject == result.subject,
        db.ExamResult.form == result.form.value,
        db.ExamResult.is_retake == result.is_retake))
    _refuse_if_locked(ctx, pupil_id, graduation_year, row, result)
    replaced = row is not None
    if row is None:
        row = db.ExamResult(organization_id=ctx.organization_id, pupil_id=pupil_id,
                            subject=result.subject, form=result.form.value,
                            is_retake=result.is_retake)
        ctx.session.add(row)
    row.graduation_year = graduation_year
    row.primary_points, row.mark, row.score = (result.primary_points, result.mark,
                                               result.score)
    row.minimum, row.exam_date, row.source = result.minimum, result.exam_date, source
    row.entered_by, row.entered_at = ctx.user_id, ctx.at
    ctx.session.flush()
    return replaced


def locking_certificate(ctx: CertContext, pupil_id: int,
                        graduation_years: Collection[int]) -> db.Certificate | None:
    """A formed, printed or issued document of the pupil that the exam results feed.

    An issued справка is not one: the pupil re-takes the exams for the attestat.
    """
    return ctx.session.scalar(live_documents(select(db.Certificate).where(
        db.Certificate.pupil_id == pupil_id,
        db.Certificate.graduation_year.in_(list(graduation_years)),
        db.Certificate.status.in_([s.value for s in LOCKED_STATUSES])))
        .order_by(db.Certificate.id).limit(1))


def _refuse_if_locked(ctx: CertContext, pupil_id: int, graduation_year: int,
                      row: db.ExamResult | None, result: ExamResult) -> None:
    years = {graduation_year} | ({row.graduation_year} if row is not None else set())
    certificate = locking_certificate(ctx, pupil_id, years)
    if certificate is None:
        return
    message = (
        f"Результаты ГИА обучающегося использованы в сформированном документе "
        f"№ {certificate.id} ({CertificateStatus(certificate.status).label}): "
        "изменить их можно только после отмены документа до выдачи, а после выдачи — "
        "через дубликат"
    )
    ctx.audit_refusal(
        "exam_result", row.id if row is not None else None,
        "update" if row is not None else "create", code="certificate_locked",
        reason=message, refs={"certificate_id": certificate.id, "pupil_id": pupil_id})
    log.info("exam result refused: certificate %s pupil %s subject %s", certificate.id,
             pupil_id, result.subject)
    raise ExamResultsLocked(message)
