"""Exact arithmetic for marks: half-up rounding and display that never contradicts a mark."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

# Averages are shown with this many decimals. Thresholds may not be finer than this, which
# is what keeps a shown average and the mark derived from it in agreement.
DISPLAY_PLACES = 2


def half_up(value: Fraction) -> int:
    """Round an exact non-negative value to an integer, halves going up."""
    if value < 0:
        raise ValueError("half_up is defined here for non-negative values only")
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def truncate(value: Fraction, places: int = DISPLAY_PLACES) -> Decimal:
    """Cut (never round) a non-negative value to `places` decimals."""
    if value < 0:
        raise ValueError("truncate is defined here for non-negative values only")
    scale = 10**places
    units = value.numerator * scale // value.denominator
    return Decimal(units).scaleb(-places)


def is_terminating(value: Fraction, max_places: int = 4) -> bool:
    """True when the value is written exactly with at most `max_places` decimals."""
    return bool((value * 10**max_places).denominator == 1)


def exact_decimal(value: Fraction, max_places: int = 4) -> Decimal:
    """The exact decimal of a terminating fraction, without trailing zeros."""
    if not is_terminating(value, max_places):
        raise ValueError("value has no exact decimal form within the given places")
    scale = 10**max_places
    digits = Decimal(value.numerator * scale // value.denominator).scaleb(-max_places)
    return _strip(digits)


def ru_number(value: Decimal) -> str:
    """A decimal written the Russian way, with a comma."""
    return format(value, "f").replace(".", ",")


def ru_exact(value: Fraction) -> str:
    """An exact value for people: «4,25», or «13/3 ≈ 4,33» when it does not terminate."""
    if is_terminating(value):
        return ru_number(exact_decimal(value))
    approx = ru_number(truncate(value))
    return f"{value.numerator}/{value.denominator} ≈ {approx}"


def shown_average(value: Fraction) -> str:
    """The average as the diary shows it: two decimals, cut rather than rounded."""
    return ru_number(truncate(value))


def _strip(value: Decimal) -> Decimal:
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
