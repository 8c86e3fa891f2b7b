from dataclasses import replace
from datetime import date

import pytest

from domain.gradebook import corrections, period_marks
from domain.gradebook.attendance import AbsenceReason, AttendanceRecord, Presence
from domain.gradebook.audit import SYSTEM, CauseKind
from domain.gradebook.computation import compute_term_mark
from domain.gradebook.corrections import CorrectionStatus, NotLocked
from domain.gradebook.errors import GradebookError
from domain.gradebook.locks import (
    Action,
    WriteRefused,
    WriteTarget,
    check_write,
    set_certificate_lock,
)
from domain.gradebook.marks import MarkValue
from domain.gradebook.period_marks import PeriodMarkStatus

IN_Q1 = date(2024, 10, 1)
LATER = date(2024, 11, 20)


@pytest.fixture
def q1_lock(gb):
    return gb.term_lock(gb.quarters[0])


@pytest.fixture
def wrong_mark(gb):
    return gb.mark(3, day=IN_Q1)


def request(
    gb, current, proposed, locks, actor=None, reason="Ошибка при вводе: в тетради «5»"
):
    return corrections.request_correction(
        request_id=41,
        lesson=gb.lesson(IN_Q1),
        current=current,
        proposed=proposed,
        reason=reason,
        locks=locks,
        actor=actor or gb.teacher,
        at=gb.at(LATER),
    )


def approved(gb, current, proposed, locks):
    requested = request(gb, current, proposed, locks).value
    return corrections.approve(requested, actor=gb.deputy, at=gb.at(LATER, 14)).value


