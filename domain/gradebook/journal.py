"""The journal's write paths: each one checks the locks, makes the change, and audits it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from domain.gradebook.attendance import AttendanceRecord
from domain.gradebook.audit import Actor, AuditEvent, Result, user_change
from domain.gradebook.errors import GradebookError
from domain.gradebook.lessons import Lesson, LessonStatus
from domain.gradebook.locks import Action, Lock, WriteTarget, check_write
from domain.gradebook.marks import Mark, MarkValue


@dataclass(frozen=True)
class MovedLesson:
    lesson: Lesson
    marks: tuple[Mark, ...]


def add_mark(
    mark: Mark,
    *,
    lesson: Lesson,
    locks: Iterable[Lock],
    actor: Actor,
    at: datetime,
    workflow_id: str | None = None,
) -> Result[Mark]:
    _belongs(mark, lesson)
    if lesson.status is LessonStatus.CANCELLED:
        raise GradebookError("Урок отменён: отметку за него поставить нельзя")
    check_write(WriteTarget.for_mark(mark, lesson), Action.CREATE, locks, actor)

    event = _event(
        actor, at, "mark", mark.id, "create", None, mark, workflow_id=workflow_id
    )
    return Result(mark, (event,))


def change_mark(
    current: Mark,
    value: MarkValue,
    *,
    lesson: Lesson,
    locks: Iterable[Lock],
    actor: Actor,
    at: datetime,
    reason: str | None = None,
    workflow_id: str | None = None,
) -> Result[Mark]:
    _belongs(current, lesson)
    if value == current.value:
        return Result(current)
    check_write(WriteTarget.for_mark(current, lesson), Action.UPDATE, locks, actor)

    changed = current.with_value(value)
    event = _event(
        actor, at, "mark", current.id, "update", current, changed, reason, workflow_id
    )
    return Result(changed, (event,))


def set_published(
    marks: Sequence[Mark],
    published: bool,
    *,
    lesson: Lesson,
    locks: Iterable[Lock],
    actor: Actor,
    at: datetime,
    workflow_id: str | None = None,
) -> Result[tuple[Mark, ...]]:
    """Publish or hold back a column of marks, all or none."""
    locks = list(locks)
    to_change = [mark for mark in marks if mark.published != published]
    for mark in to_change:
        _belongs(mark, lesson)
        check_write(WriteTarget.for_mark(mark, lesson), Action.UPDATE, locks, actor)

    changed = {mark.id: replace(mark, published=published) for mark in to_change}
    action = "publish" if published else "unpublish"
    events = tuple(
        _event(
            actor,
            at,
            "mark",
            mark.id,
            action,
            mark,
            changed[mark.id],
            None,
            workflow_id,
        )
        for mark in to_change
    )
    return Result(tuple(changed.get(mark.id, mark) for mark in marks), events)


def remove_mark(
    current: Mark,
    *,
    lesson: Lesson,
    locks: Iterable[Lock],
    actor: Actor,
    at: datetime,
    reason: str | None = None,
    workflow_id: str | None = None,
) -> Result[None]:
    _belongs(current, lesson)
    check_write(WriteTarget.for_mark(current, lesson), Action.DELETE, locks, actor)

    event = _event(
        actor, at, "mark", current.id, "delete", current, None, reason, workflow_id
    )
    return Result(None, (event,))


def record_attendance(
    current: AttendanceRecord | None,
    new: AttendanceRecord | None,
    *,
    lesson: Lesson,
    locks: Iterable[Lock],
    actor: Actor,
    at: datetime,
    workflow_id: str | None = None,
) -> Result[AttendanceRecord | None]:
    """Create, change or remove one pupil's attendance entry for a lesson."""
    if current == new:
        return Result(current)
    entry = new if new is not None else current
    assert entry is not None
    if current is not None and new is not None and current.pupil_id != new.pupil_id:
        raise GradebookError("Запись посещаемости относится к другому ученику")
    if lesson.status is not LessonStatus.HELD and new is not None:
        raise GradebookError("Посещаемость отмечается только на проведённых уроках")
    action = (
        Action.CREATE
        if current is None
        else Action.DELETE
        if new is None
        else Action.UPDATE
    )
    check_write(WriteTarget.for_attendance(entry, lesson), action, locks, actor)

    event = _event(
        actor,
        at,
        "attendance",
        lesson.id,
        action.value,
        current,
        new,
        None,
        workflow_id,
    )
    return Result(new, (event,))


