"""Final marks of a class by the year's rules, from the gradebook and the exam results."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Select, and_, not_, or_, select

from activities.certificates import store
from activities.certificates.context import (
    CertContext,
    CertificateRuleError,
    as_rule_errors,
)
from activities.certificates.gradebook_port import GradebookMarksSource
from activities.certificates.ports import MarksSource, PupilMarks, scope_of
from activities.certificates.records import (
    correction_json,
    decision_json,
    exam_row_of,
    final_marks_of,
)
from domain.certificates.corrections import InputCorrection, check_corrections
from domain.certificates.exams import ExamResult
from domain.certificates.final_marks import FinalMarks, compute_final_marks
from domain.certificates.honours import CertificateDecision, decide_certificate
from domain.certificates.kinds import CertificateKind, Level
from domain.certificates.lifecycle import (
    ISSUED_STATUSES,
    Certificate,
    CertificateEvent,
    CertificateStatus,
)
from domain.certificates.lines import (
    LineMapping,
    line_mapping_from_data,
    load_line_mapping,
)
from domain.certificates.marks import TermKind
from domain.certificates.rules import BasicFinalMarkRule, RuleSet, load_rule_set
from tsos.db import certificates as db
from tsos.db import gradebook as gb

log = logging.getLogger(__name__)

LEVEL_OF_GRADE = {9: Level.BASIC, 11: Level.SECONDARY}


def school_class(ctx: CertContext, school_class_id: int) -> gb.SchoolClass:
    row = ctx.session.get(gb.SchoolClass, school_class_id)
    if row is None or row.organization_id != ctx.organization_id:
        raise CertificateRuleError("Класс не найден", code="not_found", status=404)
    return row


def level_of(row: gb.SchoolClass) -> Level:
    level = LEVEL_OF_GRADE.get(row.grade)
    if level is None:
        raise CertificateRuleError(
            f"Аттестаты выдаются выпускникам 9 и 11 классов, а выбран {row.grade} класс",
            code="invalid_input", status=422, field="school_class_id")
    return level


def roster(ctx: CertContext, school_class_id: int) -> list[int]:
    """Pupils on the class's roster who have not left it."""
    return sorted(set(ctx.session.scalars(select(gb.ClassMembership.pupil_id).where(
        gb.ClassMembership.school_class_id == school_class_id,
        gb.ClassMembership.study_group_id.is_(None),
        gb.ClassMembership.ends_on.is_(None)))))


def mapping_for(ctx: CertContext, level: Level) -> tuple[LineMapping, TermKind | None]:
    """The school's chosen line mapping and (grade 11) its term kind."""
    choice = ctx.session.scalar(select(db.LineMappingChoice).where(
        db.LineMappingChoice.organization_id == ctx.organization_id,
        db.LineMappingChoice.level == level.value))
    with as_rule_errors("mapping"):
        if choice is None:
            return load_line_mapping(level), None
        mapping = (line_mapping_from_data(choice.document) if choice.document
                   else load_line_mapping(level, choice.mapping_name))
    return mapping, TermKind(choice.term_kind) if choice.term_kind else None


def marks_grades(rule_set: RuleSet, level: Level) -> tuple[int, ...]:
    rule = rule_set.for_level(level).final_marks
    if isinstance(rule, BasicFinalMarkRule):
        return rule.year_mark_grades
    return rule.grades


def compute_class(ctx: CertContext, school_class_id: int, graduation_year: int,
                  pupil_ids: Collection[int] | None = None,
                  source: MarksSource | None = None) -> list[int]:
    """Certificates of the class with fresh final marks; locked ones are left alone.

    Returns the ids of the class's live certificates (new and existing).
    """
    ctx.require_staff("рассчитывать итоговые отметки")
    klass = school_class(ctx, school_class_id)
    level = level_of(klass)
    on_roster = roster(ctx, klass.id)
    chosen = sorted(pupil_ids) if pupil_ids is not None else on_roster
    strangers = sorted(set(chosen) - set(on_roster))
    if strangers:
        raise CertificateRuleError(
            f"Обучающиеся {strangers} не числятся в классе {klass.name}",
            code="invalid_input", status=422, field="pupil_ids")
    if not chosen:
        raise CertificateRuleError(f"В классе {klass.name} нет обучающихся",
                                   code="invalid_input", status=422, field="pupil_ids")

    with as_rule_errors("graduation_year"):
        rule_set = load_rule_set(graduation_year)
    mapping, term_kind = mapping_for(ctx, level)
    source = source or GradebookMarksSource(ctx.session)
    marks = source.period_marks(chosen, marks_grades(rule_set, level))
    exams = _exam_results(ctx, chosen, graduation_year)
    names = dict(ctx.session.execute(select(gb.Subject.code, gb.Subject.name)).all())

    ids = []
    for pupil_id in chosen:
        ids.append(_compute_pupil(ctx, klass, level, graduation_year, rule_set, mapping,
                                  term_kind, marks[pupil_id], exams.get(pupil_id, []),
                                  names))
    log.info("certificates computed: class %s pupils %s", klass.id, len(ids))
    return ids


