from dataclasses import replace
from datetime import date

import pytest

from domain.gradebook import journal
from domain.gradebook.attendance import AbsenceReason, AttendanceRecord, Presence
from domain.gradebook.audit import SYSTEM, Outcome
from domain.gradebook.errors import GradebookError, StateConflict
from domain.gradebook.lessons import LessonStatus
from domain.gradebook.locks import (
    Action,
    TargetKind,
    WriteRefused,
    WriteTarget,
    check_write,
    check_writes,
    release_certificate_lock,
    set_certificate_lock,
)
from domain.gradebook.marks import MarkValue

IN_Q1 = date(2024, 10, 1)
IN_Q2 = date(2024, 11, 12)


@pytest.fixture
def q1_lock(gb):
    return gb.term_lock(gb.quarters[0])


@pytest.fixture
def certificate_lock(gb):
    return set_certificate_lock(
        lock_id=77,
        certificate_id=9001,
        pupil_id=gb.pupil_id,
        subject_ids=[gb.subject_id],
        start=gb.year.start,
        end=gb.year.end,
        period_ids=[1, 2, 3, 4, 100],
        actor=gb.secretary,
        at=gb.at(date(2025, 6, 20)),
    ).value


class TestClosedTermRefusesEveryPath:
    def test_adding_a_mark(self, gb, q1_lock):
        mark = gb.mark(5, day=IN_Q1)

        with pytest.raises(WriteRefused) as refused:
            journal.add_mark(
                mark,
                lesson=gb.lesson(IN_Q1),
                locks=[q1_lock],
                actor=gb.teacher,
                at=gb.at(IN_Q2),
            )

        assert refused.value.code == "term_locked"
        assert refused.value.http_status == 409
        assert "1 четверть 2024/2025 учебный год" in refused.value.message
        assert "запрос на исправление" in refused.value.message

    def test_changing_a_mark(self, gb, q1_lock):
        mark = gb.mark(3, day=IN_Q1)

        with pytest.raises(WriteRefused, match="закрыт"):
            journal.change_mark(
                mark,
                MarkValue.of(5),
                lesson=gb.lesson(IN_Q1),
                locks=[q1_lock],
                actor=gb.teacher,
                at=gb.at(IN_Q2),
            )

    def test_delete_and_re_add_is_refused_at_the_delete(self, gb, q1_lock):
        mark = gb.mark(3, day=IN_Q1)
        lesson = gb.lesson(IN_Q1)

        with pytest.raises(WriteRefused):
            journal.remove_mark(
                mark, lesson=lesson, locks=[q1_lock], actor=gb.teacher, at=gb.at(IN_Q2)
            )
        with pytest.raises(WriteRefused):
            journal.add_mark(
                replace(mark, id=999, value=MarkValue.of(5)),
                lesson=lesson,
                locks=[q1_lock],
                actor=gb.teacher,
                at=gb.at(IN_Q2),
            )

    def test_publishing_a_held_back_column(self, gb, q1_lock):
        held = [
            gb.mark(4, day=IN_Q1, published=False),
            gb.mark(5, day=IN_Q1, published=False),
        ]

        with pytest.raises(WriteRefused):
            journal.set_published(
                held,
                True,
                lesson=gb.lesson(IN_Q1),
                locks=[q1_lock],
                actor=gb.teacher,
                at=gb.at(IN_Q2),
            )

    def test_attendance_entry(self, gb, q1_lock):
        record = AttendanceRecord(IN_Q1.toordinal(), gb.pupil_id, Presence.ABSENT)
        excused = replace(record, reason=AbsenceReason.ILLNESS, excused=True)

        with pytest.raises(WriteRefused):
            journal.record_attendance(
                record,
                excused,
                lesson=gb.lesson(IN_Q1),
                locks=[q1_lock],
                actor=gb.teacher,
                at=gb.at(IN_Q2),
            )

    def test_moving_a_lesson_out_of_the_closed_term(self, gb, q1_lock):
        lesson = gb.lesson(IN_Q1)

        with pytest.raises(WriteRefused, match="из закрытого периода"):
            journal.move_lesson(
                lesson,
                IN_Q2,
                marks=[],
                attendance=[],
                locks=[q1_lock],
                actor=gb.teacher,
                at=gb.at(IN_Q2),
            )

    def test_moving_a_lesson_with_its_marks_into_the_closed_term(self, gb, q1_lock):
        lesson = gb.lesson(IN_Q2)
        mark = gb.mark(2, day=IN_Q2)

        with pytest.raises(WriteRefused, match="в закрытый период"):
            journal.move_lesson(
                lesson,
                IN_Q1,
                marks=[mark],
                attendance=[],
                locks=[q1_lock],
                actor=gb.teacher,
                at=gb.at(IN_Q2),
            )

    def test_deleting_a_lesson_column(self, gb, q1_lock):
        lesson = gb.lesson(IN_Q1)

        with pytest.raises(WriteRefused):
            journal.remove_lesson(
                lesson,
                marks=[gb.mark(5, day=IN_Q1)],
                attendance=[],
                locks=[q1_lock],
                actor=gb.deputy,
                at=gb.at(IN_Q2),
            )

    def test_cancelling_a_held_lesson(self, gb, q1_lock):
        with pytest.raises(WriteRefused):
            journal.set_lesson_status(
                gb.lesson(IN_Q1),
                LessonStatus.CANCELLED,
                locks=[q1_lock],
                actor=gb.deputy,
                at=gb.at(IN_Q2),
            )

    def test_recomputing_a_closed_term_mark_without_a_correction(self, gb, q1_lock):
        target = WriteTarget(
            TargetKind.TERM_MARK,
            5,
            gb.class_id,
            gb.subject_id,
            gb.pupil_id,
            period_id=1,
        )

        with pytest.raises(WriteRefused, match="пересчитывается только"):
            check_write(target, Action.RECOMPUTE, [q1_lock], SYSTEM)

    def test_no_role_bypasses_the_lock(self, gb, q1_lock):
        target = WriteTarget.for_mark(gb.mark(5, day=IN_Q1), gb.lesson(IN_Q1))

        for actor in (gb.teacher, gb.deputy, gb.secretary, SYSTEM):
            with pytest.raises(WriteRefused):
                check_write(target, Action.UPDATE, [q1_lock], actor)