class TestLifecycle:
    def test_request_then_approval_then_one_application(self, gb, q1_lock, wrong_mark):
        fixed = wrong_mark.with_value(MarkValue.of(5))

        requested = request(gb, wrong_mark, fixed, [q1_lock])
        assert requested.value.status is CorrectionStatus.REQUESTED
        assert requested.value.action is Action.UPDATE
        assert requested.events[0].action == "request"

        with pytest.raises(GradebookError, match="ещё не рассмотрен"):
            corrections.apply_correction(
                requested.value,
                current=wrong_mark,
                locks=[q1_lock],
                actor=gb.deputy,
                at=gb.at(LATER),
            )

        decided = corrections.approve(
            requested.value, actor=gb.deputy, at=gb.at(LATER, 14)
        )
        assert decided.value.status is CorrectionStatus.APPROVED
        assert decided.value.decided_by == gb.deputy.user_id

        applied = corrections.apply_correction(
            decided.value,
            current=wrong_mark,
            locks=[q1_lock],
            actor=gb.deputy,
            at=gb.at(LATER, 15),
        )
        assert applied.value.entry == fixed
        assert applied.value.request.status is CorrectionStatus.APPLIED
        mark_event, request_event = applied.events
        assert (mark_event.object_kind, mark_event.action) == ("mark", "update")
        assert (mark_event.old["value"], mark_event.new["value"]) == ("3", "5")
        assert mark_event.reason == "Ошибка при вводе: в тетради «5»"
        assert mark_event.on_behalf_of == gb.teacher.user_id
        assert mark_event.refs == {"correction_request_id": 41}
        assert request_event.action == "apply"

        with pytest.raises(GradebookError, match="уже применено"):
            corrections.apply_correction(
                applied.value.request,
                current=fixed,
                locks=[q1_lock],
                actor=gb.deputy,
                at=gb.at(LATER, 16),
            )
        # The applied request no longer opens the mark for any further write.
        with pytest.raises(WriteRefused):
            check_write(
                WriteTarget.for_mark(fixed, gb.lesson(IN_Q1)),
                Action.UPDATE,
                [q1_lock],
                gb.deputy,
                correction=applied.value.request,
            )

    def test_only_a_deputy_head_other_than_the_author_approves(
        self, gb, q1_lock, wrong_mark
    ):
        fixed = wrong_mark.with_value(MarkValue.of(5))
        by_teacher = request(gb, wrong_mark, fixed, [q1_lock]).value
        by_deputy = request(gb, wrong_mark, fixed, [q1_lock], actor=gb.deputy).value

        with pytest.raises(GradebookError, match="Роль «teacher»"):
            corrections.approve(by_teacher, actor=gb.other_teacher, at=gb.at(LATER))
        with pytest.raises(GradebookError, match="другой сотрудник"):
            corrections.approve(by_deputy, actor=gb.deputy, at=gb.at(LATER))
        corrections.approve(by_deputy, actor=gb.other_deputy, at=gb.at(LATER))

    def test_rejection_needs_a_reason_and_ends_the_request(
        self, gb, q1_lock, wrong_mark
    ):
        requested = request(
            gb, wrong_mark, wrong_mark.with_value(MarkValue.of(5)), [q1_lock]
        )

        with pytest.raises(GradebookError, match="причину отказа"):
            corrections.reject(
                requested.value, actor=gb.deputy, at=gb.at(LATER), comment=" "
            )
        rejected = corrections.reject(
            requested.value,
            actor=gb.deputy,
            at=gb.at(LATER),
            comment="Нет подтверждения",
        )

        assert rejected.value.status is CorrectionStatus.REJECTED
        with pytest.raises(GradebookError, match="отклонён"):
            corrections.apply_correction(
                rejected.value,
                current=wrong_mark,
                locks=[q1_lock],
                actor=gb.deputy,
                at=gb.at(LATER),
            )

    def test_only_the_author_withdraws(self, gb, q1_lock, wrong_mark):
        requested = request(
            gb, wrong_mark, wrong_mark.with_value(MarkValue.of(5)), [q1_lock]
        )

        with pytest.raises(GradebookError, match="только его автор"):
            corrections.withdraw(
                requested.value, actor=gb.other_teacher, at=gb.at(LATER)
            )
        withdrawn = corrections.withdraw(
            requested.value, actor=gb.teacher, at=gb.at(LATER)
        )

        assert withdrawn.value.status is CorrectionStatus.WITHDRAWN

    def test_a_reason_is_required(self, gb, q1_lock, wrong_mark):
        with pytest.raises(GradebookError, match="Укажите причину"):
            request(
                gb,
                wrong_mark,
                wrong_mark.with_value(MarkValue.of(5)),
                [q1_lock],
                reason="  ",
            )

    def test_an_open_period_needs_no_correction(self, gb, wrong_mark):
        with pytest.raises(NotLocked, match="обычным порядком"):
            request(gb, wrong_mark, wrong_mark.with_value(MarkValue.of(5)), [])

    def test_a_stale_request_is_refused(self, gb, q1_lock, wrong_mark):
        decision = approved(
            gb, wrong_mark, wrong_mark.with_value(MarkValue.of(5)), [q1_lock]
        )
        meanwhile = wrong_mark.with_value(MarkValue.of(4))

        with pytest.raises(GradebookError, match="изменилась после подачи"):
            corrections.apply_correction(
                decision,
                current=meanwhile,
                locks=[q1_lock],
                actor=gb.deputy,
                at=gb.at(LATER),
            )

    def test_an_approved_request_opens_only_its_own_entry_and_action(
        self, gb, q1_lock, wrong_mark
    ):
        decision = approved(
            gb, wrong_mark, wrong_mark.with_value(MarkValue.of(5)), [q1_lock]
        )
        other = WriteTarget.for_mark(gb.mark(2, day=IN_Q1), gb.lesson(IN_Q1))
        own = WriteTarget.for_mark(wrong_mark, gb.lesson(IN_Q1))

        with pytest.raises(WriteRefused):
            check_write(
                other, Action.UPDATE, [q1_lock], gb.teacher, correction=decision
            )
        with pytest.raises(WriteRefused):
            check_write(own, Action.DELETE, [q1_lock], gb.teacher, correction=decision)
        check_write(own, Action.UPDATE, [q1_lock], gb.teacher, correction=decision)

    def test_deleting_and_adding_marks_and_excusing_absences(
        self, gb, q1_lock, wrong_mark
    ):
        lesson = gb.lesson(IN_Q1)
        absent = AttendanceRecord(lesson.id, gb.pupil_id, Presence.ABSENT)
        excused = replace(absent, reason=AbsenceReason.ILLNESS, excused=True)

        assert request(gb, wrong_mark, None, [q1_lock]).value.action is Action.DELETE
        assert request(gb, None, wrong_mark, [q1_lock]).value.action is Action.CREATE
        decision = approved(gb, absent, excused, [q1_lock])
        applied = corrections.apply_correction(
            decision, current=absent, locks=[q1_lock], actor=gb.deputy, at=gb.at(LATER)
        )

        assert applied.value.entry == excused
        assert applied.events[0].object_kind == "attendance"

    def test_a_correction_cannot_move_a_mark_to_another_lesson(
        self, gb, q1_lock, wrong_mark
    ):
        moved = replace(wrong_mark, lesson_date=date(2024, 10, 2))

        with pytest.raises(GradebookError, match="не переносит"):
            request(gb, wrong_mark, moved, [q1_lock])