def _exam_results(ctx: CertContext, pupil_ids: Sequence[int], graduation_year: int
                  ) -> dict[int, list[ExamResult]]:
    found: dict[int, list[ExamResult]] = {}
    for row in ctx.session.scalars(select(db.ExamResult).where(
            db.ExamResult.pupil_id.in_(pupil_ids),
            db.ExamResult.graduation_year == graduation_year)):
        found.setdefault(row.pupil_id, []).append(exam_row_of(row))
    return found


def _compute_pupil(ctx: CertContext, klass: gb.SchoolClass, level: Level,
                   graduation_year: int, rule_set: RuleSet, mapping: LineMapping,
                   term_kind: TermKind | None, pupil: PupilMarks,
                   exams: list[ExamResult], names: dict[str, str]) -> int:
    final_marks = compute_final_marks(level, pupil.marks, exams, rule_set, mapping,
                                      term_kind=term_kind, subject_names=names)
    if pupil.problems:
        final_marks = dataclasses.replace(
            final_marks, problems=(*pupil.problems, *final_marks.problems))
    decision: CertificateDecision | None = None
    if not final_marks.problems:
        with as_rule_errors():
            decision = decide_certificate(final_marks, exams, rule_set)

    used = {(m.subject, m.grade) for mark in final_marks.marks for m in mark.inputs}
    scope = scope_of([o for o in pupil.origins if (o.subject_code, o.grade) in used])
    sources = scope.to_json() if scope else {}

    row = ctx.session.scalar(live_original(pupil.pupil_id, level, graduation_year)
                             .with_for_update())
    if row is not None and row.status not in ("computed", "reviewed"):
        return row.id

    if row is not None:
        before = store.to_domain(ctx.session, row)
        if _same(ctx, row, final_marks, decision):
            return row.id
        version = store.add_version(ctx, pupil_id=pupil.pupil_id, level=level,
                                    graduation_year=graduation_year,
                                    final_marks=final_marks, decision=decision,
                                    sources=sources)
        with as_rule_errors():
            after = before.recompute(final_marks, decision, by=ctx.user_id, at=ctx.at)
        row.final_marks_id = version.id
        store.save(ctx, row, before, dataclasses.replace(after,
                                                         marks_version=version.version))
        return row.id

    version = store.add_version(ctx, pupil_id=pupil.pupil_id, level=level,
                                graduation_year=graduation_year, final_marks=final_marks,
                                decision=decision, sources=sources)
    row = db.Certificate(
        organization_id=ctx.organization_id, pupil_id=pupil.pupil_id,
        school_class_id=klass.id, graduation_year=graduation_year, level=level.value,
        status=CertificateStatus.COMPUTED.value, final_marks_id=version.id,
        marks_version=version.version, warnings_confirmed=False, supplement_only=False,
        workflow_id=ctx.workflow_id)
    ctx.session.add(row)
    ctx.session.flush()
    with as_rule_errors():
        created = Certificate.computed(
            certificate_id=str(row.id), pupil_id=pupil.pupil_id,
            organization_id=ctx.organization_id, graduation_year=graduation_year,
            final_marks=final_marks, decision=decision, by=ctx.user_id, at=ctx.at)
    empty = dataclasses.replace(created, events=())
    store.save(ctx, row, empty, dataclasses.replace(created, marks_version=version.version))
    return row.id


def live_original(pupil_id: int, level: Level, graduation_year: int) -> Select[Any]:
    """The pupil's one live original of the level and year. An issued справка is not
    one: the attestat may follow it after a re-take of the exams."""
    return live_documents(select(db.Certificate).where(
        db.Certificate.pupil_id == pupil_id, db.Certificate.level == level.value,
        db.Certificate.graduation_year == graduation_year,
        db.Certificate.duplicate_of_id.is_(None),
        db.Certificate.status != CertificateStatus.CANCELLED.value))


def live_documents(query: Select[Any]) -> Select[Any]:
    """Certificates that still stand for the pupil: an issued справка is done with."""
    issued_study_record = and_(
        db.Certificate.kind == CertificateKind.STUDY_RECORD.value,
        db.Certificate.status.in_([s.value for s in ISSUED_STATUSES]))
    return query.where(not_(issued_study_record))


