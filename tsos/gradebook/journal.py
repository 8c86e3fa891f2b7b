"""Every write to the class journal: marks, attendance, lessons; each through the lock check.

The API (single and bulk), imports and activities all call these; none writes the tables
itself. A write holds the serialisation lock of each (pupil, subject, term) it touches from
before it reads until it commits, then recomputes the term mark if one has been made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from domain.gradebook import journal as djournal
from domain.gradebook.attendance import AttendanceRecord
from domain.gradebook.audit import user_change
from domain.gradebook.errors import GradebookError
from domain.gradebook.lessons import Lesson, LessonStatus
from domain.gradebook.locks import Action, WriteTarget, check_write
from domain.gradebook.marks import Mark, MarkValue
from tsos.db import gradebook as db
from tsos.gradebook import audit_log, structure
from tsos.gradebook.context import WriteContext
from tsos.gradebook.errors import NotFound
from tsos.gradebook.locks import locks_for, serialise
from tsos.gradebook.mapping import (
    attendance_of,
    fill_attendance,
    lesson_of,
    mark_of,
    stored_value,
)
from tsos.gradebook.recompute import recompute_after, term_label


@dataclass(frozen=True)
class MarkEntry:
    pupil_id: int
    value: MarkValue
    kind: str
    published: bool = True


def load_lesson(session: Session, lesson_id: int, organization_id: int | None = None,
                *, for_update: bool = False) -> tuple[db.Lesson, db.SchoolClass]:
    query = select(db.Lesson).where(db.Lesson.id == lesson_id)
    if for_update:
        # A lesson row locked for the write, so it cannot move under it.
        query = query.with_for_update()
    lesson = session.scalar(query)
    if lesson is None:
        raise NotFound("Урок не найден")
    school_class = structure.get_class(session, lesson.school_class_id)
    if organization_id is not None and school_class.organization_id != organization_id:
        raise NotFound("Урок не найден")
    return lesson, school_class


def roster_on(session: Session, lesson: db.Lesson) -> set[int]:
    """Pupils on the lesson's roster (the class's, or its group's) on the lesson's date."""
    return set(session.scalars(select(db.ClassMembership.pupil_id).where(
        db.ClassMembership.school_class_id == lesson.school_class_id,
        _same_group(lesson.study_group_id),
        db.ClassMembership.starts_on <= lesson.lesson_date,
        (db.ClassMembership.ends_on.is_(None))
        | (db.ClassMembership.ends_on >= lesson.lesson_date),
    )))


def _same_group(study_group_id: int | None):  # type: ignore[no-untyped-def]
    if study_group_id is None:
        return db.ClassMembership.study_group_id.is_(None)
    return db.ClassMembership.study_group_id == study_group_id


class JournalWriter:
    """The write side of one school's journal for one actor at one moment."""

    def __init__(self, ctx: WriteContext) -> None:
        self.ctx = ctx
        self.session = ctx.session

    # Marks.

    def add_marks(self, lesson_id: int, entries: Sequence[MarkEntry]) -> list[db.Mark]:
        """One mark or a column of them: all are written or none."""
        lesson_row, school_class = load_lesson(self.session, lesson_id,
                                               self.ctx.organization_id, for_update=True)
        self._on_roster(lesson_row, [entry.pupil_id for entry in entries])
        self._known_kinds(school_class, lesson_row, entries)
        term = structure.term_for(self.session, school_class, lesson_row.lesson_date)
        serialise(self.session, [(e.pupil_id, lesson_row.subject_id, term_label(term))
                                 for e in entries])

        lesson = lesson_of(lesson_row)
        locks = locks_for(self.session, [school_class.id], [e.pupil_id for e in entries])
        results = []
        with self.ctx.refusals_audited():
            for entry in entries:
                mark = Mark(id=self.ctx.next_id("marks"), pupil_id=entry.pupil_id,
                            subject_id=lesson.subject_id, lesson_id=lesson.id,
                            lesson_date=lesson.date, kind=entry.kind, value=entry.value,
                            author_id=self._author(), published=entry.published)
                results.append(djournal.add_mark(mark, lesson=lesson, locks=locks,
                                                 actor=self.ctx.actor, at=self.ctx.at,
                                                 workflow_id=self.ctx.workflow_id))

        rows = []
        for result in results:
            row = db.Mark(id=result.value.id)
            self._fill_mark(row, result.value)
            self.session.add(row)
            rows.append(row)
        self.session.flush()
        for result in results:
            [event_id] = audit_log.store(self.session, result.events,
                                         self.ctx.organization_id)
            recompute_after(self.ctx, school_class, result.value.pupil_id,
                            lesson.subject_id, lesson.date, caused_by=event_id)
        return rows

    def change_mark(self, mark_id: int, value: MarkValue, reason: str | None = None) -> db.Mark:
        row, lesson_row, school_class = self._mark(mark_id)
        current = mark_of(row)
        locks = locks_for(self.session, [school_class.id], [row.pupil_id])
        with self.ctx.refusals_audited():
            result = djournal.change_mark(current, value, lesson=lesson_of(lesson_row),
                                          locks=locks, actor=self.ctx.actor, at=self.ctx.at,
                                          reason=reason, workflow_id=self.ctx.workflow_id)
        if not result.events:
            return row

        self._fill_mark(row, result.value)
        self._after(result.events, school_class, row.pupil_id, row.subject_id,
                    row.lesson_date)
        return row

    def remove_mark(self, mark_id: int, reason: str | None = None) -> None:
        row, lesson_row, school_class = self._mark(mark_id)
        locks = locks_for(self.session, [school_class.id], [row.pupil_id])
        with self.ctx.refusals_audited():
            result = djournal.remove_mark(mark_of(row), lesson=lesson_of(lesson_row),
                                          locks=locks, actor=self.ctx.actor, at=self.ctx.at,
                                          reason=reason, workflow_id=self.ctx.workflow_id)
        pupil_id, subject_id, day = row.pupil_id, row.subject_id, row.lesson_date
        self.session.delete(row)
        self.session.flush()
        self._after(result.events, school_class, pupil_id, subject_id, day)

    def set_published(self, lesson_id: int, published: bool) -> int:
        """Publish (or hold back) every mark of a lesson; returns how many changed."""
        lesson_row, school_class = load_lesson(self.session, lesson_id,
                                               self.ctx.organization_id, for_update=True)
        rows = self.session.scalars(select(db.Mark).where(db.Mark.lesson_id == lesson_id)
                                    .order_by(db.Mark.id)).all()
        term = structure.term_for(self.session, school_class, lesson_row.lesson_date)
        serialise(self.session, [(r.pupil_id, r.subject_id, term_label(term)) for r in rows])
        locks = locks_for(self.session, [school_class.id], {r.pupil_id for r in rows})
        with self.ctx.refusals_audited():
            result = djournal.set_published(
                [mark_of(row) for row in rows], published, lesson=lesson_of(lesson_row),
                locks=locks, actor=self.ctx.actor, at=self.ctx.at,
                workflow_id=self.ctx.workflow_id)

        by_id = {row.id: row for row in rows}
        for mark in result.value:
            by_id[mark.id].published = mark.published
        self.session.flush()
        ids = audit_log.store(self.session, result.events, self.ctx.organization_id)
        for event, event_id in zip(result.events, ids, strict=True):
            row = by_id[event.object_id]  # type: ignore[index]
            recompute_after(self.ctx, school_class, row.pupil_id, row.subject_id,
                            row.lesson_date, caused_by=event_id)
        return len(result.events)

    # Attendance.

    def record_attendance(self, lesson_id: int,
                          entries: Sequence[tuple[int, AttendanceRecord | None]]) -> int:
        """(pupil, record or None for present) pairs, all or none; returns entries changed."""
        lesson_row, school_class = load_lesson(self.session, lesson_id,
                                               self.ctx.organization_id, for_update=True)
        pupil_ids = [pupil_id for pupil_id, _ in entries]
        if len(set(pupil_ids)) != len(pupil_ids):
            raise GradebookError("Ученик указан в списке посещаемости дважды")
        self._on_roster(lesson_row, pupil_ids)
        existing = {
            row.pupil_id: row
            for row in self.session.scalars(select(db.Attendance).where(
                db.Attendance.lesson_id == lesson_id).with_for_update())
        }
        lesson = lesson_of(lesson_row)
        locks = locks_for(self.session, [school_class.id])
        results = []
        with self.ctx.refusals_audited():
            for pupil_id, record in entries:
                if record is not None and (record.pupil_id, record.lesson_id) != (
                        pupil_id, lesson_id):
                    raise GradebookError("Запись посещаемости относится к другому уроку")
                current = existing.get(pupil_id)
                results.append((pupil_id, djournal.record_attendance(
                    None if current is None else attendance_of(current), record,
                    lesson=lesson, locks=locks, actor=self.ctx.actor, at=self.ctx.at,
                    workflow_id=self.ctx.workflow_id)))

        changed = 0
        for pupil_id, result in results:
            if not result.events:
                continue
            changed += 1
            self._store_attendance(existing.get(pupil_id), lesson_id, pupil_id, result.value)
            audit_log.store(self.session, result.events, self.ctx.organization_id)
        self.session.flush()
        return changed

    def _store_attendance(self, row: db.Attendance | None, lesson_id: int, pupil_id: int,
                          record: AttendanceRecord | None) -> None:
        if record is None:
            if row is not None:
                self.session.delete(row)
            return
        if row is None:
            row = db.Attendance(lesson_id=lesson_id, pupil_id=pupil_id)
            self.session.add(row)
        fill_attendance(row, record)
        row.author_user_id = self._author()

    # Lessons.

    def create_lesson(self, school_class: db.SchoolClass, subject_id: int, lesson_date: date,
                      *, zone: str, number: int | None = None, starts_at: time | None = None,
                      ends_at: time | None = None, teacher_id: int | None = None,
                      study_group_id: int | None = None,
                      status: LessonStatus = LessonStatus.PLANNED,
                      topic: str | None = None) -> db.Lesson:
        """A lesson added to the journal: a closed term takes none (it would change its
        held lessons), and the addition is audited."""
        if school_class.organization_id != self.ctx.organization_id:
            raise NotFound("Класс не найден")
        lesson = Lesson(id=self.ctx.next_id("lessons"), school_class_id=school_class.id,
                        subject_id=subject_id, date=lesson_date, status=status,
                        study_group_id=study_group_id)
        locks = locks_for(self.session, [school_class.id])
        with self.ctx.refusals_audited():
            result = djournal.create_lesson(lesson, locks=locks, actor=self.ctx.actor,
                                            at=self.ctx.at, workflow_id=self.ctx.workflow_id)
        row = structure.plan_lesson(self.session, school_class, subject_id, lesson_date,
                                    zone=zone, number=number, starts_at=starts_at,
                                    ends_at=ends_at, teacher_id=teacher_id,
                                    study_group_id=study_group_id, status=status.value,
                                    topic=topic, lesson_id=lesson.id)
        audit_log.store(self.session, result.events, self.ctx.organization_id)
        return row

    def describe_lesson(self, lesson_id: int, *, topic: str | None = None,
                        homework: str | None = None,
                        homework_links: list[str] | None = None) -> db.Lesson:
        """Topic and homework; a closed term's lessons keep theirs as they were."""
        lesson_row, school_class = load_lesson(self.session, lesson_id,
                                               self.ctx.organization_id, for_update=True)
        old = _description(lesson_row)
        new = dict(old)
        if topic is not None:
            new["topic"] = topic.strip() or None
        if homework is not None:
            new["homework"] = homework.strip() or None
        if homework_links is not None:
            new["homework_links"] = list(homework_links)
        if new == old:
            return lesson_row

        locks = locks_for(self.session, [school_class.id])
        target = WriteTarget.for_lesson(lesson_of(lesson_row))
        with self.ctx.refusals_audited():
            check_write(target, Action.UPDATE, locks, self.ctx.actor)
        event = user_change(self.ctx.actor, self.ctx.at, "lesson", lesson_row.id,
                            "describe", old=old, new=new, workflow_id=self.ctx.workflow_id)
        lesson_row.topic = new["topic"]  # type: ignore[assignment]
        lesson_row.homework = new["homework"]  # type: ignore[assignment]
        lesson_row.homework_links = new["homework_links"]  # type: ignore[assignment]
        audit_log.store(self.session, [event], self.ctx.organization_id)
        return lesson_row

    def set_lesson_status(self, lesson_id: int, status: LessonStatus) -> db.Lesson:
        lesson_row, school_class = load_lesson(self.session, lesson_id,
                                               self.ctx.organization_id, for_update=True)
        attendance = [attendance_of(row) for row in self.session.scalars(
            select(db.Attendance).where(db.Attendance.lesson_id == lesson_id))]
        locks = locks_for(self.session, [school_class.id])
        with self.ctx.refusals_audited():
            result = djournal.set_lesson_status(
                lesson_of(lesson_row), status, attendance=attendance, locks=locks,
                actor=self.ctx.actor, at=self.ctx.at, workflow_id=self.ctx.workflow_id)
        if status is not LessonStatus.HELD and self.session.scalar(
                select(db.Mark.id).where(db.Mark.lesson_id == lesson_id).limit(1)):
            raise GradebookError("За урок выставлены отметки: сначала уберите их")
        lesson_row.status = result.value.status.value
        audit_log.store(self.session, result.events, self.ctx.organization_id)
        return lesson_row

    def move_lesson(self, lesson_id: int, new_date: date) -> db.Lesson:
        """The lesson and its marks go to another date; both dates' terms are checked."""
        lesson_row, school_class = load_lesson(self.session, lesson_id,
                                               self.ctx.organization_id, for_update=True)
        year = structure.domain_school_year(self.session, school_class.school_year_id)
        if not year.start <= new_date <= year.end:
            raise GradebookError(f"Новая дата урока вне учебного года {year.title}")
        mark_rows = self._lesson_marks(lesson_id)
        old_date = lesson_row.lesson_date
        terms = {term_label(structure.term_for(self.session, school_class, day))
                 for day in (old_date, new_date)}
        serialise(self.session, [(r.pupil_id, r.subject_id, label)
                                 for r in mark_rows for label in terms])

        attendance = [attendance_of(row) for row in self.session.scalars(
            select(db.Attendance).where(db.Attendance.lesson_id == lesson_id))]
        locks = locks_for(self.session, [school_class.id], {r.pupil_id for r in mark_rows})
        with self.ctx.refusals_audited():
            result = djournal.move_lesson(
                lesson_of(lesson_row), new_date, marks=[mark_of(r) for r in mark_rows],
                attendance=attendance, locks=locks, actor=self.ctx.actor, at=self.ctx.at,
                workflow_id=self.ctx.workflow_id)

        lesson_row.lesson_date = new_date
        for row in mark_rows:
            row.lesson_date = new_date
        self.session.flush()
        ids = audit_log.store(self.session, result.events, self.ctx.organization_id)
        for row in mark_rows:
            for day in (old_date, new_date):
                recompute_after(self.ctx, school_class, row.pupil_id, row.subject_id, day,
                                caused_by=ids[0])
        return lesson_row

    def remove_lesson(self, lesson_id: int) -> None:
        """A column removed with what is in it: every entry must be writable."""
        lesson_row, school_class = load_lesson(self.session, lesson_id,
                                               self.ctx.organization_id, for_update=True)
        mark_rows = self._lesson_marks(lesson_id)
        term = structure.term_for(self.session, school_class, lesson_row.lesson_date)
        serialise(self.session, [(r.pupil_id, r.subject_id, term_label(term))
                                 for r in mark_rows])
        attendance_rows = self.session.scalars(
            select(db.Attendance).where(db.Attendance.lesson_id == lesson_id)).all()
        locks = locks_for(self.session, [school_class.id], {r.pupil_id for r in mark_rows})
        with self.ctx.refusals_audited():
            result = djournal.remove_lesson(
                lesson_of(lesson_row), marks=[mark_of(r) for r in mark_rows],
                attendance=[attendance_of(r) for r in attendance_rows], locks=locks,
                actor=self.ctx.actor, at=self.ctx.at, workflow_id=self.ctx.workflow_id)

        touched = {(r.pupil_id, r.subject_id) for r in mark_rows}
        day = lesson_row.lesson_date
        self.session.execute(delete(db.Mark).where(db.Mark.lesson_id == lesson_id))
        self.session.execute(delete(db.Attendance).where(db.Attendance.lesson_id == lesson_id))
        self.session.execute(delete(db.Remark).where(db.Remark.lesson_id == lesson_id))
        self.session.execute(delete(db.LessonFile).where(db.LessonFile.lesson_id == lesson_id))
        self.session.delete(lesson_row)
        self.session.flush()
        ids = audit_log.store(self.session, result.events, self.ctx.organization_id)
        for pupil_id, subject_id in sorted(touched):
            recompute_after(self.ctx, school_class, pupil_id, subject_id, day,
                            caused_by=ids[0])

    # Remarks are messages to guardians, not journal entries: no lock holds them back.

    def add_remark(self, pupil_id: int, text: str, *, remark_date: date,
                   lesson_id: int | None = None, subject_id: int | None = None) -> db.Remark:
        if not text.strip():
            raise GradebookError("Текст замечания пуст")
        if lesson_id is not None:
            lesson_row, _ = load_lesson(self.session, lesson_id, self.ctx.organization_id)
            self._on_roster(lesson_row, [pupil_id])
            subject_id = lesson_row.subject_id
        remark = db.Remark(pupil_id=pupil_id, lesson_id=lesson_id, subject_id=subject_id,
                           remark_date=remark_date, text=text.strip(),
                           author_user_id=self._author())
        self.session.add(remark)
        self.session.flush()
        event = user_change(self.ctx.actor, self.ctx.at, "remark", remark.id, "create",
                            new={"pupil_id": pupil_id, "lesson_id": lesson_id,
                                 "subject_id": subject_id,
                                 "date": remark_date.isoformat(), "text": remark.text},
                            workflow_id=self.ctx.workflow_id)
        audit_log.store(self.session, [event], self.ctx.organization_id)
        return remark

    # Shared steps.

    def _mark(self, mark_id: int) -> tuple[db.Mark, db.Lesson, db.SchoolClass]:
        row = self.session.get(db.Mark, mark_id)
        if row is None:
            raise NotFound("Отметка не найдена")
        lesson_row, school_class = load_lesson(self.session, row.lesson_id,
                                               self.ctx.organization_id, for_update=True)
        term = structure.term_for(self.session, school_class, lesson_row.lesson_date)
        serialise(self.session, [(row.pupil_id, row.subject_id, term_label(term))])
        self.session.refresh(row, with_for_update=True)
        return row, lesson_row, school_class

    def _lesson_marks(self, lesson_id: int) -> list[db.Mark]:
        return list(self.session.scalars(
            select(db.Mark).where(db.Mark.lesson_id == lesson_id)
            .order_by(db.Mark.id).with_for_update()))

    def _after(self, events, school_class: db.SchoolClass, pupil_id: int,  # type: ignore[no-untyped-def]
               subject_id: int, day: date) -> None:
        self.session.flush()
        [event_id] = audit_log.store(self.session, events, self.ctx.organization_id)
        recompute_after(self.ctx, school_class, pupil_id, subject_id, day, caused_by=event_id)

    def _on_roster(self, lesson: db.Lesson, pupil_ids: Sequence[int]) -> None:
        missing = sorted(set(pupil_ids) - roster_on(self.session, lesson))
        if missing:
            raise GradebookError(
                f"Ученик с идентификатором {missing[0]} не числится в списке урока на "
                f"{lesson.lesson_date:%d.%m.%Y}"
            )

    def _known_kinds(self, school_class: db.SchoolClass, lesson: db.Lesson,
                     entries: Sequence[MarkEntry]) -> None:
        """A kind of work without a weight in the policy would fail only at term's end."""
        numeric = [entry for entry in entries if entry.value.is_numeric]
        if not numeric:
            return
        policy = structure.policy_for(self.session, school_class.organization_id,
                                      lesson.lesson_date)
        for entry in numeric:
            policy.weight_of(entry.kind)

    def _fill_mark(self, row: db.Mark, mark: Mark) -> None:
        row.lesson_id = mark.lesson_id
        row.pupil_id = mark.pupil_id
        row.subject_id = mark.subject_id
        row.lesson_date = mark.lesson_date
        row.kind = mark.kind
        row.points, row.pass_fail = stored_value(mark.value)
        row.published = mark.published
        row.author_user_id = mark.author_id

    def _author(self) -> int:
        if self.ctx.actor.user_id is None:
            raise GradebookError("Запись в журнал делает пользователь, а не система")
        return self.ctx.actor.user_id


def _description(lesson: db.Lesson) -> dict[str, object]:
    return {"topic": lesson.topic, "homework": lesson.homework,
            "homework_links": list(lesson.homework_links or [])}
