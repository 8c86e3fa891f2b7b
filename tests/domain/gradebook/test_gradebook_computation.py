from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from domain.gradebook.computation import (
    NOT_ASSESSED,
    PeriodKind,
    PeriodResult,
    class_average,
    class_statistics,
    compute_term_mark,
    compute_year_mark,
    preview_for_teacher,
    running_average,
)
from domain.gradebook.errors import GradebookError
from domain.gradebook.marks import MarkValue, Scale
from domain.gradebook.policy import PolicyError, TermMethod, YearMethod


def term_mark(gb, marks, policy=None, **kwargs):
    return compute_term_mark(
        marks,
        policy or gb.policy(),
        pupil_id=gb.pupil_id,
        subject_id=gb.subject_id,
        period_id=1,
        **kwargs,
    )


def year_mark(gb, values, policy, scale=Scale.FIVE_POINT):
    periods = [
        PeriodResult(
            number=n,
            title=f"{n} четверть",
            value=None if v is None else MarkValue.parse(str(v)),
            source_id=100 + n,
        )
        for n, v in enumerate(values, start=1)
    ]
    return compute_year_mark(
        periods, policy, pupil_id=gb.pupil_id, subject_id=gb.subject_id, scale=scale
    )


class TestTermMarkRounding:
    def test_exact_four_and_a_half_gives_five(self, gb):
        result = term_mark(gb, gb.marks(5, 4, 5, 4))

        assert result.exact_average == Fraction(9, 2)
        assert result.value == MarkValue.of(5)
        assert result.shown_average == "4,50"

    def test_exact_three_and_a_half_gives_four_and_two_and_a_half_gives_three(self, gb):
        assert term_mark(gb, gb.marks(3, 4)).value is None  # below the minimum of three
        assert term_mark(gb, gb.marks(3, 4, 3, 4)).value == MarkValue.of(4)
        assert term_mark(gb, gb.marks(2, 3, 2, 3)).value == MarkValue.of(3)

    def test_float_trap_three_threes_and_three_fours_gives_four(self, gb):
        result = term_mark(gb, gb.marks(3, 3, 3, 4, 4, 4))

        assert result.exact_average == Fraction(7, 2)
        assert result.value == MarkValue.of(4)

    def test_average_just_below_threshold_is_shown_cut_so_it_points_to_the_same_mark(
        self, gb
    ):
        # 4×1 + 5×1 + 4×1.5 + ... chosen so the exact average is 4.4999…: never shown as 4,50.
        marks = [gb.mark(5), gb.mark(5), gb.mark(4, kind="test_work"), gb.mark(4)]
        policy = gb.policy(weights={**gb.weights, "test_work": Decimal("1.01")})

        result = term_mark(gb, marks, policy)

        assert Fraction(449, 100) < result.exact_average < Fraction(9, 2)
        assert result.shown_average == "4,49"
        assert result.value == MarkValue.of(4)

    def test_weighted_mean_uses_policy_weights(self, gb):
        marks = [gb.mark(5, kind="control_work"), gb.mark(3), gb.mark(3)]

        result = term_mark(gb, marks)

        # (5×2 + 3 + 3) / 4 = 4 exactly
        assert result.exact_average == 4
        assert result.value == MarkValue.of(4)
        assert [line.weight for line in result.derivation.lines] == [2, 1, 1]


class TestCategoryMeans:
    def test_category_average_is_not_rounded_before_weighting(self, gb):
        policy = gb.policy(term_method=TermMethod.CATEGORY_MEANS_WEIGHTED)
        marks = [
            gb.mark(5, kind="control_work"),
            gb.mark(4, kind="control_work"),
            gb.mark(4),
            gb.mark(4),
            gb.mark(5),
        ]

        result = term_mark(gb, marks, policy)

        # control 4.5 (not 5), class 13/3: (4.5×2 + 13/3×1) / 3 = 40/9 = 4.44… → 4.
        # Rounding the control mean first would give (5×2 + 4×1) / 3 = 4.67 → 5.
        assert result.exact_average == Fraction(40, 9)
        assert result.value == MarkValue.of(4)
        assert "13/3" in result.derivation.formula

    def test_each_kind_counts_by_its_weight_whatever_the_number_of_marks(self, gb):
        policy = gb.policy(term_method=TermMethod.CATEGORY_MEANS_WEIGHTED)
        marks = [gb.mark(5, kind="control_work")] + gb.marks(3, 3, 3, 3, 3, 3)

        result = term_mark(gb, marks, policy)

        assert result.exact_average == Fraction(5 * 2 + 3 * 1, 3)


