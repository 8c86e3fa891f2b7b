from datetime import date

import pytest

from domain.gradebook import journal, period_marks
from domain.gradebook.audit import SYSTEM
from domain.gradebook.computation import compute_term_mark
from domain.gradebook.errors import GradebookError
from domain.gradebook.locks import WriteRefused
from domain.gradebook.terms import (
    SchoolYear,
    Term,
    TermKind,
    TermSchedule,
    close_term,
    close_year,
    school_year_start,
)

CLOSING_DAY = date(2024, 10, 28)


class TestCalendar:
    def test_which_term_a_date_is_in_depends_on_the_grade(self, gb):
        assert gb.year.term_for(7, date(2024, 11, 12)).title == "2 четверть"
        assert gb.year.term_for(10, date(2024, 11, 12)).title == "1 полугодие"
        assert gb.year.term_for(7, date(2024, 9, 2)).number == 1
        assert gb.year.term_for(7, date(2024, 10, 27)).number == 1

    def test_holidays_and_summer_are_in_no_term(self, gb):
        assert gb.year.term_for(7, date(2024, 11, 1)) is None
        assert gb.year.term_for(7, date(2025, 7, 1)) is None
        assert gb.year.term_for(7, date(2026, 1, 15)) is None

    def test_a_grade_without_a_schedule_is_an_error(self, gb):
        with pytest.raises(GradebookError, match="Для 5 класса не заданы периоды"):
            gb.year.term_for(5, date(2024, 10, 1))

    def test_trimesters_and_titles(self):
        terms = (
            Term(31, TermKind.TRIMESTER, 1, date(2024, 9, 2), date(2024, 11, 30)),
            Term(32, TermKind.TRIMESTER, 2, date(2024, 12, 2), date(2025, 2, 28)),
            Term(33, TermKind.TRIMESTER, 3, date(2025, 3, 3), date(2025, 5, 25)),
        )
        schedule = TermSchedule(TermKind.TRIMESTER, terms)
        year = SchoolYear(200, date(2024, 9, 1), date(2025, 8, 31), {1: schedule})

        assert year.term_for(1, date(2025, 4, 1)).title == "3 триместр"
        assert year.title == "2024/2025 учебный год"

    def test_schedules_are_validated(self, gb):
        q1, q2, q3, q4 = gb.quarters
        overlapping = Term(2, TermKind.QUARTER, 2, date(2024, 10, 20), q2.end)

        with pytest.raises(GradebookError, match="пересекаются"):
            TermSchedule(TermKind.QUARTER, (q1, overlapping, q3, q4))
        with pytest.raises(GradebookError, match="4 периода"):
            TermSchedule(TermKind.QUARTER, (q1, q2, q3))
        with pytest.raises(GradebookError, match="выходят за границы"):
            SchoolYear(
                1,
                date(2024, 9, 3),
                date(2025, 8, 31),
                {7: TermSchedule(TermKind.QUARTER, (q1, q2, q3, q4))},
            )

    def test_school_year_starts_in_september(self):
        assert school_year_start(date(2025, 5, 20)) == 2024
        assert school_year_start(date(2025, 9, 1)) == 2025


class TestClosing:
    def confirmed_mark(self, gb, pupil_id):
        marks = [
            gb.mark(5, pupil_id=pupil_id),
            gb.mark(4, pupil_id=pupil_id),
            gb.mark(4, pupil_id=pupil_id),
        ]
        proposal = compute_term_mark(
            marks, gb.policy(), pupil_id=pupil_id, subject_id=gb.subject_id, period_id=1
        )
        mark = period_marks.propose(
            pupil_id, proposal, at=gb.at(date(2024, 10, 25))
        ).value
        return period_marks.confirm(
            mark,
            school_class_id=gb.class_id,
            locks=[],
            actor=gb.teacher,
            at=gb.at(date(2024, 10, 26)),
        ).value

    def close(self, gb, marks, expected, unpublished=(), actor=None, day=CLOSING_DAY):
        return close_term(
            gb.quarters[0],
            gb.year,
            lock_id=501,
            school_class_id=gb.class_id,
            period_marks=marks,
            expected=expected,
            unpublished_mark_ids=unpublished,
            actor=actor or gb.deputy,
            at=gb.at(day),
        )

    def test_closing_locks_the_term_for_the_class(self, gb):
        marks = [self.confirmed_mark(gb, 1), self.confirmed_mark(gb, 2)]

        result = self.close(gb, marks, {(1, gb.subject_id), (2, gb.subject_id)})

        lock = result.value
        assert (lock.start, lock.end, lock.period_id) == (
            date(2024, 9, 2),
            date(2024, 10, 27),
            1,
        )
        assert lock.period_title == "1 четверть 2024/2025 учебный год"
        assert result.events[0].action == "close"
        with pytest.raises(WriteRefused):
            journal.add_mark(
                gb.mark(5, day=date(2024, 10, 1)),
                lesson=gb.lesson(date(2024, 10, 1)),
                locks=[lock],
                actor=gb.teacher,
                at=gb.at(CLOSING_DAY),
            )

    def test_every_expected_mark_must_be_confirmed(self, gb):
        marks = [self.confirmed_mark(gb, 1)]

        with pytest.raises(
            GradebookError, match=r"Не подтверждены .* \(1\): ученик 2, предмет 11"
        ):
            self.close(gb, marks, {(1, gb.subject_id), (2, gb.subject_id)})

    def test_held_back_marks_must_be_published_first(self, gb):
        with pytest.raises(
            GradebookError, match="неопубликованные отметки \\(2\\): 7, 9"
        ):
            self.close(gb, [], set(), unpublished={9, 7})

    def test_not_before_the_last_day_and_not_by_a_teacher(self, gb):
        with pytest.raises(GradebookError, match="не раньше 27.10.2024"):
            self.close(gb, [], set(), day=date(2024, 10, 20))
        with pytest.raises(GradebookError, match="Роль «teacher»"):
            self.close(gb, [], set(), actor=gb.teacher)

    def test_the_workflow_closes_as_the_system_for_the_deputy_head(self, gb):
        result = close_term(
            gb.quarters[0], gb.year, lock_id=503, school_class_id=gb.class_id,
            period_marks=[], expected=set(), unpublished_mark_ids=(), actor=SYSTEM,
            at=gb.at(CLOSING_DAY), workflow_id="gradebook-term-grading-x",
            on_behalf_of=gb.deputy.user_id)

        [event] = result.events
        assert (result.value.closed_by, result.value.on_behalf_of) == (None,
                                                                       gb.deputy.user_id)
        assert (event.actor, event.cause.kind.value, event.on_behalf_of, event.workflow_id) == (
            SYSTEM, "system", gb.deputy.user_id, "gradebook-term-grading-x")
        # Outside a workflow nobody closes in the system's name.
        with pytest.raises(GradebookError, match="Система закрывает"):
            self.close(gb, [], set(), actor=SYSTEM)

    def test_closing_the_year_locks_year_marks(self, gb):
        result = close_year(
            gb.year,
            lock_id=502,
            school_class_id=gb.class_id,
            period_marks=[],
            expected=set(),
            actor=gb.deputy,
            at=gb.at(date(2025, 8, 31)),
        )

        assert result.value.period_id == gb.year.id
        assert result.value.period_title == "2024/2025 учебный год"
