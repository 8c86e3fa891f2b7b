"""Properties the diary relies on, checked against an independent exact computation."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.gradebook.arithmetic import half_up, truncate
from domain.gradebook.computation import (
    PeriodResult,
    compute_term_mark,
    compute_year_mark,
)
from domain.gradebook.marks import Mark, MarkValue
from domain.gradebook.policy import GradingPolicy, TermMethod

PUPIL, SUBJECT = 1, 2
KINDS = ("classwork", "homework", "test_work", "control_work")

weights_st = st.fixed_dictionaries(
    {kind: st.integers(1, 500).map(lambda n: Decimal(n).scaleb(-2)) for kind in KINDS}
)


@st.composite
def thresholds_st(draw):
    # Three increasing two-decimal thresholds in (2, 5].
    cents = sorted(draw(st.sets(st.integers(201, 500), min_size=3, max_size=3)))
    return {
        mark: Decimal(c).scaleb(-2) for mark, c in zip((3, 4, 5), cents, strict=True)
    }


@st.composite
def policy_st(draw, thresholds=True):
    return GradingPolicy(
        id=1,
        version=draw(st.integers(1, 9)),
        weights=draw(weights_st),
        thresholds=draw(thresholds_st())
        if thresholds
        else {3: Decimal("2.5"), 4: Decimal("3.5"), 5: Decimal("4.5")},
        min_marks=1,
        term_method=draw(st.sampled_from(list(TermMethod))),
    )


@st.composite
def marks_st(draw, published=True, min_size=1, start_id=1):
    entries = draw(
        st.lists(
            st.tuples(st.integers(2, 5), st.sampled_from(KINDS), st.integers(0, 50)),
            min_size=min_size,
            max_size=25,
        )
    )
    return [
        Mark(
            id=start_id + i,
            pupil_id=PUPIL,
            subject_id=SUBJECT,
            lesson_id=offset,
            lesson_date=date(2024, 9, 2) + timedelta(days=offset),
            kind=kind,
            value=MarkValue.of(points),
            author_id=9,
            published=published,
        )
        for i, (points, kind, offset) in enumerate(entries)
    ]


def compute(marks, policy):
    return compute_term_mark(marks, policy, pupil_id=PUPIL, subject_id=SUBJECT)


def independent_average(marks, policy):
    """Σ and ÷ on Fractions only, written separately from the code under test."""
    w = {kind: Fraction(policy.weights[kind]) for kind in KINDS}
    if policy.term_method is TermMethod.WEIGHTED_MEAN:
        num = sum((w[m.kind] * m.value.points for m in marks), Fraction(0))
        return num / sum((w[m.kind] for m in marks), Fraction(0))
    groups = {}
    for m in marks:
        groups.setdefault(m.kind, []).append(m.value.points)
    num = sum((w[k] * Fraction(sum(v), len(v)) for k, v in groups.items()), Fraction(0))
    return num / sum((w[k] for k in groups), Fraction(0))


@settings(max_examples=300, deadline=None)
@given(policy=policy_st(), marks=marks_st())
def test_the_mark_derived_from_the_shown_average_is_the_computed_mark(policy, marks):
    result = compute(marks, policy)

    shown = Decimal(result.shown_average.replace(",", "."))
    assert policy.mark_for(Fraction(shown)) == result.value.points


@settings(max_examples=300, deadline=None)
@given(policy=policy_st(thresholds=False), marks=marks_st())
def test_rounding_happens_once_on_the_exact_average(policy, marks):
    result = compute(marks, policy)
    exact = independent_average(marks, policy)

    assert result.exact_average == exact
    # Half up, once, on the exact value: the default thresholds are exactly that.
    assert result.value.points == (2 * exact.numerator + exact.denominator) // (
        2 * exact.denominator
    )


@settings(max_examples=300, deadline=None)
@given(
    policy=policy_st(),
    visible=marks_st(),
    held_back=marks_st(published=False, start_id=1000),
)
def test_unpublished_marks_never_change_what_pupils_see(policy, visible, held_back):
    alone = compute(visible, policy)
    mixed = compute(visible + held_back, policy)

    assert mixed.exact_average == alone.exact_average
    assert mixed.value == alone.value
    assert mixed.shown_average == alone.shown_average
    assert mixed.derivation.lines == alone.derivation.lines


@given(terms=st.lists(st.integers(2, 5), min_size=1, max_size=6))
def test_year_mean_is_half_up_of_the_integer_mean(terms):
    policy = GradingPolicy(id=1, version=1, weights={"classwork": Decimal(1)})
    periods = [
        PeriodResult(n, f"{n} четверть", MarkValue.of(v))
        for n, v in enumerate(terms, 1)
    ]

    result = compute_year_mark(periods, policy, pupil_id=PUPIL, subject_id=SUBJECT)

    assert result.value.points == (2 * sum(terms) + len(terms)) // (2 * len(terms))


@given(num=st.integers(0, 10**6), den=st.integers(1, 10**4))
def test_half_up_agrees_with_decimal_half_up(num, den):
    value = Fraction(num, den)
    # Decimal division at high precision is exact enough to decide the half.
    decimal = (Decimal(num) / Decimal(den)).quantize(Decimal(1), rounding=ROUND_HALF_UP)

    assert half_up(value) == int(decimal)


@given(num=st.integers(0, 10**6), den=st.integers(1, 10**4))
def test_truncate_never_rounds_up(num, den):
    value = Fraction(num, den)
    cut = Fraction(truncate(value))

    assert cut <= value < cut + Fraction(1, 100)
