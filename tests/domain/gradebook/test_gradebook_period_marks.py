from datetime import date, datetime

import pytest

from domain.gradebook import period_marks
from domain.gradebook.audit import SYSTEM, AuditEvent, Cause, CauseKind
from domain.gradebook.computation import (
    compute_term_mark,
    compute_year_mark,
    preview_for_teacher,
)
from domain.gradebook.errors import GradebookError, StateConflict
from domain.gradebook.locks import WriteRefused
from domain.gradebook.marks import MarkValue
from domain.gradebook.period_marks import PeriodMarkStatus

END_OF_Q1 = date(2024, 10, 25)


def proposal_for(gb, *points, published=True):
    marks = [gb.mark(p, published=published) for p in points]
    return compute_term_mark(
        marks, gb.policy(), pupil_id=gb.pupil_id, subject_id=gb.subject_id, period_id=1
    )


def proposed(gb, *points):
    return period_marks.propose(
        60, proposal_for(gb, *points), at=gb.at(END_OF_Q1)
    ).value


def confirm(gb, mark, locks=()):
    return period_marks.confirm(
        mark,
        school_class_id=gb.class_id,
        locks=list(locks),
        actor=gb.teacher,
        at=gb.at(END_OF_Q1),
    )


class TestProposalAndConfirmation:
    def test_the_workflow_proposes_as_the_system(self, gb):
        result = period_marks.propose(
            60, proposal_for(gb, 5, 4, 4), at=gb.at(END_OF_Q1), workflow_id="term-end-1"
        )

        assert result.value.status is PeriodMarkStatus.PROPOSED
        assert result.value.display == "4"
        (event,) = result.events
        assert event.actor == SYSTEM
        assert event.workflow_id == "term-end-1"
        assert event.new["computed"]["policy_version"] == 2

    def test_a_teacher_preview_never_becomes_a_term_mark(self, gb):
        marks = [gb.mark(5), gb.mark(5), gb.mark(2, published=False)]
        preview = preview_for_teacher(
            marks,
            gb.policy(),
            pupil_id=gb.pupil_id,
            subject_id=gb.subject_id,
            period_id=1,
        )

        with pytest.raises(GradebookError, match="Предварительный расчёт"):
            period_marks.propose(60, preview, at=gb.at(END_OF_Q1))

    def test_the_teacher_confirms(self, gb):
        result = confirm(gb, proposed(gb, 5, 4, 4))

        assert result.value.status is PeriodMarkStatus.CONFIRMED
        assert result.value.confirmed_by == gb.teacher.user_id
        assert result.events[0].actor == gb.teacher

    def test_a_closed_term_mark_cannot_be_confirmed_or_overridden(self, gb):
        lock = gb.term_lock(gb.quarters[0])
        mark = proposed(gb, 5, 4, 4)

        with pytest.raises(WriteRefused):
            confirm(gb, mark, [lock])
        with pytest.raises(WriteRefused):
            period_marks.set_override(
                mark,
                MarkValue.of(5),
                reason="итоговая работа",
                school_class_id=gb.class_id,
                locks=[lock],
                actor=gb.teacher,
                at=gb.at(END_OF_Q1),
            )


class TestOverride:
    def test_removing_an_override_restores_the_kept_computed_mark(self, gb):
        mark = proposed(gb, 4, 4, 3)
        overridden = period_marks.set_override(
            mark,
            MarkValue.of(5),
            reason="олимпиада, призёр",
            school_class_id=gb.class_id,
            locks=[],
            actor=gb.teacher,
            at=gb.at(END_OF_Q1),
        ).value

        assert overridden.display == "5"
        assert overridden.status is PeriodMarkStatus.CONFIRMED
        assert overridden.computed.value == MarkValue.of(4)

        result = period_marks.remove_override(
            overridden,
            reason="ошибся",
            school_class_id=gb.class_id,
            locks=[],
            actor=gb.teacher,
            at=gb.at(END_OF_Q1),
        )

        assert result.value.display == "4"
        assert result.value.computed == mark.computed
        assert result.value.status is PeriodMarkStatus.PROPOSED
        assert result.events[0].old["override"]["value"] == "5"

    def test_an_override_needs_a_reason_and_a_different_value(self, gb):
        mark = proposed(gb, 4, 4, 3)

        with pytest.raises(GradebookError, match="Укажите причину"):
            period_marks.set_override(
                mark,
                MarkValue.of(5),
                reason="",
                school_class_id=gb.class_id,
                locks=[],
                actor=gb.teacher,
                at=gb.at(END_OF_Q1),
            )
        with pytest.raises(GradebookError, match="совпадает с вычисленной"):
            period_marks.set_override(
                mark,
                MarkValue.of(4),
                reason="так",
                school_class_id=gb.class_id,
                locks=[],
                actor=gb.teacher,
                at=gb.at(END_OF_Q1),
            )

    def test_recomputation_keeps_the_override_and_flags_it(self, gb):
        overridden = period_marks.set_override(
            proposed(gb, 4, 4, 3),
            MarkValue.of(5),
            reason="олимпиада",
            school_class_id=gb.class_id,
            locks=[],
            actor=gb.teacher,
            at=gb.at(END_OF_Q1),
        ).value

        result = period_marks.recompute(
            overridden,
            proposal_for(gb, 3, 3, 3),
            caused_by_change=77,
            school_class_id=gb.class_id,
            locks=[],
            at=gb.at(END_OF_Q1),
        )

        assert result.value.display == "5"
        assert result.value.computed.display == "3"
        assert result.value.recompute_flag.previous == "4"
        assert result.value.recompute_flag.current == "3"


