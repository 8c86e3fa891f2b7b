from decimal import Decimal
from fractions import Fraction

import pytest

from domain.gradebook.errors import GradebookError
from domain.gradebook.marks import MarkValue, PassFail, Scale
from domain.gradebook.policy import GradingPolicy, PolicyError, TermMethod, YearMethod


class TestMarkValue:
    @pytest.mark.parametrize("points", [1, 6, 0, True])
    def test_only_two_to_five(self, points):
        with pytest.raises(GradebookError, match="допустимы 2, 3, 4, 5"):
            MarkValue.of(points)

    def test_exactly_one_kind_of_value(self):
        with pytest.raises(GradebookError, match="либо баллом"):
            MarkValue(points=5, pass_fail=PassFail.PASSED)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("5", MarkValue.of(5)),
            (" 3 ", MarkValue.of(3)),
            ("зачёт", MarkValue.passed()),
            ("Зачет", MarkValue.passed()),
            ("незачёт", MarkValue.failed()),
            ("н/з", MarkValue.failed()),
        ],
    )
    def test_parse(self, text, expected):
        assert MarkValue.parse(text) == expected

    def test_parse_refuses_nonsense(self):
        with pytest.raises(
            GradebookError, match=r"Не удалось распознать отметку «5\+»"
        ):
            MarkValue.parse("5+")

    def test_words_and_scale(self):
        assert MarkValue.of(5).in_words() == "5 (отлично)"
        assert MarkValue.passed().in_words() == "зачёт"
        assert MarkValue.failed().scale is Scale.PASS_FAIL
        assert MarkValue.of(3).is_positive and not MarkValue.of(2).is_positive


class TestValidation:
    def test_every_problem_is_reported_in_russian(self):
        with pytest.raises(PolicyError) as error:
            GradingPolicy(
                id=1,
                version=0,
                weights={"classwork": Decimal(0)},
                thresholds={3: Decimal("3.5"), 4: Decimal("3.5"), 5: Decimal("4.555")},
                min_marks=0,
            )

        assert error.value.problems == [
            "Версия политики должна быть положительным целым числом",
            "Вес вида работы «classwork» должен быть больше нуля",
            "Пороги должны возрастать: «3» < «4» < «5»",
            "Пороги задаются не более чем с 2 знаками после запятой",
            "Минимальное число отметок должно быть целым числом не меньше 1",
        ]

    def test_floats_are_refused(self):
        with pytest.raises(PolicyError, match="точным числом"):
            GradingPolicy(id=1, version=1, weights={"classwork": 1.5})

    def test_weighted_by_term_needs_term_weights(self):
        with pytest.raises(PolicyError, match="Не заданы веса периода"):
            GradingPolicy(
                id=1,
                version=1,
                weights={"classwork": Decimal(1)},
                year_method=YearMethod.WEIGHTED_BY_TERM,
            )

    def test_thresholds_for_three_four_five_only(self):
        with pytest.raises(PolicyError, match="ровно для отметок"):
            GradingPolicy(
                id=1,
                version=1,
                weights={"classwork": Decimal(1)},
                thresholds={5: Decimal("4.5")},
            )


class TestThresholds:
    def test_default_thresholds_are_half_up(self):
        policy = GradingPolicy(id=1, version=1, weights={"classwork": Decimal(1)})

        assert policy.mark_for(Fraction(9, 2)) == 5
        assert policy.mark_for(Fraction(449, 100)) == 4
        assert policy.mark_for(Fraction(5, 2)) == 3
        assert policy.mark_for(Fraction(249, 100)) == 2

    def test_a_stricter_school(self):
        policy = GradingPolicy(
            id=1,
            version=1,
            weights={"classwork": Decimal(1)},
            thresholds={3: Decimal("2.6"), 4: Decimal("3.6"), 5: Decimal("4.6")},
        )

        assert policy.mark_for(Fraction(9, 2)) == 4
        assert policy.mark_for(Fraction(23, 5)) == 5
        assert policy.thresholds_text() == "«5» от 4,6; «4» от 3,6; «3» от 2,6"


class TestStoredForm:
    def test_round_trip(self):
        policy = GradingPolicy(
            id=3,
            version=4,
            organization_id=77,
            weights={"classwork": Decimal(1), "essay": Decimal("2.5")},
            term_method=TermMethod.CATEGORY_MEANS_WEIGHTED,
            year_method=YearMethod.WEIGHTED_BY_TERM,
            term_weights={1: Decimal(1), 2: Decimal(2)},
            kind_titles={"project": "Проект"},
        )

        assert GradingPolicy.from_dict(policy.to_dict()) == policy

    def test_reading_reports_bad_fields(self):
        with pytest.raises(PolicyError) as error:
            GradingPolicy.from_dict(
                {
                    "id": 1,
                    "version": "2",
                    "weights": {"classwork": 1.5},
                    "term_method": "median",
                }
            )

        assert error.value.problems == [
            "Поле «version» должно быть целым числом",
            "Поле «weights.classwork»: число передаётся строкой, например «1.5»",
            "Поле «term_method»: «median» не из списка (weighted_mean, category_means_weighted)",
        ]

    def test_school_kinds_have_titles(self):
        policy = GradingPolicy(
            id=1,
            version=1,
            weights={"project": Decimal(3)},
            kind_titles={"project": "Проект"},
        )

        assert policy.kind_title("project") == "Проект"
        assert policy.kind_title("control_work") == "Контрольная работа"
        assert policy.kind_title("unknown") == "unknown"