def create_lesson(
    lesson: Lesson,
    *,
    locks: Iterable[Lock],
    actor: Actor,
    at: datetime,
    workflow_id: str | None = None,
) -> Result[Lesson]:
    """A new column changes a term's held lessons (attendance denominators): locked too."""
    check_write(WriteTarget.for_lesson(lesson), Action.CREATE, locks, actor)

    event = _event(actor, at, "lesson", lesson.id, "create", None, lesson, None, workflow_id)
    return Result(lesson, (event,))


def move_lesson(
    lesson: Lesson,
    new_date: date,
    *,
    marks: Sequence[Mark],
    attendance: Sequence[AttendanceRecord],
    locks: Iterable[Lock],
    actor: Actor,
    at: datetime,
    workflow_id: str | None = None,
) -> Result[MovedLesson]:
    """A moved lesson carries its marks to the new date; both dates are checked."""
    locks = list(locks)
    check_write(
        WriteTarget.for_lesson(lesson).moving_to(new_date), Action.MOVE, locks, actor
    )
    for mark in marks:
        _belongs(mark, lesson)
        target = WriteTarget.for_mark(mark, lesson).moving_to(new_date)
        check_write(target, Action.MOVE, locks, actor)
    for record in attendance:
        target = WriteTarget.for_attendance(record, lesson).moving_to(new_date)
        check_write(target, Action.MOVE, locks, actor)

    moved = lesson.moved_to(new_date)
    moved_marks = tuple(replace(mark, lesson_date=new_date) for mark in marks)
    events = [
        _event(actor, at, "lesson", lesson.id, "move", lesson, moved, None, workflow_id)
    ]
    events += [
        _event(actor, at, "mark", old.id, "move", old, new, None, workflow_id)
        for old, new in zip(marks, moved_marks, strict=True)
    ]
    return Result(MovedLesson(moved, moved_marks), tuple(events))


def remove_lesson(
    lesson: Lesson,
    *,
    marks: Sequence[Mark],
    attendance: Sequence[AttendanceRecord],
    locks: Iterable[Lock],
    actor: Actor,
    at: datetime,
    workflow_id: str | None = None,
) -> Result[None]:
    """Deleting a column deletes what is in it, so every entry must be writable."""
    locks = list(locks)
    check_write(WriteTarget.for_lesson(lesson), Action.DELETE, locks, actor)
    for mark in marks:
        _belongs(mark, lesson)
        check_write(WriteTarget.for_mark(mark, lesson), Action.DELETE, locks, actor)
    for record in attendance:
        check_write(
            WriteTarget.for_attendance(record, lesson), Action.DELETE, locks, actor
        )

    events = [
        _event(
            actor, at, "lesson", lesson.id, "delete", lesson, None, None, workflow_id
        )
    ]
    events += [
        _event(actor, at, "mark", mark.id, "delete", mark, None, None, workflow_id)
        for mark in marks
    ]
    events += [
        _event(
            actor,
            at,
            "attendance",
            lesson.id,
            "delete",
            record,
            None,
            None,
            workflow_id,
        )
        for record in attendance
    ]
    return Result(None, tuple(events))


def set_lesson_status(
    lesson: Lesson,
    status: LessonStatus,
    *,
    attendance: Sequence[AttendanceRecord] = (),
    locks: Iterable[Lock],
    actor: Actor,
    at: datetime,
    workflow_id: str | None = None,
) -> Result[Lesson]:
    """Held, cancelled or planned: this changes attendance denominators, so it is locked too."""
    if status is lesson.status:
        return Result(lesson)
    if status is not LessonStatus.HELD and attendance:
        raise GradebookError("На уроке отмечена посещаемость: сначала уберите её")
    check_write(WriteTarget.for_lesson(lesson), Action.UPDATE, locks, actor)

    changed = replace(lesson, status=status)
    event = _event(
        actor, at, "lesson", lesson.id, "update", lesson, changed, None, workflow_id
    )
    return Result(changed, (event,))


def _belongs(mark: Mark, lesson: Lesson) -> None:
    if (mark.lesson_id, mark.lesson_date, mark.subject_id) != (
        lesson.id,
        lesson.date,
        lesson.subject_id,
    ):
        raise GradebookError(
            "Дата отметки — дата её урока; отметка относится к другому уроку"
        )


def _event(
    actor: Actor,
    at: datetime,
    kind: str,
    object_id: int,
    action: str,
    old: Mark | AttendanceRecord | Lesson | None,
    new: Mark | AttendanceRecord | Lesson | None,
    reason: str | None = None,
    workflow_id: str | None = None,
) -> AuditEvent:
    return user_change(
        actor,
        at,
        kind,
        object_id,
        action,
        old=None if old is None else old.snapshot(),
        new=None if new is None else new.snapshot(),
        reason=reason,
        workflow_id=workflow_id,
    )
