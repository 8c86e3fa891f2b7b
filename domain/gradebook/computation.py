"""Term and year marks computed from marks, exactly, rounded once; and class statistics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import TypeVar

from domain.gradebook.arithmetic import (
    exact_decimal,
    is_terminating,
    ru_exact,
    ru_number,
    shown_average,
)
from domain.gradebook.errors import GradebookError
from domain.gradebook.marks import (
    MAX_POINTS,
    MIN_POINTS,
    Mark,
    MarkValue,
    PassFail,
    Scale,
)
from domain.gradebook.policy import (
    YEAR_METHOD_TITLES_RU,
    GradingPolicy,
    PassFailYearRule,
    PolicyError,
    PolicyRef,
    TermMethod,
    YearMethod,
)

NOT_ASSESSED = "н/а"
# The start of the staff note on held-back marks (older stored marks kept it among warnings).
HELD_BACK_NOTE = "Не опубликовано отметок"

_T = TypeVar("_T")


class PeriodKind(StrEnum):
    TERM = "term"
    YEAR = "year"


@dataclass(frozen=True)
class DerivationLine:
    """One input of a computed mark: a lesson mark or a term mark, with its weight."""

    label: str
    value: MarkValue
    weight: Decimal
    source_id: int | None = None


@dataclass(frozen=True)
class Derivation:
    """How a mark was derived, for the diary: the inputs and the formula in words."""

    lines: tuple[DerivationLine, ...]
    formula: str


@dataclass(frozen=True)
class MarkProposal:
    """A computed term or year mark: a value or «н/а» with the reason, and how it came about."""

    pupil_id: int
    subject_id: int
    period_kind: PeriodKind
    period_id: int | None
    value: MarkValue | None
    policy: PolicyRef
    method: str
    derivation: Derivation
    exact_average: Fraction | None = None
    not_assessed_reason: str | None = None
    warnings: tuple[str, ...] = ()
    # For staff only: what families must not learn (that marks are being held back).
    staff_notes: tuple[str, ...] = ()
    # True only for the teacher's preview, which counts marks pupils cannot see yet.
    includes_unpublished: bool = False

    def __post_init__(self) -> None:
        if (self.value is None) == (self.not_assessed_reason is None):
            raise GradebookError(
                "У отметки «н/а» должна быть причина, а у числа — её нет"
            )

    @property
    def is_not_assessed(self) -> bool:
        return self.value is None

    @property
    def display(self) -> str:
        return NOT_ASSESSED if self.value is None else str(self.value)

    @property
    def shown_average(self) -> str | None:
        """The average as shown; cut, not rounded, so it never points to another mark."""
        return None if self.exact_average is None else shown_average(self.exact_average)

    def snapshot(self) -> dict[str, object]:
        return {
            "pupil_id": self.pupil_id,
            "subject_id": self.subject_id,
            "period_kind": self.period_kind.value,
            "period_id": self.period_id,
            "value": self.display,
            "exact_average": _fraction_text(self.exact_average),
            "not_assessed_reason": self.not_assessed_reason,
            "policy_id": self.policy.policy_id,
            "policy_version": self.policy.version,
            "method": self.method,
            "formula": self.derivation.formula,
            "sources": [line.source_id for line in self.derivation.lines],
        }


@dataclass(frozen=True)
class PeriodResult:
    """A term's outcome as an input of the year mark; `value` None means «н/а» or missing."""

    number: int
    title: str
    value: MarkValue | None
    source_id: int | None = None


def compute_term_mark(
    marks: Iterable[Mark],
    policy: GradingPolicy,
    *,
    pupil_id: int,
    subject_id: int,
    period_id: int | None = None,
    scale: Scale = Scale.FIVE_POINT,
) -> MarkProposal:
    """The term mark pupils and guardians see: only published marks count."""
    marks = _own_marks(marks, pupil_id, subject_id)
    published = [mark for mark in marks if mark.published]
    held_back = len(marks) - len(published)

    notes = []
    if held_back:
        notes.append(f"{HELD_BACK_NOTE}: {held_back}; в отметку за период не вошли")
    proposal = _term_mark(
        published,
        policy,
        pupil_id,
        subject_id,
        period_id,
        scale,
        (),
        False,
    )
    return replace(proposal, staff_notes=tuple(notes))