class TestNotAssessed:
    def test_too_few_marks_give_na_with_reason_and_no_number(self, gb):
        result = term_mark(gb, gb.marks(5, 5))

        assert result.value is None
        assert result.display == NOT_ASSESSED
        assert result.exact_average is None
        assert result.shown_average is None
        assert result.not_assessed_reason == (
            "недостаточно отметок: 2 при необходимом минимуме 3"
        )

    def test_no_marks_at_all(self, gb):
        result = term_mark(gb, [])

        assert result.not_assessed_reason == "нет отметок (нужно не меньше 3)"

    def test_unpublished_marks_do_not_count_towards_the_minimum(self, gb):
        marks = gb.marks(5, 5) + [gb.mark(5, kind="control_work", published=False)]

        assert term_mark(gb, marks).value is None

    def test_pass_fail_marks_are_outside_the_average(self, gb):
        marks = gb.marks(4, 4, 4) + [gb.mark("зачёт")]

        result = term_mark(gb, marks)

        assert result.exact_average == 4
        assert any("зачёт/незачёт" in warning for warning in result.warnings)


class TestPublication:
    def test_pupil_view_ignores_held_back_control_work(self, gb):
        marks = gb.marks(5, 5, 5) + [gb.mark(2, kind="control_work", published=False)]

        pupil = term_mark(gb, marks)
        teacher = preview_for_teacher(
            marks, gb.policy(), pupil_id=gb.pupil_id, subject_id=gb.subject_id
        )

        assert pupil.exact_average == 5
        assert pupil.includes_unpublished is False
        # Staff learn of the held-back mark; families' warnings do not betray it.
        assert "Не опубликовано отметок: 1" in pupil.staff_notes[0]
        assert pupil.warnings == ()
        assert teacher.exact_average == Fraction(5 * 3 + 2 * 2, 5)
        assert teacher.includes_unpublished is True

    def test_running_average_counts_published_marks_only(self, gb):
        marks = gb.marks(5, 4) + [gb.mark(2, published=False)]

        assert running_average(marks, gb.policy()) == Fraction(9, 2)
        assert running_average([gb.mark(2, published=False)], gb.policy()) is None


class TestDerivation:
    def test_policy_and_version_and_formula_are_kept_with_the_mark(self, gb):
        result = term_mark(
            gb, [gb.mark(5, kind="control_work"), gb.mark(4), gb.mark(4)]
        )

        assert (result.policy.policy_id, result.policy.version) == (7, 2)
        assert result.method == "weighted_mean"
        assert result.derivation.formula == (
            "Средневзвешенное: (5×2 + 4×1 + 4×1) / (2 + 1 + 1) = 18 / 4 = 4,5. "
            "Отметка «5» (пороги: «5» от 4,5; «4» от 3,5; «3» от 2,5; "
            "политика 7, версия 2)"
        )
        assert result.derivation.lines[0].label == "Контрольная работа, 01.10.2024"
        snapshot = result.snapshot()
        assert snapshot["exact_average"] == "9/2"
        assert snapshot["policy_version"] == 2

    def test_kind_without_weight_is_a_policy_error_in_russian(self, gb):
        with pytest.raises(PolicyError, match="не задан вес для вида работы «Диктант»"):
            term_mark(gb, gb.marks(5, 5, 5, kind="dictation"))

    def test_marks_of_another_pupil_are_refused(self, gb):
        with pytest.raises(GradebookError, match="другому ученику"):
            term_mark(gb, [gb.mark(5, pupil_id=9999)])


class TestPassFailSubject:
    def test_pass_fail_term_by_share_of_passes(self, gb):
        marks = [gb.mark("зачёт"), gb.mark("незачёт"), gb.mark("зачёт")]

        result = term_mark(gb, marks, scale=Scale.PASS_FAIL)

        assert result.value == MarkValue.passed()
        assert result.exact_average is None

    def test_mostly_failed_gives_fail(self, gb):
        marks = [gb.mark("незачёт"), gb.mark("незачёт"), gb.mark("зачёт")]

        assert term_mark(gb, marks, scale=Scale.PASS_FAIL).value == MarkValue.failed()


