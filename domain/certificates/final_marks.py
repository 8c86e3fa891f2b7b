"""Final marks of a graduate by the rule set of the year (§3): one value per certificate line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from domain.certificates import exams as exam_rules
from domain.certificates.errors import InvalidRuleData
from domain.certificates.exams import ExamResult
from domain.certificates.kinds import Level
from domain.certificates.lines import CertificateLine, LineFormula, LineMapping
from domain.certificates.marks import (
    MarkValue,
    PassMark,
    Period,
    PeriodMark,
    TermKind,
    exact_mean,
    half_up,
    periods_of,
)
from domain.certificates.rules import (
    BasicFinalMarkRule,
    LevelRules,
    RuleSet,
    SecondaryFinalMarkRule,
)
from domain.certificates.wording import mark_in_words


@dataclass(frozen=True)
class FinalMark:
    """The final mark of one line with everything it was computed from (§3.4, §3.7)."""

    line: CertificateLine
    # None when no mark may be given: the ГИА in the subject was not passed.
    value: MarkValue | None
    exact: Fraction | None = None
    inputs: tuple[PeriodMark, ...] = ()
    year_value: Fraction | None = None
    exam: ExamResult | None = None
    note: str | None = None

    @property
    def printed(self) -> str:
        """The supplement's text: «5 (отлично)» or «зачтено»."""
        if self.value is None:
            return ""
        return mark_in_words(self.value)


@dataclass(frozen=True)
class FinalMarks:
    """All final marks of one graduate, and what stops them from being formed."""

    level: Level
    rule_set_version: str
    mapping_name: str
    term_kind: TermKind | None
    marks: tuple[FinalMark, ...]
    # Problems block the review; warnings need the registrar's explicit confirmation.
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def mark_for(self, line_code: str) -> FinalMark | None:
        for mark in self.marks:
            if mark.line.code == line_code:
                return mark
        return None

    @property
    def numeric_values(self) -> list[int]:
        """Numeric finals only: «зачтено» lines stay out of counts and means (§3.5)."""
        return [m.value for m in self.marks if isinstance(m.value, int)]


def compute_final_marks(
    level: Level,
    period_marks: Iterable[PeriodMark],
    exam_results: Iterable[ExamResult],
    rule_set: RuleSet,
    mapping: LineMapping,
    *,
    term_kind: TermKind | None = None,
    subject_names: Mapping[str, str] | None = None,
) -> FinalMarks:
    """Final marks of one pupil: grade 9 by year + exam marks, grade 11 by period means.

    `subject_names` gives the gradebook subjects' Russian names for the messages.
    """
    names = dict(subject_names or {})
    if mapping.level is not level:
        raise InvalidRuleData(
            "Соответствие строк аттестата составлено для другого уровня"
        )
    rules = rule_set.for_level(level)
    problems: list[str] = []
    warnings: list[str] = []

    by_line = _group_marks_by_line(period_marks, mapping, problems, names)
    attempts = _group_exams_by_line(exam_results, rules, mapping, problems)

    chosen_kind: TermKind | None = None
    marks: list[FinalMark] = []
    for line in mapping.lines:
        line_marks = by_line.get(line.code, [])
        line_attempts = attempts.get(line.code, {})
        if not line_marks and not line_attempts:
            if line.required:
                problems.append(f"нет отметок по обязательному предмету «{line.title}»")
            continue
        if isinstance(rules.final_marks, BasicFinalMarkRule):
            mark = _basic_final_mark(
                line, line_marks, line_attempts, rules, rules.final_marks, problems
            )
        else:
            assert isinstance(rules.final_marks, SecondaryFinalMarkRule)
            chosen_kind = term_kind or rules.final_marks.default_term_kind
            mark = _secondary_final_mark(
                line, line_marks, rules.final_marks, chosen_kind, problems, warnings, names
            )
        if mark is not None:
            marks.append(mark)

    return FinalMarks(
        level=level,
        rule_set_version=rule_set.version,
        mapping_name=mapping.name,
        term_kind=chosen_kind,
        marks=tuple(marks),
        problems=tuple(problems),
        warnings=tuple(warnings),
    )


def _group_marks_by_line(
    period_marks: Iterable[PeriodMark],
    mapping: LineMapping,
    problems: list[str],
    names: Mapping[str, str],
) -> dict[str, list[PeriodMark]]:
    by_line: dict[str, list[PeriodMark]] = {}
    unmapped: set[str] = set()
    for mark in period_marks:
        line = mapping.line_for_subject(mark.subject)
        if line is not None:
            by_line.setdefault(line.code, []).append(mark)
        elif mark.subject not in mapping.excluded_subjects:
            unmapped.add(mark.subject)
    for subject in sorted(unmapped):
        problems.append(
            f"предмет журнала «{names.get(subject, subject)}» не сопоставлен ни одной "
            "строке аттестата"
        )
    return by_line


def _group_exams_by_line(
    exam_results: Iterable[ExamResult],
    rules: LevelRules,
    mapping: LineMapping,
    problems: list[str],
) -> dict[str, dict[str, list[ExamResult]]]:
    """Attempts per line and exam subject, only of this level's exam forms."""
    relevant: list[ExamResult] = []
    for result in exam_results:
        if result.form not in rules.gia.forms:
            problems.append(
                f"результат {result.describe()} не относится к ГИА этого уровня"
            )
        else:
            relevant.append(result)

    by_line: dict[str, dict[str, list[ExamResult]]] = {}
    if rules.level is Level.SECONDARY:
        # ЕГЭ results do not change grade-11 marks (§3.2); a pupil may also sit an
        # exam in a subject not on the supplement, so nothing is tied to lines here.
        return by_line
    for subject, attempts in exam_rules.attempts_by_subject(relevant).items():
        line = mapping.line_for_exam(subject)
        if line is None:
            name = exam_rules.subject_name(subject)
            problems.append(
                f"результат ГИА по предмету «{name}» не относится ни к одной строке"
            )
            continue
        by_line.setdefault(line.code, {})[subject] = attempts
    return by_line