def preview_for_teacher(
    marks: Iterable[Mark],
    policy: GradingPolicy,
    *,
    pupil_id: int,
    subject_id: int,
    period_id: int | None = None,
    scale: Scale = Scale.FIVE_POINT,
) -> MarkProposal:
    """The teacher's preview, counting held-back marks too; never shown to pupils."""
    marks = _own_marks(marks, pupil_id, subject_id)
    held_back = sum(1 for mark in marks if not mark.published)

    warnings = []
    if held_back:
        warnings.append(
            f"Учтены неопубликованные отметки: {held_back}; ученик и родители их не видят"
        )
    return _term_mark(
        marks,
        policy,
        pupil_id,
        subject_id,
        period_id,
        scale,
        tuple(warnings),
        held_back > 0,
    )


def running_average(marks: Iterable[Mark], policy: GradingPolicy) -> Fraction | None:
    """The pupil-visible average during the term, by the policy's method; None without marks."""
    numeric = [mark for mark in marks if mark.published and mark.value.is_numeric]
    if not numeric:
        return None
    average, _ = _average(numeric, policy)
    return average


def compute_year_mark(
    periods: Sequence[PeriodResult],
    policy: GradingPolicy,
    *,
    pupil_id: int,
    subject_id: int,
    period_id: int | None = None,
    scale: Scale = Scale.FIVE_POINT,
) -> MarkProposal:
    """The year mark from the term marks, by the policy's year method."""
    numbers = [period.number for period in periods]
    if len(set(numbers)) != len(numbers):
        raise GradebookError("Период указан дважды")
    ordered = sorted(periods, key=lambda period: period.number)
    present = [period for period in ordered if period.value is not None]
    missing = [period for period in ordered if period.value is None]
    for period in present:
        assert period.value is not None
        if period.value.scale is not scale:
            raise GradebookError(
                f"Отметка «{period.value}» за {period.title} не соответствует шкале предмета"
            )

    lines = tuple(
        DerivationLine(
            label=period.title,
            value=period.value,
            weight=_term_weight(policy, period.number),
            source_id=period.source_id,
        )
        for period in present
        if period.value is not None
    )
    base = {
        "pupil_id": pupil_id,
        "subject_id": subject_id,
        "period_kind": PeriodKind.YEAR,
        "period_id": period_id,
        "policy": policy.ref,
        "method": policy.year_method.value,
    }
    not_assessed = _year_not_assessed(present, missing, policy)
    if not_assessed is not None:
        return MarkProposal(
            **base,  # type: ignore[arg-type]
            value=None,
            not_assessed_reason=not_assessed,
            derivation=Derivation(lines, f"{NOT_ASSESSED}: {not_assessed}"),
        )

    warnings = tuple(f"Нет отметки за {period.title}; не учтён" for period in missing)
    if scale is Scale.PASS_FAIL:
        value, formula = _pass_fail_year(lines, policy)
        return MarkProposal(
            **base,  # type: ignore[arg-type]
            value=value,
            derivation=Derivation(lines, formula),
            warnings=warnings,
        )

    average, points, formula = _five_point_year(lines, policy)
    return MarkProposal(
        **base,  # type: ignore[arg-type]
        value=MarkValue.of(points),
        exact_average=average,
        derivation=Derivation(lines, formula),
        warnings=warnings,
    )


@dataclass(frozen=True)
class Share:
    """A count with its denominator, so a percentage never hides what it was taken over."""

    count: int
    denominator: int

    @property
    def fraction(self) -> Fraction | None:
        return None if self.denominator == 0 else Fraction(self.count, self.denominator)

    @property
    def percent(self) -> str | None:
        """«66,6 %» — cut to one decimal, like averages."""
        if self.denominator == 0:
            return None
        tenths = self.count * 1000 // self.denominator
        return f"{ru_number(Decimal(tenths).scaleb(-1))} %"