class TestCertificateLockBeatsCorrections:
    @pytest.fixture
    def certificate_lock(self, gb):
        return set_certificate_lock(
            lock_id=77,
            certificate_id=9001,
            pupil_id=gb.pupil_id,
            subject_ids=[gb.subject_id],
            start=gb.year.start,
            end=gb.year.end,
            period_ids=[1, 100],
            actor=gb.secretary,
            at=gb.at(LATER),
        ).value

    def test_a_request_is_refused_at_once(
        self, gb, q1_lock, wrong_mark, certificate_lock
    ):
        with pytest.raises(WriteRefused) as refused:
            request(
                gb,
                wrong_mark,
                wrong_mark.with_value(MarkValue.of(5)),
                [q1_lock, certificate_lock],
            )

        assert refused.value.code == "certificate_locked"

    def test_an_approved_request_fails_when_a_certificate_was_formed_since(
        self, gb, q1_lock, wrong_mark, certificate_lock
    ):
        decision = approved(
            gb, wrong_mark, wrong_mark.with_value(MarkValue.of(5)), [q1_lock]
        )

        with pytest.raises(WriteRefused) as refused:
            corrections.apply_correction(
                decision,
                current=wrong_mark,
                locks=[q1_lock, certificate_lock],
                actor=gb.deputy,
                at=gb.at(LATER),
            )

        assert refused.value.code == "certificate_locked"
        assert "даже по одобренному запросу" in refused.value.message


class TestRecomputationAfterCorrection:
    def test_term_mark_is_recomputed_flagged_and_attributed_to_the_system(
        self, gb, q1_lock
    ):
        policy = gb.policy()
        marks = gb.marks(4, 4, 3)
        wrong = marks[2]
        proposal = compute_term_mark(
            marks, policy, pupil_id=gb.pupil_id, subject_id=gb.subject_id, period_id=1
        )
        proposed = period_marks.propose(
            60, proposal, at=gb.at(date(2024, 10, 25))
        ).value
        confirmed = period_marks.confirm(
            proposed,
            school_class_id=gb.class_id,
            locks=[],
            actor=gb.teacher,
            at=gb.at(date(2024, 10, 26)),
        ).value
        assert confirmed.display == "4"

        lesson = gb.lesson(wrong.lesson_date)
        requested = corrections.request_correction(
            request_id=42,
            lesson=lesson,
            current=wrong,
            proposed=wrong.with_value(MarkValue.of(5)),
            reason="ошибка ввода",
            locks=[q1_lock],
            actor=gb.teacher,
            at=gb.at(LATER),
        ).value
        decision = corrections.approve(
            requested, actor=gb.deputy, at=gb.at(LATER)
        ).value
        applied = corrections.apply_correction(
            decision, current=wrong, locks=[q1_lock], actor=gb.deputy, at=gb.at(LATER)
        ).value
        change_id = 12345  # the id storage gave the mark's change event

        new_proposal = compute_term_mark(
            [marks[0], marks[1], applied.entry],
            policy,
            pupil_id=gb.pupil_id,
            subject_id=gb.subject_id,
            period_id=1,
        )
        with pytest.raises(WriteRefused):
            period_marks.recompute(
                confirmed,
                new_proposal,
                caused_by_change=change_id,
                school_class_id=gb.class_id,
                locks=[q1_lock],
                at=gb.at(LATER),
            )
        result = period_marks.recompute(
            confirmed,
            new_proposal,
            caused_by_change=change_id,
            school_class_id=gb.class_id,
            locks=[q1_lock],
            at=gb.at(LATER),
            correction=applied.request,
        )

        recomputed = result.value
        assert recomputed.display == "4"  # 13/3 → 4: still «4», but flagged for review
        assert recomputed.computed.exact_average == new_proposal.exact_average
        assert recomputed.status is PeriodMarkStatus.CONFIRMED
        assert recomputed.recompute_flag.caused_by_change == change_id
        (event,) = result.events
        assert event.actor == SYSTEM
        assert event.cause.kind is CauseKind.SYSTEM
        assert event.cause.change_id == change_id
        assert event.cause.describe() == "система, по изменению № 12345"
        assert event.refs == {"correction_request_id": 42}
        assert gb.teacher.user_id not in (event.actor.user_id, event.on_behalf_of)
