"""Domain objects of `domain.certificates` as JSON documents of the tables, and back."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from domain.certificates.corrections import InputCorrection
from domain.certificates.exams import ExamForm, ExamResult
from domain.certificates.final_marks import FinalMark, FinalMarks
from domain.certificates.honours import AwardDecision, CertificateDecision
from domain.certificates.kinds import CertificateKind, Level, Medal
from domain.certificates.lines import CertificateLine, LineFormula
from domain.certificates.marks import MarkValue, PassMark, Period, PeriodMark, TermKind
from domain.certificates.registration_book import Handover, HandoverMethod
from tsos.db import certificates as db


def value_json(value: MarkValue | None) -> int | str | None:
    if value is None or isinstance(value, int):
        return value
    return value.value


def value_of(data: int | str | None) -> MarkValue | None:
    if data is None or isinstance(data, int):
        return data
    return PassMark(data)


def _fraction_json(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def _fraction(data: str | None) -> Fraction | None:
    return None if data is None else Fraction(data)


def exam_json(exam: ExamResult) -> dict[str, Any]:
    return {
        "pupil_id": exam.pupil_id, "subject": exam.subject, "form": exam.form.value,
        "mark": exam.mark, "score": exam.score, "primary_points": exam.primary_points,
        "minimum": exam.minimum, "is_retake": exam.is_retake,
        "exam_date": exam.exam_date.isoformat() if exam.exam_date else None,
    }


def exam_of(data: dict[str, Any]) -> ExamResult:
    return ExamResult(
        pupil_id=data["pupil_id"], subject=data["subject"], form=ExamForm(data["form"]),
        mark=data["mark"], score=data["score"], primary_points=data["primary_points"],
        minimum=data["minimum"], is_retake=data["is_retake"],
        exam_date=date.fromisoformat(data["exam_date"]) if data["exam_date"] else None,
    )


def exam_row_of(row: db.ExamResult) -> ExamResult:
    return ExamResult(
        pupil_id=str(row.pupil_id), subject=row.subject, form=ExamForm(row.form),
        mark=row.mark, score=row.score, primary_points=row.primary_points,
        minimum=row.minimum, is_retake=row.is_retake, exam_date=row.exam_date,
    )


def _line_json(line: CertificateLine) -> dict[str, Any]:
    return {
        "code": line.code, "title": line.title, "order": line.order,
        "sources": list(line.sources), "exam_subjects": list(line.exam_subjects),
        "formula": line.formula.value, "required": line.required,
    }


def _line_of(data: dict[str, Any]) -> CertificateLine:
    return CertificateLine(
        code=data["code"], title=data["title"], order=data["order"],
        sources=tuple(data["sources"]), exam_subjects=tuple(data["exam_subjects"]),
        formula=LineFormula(data["formula"]), required=data["required"],
    )


def final_mark_json(mark: FinalMark) -> dict[str, Any]:
    return {
        "line": _line_json(mark.line),
        "value": value_json(mark.value),
        "printed": mark.printed,
        "exact": _fraction_json(mark.exact),
        "year_value": _fraction_json(mark.year_value),
        "inputs": [
            {"subject": m.subject, "grade": m.grade, "period": m.period.value,
             "value": value_json(m.value)}
            for m in mark.inputs
        ],
        "exam": exam_json(mark.exam) if mark.exam else None,
        "note": mark.note,
    }


def _known(value: MarkValue | None) -> MarkValue:
    assert value is not None, "a period mark always has a value"
    return value


def final_mark_of(data: dict[str, Any]) -> FinalMark:
    inputs = tuple(
        PeriodMark(item["subject"], item["grade"], Period(item["period"]),
                   _known(value_of(item["value"])))
        for item in data["inputs"]
    )
    return FinalMark(
        line=_line_of(data["line"]), value=value_of(data["value"]),
        exact=_fraction(data["exact"]), inputs=inputs,
        year_value=_fraction(data["year_value"]),
        exam=exam_of(data["exam"]) if data["exam"] else None, note=data["note"],
    )


def final_marks_of(row: db.FinalMarksVersion) -> FinalMarks:
    return FinalMarks(
        level=Level(row.level), rule_set_version=row.rule_set_version,
        mapping_name=row.mapping_name,
        term_kind=TermKind(row.term_kind) if row.term_kind else None,
        marks=tuple(final_mark_of(item) for item in row.marks),
        problems=tuple(row.problems), warnings=tuple(row.warnings),
    )


def _award_json(award: AwardDecision | None) -> dict[str, Any] | None:
    if award is None:
        return None
    return {"title": award.title, "granted": award.granted, "reasons": list(award.reasons),
            "note": award.note, "warnings": list(award.warnings)}


def _award_of(data: dict[str, Any] | None) -> AwardDecision | None:
    if data is None:
        return None
    return AwardDecision(data["title"], data["granted"], tuple(data["reasons"]), data["note"],
                         tuple(data.get("warnings", ())))


def decision_json(decision: CertificateDecision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "level": decision.level.value, "kind": decision.kind.value,
        "medal": decision.medal.value if decision.medal else None,
        "reasons": list(decision.reasons), "honours": _award_json(decision.honours),
        "medals": [_award_json(m) for m in decision.medals],
        "rule_set_version": decision.rule_set_version,
        "explanation": list(decision.explanation),
        "warnings": list(decision.warnings),
    }


def decision_of(data: dict[str, Any] | None) -> CertificateDecision | None:
    if data is None:
        return None
    medals = tuple(a for a in (_award_of(m) for m in data["medals"]) if a is not None)
    return CertificateDecision(
        level=Level(data["level"]), kind=CertificateKind(data["kind"]),
        medal=Medal(data["medal"]) if data["medal"] else None,
        reasons=tuple(data["reasons"]), honours=_award_of(data["honours"]),
        medals=medals, rule_set_version=data["rule_set_version"],
    )


def handover_json(handover: Handover) -> dict[str, Any]:
    return {
        "method": handover.method.value, "proxy_name": handover.proxy_name,
        "proxy_document": handover.proxy_document,
        "postal_item_number": handover.postal_item_number,
        "posted_on": handover.posted_on.isoformat() if handover.posted_on else None,
    }


def handover_of(data: dict[str, Any] | None) -> Handover | None:
    if data is None:
        return None
    return Handover(
        method=HandoverMethod(data["method"]), proxy_name=data["proxy_name"],
        proxy_document=data["proxy_document"],
        postal_item_number=data["postal_item_number"],
        posted_on=date.fromisoformat(data["posted_on"]) if data["posted_on"] else None,
    )


def correction_json(correction: InputCorrection) -> dict[str, Any]:
    return {"line_code": correction.line_code, "subject": correction.subject,
            "grade": correction.grade, "period": correction.period.value,
            "value": value_json(correction.value)}


def correction_of(data: dict[str, Any]) -> InputCorrection:
    value = value_of(data["value"])
    assert value is not None
    return InputCorrection(data["line_code"], data["subject"], data["grade"],
                           Period(data["period"]), value)
