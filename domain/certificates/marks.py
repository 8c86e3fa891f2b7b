"""Mark values, period marks and exact half-up rounding of means."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from domain.certificates.errors import InvalidMark

NUMERIC_MARKS = (2, 3, 4, 5)
EXCELLENT = 5
GOOD = 4
SATISFACTORY = 3

_HALF = Fraction(1, 2)


class PassMark(StrEnum):
    """Pass/fail assessment; «зачтено» subjects stay out of every mean (§3.5)."""

    PASSED = "passed"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return "зачтено" if self is PassMark.PASSED else "не зачтено"


MarkValue = int | PassMark


def check_mark(value: MarkValue) -> MarkValue:
    """Return the value if it is a mark of the 2–5 scale or a pass/fail mark."""
    if isinstance(value, PassMark):
        return value
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value not in NUMERIC_MARKS
    ):
        raise InvalidMark(
            f"Отметка «{value}» вне шкалы: допустимы 2, 3, 4, 5 или «зачтено»"
        )
    return value


def half_up(value: Fraction | Decimal | int) -> int:
    """Round a non-negative exact value half up (4.5 → 5, 3.5 → 4, 2.5 → 3)."""
    # Python's round() rounds half to even and floats cannot hold 3.5 reliably after
    # a division: the order asks for "mathematical" rounding on the exact value.
    if isinstance(value, float):
        raise TypeError("marks are never rounded from floats")
    exact = Fraction(value)
    if exact < 0:
        raise ValueError("half_up is defined here for non-negative values only")
    return math.floor(exact + _HALF)


def exact_mean(values: Iterable[int | Fraction]) -> Fraction:
    """Exact arithmetic mean of integer marks or exact fractions; a float is an error."""
    items = []
    for value in values:
        # A float cannot hold 3.5 after a division reliably (C2): dropping it would
        # silently change the mean, so it is refused.
        if isinstance(value, float):
            raise TypeError("marks are never averaged from floats")
        items.append(Fraction(value))
    if not items:
        raise ValueError("the mean of no marks is undefined")
    return sum(items, Fraction(0)) / len(items)


def half_up_mean(values: Iterable[int | Fraction]) -> int:
    """Mean of marks rounded half up, computed without floats."""
    return half_up(exact_mean(values))


class TermKind(StrEnum):
    """How a school splits its year for term marks (per school, §3.2)."""

    HALF_YEAR = "half_year"
    QUARTER = "quarter"
    TRIMESTER = "trimester"


class Period(StrEnum):
    """A marking period: a term of some kind, or the whole year."""

    H1 = "h1"
    H2 = "h2"
    Q1 = "q1"
    Q2 = "q2"
    Q3 = "q3"
    Q4 = "q4"
    T1 = "t1"
    T2 = "t2"
    T3 = "t3"
    YEAR = "year"

    @property
    def term_kind(self) -> TermKind | None:
        return _PERIOD_KINDS.get(self)

    @property
    def label(self) -> str:
        return _PERIOD_LABELS[self]


_PERIOD_KINDS = {
    Period.H1: TermKind.HALF_YEAR,
    Period.H2: TermKind.HALF_YEAR,
    Period.Q1: TermKind.QUARTER,
    Period.Q2: TermKind.QUARTER,
    Period.Q3: TermKind.QUARTER,
    Period.Q4: TermKind.QUARTER,
    Period.T1: TermKind.TRIMESTER,
    Period.T2: TermKind.TRIMESTER,
    Period.T3: TermKind.TRIMESTER,
}

_PERIOD_LABELS = {
    Period.H1: "1 полугодие",
    Period.H2: "2 полугодие",
    Period.Q1: "1 четверть",
    Period.Q2: "2 четверть",
    Period.Q3: "3 четверть",
    Period.Q4: "4 четверть",
    Period.T1: "1 триместр",
    Period.T2: "2 триместр",
    Period.T3: "3 триместр",
    Period.YEAR: "год",
}


def periods_of(kind: TermKind) -> tuple[Period, ...]:
    """The term periods of one kind, in calendar order."""
    return tuple(p for p in Period if p.term_kind is kind)


@dataclass(frozen=True)
class PeriodMark:
    """One term or year mark of a pupil in one gradebook subject and grade."""

    subject: str
    grade: int
    period: Period
    value: MarkValue

    def __post_init__(self) -> None:
        check_mark(self.value)
        if not 1 <= self.grade <= 11:
            raise InvalidMark(f"Параллель {self.grade} вне диапазона 1–11")