def _pass_only_value(values: Sequence[MarkValue]) -> PassMark:
    return PassMark.FAILED if PassMark.FAILED in values else PassMark.PASSED


def _combine(values: Sequence[int], formula: LineFormula) -> Fraction:
    """The line's value for one period from its subjects' marks in that period."""
    mean = exact_mean(values)
    if formula is LineFormula.ROUND_PERIOD_MARKS:
        return Fraction(half_up(mean))
    return mean


def _basic_final_mark(
    line: CertificateLine,
    line_marks: Sequence[PeriodMark],
    attempts: dict[str, list[ExamResult]],
    rules: LevelRules,
    rule: BasicFinalMarkRule,
    problems: list[str],
) -> FinalMark | None:
    year_marks = [
        m
        for m in line_marks
        if m.period is Period.YEAR and m.grade in rule.year_mark_grades
    ]
    if not year_marks:
        problems.append(f"нет годовой отметки по предмету «{line.title}»")
        return None

    last_grade = max(m.grade for m in year_marks)
    later_terms = sorted({m.grade for m in line_marks if m.grade > last_grade})
    if later_terms:
        problems.append(
            f"нет годовой отметки по предмету «{line.title}» за {later_terms[-1]} класс"
        )
        return None

    used = tuple(m for m in year_marks if m.grade == last_grade)
    numeric = [m.value for m in used if isinstance(m.value, int)]
    exam = _counting_exam(attempts, rules, rule)

    if not numeric:
        if exam is not None:
            problems.append(
                f"по предмету «{line.title}» с экзаменом нет годовой отметки"
            )
            return None
        return FinalMark(line, _pass_only_value([m.value for m in used]), inputs=used)

    year_value = _combine(numeric, line.formula)
    if exam is None:
        return FinalMark(
            line,
            half_up(year_value),
            exact=year_value,
            inputs=used,
            year_value=year_value,
        )

    if not exam_rules.is_passed(exam, rules.gia.ege_minimum_scores):
        # §3.1: an exam mark of 2 means ГИА is not passed; no final mark is computed.
        return FinalMark(
            line,
            None,
            inputs=used,
            year_value=year_value,
            exam=exam,
            note=f"{exam.describe()} не пройден: итоговая отметка не выставляется",
        )
    assert exam.mark is not None
    exact = (year_value + exam.mark) / 2
    return FinalMark(
        line, half_up(exact), exact=exact, inputs=used, year_value=year_value, exam=exam
    )


def _counting_exam(
    attempts: dict[str, list[ExamResult]], rules: LevelRules, rule: BasicFinalMarkRule
) -> ExamResult | None:
    for subject, subject_attempts in sorted(attempts.items()):
        if rule.exam_mark_counts_for is None or subject in rule.exam_mark_counts_for:
            return exam_rules.counting_attempt(
                subject_attempts, rules.gia.ege_minimum_scores
            )
    return None


def _secondary_final_mark(
    line: CertificateLine,
    line_marks: Sequence[PeriodMark],
    rule: SecondaryFinalMarkRule,
    term_kind: TermKind,
    problems: list[str],
    warnings: list[str],
    names: Mapping[str, str],
) -> FinalMark | None:
    wanted = set(periods_of(term_kind))
    if rule.include_year_marks:
        wanted.add(Period.YEAR)
    used = tuple(m for m in line_marks if m.grade in rule.grades and m.period in wanted)
    if not used:
        if line_marks:
            problems.append(
                f"по предмету «{line.title}» нет отметок за {_grades_text(rule.grades)}"
            )
        return None

    numeric = [m for m in used if isinstance(m.value, int)]
    if not numeric:
        return FinalMark(line, _pass_only_value([m.value for m in used]), inputs=used)
    if len(numeric) != len(used):
        warnings.append(
            f"по предмету «{line.title}» отметки «зачтено» не входят в среднее"
        )

    warnings += _missing_period_warnings(line, numeric, wanted, names)

    slots: dict[tuple[int, Period], list[int]] = {}
    for mark in numeric:
        assert isinstance(mark.value, int)
        slots.setdefault((mark.grade, mark.period), []).append(mark.value)
    exact = exact_mean(_combine(values, line.formula) for values in slots.values())
    return FinalMark(line, half_up(exact), exact=exact, inputs=tuple(numeric))


def _missing_period_warnings(
    line: CertificateLine,
    marks: Sequence[PeriodMark],
    wanted: set[Period],
    names: Mapping[str, str],
) -> list[str]:
    """A subject studied in a grade but missing some period marks there (C5).

    A grade without any marks of the subject is not a gap: the subject was studied in
    the other year only (C6), and the mean is taken over the marks that exist.
    """
    warnings: list[str] = []
    studied = sorted({(m.subject, m.grade) for m in marks})
    for subject, grade in studied:
        present = {m.period for m in marks if m.subject == subject and m.grade == grade}
        for period in sorted(wanted - present, key=list(Period).index):
            source = names.get(subject, subject)
            where = "" if source == line.title else f" ({source})"
            warnings.append(
                f"по предмету «{line.title}»{where} нет отметки за {period.label} "
                f"{grade} класса: итоговая посчитана по имеющимся отметкам"
            )
    return warnings


def _grades_text(grades: Sequence[int]) -> str:
    return " и ".join(str(g) for g in grades) + " классы"
