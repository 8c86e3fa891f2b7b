"""The grading policy of a school, versioned: weights, thresholds and how period marks are made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from domain.gradebook.arithmetic import DISPLAY_PLACES, ru_number
from domain.gradebook.errors import GradebookError
from domain.gradebook.marks import DEFAULT_WORK_KINDS, MAX_POINTS, MIN_POINTS

# Half-up rounding of the exact average, written as data: ≥ 2,5 → 3, ≥ 3,5 → 4, ≥ 4,5 → 5.
DEFAULT_THRESHOLDS: Mapping[int, Decimal] = MappingProxyType(
    {3: Decimal("2.5"), 4: Decimal("3.5"), 5: Decimal("4.5")}
)


class TermMethod(StrEnum):
    """How a term mark is computed from the marks of the term."""

    # Σ(weight × mark) / Σ weight over every mark.
    WEIGHTED_MEAN = "weighted_mean"
    # The exact mean of each kind of work, then those means weighted by the kinds' weights.
    CATEGORY_MEANS_WEIGHTED = "category_means_weighted"


class YearMethod(StrEnum):
    """How a year mark is computed from the term marks."""

    MEAN_OF_TERMS = "mean_of_terms"
    WEIGHTED_BY_TERM = "weighted_by_term"
    # Mean of the terms; when it lies exactly halfway between two marks the last term decides.
    LAST_TERM_DECIDES_TIES = "last_term_decides_ties"


class PassFailYearRule(StrEnum):
    """How a pass/fail subject's year result follows from its term results."""

    ALL_TERMS = "all_terms"
    LAST_TERM = "last_term"


TERM_METHOD_TITLES_RU = {
    TermMethod.WEIGHTED_MEAN: "средневзвешенное всех отметок",
    TermMethod.CATEGORY_MEANS_WEIGHTED: "взвешенное среднее средних по видам работ",
}
YEAR_METHOD_TITLES_RU = {
    YearMethod.MEAN_OF_TERMS: "среднее арифметическое отметок за периоды",
    YearMethod.WEIGHTED_BY_TERM: "взвешенное среднее отметок за периоды",
    YearMethod.LAST_TERM_DECIDES_TIES: (
        "среднее отметок за периоды; при спорной отметке решает последний период"
    ),
}


class PolicyError(GradebookError):
    """The policy is not usable; `problems` lists every reason in Russian."""

    code = "invalid_grading_policy"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PolicyRef:
    """Which policy and which of its versions produced a computed mark."""

    policy_id: int
    version: int

    def __str__(self) -> str:
        return f"политика {self.policy_id}, версия {self.version}"