class TestOpenTermAndScope:
    def test_open_term_accepts_writes_and_audits_them(self, gb, q1_lock):
        mark = gb.mark(5, day=IN_Q2)

        result = journal.add_mark(
            mark,
            lesson=gb.lesson(IN_Q2),
            locks=[q1_lock],
            actor=gb.teacher,
            at=gb.at(IN_Q2),
        )

        assert result.value == mark
        (event,) = result.events
        assert (event.action, event.object_kind, event.actor) == (
            "create",
            "mark",
            gb.teacher,
        )
        assert event.new["value"] == "5"

    def test_moving_a_lesson_within_open_terms_moves_its_marks(self, gb, q1_lock):
        lesson = gb.lesson(IN_Q2)
        mark = gb.mark(4, day=IN_Q2)
        new_day = date(2024, 11, 19)

        result = journal.move_lesson(
            lesson,
            new_day,
            marks=[mark],
            attendance=[],
            locks=[q1_lock],
            actor=gb.teacher,
            at=gb.at(IN_Q2),
        )

        assert result.value.lesson.date == new_day
        assert result.value.marks[0].lesson_date == new_day
        assert [event.object_kind for event in result.events] == ["lesson", "mark"]

    def test_another_class_is_not_locked(self, gb, q1_lock):
        lesson = gb.lesson(IN_Q1, school_class_id=702)
        mark = gb.mark(5, day=IN_Q1)

        journal.add_mark(
            mark, lesson=lesson, locks=[q1_lock], actor=gb.teacher, at=gb.at(IN_Q2)
        )

    def test_a_lock_for_one_subject_leaves_the_others_open(self, gb):
        lock = gb.term_lock(gb.quarters[0], subject_id=12)

        journal.add_mark(
            gb.mark(5, day=IN_Q1),
            lesson=gb.lesson(IN_Q1),
            locks=[lock],
            actor=gb.teacher,
            at=gb.at(IN_Q2),
        )

    def test_a_mark_dated_other_than_its_lesson_is_refused(self, gb):
        with pytest.raises(GradebookError, match="дата её урока"):
            journal.add_mark(
                gb.mark(5, day=IN_Q1),
                lesson=gb.lesson(IN_Q2, id=IN_Q1.toordinal()),
                locks=[],
                actor=gb.teacher,
                at=gb.at(IN_Q2),
            )

    def test_refusal_is_audited_with_reason_and_code(self, gb, q1_lock):
        target = WriteTarget.for_mark(gb.mark(5, day=IN_Q1), gb.lesson(IN_Q1))

        with pytest.raises(WriteRefused) as refused:
            check_write(target, Action.DELETE, [q1_lock], gb.teacher)
        event = refused.value.audit_event(gb.at(IN_Q2), workflow_id="wf-1")

        assert event.outcome is Outcome.REFUSED
        assert event.refusal_code == "term_locked"
        assert event.actor == gb.teacher
        assert event.reason == refused.value.message
        assert event.refs == {"lock_id": q1_lock.id}
        assert event.workflow_id == "wf-1"