@dataclass(frozen=True)
class ClassStatistics:
    """Statistics of one subject's marks over the pupils of a class (never over sub-groups)."""

    pupils: int
    assessed: int
    not_assessed: int
    average: Fraction | None
    shares: dict[str, Share] = field(default_factory=dict)
    # «Успеваемость»: 3–5 or «зачёт»; «качество»: 4–5. Both over assessed pupils.
    success: Share = Share(0, 0)
    quality: Share = Share(0, 0)

    @property
    def shown_average(self) -> str | None:
        return None if self.average is None else shown_average(self.average)


def class_statistics(
    results: Iterable[tuple[int, MarkValue | None]],
) -> ClassStatistics:
    """Per-pupil marks (pupil id, value or None for «н/а») → statistics over pupils."""
    by_pupil = _one_per_pupil(results)
    values = [value for value in by_pupil.values() if value is not None]
    numeric = [value.points for value in values if value.points is not None]

    counts = Counter(str(value) for value in values)
    keys = [str(points) for points in range(MAX_POINTS, MIN_POINTS - 1, -1)]
    keys += [PassFail.PASSED.value, PassFail.FAILED.value]
    shares = {
        key: Share(counts[key], len(values))
        for key in keys
        if counts[key] or key.isdigit()
    }
    shares[NOT_ASSESSED] = Share(len(by_pupil) - len(values), len(by_pupil))

    numeric_count = len(numeric)
    return ClassStatistics(
        pupils=len(by_pupil),
        assessed=len(values),
        not_assessed=len(by_pupil) - len(values),
        average=Fraction(sum(numeric), numeric_count) if numeric else None,
        shares=shares,
        success=Share(sum(1 for value in values if value.is_positive), len(values)),
        quality=Share(sum(1 for points in numeric if points >= 4), numeric_count),
    )


def class_average(pupil_averages: Iterable[tuple[int, Fraction]]) -> Fraction | None:
    """The mean of pupils' exact averages, each pupil counted once whatever groups they are in."""
    by_pupil = _one_per_pupil(pupil_averages)
    if not by_pupil:
        return None
    return sum(by_pupil.values(), Fraction(0)) / len(by_pupil)


def _one_per_pupil(pairs: Iterable[tuple[int, _T]]) -> dict[int, _T]:
    by_pupil: dict[int, _T] = {}
    for pupil_id, value in pairs:
        if pupil_id in by_pupil and by_pupil[pupil_id] != value:
            raise GradebookError(
                f"У ученика {pupil_id} два разных результата; в статистике он учитывается один раз"
            )
        by_pupil[pupil_id] = value
    return by_pupil


def _own_marks(marks: Iterable[Mark], pupil_id: int, subject_id: int) -> list[Mark]:
    marks = list(marks)
    for mark in marks:
        if mark.pupil_id != pupil_id or mark.subject_id != subject_id:
            raise GradebookError(
                f"Отметка {mark.id} относится к другому ученику или предмету"
            )
    return sorted(marks, key=lambda mark: (mark.lesson_date, mark.id))