class TestYearMark:
    def test_mean_of_terms_half_up(self, gb):
        result = year_mark(gb, [5, 4, 5, 4], gb.policy())

        assert result.period_kind is PeriodKind.YEAR
        assert result.exact_average == Fraction(9, 2)
        assert result.value == MarkValue.of(5)
        assert [line.source_id for line in result.derivation.lines] == [
            101,
            102,
            103,
            104,
        ]

    def test_weighted_by_term(self, gb):
        policy = gb.policy(
            year_method=YearMethod.WEIGHTED_BY_TERM,
            term_weights={1: Decimal(1), 2: Decimal(1), 3: Decimal(2), 4: Decimal(1)},
        )

        result = year_mark(gb, [4, 4, 3, 4], policy)

        assert result.exact_average == Fraction(18, 5)
        assert result.value == MarkValue.of(4)

    def test_last_term_decides_a_tie_downwards(self, gb):
        policy = gb.policy(year_method=YearMethod.LAST_TERM_DECIDES_TIES)

        result = year_mark(gb, [5, 4, 5, 4], policy)

        assert result.exact_average == Fraction(9, 2)
        assert result.value == MarkValue.of(4)
        assert "решает отметка «4» за 4 четверть" in result.derivation.formula

    def test_last_term_decides_a_tie_upwards_and_is_silent_otherwise(self, gb):
        policy = gb.policy(year_method=YearMethod.LAST_TERM_DECIDES_TIES)

        assert year_mark(gb, [4, 5, 4, 5], policy).value == MarkValue.of(5)
        assert year_mark(gb, [5, 5, 5, 4], policy).value == MarkValue.of(5)

    def test_a_missing_term_makes_the_year_na_by_default(self, gb):
        result = year_mark(gb, [5, None, 5, 5], gb.policy())

        assert result.value is None
        assert result.not_assessed_reason == "нет отметки за 2 четверть"

    def test_policy_may_compute_the_year_from_the_terms_that_exist(self, gb):
        result = year_mark(gb, [5, None, 4, 4], gb.policy(year_na_if_any_term_na=False))

        assert result.exact_average == Fraction(13, 3)
        assert result.value == MarkValue.of(4)
        assert result.warnings == ("Нет отметки за 2 четверть; не учтён",)

    def test_no_term_marks_at_all(self, gb):
        result = year_mark(gb, [None, None], gb.policy(year_na_if_any_term_na=False))

        assert result.not_assessed_reason == "нет отметок за периоды"

    def test_pass_fail_year_needs_every_term_passed(self, gb):
        result = year_mark(
            gb, ["зачёт", "незачёт", "зачёт", "зачёт"], gb.policy(), Scale.PASS_FAIL
        )

        assert result.value == MarkValue.failed()

    def test_term_scale_must_match_the_subject(self, gb):
        with pytest.raises(GradebookError, match="шкале предмета"):
            year_mark(gb, [5, "зачёт"], gb.policy())


class TestClassStatistics:
    def test_class_average_is_over_pupils_not_over_sub_groups(self):
        # Group A: three pupils with «5»; group B: one pupil with «2».
        group_a = [(1, MarkValue.of(5)), (2, MarkValue.of(5)), (3, MarkValue.of(5))]
        group_b = [(4, MarkValue.of(2))]

        stats = class_statistics(group_a + group_b)

        assert stats.average == Fraction(17, 4)  # the mean of group means would be 3.5
        assert stats.shown_average == "4,25"

    def test_a_pupil_in_two_groups_counts_once(self):
        stats = class_statistics(
            [(1, MarkValue.of(5)), (1, MarkValue.of(5)), (2, MarkValue.of(3))]
        )

        assert stats.pupils == 2
        assert stats.average == 4

    def test_a_pupil_with_two_different_results_is_an_error(self):
        with pytest.raises(GradebookError, match="два разных результата"):
            class_statistics([(1, MarkValue.of(5)), (1, MarkValue.of(4))])

    def test_shares_carry_their_denominators(self):
        results = [
            (1, MarkValue.of(5)),
            (2, MarkValue.of(4)),
            (3, MarkValue.of(3)),
            (4, MarkValue.of(2)),
            (5, None),
        ]

        stats = class_statistics(results)

        assert (stats.pupils, stats.assessed, stats.not_assessed) == (5, 4, 1)
        assert stats.shares["5"].count == 1 and stats.shares["5"].denominator == 4
        assert stats.shares[NOT_ASSESSED].denominator == 5
        assert (stats.success.count, stats.success.denominator) == (3, 4)
        assert (stats.quality.count, stats.quality.denominator) == (2, 4)
        assert stats.quality.percent == "50,0 %"
        assert stats.average == Fraction(14, 4)

    def test_percent_is_cut_not_rounded(self):
        stats = class_statistics(
            [(1, MarkValue.of(5)), (2, MarkValue.of(5)), (3, MarkValue.of(3))]
        )

        assert stats.shares["5"].percent == "66,6 %"

    def test_class_average_of_pupil_averages_dedupes_pupils(self):
        pupils = [(1, Fraction(9, 2)), (2, Fraction(3)), (1, Fraction(9, 2))]

        assert class_average(pupils) == Fraction(15, 4)
        assert class_average([]) is None


def test_marks_carry_the_lesson_date(gb):
    mark = gb.mark(5, day=date(2024, 9, 3))

    assert mark.lesson_date == date(2024, 9, 3)
    assert mark.lesson_id == date(2024, 9, 3).toordinal()