def _same(ctx: CertContext, row: db.Certificate, final_marks: FinalMarks,
          decision: CertificateDecision | None) -> bool:
    current = ctx.session.get(db.FinalMarksVersion, row.final_marks_id)
    assert current is not None
    return (current.marks == store.marks_json(final_marks)
            and current.problems == list(final_marks.problems)
            and current.warnings == list(final_marks.warnings)
            and current.decision == decision_json(decision))


# Mark issues: the secretary does not edit marks; the gradebook corrects them.


def report_issue(ctx: CertContext, certificate_id: int, line_code: str,
                 description: str) -> db.MarkIssue:
    ctx.require_staff("сообщать об ошибке в отметке")
    row, certificate = store.load(ctx, certificate_id, for_update=False)
    # After issue the error goes the same way (the deputy head approves the correction),
    # and a duplicate carries the recomputed marks.
    after_issue = certificate.status in ISSUED_STATUSES
    if after_issue and certificate.disposition is not None:
        raise CertificateRuleError(
            "Документ уже заменён дубликатом: сообщите об ошибке в последнем выданном")
    if certificate.is_locked and not after_issue:
        # A correction request against locked marks: refused (409) and audited, as the
        # gradebook refuses and audits writes under a certificate lock.
        message = ("Отметки этого документа уже зафиксированы: исправление возможно только "
                   "отменой документа до выдачи или через дубликат")
        ctx.audit_refusal("mark_issue", None, "create", code="certificate_locked",
                          reason=message, refs={"certificate_id": row.id,
                                                "pupil_id": row.pupil_id})
        log.info("mark issue refused: certificate %s is locked", row.id)
        raise CertificateRuleError(message, code="certificate_locked")
    if certificate.status is CertificateStatus.CANCELLED:
        raise CertificateRuleError(
            "Отметки этого документа уже зафиксированы: исправление возможно только "
            "отменой документа до выдачи или через дубликат")
    if certificate.final_marks.mark_for(line_code) is None:
        raise CertificateRuleError(f"В документе нет строки «{line_code}»",
                                   code="invalid_input", status=422, field="line_code")
    if not description.strip():
        raise CertificateRuleError("Опишите, что не так с отметкой", code="invalid_input",
                                   status=422, field="description")
    issue = db.MarkIssue(certificate_id=row.id, organization_id=ctx.organization_id,
                         line_code=line_code, description=description.strip(),
                         status="open", reported_by=ctx.user_id, reported_at=ctx.at,
                         after_issue=after_issue)
    ctx.session.add(issue)
    ctx.session.flush()
    store.store_events(ctx, row.id, [_issue_event(certificate, ctx, "report_mark_issue",
                                                  {"issue": str(issue.id),
                                                   "line": line_code})])
    return issue


def resolve_issue(ctx: CertContext, issue_id: int, *, corrected: bool, resolution: str,
                  correction_request_id: int | None = None,
                  corrected_inputs: Sequence[InputCorrection] = ()) -> db.MarkIssue:
    """The deputy head's answer: the gradebook was corrected, or the mark stands.

    For an issued document the gradebook is locked for good: the deputy head approves the
    corrected period marks themselves, and a duplicate applies them.
    """
    if ctx.role != "deputy_head":
        raise CertificateRuleError(
            "Ответ на замечание к отметке даёт заместитель директора", code="forbidden",
            status=403)
    issue = ctx.session.get(db.MarkIssue, issue_id, with_for_update=True)
    if issue is None or issue.organization_id != ctx.organization_id:
        raise CertificateRuleError("Замечание не найдено", code="not_found", status=404)
    if issue.status != "open":
        raise CertificateRuleError("На это замечание уже дан ответ")
    if not resolution.strip():
        raise CertificateRuleError("Укажите, что сделано", code="invalid_input", status=422,
                                   field="resolution")
    request: gb.CorrectionRequest | None = None
    if correction_request_id is not None:
        request = ctx.session.get(gb.CorrectionRequest, correction_request_id)
        if request is None or request.organization_id != ctx.organization_id:
            raise CertificateRuleError("Запрос на исправление не найден", code="not_found",
                                       status=404, field="correction_request_id")
    if corrected and not issue.after_issue:
        _require_gradebook_change(ctx, issue, request)
    if issue.after_issue and corrected:
        certificate = ctx.session.get(db.Certificate, issue.certificate_id)
        assert certificate is not None
        version = ctx.session.get(db.FinalMarksVersion, certificate.final_marks_id)
        assert version is not None
        wrong_line = [c for c in corrected_inputs if c.line_code != issue.line_code]
        if wrong_line:
            raise CertificateRuleError(
                "Исправленные отметки должны относиться к строке замечания",
                code="invalid_input", status=422, field="corrected_inputs")
        with as_rule_errors("corrected_inputs"):
            check_corrections(final_marks_of(version), corrected_inputs)
        issue.corrected_inputs = [correction_json(c) for c in corrected_inputs]
    elif corrected_inputs:
        raise CertificateRuleError(
            "До выдачи отметка исправляется в журнале: исправленные отметки указываются "
            "только для выданного документа", code="invalid_input", status=422,
            field="corrected_inputs")
    issue.status = "corrected" if corrected else "rejected"
    issue.resolution = resolution.strip()
    issue.resolved_by, issue.resolved_at = ctx.user_id, ctx.at
    issue.correction_request_id = correction_request_id
    ctx.session.flush()
    return issue


