"""Correction requests: the one way a closed term's mark or attendance changes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.gradebook import corrections as dcorr
from domain.gradebook.attendance import AttendanceRecord
from domain.gradebook.corrections import Entry
from domain.gradebook.errors import GradebookError
from domain.gradebook.marks import Mark, MarkValue
from tsos.db import gradebook as db
from tsos.gradebook import audit_log
from tsos.gradebook.context import WriteContext
from tsos.gradebook.errors import NotFound
from tsos.gradebook.journal import load_lesson, roster_on
from tsos.gradebook.locks import locks_for, serialise
from tsos.gradebook.mapping import (
    attendance_of,
    correction_of,
    fill_attendance,
    lesson_of,
    mark_of,
    snapshot,
    stored_value,
)
from tsos.gradebook.recompute import recompute_after, term_label
from tsos.gradebook.structure import term_for


def request_mark_correction(ctx: WriteContext, *, lesson_id: int, reason: str,
                            mark_id: int | None = None, pupil_id: int | None = None,
                            value: MarkValue | None = None,
                            kind: str | None = None) -> db.CorrectionRequest:
    """Change (mark and value), delete (mark, no value) or add (pupil, value, kind) a mark."""
    lesson_row, _ = load_lesson(ctx.session, lesson_id, ctx.organization_id)
    current: Mark | None = None
    if mark_id is not None:
        row = ctx.session.get(db.Mark, mark_id)
        if row is None or row.lesson_id != lesson_id:
            raise NotFound("Отметка не найдена")
        current = mark_of(row)

    proposed: Mark | None = None
    if value is not None:
        if current is not None:
            proposed = current.with_value(value)
        else:
            if pupil_id is None or kind is None:
                raise GradebookError("Для новой отметки укажите ученика и вид работы")
            if pupil_id not in roster_on(ctx.session, lesson_row):
                raise GradebookError(
                    f"Ученик с идентификатором {pupil_id} не числится в списке урока")
            assert ctx.actor.user_id is not None
            proposed = Mark(id=ctx.next_id("marks"), pupil_id=pupil_id,
                            subject_id=lesson_row.subject_id, lesson_id=lesson_id,
                            lesson_date=lesson_row.lesson_date, kind=kind, value=value,
                            author_id=ctx.actor.user_id)
    return _request(ctx, lesson_row, "mark", current, proposed, reason)


def request_attendance_correction(ctx: WriteContext, *, lesson_id: int, pupil_id: int,
                                  record: AttendanceRecord | None,
                                  reason: str) -> db.CorrectionRequest:
    """`record` None means the pupil was present after all."""
    lesson_row, _ = load_lesson(ctx.session, lesson_id, ctx.organization_id)
    if pupil_id not in roster_on(ctx.session, lesson_row):
        raise GradebookError(f"Ученик с идентификатором {pupil_id} не числится в списке урока")
    row = ctx.session.scalar(select(db.Attendance).where(
        db.Attendance.lesson_id == lesson_id, db.Attendance.pupil_id == pupil_id))
    current = None if row is None else attendance_of(row)
    return _request(ctx, lesson_row, "attendance", current, record, reason)


def _request(ctx: WriteContext, lesson_row: db.Lesson, target_kind: str,
             current: Entry | None, proposed: Entry | None,
             reason: str) -> db.CorrectionRequest:
    entry = current if current is not None else proposed
    pupil_ids = [] if entry is None else [entry.pupil_id]
    locks = locks_for(ctx.session, [lesson_row.school_class_id], pupil_ids)
    request_id = ctx.next_id("correction_requests")
    with ctx.refusals_audited():
        result = dcorr.request_correction(request_id=request_id, lesson=lesson_of(lesson_row),
                                          current=current, proposed=proposed, reason=reason,
                                          locks=locks, actor=ctx.actor, at=ctx.at)
    request = result.value
    assert ctx.actor.user_id is not None
    row = db.CorrectionRequest(
        id=request.id, organization_id=ctx.organization_id, lesson_id=lesson_row.id,
        target_kind=target_kind, action=request.action.value, current=snapshot(current),
        proposed=snapshot(proposed), reason=request.reason, status=request.status.value,
        requested_by=request.requested_by, requested_at=request.requested_at,
    )
    ctx.session.add(row)
    ctx.session.flush()
    audit_log.store(ctx.session, result.events, ctx.organization_id)
    return row


def load_request(session: Session, request_id: int,
                 organization_id: int) -> db.CorrectionRequest:
    row = session.scalar(select(db.CorrectionRequest).where(
        db.CorrectionRequest.id == request_id).with_for_update())
    if row is None or row.organization_id != organization_id:
        raise NotFound("Запрос на исправление не найден")
    return row


def approve(ctx: WriteContext, request_id: int, comment: str | None = None
            ) -> db.CorrectionRequest:
    """Approve and apply at once; the term mark is recomputed and flagged for review."""
    row = load_request(ctx.session, request_id, ctx.organization_id)
    lesson_row, school_class = load_lesson(ctx.session, row.lesson_id, ctx.organization_id,
                                           for_update=True)
    lesson = lesson_of(lesson_row)
    request = correction_of(row, lesson)
    decided = dcorr.approve(request, actor=ctx.actor, at=ctx.at, comment=comment)
    _fill(row, decided.value)
    audit_log.store(ctx.session, decided.events, ctx.organization_id)

    target = request.target
    assert target.pupil_id is not None
    term = term_for(ctx.session, school_class, lesson.date)
    serialise(ctx.session, [(target.pupil_id, target.subject_id, term_label(term))])
    current = _current(ctx.session, row)
    locks = locks_for(ctx.session, [school_class.id], [target.pupil_id])
    with ctx.refusals_audited():
        applied = dcorr.apply_correction(decided.value, current=current, locks=locks,
                                         actor=ctx.actor, at=ctx.at,
                                         workflow_id=ctx.workflow_id)
    _write_entry(ctx, row, applied.value.entry)
    _fill(row, applied.value.request)
    entry_event_id, _ = audit_log.store(ctx.session, applied.events, ctx.organization_id)

    if row.target_kind == "mark":
        recompute_after(ctx, school_class, target.pupil_id, target.subject_id, lesson.date,
                        caused_by=entry_event_id, correction=applied.value.request)
    return row


def reject(ctx: WriteContext, request_id: int, comment: str) -> db.CorrectionRequest:
    row = load_request(ctx.session, request_id, ctx.organization_id)
    lesson_row, _ = load_lesson(ctx.session, row.lesson_id, ctx.organization_id)
    result = dcorr.reject(correction_of(row, lesson_of(lesson_row)), actor=ctx.actor,
                          at=ctx.at, comment=comment)
    _fill(row, result.value)
    audit_log.store(ctx.session, result.events, ctx.organization_id)
    return row


def withdraw(ctx: WriteContext, request_id: int) -> db.CorrectionRequest:
    row = load_request(ctx.session, request_id, ctx.organization_id)
    lesson_row, _ = load_lesson(ctx.session, row.lesson_id, ctx.organization_id)
    result = dcorr.withdraw(correction_of(row, lesson_of(lesson_row)), actor=ctx.actor,
                            at=ctx.at)
    _fill(row, result.value)
    audit_log.store(ctx.session, result.events, ctx.organization_id)
    return row


def _current(session: Session, row: db.CorrectionRequest) -> Entry | None:
    """The entry as it stands now, to check nobody changed it since the request."""
    reference = row.current or row.proposed
    assert reference is not None
    if row.target_kind == "mark":
        mark = session.get(db.Mark, reference["id"], with_for_update=True)
        return None if mark is None else mark_of(mark)
    attendance = session.scalar(select(db.Attendance).where(
        db.Attendance.lesson_id == row.lesson_id,
        db.Attendance.pupil_id == reference["pupil_id"]).with_for_update())
    return None if attendance is None else attendance_of(attendance)


def _write_entry(ctx: WriteContext, row: db.CorrectionRequest, entry: Entry | None) -> None:
    session = ctx.session
    reference = row.current or row.proposed
    assert reference is not None
    if row.target_kind == "mark":
        mark = session.get(db.Mark, reference["id"])
        if entry is None:
            if mark is not None:
                session.delete(mark)
        else:
            assert isinstance(entry, Mark)
            if mark is None:
                mark = db.Mark(id=entry.id, lesson_id=entry.lesson_id,
                               pupil_id=entry.pupil_id, subject_id=entry.subject_id,
                               lesson_date=entry.lesson_date, kind=entry.kind,
                               author_user_id=entry.author_id)
                session.add(mark)
            mark.points, mark.pass_fail = stored_value(entry.value)
            mark.published = entry.published
        session.flush()
        return

    attendance = session.scalar(select(db.Attendance).where(
        db.Attendance.lesson_id == row.lesson_id,
        db.Attendance.pupil_id == reference["pupil_id"]))
    if entry is None:
        if attendance is not None:
            session.delete(attendance)
    else:
        assert isinstance(entry, AttendanceRecord)
        if attendance is None:
            attendance = db.Attendance(lesson_id=row.lesson_id, pupil_id=entry.pupil_id,
                                       author_user_id=row.requested_by)
            session.add(attendance)
        fill_attendance(attendance, entry)
    session.flush()


def _fill(row: db.CorrectionRequest, request: dcorr.CorrectionRequest) -> None:
    row.status = request.status.value
    row.decided_by = request.decided_by
    row.decided_at = request.decided_at
    row.decision_comment = request.decision_comment
    row.applied_at = request.applied_at
