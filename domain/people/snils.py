"""СНИЛС: the 11-digit insurance number, its check number and its printed form."""

from __future__ import annotations

import random
from enum import StrEnum

SNILS_LENGTH = 11

# The Pension Fund rule: the last two digits are a check number over the first nine,
# computed with weights 9 down to 1. A sum below 100 is the check number itself; 100 and
# 101 give 00; above 101 the remainder of division by 101 is taken, and 100 again gives 00.
_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, 1)

# The Pension Fund does not check numbers up to 001-001-998: they were issued before the
# check number was introduced. No child of school-entry age holds one, so the exemption is
# off unless a caller that checks adults' numbers asks for it.
_LAST_UNCHECKED = 1_001_998


class SnilsProblem(StrEnum):
    """Why a string is not a valid SNILS."""

    FORMAT = "format"
    CHECK_NUMBER = "check_number"

    @property
    def text_ru(self) -> str:
        return _PROBLEM_TEXTS[self]


_PROBLEM_TEXTS = {
    SnilsProblem.FORMAT: "не соответствует формату: 11 цифр без разделителей",
    SnilsProblem.CHECK_NUMBER: "неверное контрольное число",
}


def snils_check_number(first_nine: str) -> str:
    """Return the two-digit check number for the first nine digits of a SNILS."""
    if len(first_nine) != 9 or not _is_ascii_digits(first_nine):
        raise ValueError("a SNILS check number is computed over exactly nine digits")

    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, _WEIGHTS, strict=True)
    )
    if total > 101:
        total %= 101
    if total in (100, 101):
        total = 0
    return f"{total:02d}"


def snils_problem(value: str, *, legacy_exempt: bool = False) -> SnilsProblem | None:
    """Return what is wrong with an unformatted SNILS (11 digits), or None if it is valid.

    Args:
        value: the number as received, without separators.
        legacy_exempt: skip the check number for numbers up to 001-001-998, as the Pension
            Fund does; only for adults' numbers.
    """
    if len(value) != SNILS_LENGTH or not _is_ascii_digits(value):
        return SnilsProblem.FORMAT

    if legacy_exempt and int(value[:9]) <= _LAST_UNCHECKED:
        return None
    if snils_check_number(value[:9]) != value[9:]:
        return SnilsProblem.CHECK_NUMBER
    return None


def is_valid_snils(value: str, *, legacy_exempt: bool = False) -> bool:
    """Tell whether an unformatted SNILS has 11 digits and a correct check number."""
    return snils_problem(value, legacy_exempt=legacy_exempt) is None


def format_snils(value: str) -> str:
    """Print an 11-digit SNILS the usual way: «123-456-789 01»."""
    if len(value) != SNILS_LENGTH or not _is_ascii_digits(value):
        raise ValueError("only an 11-digit SNILS can be formatted")
    return f"{value[0:3]}-{value[3:6]}-{value[6:9]} {value[9:11]}"


def strip_snils(value: str) -> str:
    """Remove the usual separators (spaces, hyphens) from a printed SNILS."""
    return "".join(char for char in value if char not in " -\u00a0\t")


def generate_snils(rng: random.Random) -> str:
    """Return a random SNILS with a valid check number, for demo and test data."""
    first_nine = f"{rng.randint(_LAST_UNCHECKED + 1, 999_999_999):09d}"
    return first_nine + snils_check_number(first_nine)


def _is_ascii_digits(value: str) -> bool:
    # str.isdigit() accepts Arabic-Indic and superscript digits, which no registry issues.
    return value.isascii() and value.isdigit()