def _term_mark(
    marks: list[Mark],
    policy: GradingPolicy,
    pupil_id: int,
    subject_id: int,
    period_id: int | None,
    scale: Scale,
    warnings: tuple[str, ...],
    includes_unpublished: bool,
) -> MarkProposal:
    counted = [mark for mark in marks if mark.value.scale is scale]
    ignored = len(marks) - len(counted)
    if ignored:
        kind = "зачёт/незачёт" if scale is Scale.FIVE_POINT else "в баллах"
        warnings += (f"Отметки «{kind}» в отметку за период не входят: {ignored}",)

    lines = tuple(_line(mark, policy, scale) for mark in counted)
    base = {
        "pupil_id": pupil_id,
        "subject_id": subject_id,
        "period_kind": PeriodKind.TERM,
        "period_id": period_id,
        "policy": policy.ref,
        "method": policy.term_method.value
        if scale is Scale.FIVE_POINT
        else "pass_share",
        "warnings": warnings,
        "includes_unpublished": includes_unpublished,
    }
    if len(counted) < policy.min_marks:
        reason = _too_few(len(counted), policy.min_marks)
        return MarkProposal(
            **base,  # type: ignore[arg-type]
            value=None,
            not_assessed_reason=reason,
            derivation=Derivation(lines, f"{NOT_ASSESSED}: {reason}"),
        )

    if scale is Scale.PASS_FAIL:
        value, formula = _pass_fail_term(counted, policy)
        return MarkProposal(
            **base,  # type: ignore[arg-type]
            value=value,
            derivation=Derivation(lines, formula),
        )

    average, formula = _average(counted, policy)
    points = policy.mark_for(average)
    formula += f". {_mark_sentence(points, policy)}"
    return MarkProposal(
        **base,  # type: ignore[arg-type]
        value=MarkValue.of(points),
        exact_average=average,
        derivation=Derivation(lines, formula),
    )


def _line(mark: Mark, policy: GradingPolicy, scale: Scale) -> DerivationLine:
    weight = policy.weight_of(mark.kind) if scale is Scale.FIVE_POINT else Decimal(1)
    label = f"{policy.kind_title(mark.kind)}, {mark.lesson_date:%d.%m.%Y}"
    return DerivationLine(
        label=label, value=mark.value, weight=weight, source_id=mark.id
    )


def _too_few(count: int, minimum: int) -> str:
    if count == 0:
        return f"нет отметок (нужно не меньше {minimum})"
    return f"недостаточно отметок: {count} при необходимом минимуме {minimum}"


def _average(marks: Sequence[Mark], policy: GradingPolicy) -> tuple[Fraction, str]:
    """The exact average of numeric marks by the term method, with its formula in words."""
    if policy.term_method is TermMethod.WEIGHTED_MEAN:
        pairs = [
            (Fraction(_points(mark)), Fraction(policy.weight_of(mark.kind)))
            for mark in marks
        ]
        average = _weighted(pairs)
        return average, f"Средневзвешенное: {_weighted_formula(pairs, average)}"

    if policy.term_method is TermMethod.CATEGORY_MEANS_WEIGHTED:
        by_kind: dict[str, list[int]] = {}
        for mark in marks:
            by_kind.setdefault(mark.kind, []).append(_points(mark))
        # Each category keeps its exact mean: rounding it here would round twice.
        means = {
            kind: Fraction(sum(values), len(values)) for kind, values in by_kind.items()
        }
        pairs = [(means[kind], Fraction(policy.weight_of(kind))) for kind in by_kind]
        average = _weighted(pairs)
        parts = [
            f"{policy.kind_title(kind)} — ({' + '.join(map(str, values))}) / {len(values)}"
            f" = {_compact(means[kind])}, вес {ru_number(policy.weight_of(kind))}"
            for kind, values in by_kind.items()
        ]
        formula = (
            f"Средние по видам работ: {'; '.join(parts)}. "
            f"Итог: {_weighted_formula(pairs, average)}"
        )
        return average, formula

    raise PolicyError([f"Неизвестный способ вычисления: {policy.term_method}"])


def _five_point_year(
    lines: Sequence[DerivationLine], policy: GradingPolicy
) -> tuple[Fraction, int, str]:
    title = YEAR_METHOD_TITLES_RU[policy.year_method]
    points_of = [_line_points(line) for line in lines]

    if policy.year_method is YearMethod.WEIGHTED_BY_TERM:
        pairs = [
            (Fraction(p), Fraction(line.weight))
            for p, line in zip(points_of, lines, strict=True)
        ]
        average = _weighted(pairs)
        formula = f"Годовая — {title}: {_weighted_formula(pairs, average)}"
    else:
        average = Fraction(sum(points_of), len(points_of))
        formula = (
            f"Годовая — {title}: ({' + '.join(map(str, points_of))}) / {len(points_of)}"
            f" = {ru_exact(average)}"
        )

    if (
        policy.year_method is YearMethod.LAST_TERM_DECIDES_TIES
        and average.denominator == 2
    ):
        lower = average.numerator // 2
        last = points_of[-1]
        points = lower + 1 if last > lower else lower
        formula += (
            f". Среднее ровно посередине между «{lower}» и «{lower + 1}»: решает отметка"
            f" «{last}» за {lines[-1].label}, годовая «{points}»"
        )
        return average, points, formula

    points = policy.mark_for(average)
    return average, points, f"{formula}. {_mark_sentence(points, policy)}"