class TestCertificateLock:
    def test_locks_the_pupils_marks_in_the_certificate_subjects(
        self, gb, certificate_lock
    ):
        target = WriteTarget.for_mark(gb.mark(5, day=IN_Q2), gb.lesson(IN_Q2))

        with pytest.raises(WriteRefused) as refused:
            check_write(target, Action.UPDATE, [certificate_lock], gb.teacher)

        assert refused.value.code == "certificate_locked"
        assert "№ 9001" in refused.value.message

    def test_other_pupils_and_attendance_are_not_certificate_data(
        self, gb, certificate_lock
    ):
        lesson = gb.lesson(IN_Q2)
        other = WriteTarget.for_mark(gb.mark(5, day=IN_Q2, pupil_id=5002), lesson)
        attendance = WriteTarget.for_attendance(
            AttendanceRecord(lesson.id, gb.pupil_id, Presence.ABSENT), lesson
        )

        check_write(other, Action.UPDATE, [certificate_lock], gb.teacher)
        check_write(attendance, Action.UPDATE, [certificate_lock], gb.teacher)

    def test_deleting_a_lesson_that_carries_a_locked_mark_is_refused(
        self, gb, certificate_lock
    ):
        with pytest.raises(WriteRefused, match="аттестате"):
            journal.remove_lesson(
                gb.lesson(IN_Q2),
                marks=[gb.mark(5, day=IN_Q2)],
                attendance=[],
                locks=[certificate_lock],
                actor=gb.deputy,
                at=gb.at(IN_Q2),
            )

    def test_period_marks_and_final_marks_are_locked(self, gb, certificate_lock):
        year_mark = WriteTarget(
            TargetKind.YEAR_MARK,
            1,
            gb.class_id,
            gb.subject_id,
            gb.pupil_id,
            period_id=100,
        )
        final = WriteTarget(TargetKind.FINAL_MARK, 1, None, gb.subject_id, gb.pupil_id)

        for target in (year_mark, final):
            with pytest.raises(WriteRefused):
                check_write(target, Action.UPDATE, [certificate_lock], gb.secretary)

    def test_the_duplicate_process_writes_a_new_version_of_final_marks(
        self, gb, certificate_lock
    ):
        final = WriteTarget(TargetKind.FINAL_MARK, 1, None, gb.subject_id, gb.pupil_id)

        check_write(
            final, Action.NEW_VERSION, [certificate_lock], gb.secretary, duplicate_id=5
        )
        with pytest.raises(WriteRefused):
            check_write(final, Action.NEW_VERSION, [certificate_lock], gb.secretary)
        with pytest.raises(GradebookError, match="только для итоговых"):
            year = WriteTarget(
                TargetKind.YEAR_MARK,
                1,
                gb.class_id,
                gb.subject_id,
                gb.pupil_id,
                period_id=100,
            )
            check_write(
                year,
                Action.NEW_VERSION,
                [certificate_lock],
                gb.secretary,
                duplicate_id=5,
            )

    def test_released_only_by_cancelling_that_certificate_before_issue(
        self, gb, certificate_lock
    ):
        when = gb.at(date(2025, 6, 21))
        with pytest.raises(GradebookError, match="дубликата"):
            release_certificate_lock(
                certificate_lock,
                cancelled_certificate_id=9001,
                certificate_issued=True,
                reason="ошибка в фамилии",
                actor=gb.secretary,
                at=when,
            )
        with pytest.raises(GradebookError, match="того аттестата"):
            release_certificate_lock(
                certificate_lock,
                cancelled_certificate_id=9002,
                certificate_issued=False,
                reason="ошибка",
                actor=gb.secretary,
                at=when,
            )
        with pytest.raises(GradebookError, match="Роль «teacher»"):
            release_certificate_lock(
                certificate_lock,
                cancelled_certificate_id=9001,
                certificate_issued=False,
                reason="ошибка",
                actor=gb.teacher,
                at=when,
            )

        result = release_certificate_lock(
            certificate_lock,
            cancelled_certificate_id=9001,
            certificate_issued=False,
            reason="отметка по физике внесена неверно",
            actor=gb.secretary,
            at=when,
        )

        assert not result.value.is_active
        assert result.events[0].action == "release"
        target = WriteTarget.for_mark(gb.mark(5, day=IN_Q2), gb.lesson(IN_Q2))
        check_write(target, Action.UPDATE, [result.value], gb.teacher)


def test_a_batch_stops_at_the_first_locked_entry(gb, q1_lock):
    open_target = WriteTarget.for_mark(gb.mark(5, day=IN_Q2), gb.lesson(IN_Q2))
    locked_target = WriteTarget.for_mark(gb.mark(5, day=IN_Q1), gb.lesson(IN_Q1))

    check_writes([open_target], Action.DELETE, [q1_lock], gb.deputy)
    with pytest.raises(WriteRefused) as refused:
        check_writes([open_target, locked_target], Action.DELETE, [q1_lock], gb.deputy)

    assert refused.value.target == locked_target


def test_an_issued_certificate_is_a_state_conflict(gb, certificate_lock):
    with pytest.raises(StateConflict) as conflict:
        release_certificate_lock(
            certificate_lock,
            cancelled_certificate_id=9001,
            certificate_issued=True,
            reason="ошибка",
            actor=gb.secretary,
            at=gb.at(date(2025, 6, 21)),
        )

    assert conflict.value.http_status == 409
