"""State exam results from a CSV or XLSX file into the school's records, with row errors."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from activities.certificates.context import CertContext, CertificateRuleError
from domain.certificates.exam_csv import parse_exam_results_csv
from domain.certificates.exams import ExamResult
from tsos.db import certificates as db
from tsos.db.models import Pupil

log = logging.getLogger(__name__)

MAX_ROWS = 20_000


@dataclass
class ImportReport:
    imported: int = 0
    replaced: int = 0
    errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


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
    for count, values in enumerate(sheet.iter_rows(values_only=True)):
        if count > MAX_ROWS:
            raise CertificateRuleError(f"В файле больше {MAX_ROWS} строк",
                                       code="invalid_input", status=422, field="file")
        writer.writerow([_cell_text(v) for v in values])
    workbook.close()
    return out.getvalue()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "да" if value else "нет"
    return str(value)


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
        replaced = _store(ctx, pupil_id, graduation_year, result, source)
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


def _store(ctx: CertContext, pupil_id: int, graduation_year: int, result: ExamResult,
           source: str) -> bool:
    row = ctx.session.scalar(select(db.ExamResult).where(
        db.ExamResult.pupil_id == pupil_id, db.ExamResult.subject == result.subject,
        db.ExamResult.form == result.form.value,
        db.ExamResult.is_retake == result.is_retake))
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