GRADEBOOK_MARK_KINDS = ("mark", "term_mark", "year_mark")
DONE_CORRECTIONS = ("approved", "applied")


def _require_gradebook_change(ctx: CertContext, issue: db.MarkIssue,
                              request: gb.CorrectionRequest | None) -> None:
    """«Исправлено» before issue rests on the gradebook: the correction request the deputy
    head approved, or an audited change of the pupil's marks of the line's subjects made
    after the issue was reported. The finals are then recomputed from the gradebook."""
    certificate = ctx.session.get(db.Certificate, issue.certificate_id)
    assert certificate is not None
    version = ctx.session.get(db.FinalMarksVersion, certificate.final_marks_id)
    assert version is not None
    mark = final_marks_of(version).mark_for(issue.line_code)
    codes = mark.line.sources if mark is not None else ()
    title = mark.line.title if mark is not None else issue.line_code
    subject_ids = set(ctx.session.scalars(select(gb.Subject.id).where(
        gb.Subject.code.in_(list(codes))))) if codes else set()
    if request is not None:
        _check_request(ctx, request, certificate.pupil_id, subject_ids, title)
        return
    pupil = certificate.pupil_id
    event = gb.GradebookAuditEvent
    changed = ctx.session.scalar(select(event.id).where(
        event.object_kind.in_(GRADEBOOK_MARK_KINDS),
        event.outcome == "applied",
        event.recorded_at > issue.recorded_at,
        or_(and_(event.new_value["pupil_id"].as_integer() == pupil,
                 event.new_value["subject_id"].as_integer().in_(subject_ids)),
            and_(event.old_value["pupil_id"].as_integer() == pupil,
                 event.old_value["subject_id"].as_integer().in_(subject_ids))),
    ).limit(1)) if subject_ids else None
    if changed is None:
        raise CertificateRuleError(
            f"Отметка не может считаться исправленной: после замечания в журнале не "
            f"изменялась ни одна отметка обучающегося по строке «{title}». Исправьте "
            f"отметку в журнале (для закрытого периода — запросом на исправление, "
            f"одобренным заместителем директора) и укажите этот запрос, либо ответьте, что "
            f"отметка верна", code="no_gradebook_change", status=409,
            field="correction_request_id")


def _check_request(ctx: CertContext, request: gb.CorrectionRequest, pupil_id: int,
                   subject_ids: set[int], title: str) -> None:
    if request.status not in DONE_CORRECTIONS:
        raise CertificateRuleError(
            f"Запрос на исправление № {request.id} не одобрен заместителем директора: "
            "отметка ещё не исправлена в журнале", code="correction_not_approved",
            status=409, field="correction_request_id")
    entry = request.proposed or request.current or {}
    lesson = ctx.session.get(gb.Lesson, request.lesson_id)
    subject_id = lesson.subject_id if lesson is not None else entry.get("subject_id")
    if request.target_kind != "mark" or entry.get("pupil_id") != pupil_id:
        raise CertificateRuleError(
            f"Запрос на исправление № {request.id} касается не отметки этого обучающегося",
            code="invalid_input", status=422, field="correction_request_id")
    if subject_id not in subject_ids:
        raise CertificateRuleError(
            f"Запрос на исправление № {request.id} касается предмета, не входящего в "
            f"строку «{title}»", code="invalid_input", status=422,
            field="correction_request_id")


def open_issues(ctx: CertContext, certificate_ids: Collection[int]) -> list[db.MarkIssue]:
    if not certificate_ids:
        return []
    return list(ctx.session.scalars(select(db.MarkIssue).where(
        db.MarkIssue.certificate_id.in_(list(certificate_ids)),
        db.MarkIssue.status == "open").order_by(db.MarkIssue.id)))


def _issue_event(certificate: Certificate, ctx: CertContext, action: str,
                 details: dict[str, str]) -> CertificateEvent:
    return CertificateEvent(action=action, at=ctx.at, actor_id=ctx.user_id,
                            status_from=certificate.status, status_to=certificate.status,
                            details=tuple(sorted(details.items())))
