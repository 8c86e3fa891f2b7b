from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.enrollment.age import (
    Age,
    AgeCategory,
    age_on,
    assess_age,
    format_age_ru,
    plural_ru,
)
from domain.enrollment.errors import BirthAfterReferenceDateError

SEPT_1 = date(2026, 9, 1)


class TestBoundaries:
    """enrollment.md §3.5, both limits read inclusively."""

    @pytest.mark.parametrize(
        ("birth", "age", "category"),
        [
            (date(2020, 3, 1), Age(6, 6, 0), AgeCategory.WITHIN_LIMITS),
            (date(2020, 3, 2), Age(6, 5, 30), AgeCategory.TOO_YOUNG),
            (date(2018, 9, 2), Age(7, 11, 30), AgeCategory.WITHIN_LIMITS),
            (date(2018, 9, 1), Age(8, 0, 0), AgeCategory.TOO_OLD),
        ],
    )
    def test_the_four_boundary_births(
        self, birth: date, age: Age, category: AgeCategory
    ) -> None:
        assessment = assess_age(birth, SEPT_1)

        assert assessment.age == age
        assert assessment.category is category
        assert assessment.needs_founder_permission is (
            category is not AgeCategory.WITHIN_LIMITS
        )
        assert assessment.clause.startswith("ч. 1 ст. 67")

    def test_t23_child_born_2_march_2020_needs_the_founders_permission(self) -> None:
        assessment = assess_age(date(2020, 3, 2), SEPT_1)

        assert assessment.needs_founder_permission
        assert str(assessment.age) == "6 лет 5 месяцев 30 дней"

    def test_the_contract_examples(self) -> None:
        # examples 05 and 06 of the first-grade contract: 6 y 3 m and 8 y 1 m.
        assert assess_age(date(2020, 6, 1), SEPT_1).category is AgeCategory.TOO_YOUNG
        assert assess_age(date(2018, 8, 1), SEPT_1).category is AgeCategory.TOO_OLD


class TestCalendarArithmetic:
    def test_29_february_birth_counts_years_on_28_february(self) -> None:
        assert age_on(date(2020, 2, 29), date(2021, 2, 28)) == Age(1, 0, 0)
        assert age_on(date(2020, 2, 29), date(2021, 2, 27)) == Age(0, 11, 29)
        assert age_on(date(2020, 2, 29), date(2024, 2, 29)) == Age(4, 0, 0)
        assert age_on(date(2020, 2, 29), date(2024, 2, 28)) == Age(3, 11, 30)

    def test_29_february_2020_child_on_1_september_2026(self) -> None:
        assessment = assess_age(date(2020, 2, 29), SEPT_1)

        assert assessment.age == Age(6, 6, 3)
        assert assessment.category is AgeCategory.WITHIN_LIMITS

    def test_a_month_ending_on_a_missing_day(self) -> None:
        assert age_on(date(2026, 1, 31), date(2026, 2, 28)) == Age(0, 1, 0)
        assert age_on(date(2026, 1, 31), date(2026, 3, 30)) == Age(0, 1, 30)
        assert age_on(date(2026, 1, 31), date(2026, 3, 31)) == Age(0, 2, 0)

    def test_birth_on_the_reference_date(self) -> None:
        assert age_on(SEPT_1, SEPT_1) == Age(0, 0, 0)

    def test_birth_after_the_reference_date_is_refused(self) -> None:
        with pytest.raises(BirthAfterReferenceDateError, match="позже даты расчёта"):
            age_on(date(2026, 9, 2), SEPT_1)

    @given(
        birth=st.dates(min_value=date(2010, 1, 1), max_value=date(2026, 8, 31)),
        gap=st.integers(min_value=0, max_value=4000),
    )
    def test_age_never_decreases_and_parts_stay_in_range(
        self, birth: date, gap: int
    ) -> None:
        today = birth + timedelta(days=gap)
        age = age_on(birth, today)
        tomorrow = age_on(birth, today + timedelta(days=1))

        assert 0 <= age.months < 12
        assert 0 <= age.days < 31
        assert tomorrow > age


class TestRussianWording:
    @pytest.mark.parametrize(
        ("age", "text"),
        [
            (Age(6, 5, 30), "6 лет 5 месяцев 30 дней"),
            (Age(6, 6, 0), "6 лет 6 месяцев"),
            (Age(8, 0, 0), "8 лет"),
            (Age(7, 1, 1), "7 лет 1 месяц 1 день"),
            (Age(6, 2, 2), "6 лет 2 месяца 2 дня"),
            (Age(6, 11, 21), "6 лет 11 месяцев 21 день"),
            (Age(1, 4, 24), "1 год 4 месяца 24 дня"),
            (Age(2, 0, 11), "2 года 11 дней"),
            (Age(0, 0, 0), "0 дней"),
        ],
    )
    def test_plural_forms(self, age: Age, text: str) -> None:
        assert format_age_ru(age) == text

    @pytest.mark.parametrize(
        ("number", "form"),
        [(1, "год"), (2, "года"), (5, "лет"), (11, "лет"), (14, "лет"), (21, "год"),
         (22, "года"), (111, "лет"), (101, "год")],
    )  # fmt: skip
    def test_plural_ru(self, number: int, form: str) -> None:
        assert plural_ru(number, ("год", "года", "лет")) == form
