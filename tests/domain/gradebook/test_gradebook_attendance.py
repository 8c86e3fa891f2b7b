from datetime import date, timedelta
from fractions import Fraction

import pytest

from domain.gradebook.attendance import (
    AbsenceReason,
    AttendanceRecord,
    Membership,
    Presence,
    class_attendance,
    pupil_attendance,
)
from domain.gradebook.errors import GradebookError
from domain.gradebook.lessons import LessonStatus

START = date(2024, 9, 2)


def week_of_lessons(gb, statuses):
    return [
        gb.lesson(START + timedelta(days=i), status=status)
        for i, status in enumerate(statuses)
    ]


def absent(lesson, pupil_id, excused=False):
    reason = AbsenceReason.ILLNESS if excused else None
    return AttendanceRecord(
        lesson.id, pupil_id, Presence.ABSENT, reason=reason, excused=excused
    )


class TestPupilAttendance:
    def test_percentages_are_over_held_lessons_only(self, gb):
        lessons = week_of_lessons(
            gb,
            [LessonStatus.HELD] * 4 + [LessonStatus.CANCELLED, LessonStatus.PLANNED],
        )
        records = [
            absent(lessons[0], 1),
            absent(lessons[4], 1),
        ]  # the second one is void

        summary = pupil_attendance(1, lessons, records, [Membership(1, START)])

        assert summary.held == 4
        assert summary.absences.count == 1
        assert summary.absences.fraction == Fraction(1, 4)
        assert summary.attended.percent == "75,0 %"

    def test_excused_and_late_are_told_apart(self, gb):
        lessons = week_of_lessons(gb, [LessonStatus.HELD] * 3)
        records = [
            absent(lessons[0], 1, excused=True),
            absent(lessons[1], 1),
            AttendanceRecord(lessons[2].id, 1, Presence.LATE, late_minutes=10),
        ]

        summary = pupil_attendance(1, lessons, records, [Membership(1, START)])

        assert (summary.absent, summary.absent_excused, summary.late) == (2, 1, 1)
        assert summary.unexcused_absences.count == 1
        assert summary.attended.count == 1  # late still attended

    def test_a_pupil_who_left_keeps_their_rows_and_is_not_counted_after(self, gb):
        lessons = week_of_lessons(gb, [LessonStatus.HELD] * 5)
        left = Membership(1, START, end=START + timedelta(days=1))
        records = [
            absent(lessons[1], 1),
            absent(lessons[3], 1),
        ]  # after leaving: not theirs

        summary = pupil_attendance(1, lessons, records, [left])

        assert summary.held == 2
        assert summary.absent == 1

    def test_group_lessons_count_for_group_members_only(self, gb):
        lessons = [
            gb.lesson(START, study_group_id=31),
            gb.lesson(START + timedelta(days=1), study_group_id=32),
            gb.lesson(START + timedelta(days=2)),
        ]
        memberships = [Membership(1, START), Membership(1, START, study_group_id=31)]

        assert pupil_attendance(1, lessons, [], memberships).held == 2

    def test_no_held_lessons_gives_no_percentage(self, gb):
        lessons = week_of_lessons(gb, [LessonStatus.PLANNED])

        summary = pupil_attendance(1, lessons, [], [Membership(1, START)])

        assert summary.held == 0
        assert summary.attended.percent is None


class TestClassAttendance:
    def test_pupil_lessons_include_those_of_pupils_who_left(self, gb):
        lessons = week_of_lessons(
            gb, [LessonStatus.HELD] * 4 + [LessonStatus.CANCELLED]
        )
        memberships = [
            Membership(1, START),
            Membership(2, START, end=START + timedelta(days=1)),
        ]
        records = [absent(lessons[0], 2), absent(lessons[3], 1, excused=True)]

        stats = class_attendance(lessons, records, memberships)

        assert [s.pupil_id for s in stats.pupils] == [1, 2]
        assert stats.pupil_lessons == 4 + 2
        assert (stats.absences.count, stats.absences.denominator) == (2, 6)
        assert stats.unexcused_absences.count == 1
        assert stats.attended.fraction == Fraction(4, 6)


class TestRecords:
    def test_a_present_pupil_has_no_absence_reason(self):
        with pytest.raises(GradebookError, match="не бывает причины"):
            AttendanceRecord(1, 1, Presence.PRESENT, reason=AbsenceReason.ILLNESS)

    def test_late_minutes_only_when_late(self):
        with pytest.raises(GradebookError, match="Минуты опоздания"):
            AttendanceRecord(1, 1, Presence.ABSENT, late_minutes=5)

    def test_two_records_for_one_lesson_are_an_error(self, gb):
        lesson = gb.lesson(START)

        with pytest.raises(GradebookError, match="Две записи"):
            pupil_attendance(
                1,
                [lesson],
                [absent(lesson, 1), absent(lesson, 1)],
                [Membership(1, START)],
            )