def _pass_fail_term(
    marks: Sequence[Mark], policy: GradingPolicy
) -> tuple[MarkValue, str]:
    passed = sum(1 for mark in marks if mark.value.pass_fail is PassFail.PASSED)
    share = Fraction(passed, len(marks))
    value = (
        MarkValue.passed()
        if share >= Fraction(policy.pass_share)
        else MarkValue.failed()
    )
    formula = (
        f"Зачётов {passed} из {len(marks)}; для «{PassFail.PASSED}» нужна доля не меньше "
        f"{ru_number(policy.pass_share)}. Итог: «{value}»"
    )
    return value, formula


def _pass_fail_year(
    lines: Sequence[DerivationLine], policy: GradingPolicy
) -> tuple[MarkValue, str]:
    if policy.pass_fail_year_rule is PassFailYearRule.LAST_TERM:
        value = lines[-1].value
        return value, f"Годовая — по последнему периоду ({lines[-1].label}): «{value}»"

    all_passed = all(line.value.pass_fail is PassFail.PASSED for line in lines)
    value = MarkValue.passed() if all_passed else MarkValue.failed()
    return value, f"Годовая — «{PassFail.PASSED}», если зачтены все периоды: «{value}»"


def _year_not_assessed(
    present: Sequence[PeriodResult],
    missing: Sequence[PeriodResult],
    policy: GradingPolicy,
) -> str | None:
    if not present:
        return "нет отметок за периоды"
    if missing and policy.year_na_if_any_term_na:
        titles = ", ".join(period.title for period in missing)
        return f"нет отметки за {titles}"
    return None


def _term_weight(policy: GradingPolicy, number: int) -> Decimal:
    if policy.year_method is not YearMethod.WEIGHTED_BY_TERM:
        return Decimal(1)
    try:
        return policy.term_weights[number]
    except KeyError:
        raise PolicyError(
            [f"В политике оценивания ({policy.ref}) не задан вес периода № {number}"]
        ) from None


def _weighted(pairs: Sequence[tuple[Fraction, Fraction]]) -> Fraction:
    total_weight = sum((weight for _, weight in pairs), Fraction(0))
    return sum((value * weight for value, weight in pairs), Fraction(0)) / total_weight


def _weighted_formula(
    pairs: Sequence[tuple[Fraction, Fraction]], average: Fraction
) -> str:
    products = " + ".join(
        f"{_compact(value)}×{_compact(weight)}" for value, weight in pairs
    )
    weights = " + ".join(_compact(weight) for _, weight in pairs)
    numerator = sum((value * weight for value, weight in pairs), Fraction(0))
    denominator = sum((weight for _, weight in pairs), Fraction(0))
    return (
        f"({products}) / ({weights}) = {_operand(numerator)} / {_operand(denominator)}"
        f" = {ru_exact(average)}"
    )


def _mark_sentence(points: int, policy: GradingPolicy) -> str:
    return f"Отметка «{points}» (пороги: {policy.thresholds_text()}; {policy.ref})"


def _compact(value: Fraction | int) -> str:
    value = Fraction(value)
    if is_terminating(value):
        return ru_number(exact_decimal(value))
    return f"{value.numerator}/{value.denominator}"


def _operand(value: Fraction) -> str:
    text = _compact(value)
    return f"({text})" if "/" in text else text


def _points(mark: Mark) -> int:
    assert mark.value.points is not None
    return mark.value.points


def _line_points(line: DerivationLine) -> int:
    assert line.value.points is not None
    return line.value.points


def _fraction_text(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"
