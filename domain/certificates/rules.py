"""Rule sets keyed by graduation year (§4.3), read from `data/rule_sets/<year>.yaml`."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from domain.certificates.data_files import data_digest, data_names, load_yaml
from domain.certificates.errors import InvalidRuleData, RuleSetNotFound
from domain.certificates.exams import ExamForm, exam_subjects
from domain.certificates.kinds import Level, Medal
from domain.certificates.marks import TermKind


class ExamScope(StrEnum):
    """Which exams a condition looks at: every exam taken, or the compulsory ones."""

    ALL_TAKEN = "all_taken"
    REQUIRED = "required"


@dataclass(frozen=True)
class BasicFinalMarkRule:
    final_grade: int
    year_mark_grades: tuple[int, ...]
    # None: the exam mark counts for every ГИА subject taken.
    exam_mark_counts_for: frozenset[str] | None


@dataclass(frozen=True)
class SecondaryFinalMarkRule:
    grades: tuple[int, ...]
    default_term_kind: TermKind
    include_year_marks: bool


@dataclass(frozen=True)
class GiaRule:
    forms: frozenset[ExamForm]
    # Each group is satisfied by passing any one subject of it (e.g. basic or profile maths).
    required_subjects: tuple[tuple[str, ...], ...]
    required_exam_count: int
    passed_scope: ExamScope
    ege_minimum_scores: Mapping[str, int] = field(default_factory=dict)
    # A scored ЕГЭ whose minimum is known neither from its row nor from the rule set stops
    # honours and medal I with a «Нет данных» warning (2026.3 on); earlier versions counted it
    # as passed, and the documents decided by them keep that.
    unknown_ege_minimum_blocks_awards: bool = False
    # A pupil who takes a compulsory subject in one of these forms needs this many exams
    # instead (ГВЭ-9: pupils with disabilities may take Russian and maths only).
    required_exam_count_by_form: Mapping[ExamForm, int] = field(default_factory=dict)

    def exams_required(self, compulsory_forms: Iterable[ExamForm]) -> int:
        """How many exams a pupil must pass, by the forms of their compulsory exams."""
        counts = [
            self.required_exam_count_by_form[form]
            for form in compulsory_forms
            if form in self.required_exam_count_by_form
        ]
        return min(counts, default=self.required_exam_count)


@dataclass(frozen=True)
class AwardRule:
    """Conditions of an honours certificate or a medal."""

    title: str
    max_good_marks: int
    exams_without_retakes: bool
    exams_scope: ExamScope
    each_exam_at_least_minimum: bool = False
    ege_russian_min_score: int | None = None
    ege_second_subject_min_score: int | None = None
    basic_math_mark: int | None = None
    gve_mark: int | None = None
    gve_subjects: tuple[str, ...] = ()
    all_period_marks_excellent: bool = False
    verification_note: str | None = None


@dataclass(frozen=True)
class LevelRules:
    level: Level
    final_marks: BasicFinalMarkRule | SecondaryFinalMarkRule
    gia: GiaRule
    honours: AwardRule
    medals: Mapping[Medal, AwardRule]


@dataclass(frozen=True)
class RuleSet:
    graduation_year: int
    version: str
    basis: tuple[str, ...]
    basic: LevelRules
    secondary: LevelRules

    def for_level(self, level: Level) -> LevelRules:
        return self.basic if level is Level.BASIC else self.secondary


_RULE_SETS = "rule_sets"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@functools.cache
def rule_set_versions(graduation_year: int) -> tuple[str, ...]:
    """The approved versions of a year's rules, oldest first (files `<year>.<n>.yaml`)."""
    found = []
    for name in data_names(_RULE_SETS):
        stem = name.removesuffix(".yaml")
        if name.endswith(".yaml") and stem.startswith(f"{graduation_year}."):
            if stem.removeprefix(f"{graduation_year}.").isdigit():
                found.append(stem)
    return tuple(sorted(found, key=_version_key))