class TestRecomputeInAnOpenTerm:
    def test_a_confirmed_mark_that_changes_goes_back_to_the_teacher(self, gb):
        confirmed = confirm(gb, proposed(gb, 4, 4, 4)).value

        result = period_marks.recompute(
            confirmed,
            proposal_for(gb, 4, 4, 4, 5, 5, 5),
            caused_by_change=88,
            school_class_id=gb.class_id,
            locks=[],
            at=gb.at(END_OF_Q1),
        )

        assert result.value.display == "5"
        assert result.value.status is PeriodMarkStatus.PROPOSED
        assert result.value.recompute_flag.caused_by_change == 88
        assert result.events[0].cause == Cause.by_system(88)

    def test_an_unconfirmed_proposal_is_simply_replaced(self, gb):
        result = period_marks.recompute(
            proposed(gb, 4, 4, 4),
            proposal_for(gb, 5, 5, 5),
            caused_by_change=89,
            school_class_id=gb.class_id,
            locks=[],
            at=gb.at(END_OF_Q1),
        )

        assert result.value.display == "5"
        assert result.value.recompute_flag is None

    def test_the_deputy_acknowledges_a_flag(self, gb):
        flagged = period_marks.recompute(
            confirm(gb, proposed(gb, 4, 4, 4)).value,
            proposal_for(gb, 5, 5, 5),
            caused_by_change=90,
            school_class_id=gb.class_id,
            locks=[],
            at=gb.at(END_OF_Q1),
        ).value

        with pytest.raises(GradebookError, match="Роль «teacher»"):
            period_marks.acknowledge_recompute(
                flagged, actor=gb.teacher, at=gb.at(END_OF_Q1)
            )
        result = period_marks.acknowledge_recompute(
            flagged, actor=gb.deputy, at=gb.at(END_OF_Q1)
        )

        assert result.value.recompute_flag is None

    def test_a_recomputation_for_another_mark_is_refused(self, gb):
        other = compute_term_mark(
            [gb.mark(5), gb.mark(5), gb.mark(5)],
            gb.policy(),
            pupil_id=gb.pupil_id,
            subject_id=gb.subject_id,
            period_id=2,
        )

        with pytest.raises(GradebookError, match="другой отметке"):
            period_marks.recompute(
                proposed(gb, 4, 4, 4),
                other,
                caused_by_change=1,
                school_class_id=gb.class_id,
                locks=[],
                at=gb.at(END_OF_Q1),
            )


class TestAttribution:
    def test_a_system_change_cannot_be_put_on_a_user(self, gb):
        with pytest.raises(GradebookError, match="не приписывается пользователю"):
            AuditEvent(
                at=gb.at(END_OF_Q1),
                actor=gb.teacher,
                cause=Cause.by_system(5),
                object_kind="term_mark",
                object_id=1,
                action="recompute",
            )

    def test_a_user_change_belongs_to_that_user(self, gb):
        with pytest.raises(GradebookError, match="ему самому"):
            AuditEvent(
                at=gb.at(END_OF_Q1),
                actor=gb.teacher,
                cause=Cause.by_user(999),
                object_kind="mark",
                object_id=1,
                action="update",
            )

    def test_times_must_carry_a_zone(self, gb):
        with pytest.raises(GradebookError, match="часовым поясом"):
            AuditEvent(
                at=datetime(2024, 10, 1, 12),
                actor=SYSTEM,
                cause=Cause.by_system(),
                object_kind="mark",
                object_id=1,
                action="update",
            )

    def test_causes_describe_themselves_in_russian(self):
        assert Cause.by_user(201).describe() == "пользователь 201"
        assert Cause.by_system(17).describe() == "система, по изменению № 17"
        assert Cause.by_system().kind is CauseKind.SYSTEM


def test_term_marks_in_force_feed_the_year_mark(gb):
    first = confirm(gb, proposed(gb, 5, 5, 4)).value
    second = period_marks.set_override(
        proposed(gb, 4, 4, 4),
        None,
        reason="длительная болезнь, нет работ",
        school_class_id=gb.class_id,
        locks=[],
        actor=gb.teacher,
        at=gb.at(END_OF_Q1),
    ).value
    with pytest.raises(StateConflict):
        confirm(gb, first)

    year = compute_year_mark(
        [
            first.as_period_result(1, "1 полугодие"),
            second.as_period_result(2, "2 полугодие"),
        ],
        gb.policy(year_na_if_any_term_na=False),
        pupil_id=gb.pupil_id,
        subject_id=gb.subject_id,
    )

    assert second.display == "н/а"
    assert year.value == MarkValue.of(5)
    assert year.derivation.lines[0].source_id == first.id