@dataclass(frozen=True)
class GradingPolicy:
    """One version of a school's grading policy; a changed policy is a new version."""

    id: int
    version: int
    weights: Mapping[str, Decimal]
    organization_id: int | None = None
    thresholds: Mapping[int, Decimal] = field(
        default_factory=lambda: dict(DEFAULT_THRESHOLDS)
    )
    min_marks: int = 3
    term_method: TermMethod = TermMethod.WEIGHTED_MEAN
    year_method: YearMethod = YearMethod.MEAN_OF_TERMS
    # Weights by term number, for YearMethod.WEIGHTED_BY_TERM.
    term_weights: Mapping[int, Decimal] = field(default_factory=dict)
    # A year mark is «н/а» when any term is «н/а»; otherwise it is made from the others.
    year_na_if_any_term_na: bool = True
    # The share of «зачёт» among a term's pass/fail marks that makes the term «зачёт».
    pass_share: Decimal = Decimal("0.5")
    pass_fail_year_rule: PassFailYearRule = PassFailYearRule.ALL_TERMS
    # Titles of the school's own kinds of work (the default catalogue needs none).
    kind_titles: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("weights", "thresholds", "term_weights", "kind_titles"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        problems = _problems(self)
        if problems:
            raise PolicyError(problems)

    @property
    def ref(self) -> PolicyRef:
        return PolicyRef(self.id, self.version)

    def weight_of(self, kind: str) -> Decimal:
        try:
            return self.weights[kind]
        except KeyError:
            raise PolicyError(
                [
                    f"В политике оценивания ({self.ref}) не задан вес "
                    f"для вида работы «{self.kind_title(kind)}»"
                ]
            ) from None

    def kind_title(self, kind: str) -> str:
        if kind in self.kind_titles:
            return self.kind_titles[kind]
        default = DEFAULT_WORK_KINDS.get(kind)
        return default.title if default is not None else kind

    def mark_for(self, average: Fraction) -> int:
        """The one rounding step: the highest mark whose threshold the exact average reaches."""
        mark = MIN_POINTS
        for points in sorted(self.thresholds):
            if average >= Fraction(self.thresholds[points]):
                mark = points
        return mark

    def thresholds_text(self) -> str:
        """««5» от 4,5; «4» от 3,5; «3» от 2,5»."""
        parts = [
            f"«{points}» от {ru_number(self.thresholds[points])}"
            for points in sorted(self.thresholds, reverse=True)
        ]
        return "; ".join(parts)

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly form; numbers travel as strings so nothing becomes a float."""
        return {
            "id": self.id,
            "version": self.version,
            "organization_id": self.organization_id,
            "weights": {kind: str(weight) for kind, weight in self.weights.items()},
            "thresholds": {
                str(mark): str(value) for mark, value in self.thresholds.items()
            },
            "min_marks": self.min_marks,
            "term_method": self.term_method.value,
            "year_method": self.year_method.value,
            "term_weights": {
                str(n): str(weight) for n, weight in self.term_weights.items()
            },
            "year_na_if_any_term_na": self.year_na_if_any_term_na,
            "pass_share": str(self.pass_share),
            "pass_fail_year_rule": self.pass_fail_year_rule.value,
            "kind_titles": dict(self.kind_titles),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> GradingPolicy:
        """Read a stored or submitted policy; every problem is reported in Russian."""
        problems: list[str] = []
        reader = _Reader(data, problems)
        kwargs: dict[str, object] = {
            "id": reader.integer("id"),
            "version": reader.integer("version"),
            "organization_id": reader.optional_integer("organization_id"),
            "weights": reader.decimals("weights", key=str),
        }
        if "thresholds" in data:
            kwargs["thresholds"] = reader.decimals("thresholds", key=int)
        if "min_marks" in data:
            kwargs["min_marks"] = reader.integer("min_marks")
        if "term_method" in data:
            kwargs["term_method"] = reader.choice("term_method", TermMethod)
        if "year_method" in data:
            kwargs["year_method"] = reader.choice("year_method", YearMethod)
        if "term_weights" in data:
            kwargs["term_weights"] = reader.decimals("term_weights", key=int)
        if "year_na_if_any_term_na" in data:
            kwargs["year_na_if_any_term_na"] = reader.boolean("year_na_if_any_term_na")
        if "pass_share" in data:
            kwargs["pass_share"] = reader.decimal("pass_share", data["pass_share"])
        if "pass_fail_year_rule" in data:
            kwargs["pass_fail_year_rule"] = reader.choice(
                "pass_fail_year_rule", PassFailYearRule
            )
        if "kind_titles" in data:
            kwargs["kind_titles"] = reader.strings("kind_titles")
        if problems:
            raise PolicyError(problems)
        return cls(**kwargs)  # type: ignore[arg-type]


def _problems(policy: GradingPolicy) -> list[str]:
    problems: list[str] = []
    if not _is_int(policy.id) or policy.id < 1:
        problems.append("Идентификатор политики должен быть положительным целым числом")
    if not _is_int(policy.version) or policy.version < 1:
        problems.append("Версия политики должна быть положительным целым числом")
    problems += _weight_problems(policy.weights, "вида работы", require_some=True)
    problems += _threshold_problems(policy.thresholds)
    if not _is_int(policy.min_marks) or policy.min_marks < 1:
        problems.append(
            "Минимальное число отметок должно быть целым числом не меньше 1"
        )
    if not isinstance(policy.term_method, TermMethod):
        problems.append("Неизвестный способ вычисления отметки за период")
    if not isinstance(policy.year_method, YearMethod):
        problems.append("Неизвестный способ вычисления годовой отметки")
    if policy.year_method is YearMethod.WEIGHTED_BY_TERM:
        problems += _weight_problems(policy.term_weights, "периода", require_some=True)
    if not isinstance(policy.pass_share, Decimal) or not 0 < policy.pass_share <= 1:
        problems.append("Доля зачётов должна быть числом больше 0 и не больше 1")
    return problems


def _weight_problems(
    weights: Mapping[Any, object], what: str, *, require_some: bool
) -> list[str]:
    if require_some and not weights:
        return [f"Не заданы веса {what}"]
    problems = []
    for key, weight in weights.items():
        if not isinstance(weight, Decimal | int) or isinstance(weight, bool):
            problems.append(
                f"Вес {what} «{key}» должен быть точным числом, а не «{weight}»"
            )
        elif not weight > 0:
            problems.append(f"Вес {what} «{key}» должен быть больше нуля")
    return problems


def _threshold_problems(thresholds: Mapping[int, Decimal]) -> list[str]:
    expected = set(range(MIN_POINTS + 1, MAX_POINTS + 1))
    if set(thresholds) != expected:
        return ["Пороги должны быть заданы ровно для отметок «3», «4» и «5»"]

    problems = []
    values = [thresholds[points] for points in sorted(thresholds)]
    if not all(isinstance(value, Decimal) for value in values):
        return ["Пороги должны быть точными десятичными числами"]
    if not all(MIN_POINTS < value <= MAX_POINTS for value in values):
        problems.append("Пороги должны быть больше 2 и не больше 5")
    if any(low >= high for low, high in zip(values, values[1:], strict=False)):
        problems.append("Пороги должны возрастать: «3» < «4» < «5»")
    # A finer threshold could put a shown (cut) average and its mark at odds.
    if any(_places(value) > DISPLAY_PLACES for value in values):
        problems.append(
            f"Пороги задаются не более чем с {DISPLAY_PLACES} знаками после запятой"
        )
    return problems


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Reader:
    """Reads loosely typed input into policy fields, collecting problems instead of raising."""

    def __init__(self, data: Mapping[str, object], problems: list[str]) -> None:
        self.data = data
        self.problems = problems

    def integer(self, name: str) -> int:
        value = self.data.get(name)
        if not _is_int(value):
            self.problems.append(f"Поле «{name}» должно быть целым числом")
            return 0
        assert isinstance(value, int)
        return value

    def optional_integer(self, name: str) -> int | None:
        if self.data.get(name) is None:
            return None
        return self.integer(name)

    def boolean(self, name: str) -> bool:
        value = self.data.get(name)
        if not isinstance(value, bool):
            self.problems.append(f"Поле «{name}» должно быть логическим значением")
            return False
        return value

    def decimal(self, name: str, value: object) -> Decimal:
        if isinstance(value, float | bool) or not isinstance(
            value, str | int | Decimal
        ):
            self.problems.append(
                f"Поле «{name}»: число передаётся строкой, например «1.5»"
            )
            return Decimal(1)
        try:
            result = Decimal(value)
        except InvalidOperation:
            self.problems.append(f"Поле «{name}»: «{value}» не число")
            return Decimal(1)
        if not result.is_finite():
            self.problems.append(f"Поле «{name}»: «{value}» не число")
            return Decimal(1)
        return result

    def decimals(self, name: str, *, key: type) -> dict[object, Decimal]:
        raw = self.data.get(name)
        if not isinstance(raw, Mapping):
            self.problems.append(f"Поле «{name}» должно быть словарём")
            return {}
        result: dict[object, Decimal] = {}
        for raw_key, raw_value in raw.items():
            try:
                parsed_key = key(raw_key)
            except (TypeError, ValueError):
                self.problems.append(f"Поле «{name}»: недопустимый ключ «{raw_key}»")
                continue
            result[parsed_key] = self.decimal(f"{name}.{raw_key}", raw_value)
        return result

    def strings(self, name: str) -> dict[str, str]:
        raw = self.data.get(name)
        if not isinstance(raw, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
        ):
            self.problems.append(f"Поле «{name}» должно сопоставлять строки строкам")
            return {}
        return dict(raw)

    def choice(self, name: str, enum: type[StrEnum]) -> StrEnum:
        value = self.data.get(name)
        try:
            return enum(str(value))
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            self.problems.append(f"Поле «{name}»: «{value}» не из списка ({allowed})")
            return next(iter(enum))