@functools.cache
def load_rule_set(graduation_year: int, version: str | None = None) -> RuleSet:
    """A year's rule set: the latest version, or the one named (certificates formed with
    an earlier version keep it: their duplicates are decided by it). RuleSetNotFound if
    none was approved."""
    versions = rule_set_versions(graduation_year)
    if not versions:
        raise RuleSetNotFound(graduation_year)
    wanted = version or versions[-1]
    if wanted not in versions:
        raise InvalidRuleData(
            f"Правила {graduation_year} года выпуска версии {wanted} не найдены; "
            f"есть версии: {', '.join(versions)}"
        )
    rule_set = rule_set_from_data(load_yaml(_RULE_SETS, f"{wanted}.yaml"))
    if rule_set.graduation_year != graduation_year or rule_set.version != wanted:
        raise InvalidRuleData(
            f"Файл правил {wanted} описывает {rule_set.graduation_year} год "
            f"версии {rule_set.version}"
        )
    return rule_set


def rule_set_digest(version: str) -> str:
    """The SHA-256 of a rule-set version's file, stored with every decision made by it: a
    file is never edited once documents were decided by it (a new version is added)."""
    digest = data_digest(_RULE_SETS, f"{version}.yaml")
    if digest is None:
        raise InvalidRuleData(f"Правила версии {version} не найдены")
    return digest


def check_rule_set_unchanged(version: str, digest: str | None) -> None:
    """Refuse to decide again by a version whose file changed since `digest` was taken
    (None: a decision stored before digests were kept)."""
    if digest is not None and rule_set_digest(version) != digest:
        raise InvalidRuleData(
            f"Файл правил версии {version} изменён после того, как по нему были "
            "рассчитаны документы: так нельзя. Верните файл или добавьте новую версию правил"
        )


def rule_set_from_data(raw: Mapping[str, Any]) -> RuleSet:
    """Build a rule set from parsed data; unknown or missing keys are errors."""
    data = _Reader(raw, "правила")
    rule_set = RuleSet(
        graduation_year=data.integer("graduation_year"),
        version=str(data.required("version")),
        basis=tuple(data.items("basis", default=[])),
        basic=_level_rules(Level.BASIC, data.section("basic")),
        secondary=_level_rules(Level.SECONDARY, data.section("secondary")),
    )
    data.finish()
    return rule_set


def _level_rules(level: Level, data: _Reader) -> LevelRules:
    marks = data.section("final_marks")
    final_marks: BasicFinalMarkRule | SecondaryFinalMarkRule
    if level is Level.BASIC:
        counts = marks.required("exam_mark_counts_for")
        final_marks = BasicFinalMarkRule(
            final_grade=marks.integer("final_grade"),
            year_mark_grades=tuple(marks.items("year_mark_grades")),
            exam_mark_counts_for=None
            if counts == "all"
            else frozenset(_subjects(counts)),
        )
    else:
        final_marks = SecondaryFinalMarkRule(
            grades=tuple(marks.items("grades")),
            default_term_kind=TermKind(marks.required("default_term_kind")),
            include_year_marks=bool(marks.required("include_year_marks")),
        )
    marks.finish()

    gia_data = data.section("gia")
    gia = GiaRule(
        forms=frozenset(ExamForm(f) for f in gia_data.items("forms")),
        required_subjects=tuple(
            tuple(_subjects(group)) for group in gia_data.items("required_subjects")
        ),
        required_exam_count=gia_data.integer("required_exam_count"),
        passed_scope=ExamScope(gia_data.required("passed_scope")),
        ege_minimum_scores=_minimum_scores(gia_data.optional("ege_minimum_scores") or {}),
        unknown_ege_minimum_blocks_awards=gia_data.optional(
            "unknown_ege_minimum_blocks_awards") is True,
        required_exam_count_by_form=_counts_by_form(
            gia_data.optional("required_exam_count_by_form") or {}
        ),
    )
    gia_data.finish()

    honours = _award_rule(data.section("honours"))
    medals: dict[Medal, AwardRule] = {}
    medal_data = data.optional("medals")
    if medal_data is not None:
        medal_reader = _Reader(medal_data, "medals")
        for key, medal in (("first", Medal.FIRST), ("second", Medal.SECOND)):
            if medal_reader.optional(key) is not None:
                medals[medal] = _award_rule(medal_reader.section(key))
        medal_reader.finish()
    data.finish()
    return LevelRules(level, final_marks, gia, honours, medals)


