"""Attendance per lesson and attendance percentages, always taken over held lessons."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.gradebook.computation import Share
from domain.gradebook.errors import GradebookError
from domain.gradebook.lessons import Lesson, LessonStatus


class Presence(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    LATE = "late"


class AbsenceReason(StrEnum):
    ILLNESS = "illness"
    FAMILY = "family"
    SCHOOL_EVENT = "school_event"
    OTHER = "other"


ABSENCE_REASON_TITLES_RU = {
    AbsenceReason.ILLNESS: "болезнь",
    AbsenceReason.FAMILY: "семейные обстоятельства",
    AbsenceReason.SCHOOL_EVENT: "олимпиада, соревнование или другое мероприятие школы",
    AbsenceReason.OTHER: "другая причина",
}


@dataclass(frozen=True)
class AttendanceRecord:
    """A pupil's presence at one lesson; a lesson without a record counts as attended."""

    lesson_id: int
    pupil_id: int
    presence: Presence
    reason: AbsenceReason | None = None
    excused: bool = False
    late_minutes: int | None = None

    def __post_init__(self) -> None:
        if self.presence is Presence.PRESENT and (self.reason or self.excused):
            raise GradebookError(
                "У присутствовавшего ученика не бывает причины пропуска"
            )
        if self.late_minutes is not None and (
            self.presence is not Presence.LATE or self.late_minutes < 1
        ):
            raise GradebookError(
                "Минуты опоздания указываются только при опоздании, от 1"
            )

    def snapshot(self) -> dict[str, object]:
        return {
            "lesson_id": self.lesson_id,
            "pupil_id": self.pupil_id,
            "presence": self.presence.value,
            "reason": self.reason.value if self.reason else None,
            "excused": self.excused,
            "late_minutes": self.late_minutes,
        }


@dataclass(frozen=True)
class Membership:
    """A pupil on the roster of a class (study_group_id None) or of one of its groups."""

    pupil_id: int
    start: date
    end: date | None = None
    study_group_id: int | None = None

    def covers(self, lesson: Lesson) -> bool:
        if self.study_group_id != lesson.study_group_id:
            return False
        return self.start <= lesson.date and (
            self.end is None or lesson.date <= self.end
        )


@dataclass(frozen=True)
class AttendanceSummary:
    """A pupil's attendance over the held lessons they were on the roster for."""

    pupil_id: int
    held: int
    absent: int
    absent_excused: int
    late: int

    @property
    def attended(self) -> Share:
        return Share(self.held - self.absent, self.held)

    @property
    def absences(self) -> Share:
        return Share(self.absent, self.held)

    @property
    def unexcused_absences(self) -> Share:
        return Share(self.absent - self.absent_excused, self.held)

    @property
    def lateness(self) -> Share:
        return Share(self.late, self.held)


@dataclass(frozen=True)
class ClassAttendance:
    """Attendance of a class as pupil-lessons, with every pupil who was ever on its roster."""

    pupils: tuple[AttendanceSummary, ...]

    @property
    def pupil_lessons(self) -> int:
        return sum(summary.held for summary in self.pupils)

    @property
    def attended(self) -> Share:
        return Share(sum(s.held - s.absent for s in self.pupils), self.pupil_lessons)

    @property
    def absences(self) -> Share:
        return Share(sum(s.absent for s in self.pupils), self.pupil_lessons)

    @property
    def unexcused_absences(self) -> Share:
        unexcused = sum(s.absent - s.absent_excused for s in self.pupils)
        return Share(unexcused, self.pupil_lessons)


def pupil_attendance(
    pupil_id: int,
    lessons: Iterable[Lesson],
    records: Iterable[AttendanceRecord],
    memberships: Iterable[Membership],
) -> AttendanceSummary:
    """Planned and cancelled lessons are left out of the denominator and of the counts."""
    own = [membership for membership in memberships if membership.pupil_id == pupil_id]
    held = [
        lesson
        for lesson in lessons
        if lesson.status is LessonStatus.HELD and any(m.covers(lesson) for m in own)
    ]
    held_ids = {lesson.id for lesson in held}
    counted = _records_by_lesson(
        record
        for record in records
        if record.pupil_id == pupil_id and record.lesson_id in held_ids
    )

    absent = [r for r in counted.values() if r.presence is Presence.ABSENT]
    return AttendanceSummary(
        pupil_id=pupil_id,
        held=len(held),
        absent=len(absent),
        absent_excused=sum(1 for record in absent if record.excused),
        late=sum(1 for r in counted.values() if r.presence is Presence.LATE),
    )


def class_attendance(
    lessons: Sequence[Lesson],
    records: Sequence[AttendanceRecord],
    memberships: Sequence[Membership],
) -> ClassAttendance:
    """Every pupil who was on the roster keeps their rows, including those who have left."""
    pupil_ids = sorted({membership.pupil_id for membership in memberships})
    return ClassAttendance(
        tuple(pupil_attendance(pid, lessons, records, memberships) for pid in pupil_ids)
    )


def _records_by_lesson(
    records: Iterable[AttendanceRecord],
) -> dict[int, AttendanceRecord]:
    by_lesson: dict[int, AttendanceRecord] = {}
    for record in records:
        if record.lesson_id in by_lesson:
            raise GradebookError(
                f"Две записи посещаемости ученика {record.pupil_id} на уроке {record.lesson_id}"
            )
        by_lesson[record.lesson_id] = record
    return by_lesson
