"""Exact half-up rounding (§3.4, C1, C2) and the words printed on documents (§5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from domain.certificates.errors import InvalidMark
from domain.certificates.marks import PassMark, exact_mean, half_up, half_up_mean
from domain.certificates.wording import (
    blanks_quantity_in_words,
    date_in_words,
    mark_in_words,
    number_in_words,
)


class TestHalfUp:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (Fraction(9, 2), 5),
            (Fraction(7, 2), 4),
            (Fraction(5, 2), 3),
            (Fraction(27, 6), 5),
            (Fraction(26, 6), 4),
            (Fraction(21, 6), 4),
            (Fraction(45, 10), 5),
            (Fraction(13, 3), 4),
            (Fraction(449, 100), 4),
            (Fraction(4_499_999, 1_000_000), 4),
            (Decimal("4.5"), 5),
            (Decimal("4.49"), 4),
            (4, 4),
        ],
    )
    def test_rounds_exact_values_half_up(
        self, value: Fraction | Decimal, expected: int
    ) -> None:
        assert half_up(value) == expected

    def test_differs_from_builtin_round_on_halves(self) -> None:
        # Python's banker's rounding gives 4 and 2: the order wants 5 and 3.
        assert (round(4.5), round(2.5)) == (4, 2)
        assert (half_up(Fraction(9, 2)), half_up(Fraction(5, 2))) == (5, 3)

    def test_refuses_floats(self) -> None:
        with pytest.raises(TypeError):
            half_up(3.5)  # type: ignore[arg-type]

    def test_a_float_among_the_marks_is_an_error_not_dropped(self) -> None:
        # Dropping 3.0 from [5, 3.0] would give 5 instead of 4.
        with pytest.raises(TypeError):
            exact_mean([5, 3.0])  # type: ignore[list-item]
        with pytest.raises(TypeError):
            half_up_mean([4, 4.5])  # type: ignore[list-item]

    def test_mean_of_three_threes_and_three_fours_is_four_despite_float_trap(
        self,
    ) -> None:
        marks = [3, 3, 3, 4, 4, 4]
        assert sum(m / 6 for m in marks) < 3.5  # the float trap of C2
        assert half_up_mean(marks) == 4


class TestWording:
    def test_date_in_words_uses_genitive_month_and_the_word_goda(self) -> None:
        assert date_in_words(date(2026, 6, 25)) == "25 июня 2026 года"
        assert date_in_words(date(2026, 9, 1)) == "1 сентября 2026 года"

    @pytest.mark.parametrize(
        ("mark", "text"),
        [
            (5, "5 (отлично)"),
            (4, "4 (хорошо)"),
            (3, "3 (удовлетворительно)"),
            (PassMark.PASSED, "зачтено"),
        ],
    )
    def test_marks_in_words(self, mark: int | PassMark, text: str) -> None:
        assert mark_in_words(mark) == text

    @pytest.mark.parametrize("mark", [2, PassMark.FAILED])
    def test_unsatisfactory_marks_are_never_printed(self, mark: int | PassMark) -> None:
        with pytest.raises(InvalidMark, match="не может быть напечатана"):
            mark_in_words(mark)

    def test_marks_outside_the_scale_are_refused(self) -> None:
        with pytest.raises(InvalidMark, match="вне шкалы"):
            mark_in_words(6)

    @pytest.mark.parametrize(
        ("value", "words"),
        [
            (0, "ноль"),
            (1, "один"),
            (11, "одиннадцать"),
            (21, "двадцать один"),
            (112, "сто двенадцать"),
            (1000, "одна тысяча"),
            (2002, "две тысячи два"),
            (15_300, "пятнадцать тысяч триста"),
        ],
    )
    def test_numbers_in_words(self, value: int, words: str) -> None:
        assert number_in_words(value) == words

    @pytest.mark.parametrize(
        ("count", "text"),
        [
            (1, "1 (один) бланк"),
            (3, "3 (три) бланка"),
            (5, "5 (пять) бланков"),
            (11, "11 (одиннадцать) бланков"),
            (22, "22 (двадцать два) бланка"),
        ],
    )
    def test_act_quantity_in_figures_and_words(self, count: int, text: str) -> None:
        assert blanks_quantity_in_words(count) == text