def _award_rule(data: _Reader) -> AwardRule:
    rule = AwardRule(
        title=str(data.required("title")),
        max_good_marks=data.integer("max_good_marks"),
        exams_without_retakes=bool(data.required("exams_without_retakes")),
        exams_scope=ExamScope(data.required("exams_scope")),
        each_exam_at_least_minimum=bool(data.optional("each_exam_at_least_minimum")),
        ege_russian_min_score=data.optional("ege_russian_min_score"),
        ege_second_subject_min_score=data.optional("ege_second_subject_min_score"),
        basic_math_mark=data.optional("basic_math_mark"),
        gve_mark=data.optional("gve_mark"),
        gve_subjects=tuple(_subjects(data.optional("gve_subjects") or [])),
        all_period_marks_excellent=bool(data.optional("all_period_marks_excellent")),
        verification_note=data.optional("verification_note"),
    )
    data.finish()
    return rule


def _counts_by_form(raw: Any) -> dict[ExamForm, int]:
    if not isinstance(raw, Mapping):
        raise InvalidRuleData("«gia.required_exam_count_by_form» должно быть словарём")
    counts: dict[ExamForm, int] = {}
    for form, count in raw.items():
        try:
            known = ExamForm(form)
        except ValueError:
            raise InvalidRuleData(f"Неизвестная форма ГИА в правилах: {form!r}") from None
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidRuleData(
                f"Число экзаменов для формы {known.label} должно быть целым больше нуля"
            )
        counts[known] = count
    return counts


def _minimum_scores(raw: Any) -> dict[str, int]:
    if not isinstance(raw, Mapping):
        raise InvalidRuleData("«gia.ege_minimum_scores» должно быть словарём")
    _subjects(list(raw))
    for subject, score in raw.items():
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
            raise InvalidRuleData(
                f"Минимальный балл ЕГЭ по предмету «{exam_subjects()[subject].name}» "
                "должен быть целым числом от 0 до 100"
            )
    return dict(raw)


def _subjects(codes: Any) -> list[str]:
    if not isinstance(codes, list):
        raise InvalidRuleData(f"Ожидался список предметов, получено: {codes!r}")
    unknown = [c for c in codes if c not in exam_subjects()]
    if unknown:
        raise InvalidRuleData(f"В правилах указаны неизвестные предметы ГИА: {unknown}")
    return list(codes)


class _Reader:
    """Strict access to one mapping of rule data: every key must be known and used."""

    def __init__(self, raw: Any, where: str) -> None:
        if not isinstance(raw, Mapping):
            raise InvalidRuleData(f"Раздел «{where}» правил должен быть словарём")
        self._raw = raw
        self._where = where
        self._used: set[str] = set()

    def optional(self, key: str) -> Any:
        self._used.add(key)
        return self._raw.get(key)

    def required(self, key: str) -> Any:
        value = self.optional(key)
        if value is None:
            raise InvalidRuleData(f"В разделе «{self._where}» правил нет ключа «{key}»")
        return value

    def integer(self, key: str) -> int:
        value = self.required(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidRuleData(f"«{self._where}.{key}» должно быть целым числом")
        return value

    def items(self, key: str, default: list[Any] | None = None) -> list[Any]:
        value = self.optional(key)
        if value is None and default is not None:
            return default
        if not isinstance(value, list):
            raise InvalidRuleData(f"«{self._where}.{key}» должно быть списком")
        return value

    def section(self, key: str) -> _Reader:
        return _Reader(self.required(key), f"{self._where}.{key}")

    def finish(self) -> None:
        unknown = set(self._raw) - self._used
        if unknown:
            raise InvalidRuleData(
                f"Неизвестные ключи в разделе «{self._where}» правил: {sorted(unknown)}"
            )
