"""SNILS: check number at its edges, printed form, random valid numbers."""

from __future__ import annotations

import random

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from domain.people.snils import (
    SnilsProblem,
    format_snils,
    generate_snils,
    is_valid_snils,
    snils_check_number,
    snils_problem,
    strip_snils,
)

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, 1)


def weighted_sum(first_nine: str) -> int:
    return sum(
        int(digit) * weight for digit, weight in zip(first_nine, WEIGHTS, strict=True)
    )


class TestCheckNumber:
    @pytest.mark.parametrize(
        ("first_nine", "total", "check"),
        [
            ("112233445", 95, "95"),  # below 100: the sum itself
            ("100000001", 10, "10"),  # below 100, written with a leading zero
            ("026002389", 100, "00"),  # exactly 100
            ("030214884", 101, "00"),  # exactly 101
            ("145274508", 162, "61"),  # above 101: remainder of 162 / 101
            ("543546368", 201, "00"),  # above 101 with remainder 100
            ("532971373", 202, "00"),  # above 101 with remainder 0
            ("999999999", 405, "01"),  # the largest sum
        ],
    )
    def test_check_number_at_the_edges_of_the_rule(
        self, first_nine: str, total: int, check: str
    ) -> None:
        assert weighted_sum(first_nine) == total

        assert snils_check_number(first_nine) == check
        assert is_valid_snils(first_nine + check)

    def test_the_contract_examples_are_valid(self) -> None:
        for number in ("16427530969", "17130485645", "18392046182", "21263359035"):
            assert is_valid_snils(number), number

    def test_wrong_check_number_is_reported(self) -> None:
        assert snils_problem("16427530968") is SnilsProblem.CHECK_NUMBER
        assert SnilsProblem.CHECK_NUMBER.text_ru == "неверное контрольное число"

    @pytest.mark.parametrize(
        "value",
        [
            "164-275-309 69",
            "1642753096",
            "164275309690",
            "1642753096a",
            "١٦٤٢٧٥٣٠٩٦٩",
            "",
        ],
    )
    def test_anything_but_11_ascii_digits_is_a_format_problem(self, value: str) -> None:
        assert snils_problem(value) is SnilsProblem.FORMAT

    def test_check_number_needs_nine_digits(self) -> None:
        with pytest.raises(ValueError):
            snils_check_number("12345678")

    def test_old_numbers_are_exempt_only_when_asked(self) -> None:
        # 001-001-998 and below were issued before the check number existed.
        assert not is_valid_snils("00100199812")
        assert is_valid_snils("00100199812", legacy_exempt=True)
        assert not is_valid_snils("00100199912", legacy_exempt=True)


class TestPrintedForm:
    def test_format_groups_the_digits(self) -> None:
        assert format_snils("16427530969") == "164-275-309 69"

    def test_strip_undoes_the_format(self) -> None:
        assert strip_snils("164-275-309 69") == "16427530969"
        assert strip_snils("164 275 309\u00a069") == "16427530969"

    def test_format_refuses_a_malformed_number(self) -> None:
        with pytest.raises(ValueError):
            format_snils("164-275-309 69")


class TestGenerated:
    def test_generation_is_reproducible_with_a_seed(self) -> None:
        assert generate_snils(random.Random(7)) == generate_snils(random.Random(7))

    @given(st.randoms(use_true_random=False))
    def test_random_snils_is_valid(self, rng: random.Random) -> None:
        number = generate_snils(rng)

        assert len(number) == 11
        assert is_valid_snils(number)
        assert int(number[:9]) > 1_001_998

    @given(
        st.randoms(use_true_random=False),
        st.integers(min_value=0, max_value=10),
        st.integers(min_value=1, max_value=9),
    )
    def test_any_single_digit_change_is_rejected(
        self, rng: random.Random, position: int, shift: int
    ) -> None:
        number = generate_snils(rng)
        digits = list(number)
        digits[position] = str((int(digits[position]) + shift) % 10)
        changed = "".join(digits)
        # The rule cannot tell sums congruent to 0 and to 100 modulo 101 apart (both give
        # 00), and one step of the ninth digit (weight 1) can move between them.
        assume(
            {weighted_sum(number[:9]) % 101, weighted_sum(changed[:9]) % 101}
            != {0, 100}
        )

        assert not is_valid_snils(changed)

    def test_the_one_blind_spot_of_the_rule(self) -> None:
        # Sums 100 and 101 both give 00: a ninth digit off by one goes unnoticed.
        assert weighted_sum("030214884") == 101
        assert is_valid_snils("03021488400")
        assert is_valid_snils("03021488300")
