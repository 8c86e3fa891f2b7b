"""Which document a graduate gets, honours and medals (§2, §4), each decision with reasons."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from domain.certificates import exams as exam_rules
from domain.certificates.errors import FinalMarksIncomplete, InvalidRuleData
from domain.certificates.exams import ExamForm, ExamResult
from domain.certificates.final_marks import FinalMark, FinalMarks
from domain.certificates.kinds import CertificateKind, Level, Medal, attestat_kind
from domain.certificates.marks import EXCELLENT, GOOD, PassMark
from domain.certificates.rules import AwardRule, ExamScope, GiaRule, RuleSet
from domain.certificates.wording import plural_form

RUSSIAN = "russian"
BASIC_MATHS = "mathematics_basic"
GVE_MATHS = "mathematics"
# Reasons that say data is missing start with this (and become the decision's warnings).
MISSING_DATA = "Нет данных:"


@dataclass(frozen=True)
class AwardDecision:
    """One honours or medal condition set, checked: granted or not, and why."""

    title: str
    granted: bool
    reasons: tuple[str, ...]
    note: str | None = None
    # Data missing for a condition: the award is refused until the secretary adds it.
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class CertificateDecision:
    level: Level
    kind: CertificateKind
    medal: Medal | None
    reasons: tuple[str, ...]
    honours: AwardDecision | None
    medals: tuple[AwardDecision, ...]
    rule_set_version: str

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the secretary must add before honours or a medal can be decided."""
        found: list[str] = []
        for award in (self.honours, *self.medals):
            if award is not None:
                found += [w for w in award.warnings if w not in found]
        return tuple(found)

    @property
    def explanation(self) -> tuple[str, ...]:
        """Every reason in reading order, for the wizard; missing data first."""
        lines = [f"Внимание: {warning}" for warning in self.warnings]
        lines += list(self.reasons)
        for award in (self.honours, *self.medals):
            if award is None:
                continue
            verdict = "да" if award.granted else "нет"
            lines.append(f"{award.title}: {verdict}")
            lines += [f"— {reason}" for reason in award.reasons]
            if award.note:
                lines.append(f"— {award.note}")
        return tuple(lines)


def decide_certificate(
    final_marks: FinalMarks, exam_results: Iterable[ExamResult], rule_set: RuleSet
) -> CertificateDecision:
    """The document kind, honours and medal for one graduate, by the year's rule set."""
    if final_marks.problems:
        raise FinalMarksIncomplete(final_marks.problems)
    if final_marks.rule_set_version != rule_set.version:
        raise InvalidRuleData(
            f"Итоговые отметки рассчитаны по правилам {final_marks.rule_set_version}, "
            f"а решение принимается по правилам {rule_set.version}"
        )
    rules = rule_set.for_level(final_marks.level)
    results = [r for r in exam_results if r.form in rules.gia.forms]
    attempts = exam_rules.attempts_by_subject(results)

    gia_passed, gia_reasons = _gia_outcome(attempts, rules.gia)
    marks_ok, marks_reasons = _satisfactory_marks(final_marks.marks)
    reasons = (*gia_reasons, *marks_reasons)
    if not (gia_passed and marks_ok):
        return CertificateDecision(
            level=final_marks.level,
            kind=CertificateKind.STUDY_RECORD,
            medal=None,
            reasons=(*reasons, "Выдаётся справка об обучении вместо аттестата"),
            honours=None,
            medals=(),
            rule_set_version=rule_set.version,
        )

    honours = evaluate_award(rules.honours, final_marks, attempts, rules.gia)
    evaluated = [
        (medal, evaluate_award(rules.medals[medal], final_marks, attempts, rules.gia))
        for medal in (Medal.FIRST, Medal.SECOND)
        if medal in rules.medals
    ]
    medal = next((m for m, decision in evaluated if decision.granted), None)
    medals = tuple(decision for _, decision in evaluated)
    return CertificateDecision(
        level=final_marks.level,
        kind=attestat_kind(final_marks.level, honours=honours.granted),
        medal=medal,
        reasons=reasons,
        honours=honours,
        medals=medals,
        rule_set_version=rule_set.version,
    )


def _gia_outcome(
    attempts: Mapping[str, list[ExamResult]], gia: GiaRule
) -> tuple[bool, list[str]]:
    """ГИА passed: compulsory subjects passed, enough exams, and (grade 9) all taken passed."""
    reasons: list[str] = []
    passed_subjects: set[str] = set()
    for subject, subject_attempts in attempts.items():
        counting = exam_rules.counting_attempt(subject_attempts, gia.ege_minimum_scores)
        if exam_rules.is_passed(counting, gia.ege_minimum_scores):
            passed_subjects.add(subject)
        elif gia.passed_scope is ExamScope.ALL_TAKEN:
            reasons.append(
                f"{counting.describe()} не пройден ({_result_text(counting)})"
            )

    ok = not reasons
    for group in gia.required_subjects:
        if not passed_subjects.intersection(group):
            names = " или ".join(f"«{exam_rules.subject_name(s)}»" for s in group)
            taken = [s for s in group if s in attempts]
            verb = "не пройдена" if taken else "не сдавалась"
            reasons.append(f"ГИА по предмету {names} {verb}")
            ok = False

    compulsory = {s for group in gia.required_subjects for s in group}
    required = gia.exams_required(
        a.form for s, subject_attempts in attempts.items() if s in compulsory
        for a in subject_attempts
    )
    if gia.passed_scope is ExamScope.ALL_TAKEN and len(passed_subjects) < required:
        reasons.append(
            f"Пройдено экзаменов: {len(passed_subjects)} из {required} обязательных"
        )
        ok = False

    if ok:
        reasons.insert(0, "ГИА пройдена")
    return ok, reasons


def _satisfactory_marks(marks: Sequence[FinalMark]) -> tuple[bool, list[str]]:
    reasons: list[str] = []
    for mark in marks:
        if mark.value is None:
            reasons.append(
                f"«{mark.line.title}»: {mark.note or 'нет итоговой отметки'}"
            )
        elif mark.value is PassMark.FAILED:
            reasons.append(f"«{mark.line.title}»: «не зачтено»")
        elif isinstance(mark.value, int) and mark.value < 3:
            reasons.append(f"«{mark.line.title}»: итоговая отметка «{mark.value}»")
    if reasons:
        return False, ["Есть неудовлетворительные итоговые результаты:", *reasons]
    return True, ["Все итоговые отметки не ниже «удовлетворительно»"]


def evaluate_award(
    rule: AwardRule,
    final_marks: FinalMarks,
    attempts: Mapping[str, list[ExamResult]],
    gia: GiaRule,
) -> AwardDecision:
    """Check one honours or medal rule; every condition adds a reason, met or not."""
    checks = [_marks_condition(rule, final_marks)]
    if rule.all_period_marks_excellent:
        checks.append(_period_marks_condition(final_marks))
    if rule.exams_without_retakes:
        checks.append(_exams_condition(rule, attempts, gia))
    if rule.ege_russian_min_score is not None:
        used = _attempts_for_thresholds(rule, attempts)
        checks.append(_russian_condition(rule, used))
        checks.append(_second_subject_condition(rule, used))

    granted = all(ok for ok, _ in checks)
    reasons = tuple(reason for _, found in checks for reason in found)
    warnings = tuple(r for r in reasons if r.startswith(MISSING_DATA))
    return AwardDecision(rule.title, granted, reasons, rule.verification_note, warnings)


def _marks_condition(
    rule: AwardRule, final_marks: FinalMarks
) -> tuple[bool, list[str]]:
    reasons: list[str] = []
    numeric = [
        (m.line.title, m.value) for m in final_marks.marks if isinstance(m.value, int)
    ]
    good = [title for title, value in numeric if value == GOOD]
    low = [f"{title} ({value})" for title, value in numeric if value < GOOD]
    passed = [m.line.title for m in final_marks.marks if m.value is PassMark.PASSED]

    ok = True
    if low:
        ok = False
        reasons.append("Итоговые отметки ниже «хорошо»: " + ", ".join(low))
    if len(good) > rule.max_good_marks:
        ok = False
        if rule.max_good_marks == 0:
            reasons.append(
                "Нужны только «отлично»; «хорошо» по предметам: " + ", ".join(good)
            )
        else:
            reasons.append(
                f"Итоговых отметок «хорошо» {len(good)} ({', '.join(good)}), "
                f"допускается не более {rule.max_good_marks}"
            )
    if ok and good:
        reasons.append(
            f"Итоговых отметок «хорошо» {len(good)} ({', '.join(good)}) при допустимых "
            f"{rule.max_good_marks}, остальные «отлично»"
        )
    elif ok:
        reasons.append("Все итоговые отметки «отлично»")
    if passed:
        reasons.append(
            "Предметы с отметкой «зачтено» не учитываются: " + ", ".join(passed)
        )
    return ok, reasons


def _period_marks_condition(final_marks: FinalMarks) -> tuple[bool, list[str]]:
    """The stricter reading of §4.2 q.2: every half-year and year mark is «5»."""
    below = sorted(
        {
            m.line.title
            for m in final_marks.marks
            for p in m.inputs
            if isinstance(p.value, int) and p.value != EXCELLENT
        }
    )
    if below:
        return False, [
            "Не все полугодовые и годовые отметки «отлично»: " + ", ".join(below)
        ]
    return True, ["Все полугодовые и годовые отметки «отлично»"]


def _scoped_subjects(
    rule: AwardRule, attempts: Mapping[str, list[ExamResult]], gia: GiaRule
) -> list[tuple[str, ...]]:
    if rule.exams_scope is ExamScope.ALL_TAKEN:
        return [(subject,) for subject in sorted(attempts)]
    return [
        tuple(s for s in group if s in attempts) or group
        for group in gia.required_subjects
    ]


def _exams_condition(
    rule: AwardRule, attempts: Mapping[str, list[ExamResult]], gia: GiaRule
) -> tuple[bool, list[str]]:
    """Each exam in scope passed at the first attempt; re-take results do not count."""
    ok = True
    reasons: list[str] = []
    for group in _scoped_subjects(rule, attempts, gia):
        outcomes = [
            _first_attempt_outcome(rule, s, attempts.get(s, []), gia) for s in group
        ]
        good = [text for passed, text in outcomes if passed]
        if good:
            reasons.append(good[0])
        else:
            ok = False
            reasons += [text for _, text in outcomes]
    return ok, reasons


def _first_attempt_outcome(
    rule: AwardRule, subject: str, subject_attempts: list[ExamResult], gia: GiaRule
) -> tuple[bool, str]:
    name = f"«{exam_rules.subject_name(subject)}»"
    if not subject_attempts:
        return False, f"Экзамен по предмету {name} не сдавался"
    first = exam_rules.first_attempt(subject_attempts)
    checks_minimum = (
        rule.each_exam_at_least_minimum
        and first is not None
        and first.form is not ExamForm.EGE
    )
    passed_on_retake = any(
        a.is_retake and exam_rules.is_passed(a, gia.ege_minimum_scores)
        for a in subject_attempts
    )
    if checks_minimum and exam_rules.below_minimum(first) is True:
        assert first is not None
        text = (
            f"{first.describe()}: первичный балл {first.primary_points} ниже "
            f"регионального минимума {first.minimum}"
        )
        if passed_on_retake:
            text += "; пройден только при пересдаче"
        return False, text
    if (first is not None and gia.unknown_ege_minimum_blocks_awards
            and exam_rules.minimum_unknown(first, gia.ege_minimum_scores)):
        # As with ОГЭ points: nobody can tell the exam was passed without its minimum, so
        # honours and the medal wait for the data instead of being granted on trust.
        return False, (
            f"{MISSING_DATA} {first.describe()}: не указан минимальный балл "
            f"({_result_text(first)}). Отличие и медаль не подтверждаются, пока минимальный "
            "балл не внесён в результаты ГИА"
        )
    if first is None or not exam_rules.is_passed(first, gia.ege_minimum_scores):
        if passed_on_retake:
            return (
                False,
                f"{subject_attempts[-1].describe()} пройден только при пересдаче",
            )
        return False, f"{subject_attempts[-1].describe()} не пройден"

    text = f"{first.describe()} пройден без пересдачи ({_result_text(first)})"
    if checks_minimum:
        missing = [
            what
            for value, what in (
                (first.primary_points, "первичный балл"),
                (first.minimum, "региональный минимум первичных баллов"),
            )
            if value is None
        ]
        if missing:
            # Without the points nobody can tell the exam reached the minimum: honours
            # wait for the data instead of being granted on trust.
            return False, (
                f"{MISSING_DATA} {first.describe()}: не указан "
                f"{' и '.join(missing)}. Отличие не подтверждается, пока эти данные не "
                "внесены в результаты ГИА"
            )
        text = (
            f"{first.describe()} пройден без пересдачи, первичный балл "
            f"{first.primary_points} при минимальном {first.minimum}"
        )
    return True, text


def _attempts_for_thresholds(
    rule: AwardRule, attempts: Mapping[str, list[ExamResult]]
) -> dict[str, ExamResult]:
    """The attempt per subject whose score counts: the first one when re-takes are excluded."""
    chosen: dict[str, ExamResult] = {}
    for subject, subject_attempts in attempts.items():
        if rule.exams_without_retakes:
            first = exam_rules.first_attempt(subject_attempts)
            if first is not None:
                chosen[subject] = first
        else:
            chosen[subject] = subject_attempts[-1]
    return chosen


def _russian_condition(
    rule: AwardRule, used: Mapping[str, ExamResult]
) -> tuple[bool, list[str]]:
    russian = used.get(RUSSIAN)
    if russian is None:
        return False, ["Нет результата ЕГЭ или ГВЭ по русскому языку"]
    if russian.form is ExamForm.GVE:
        return _gve_condition(rule, russian)
    minimum = rule.ege_russian_min_score
    assert minimum is not None and russian.score is not None
    return _score_condition(russian, minimum)


def _second_subject_condition(
    rule: AwardRule, used: Mapping[str, ExamResult]
) -> tuple[bool, list[str]]:
    """One more ЕГЭ subject at the threshold; basic maths «5» if only it was taken; ГВЭ «5»."""
    minimum = rule.ege_second_subject_min_score
    scored = sorted(
        (
            r
            for s, r in used.items()
            if s != RUSSIAN and r.form is ExamForm.EGE and r.score is not None
        ),
        key=lambda r: r.score or 0,
        reverse=True,
    )
    if minimum is not None and scored and (scored[0].score or 0) >= minimum:
        return _score_condition(scored[0], minimum)

    basic = used.get(BASIC_MATHS)
    if (
        rule.basic_math_mark is not None
        and basic is not None
        and set(used) == {RUSSIAN, BASIC_MATHS}
    ):
        if (basic.mark or 0) >= rule.basic_math_mark:
            return True, [
                f"{basic.describe()}: «{basic.mark}» (сданы только обязательные "
                "предметы, нужно «5»)"
            ]
        return False, [
            f"{basic.describe()}: «{basic.mark}», нужно «{rule.basic_math_mark}» "
            "(сданы только обязательные предметы)"
        ]

    gve_maths = used.get(GVE_MATHS)
    if gve_maths is not None and gve_maths.form is ExamForm.GVE:
        return _gve_condition(rule, gve_maths)

    if scored:
        best = scored[0]
        return False, [
            f"Лучший результат ЕГЭ, кроме русского языка: {best.describe()}, "
            f"{_points(best.score or 0)}; нужно не менее {minimum}"
        ]
    return False, ["Нет результата ЕГЭ ещё по одному предмету, кроме русского языка"]


def _score_condition(result: ExamResult, minimum: int) -> tuple[bool, list[str]]:
    score = result.score or 0
    text = f"{result.describe()}: {_points(score)} (нужно не менее {minimum})"
    return score >= minimum, [text]


def _gve_condition(rule: AwardRule, result: ExamResult) -> tuple[bool, list[str]]:
    if rule.gve_mark is None or result.subject not in rule.gve_subjects:
        return False, [f"{result.describe()} не учитывается этим правилом"]
    ok = (result.mark or 0) >= rule.gve_mark
    return ok, [f"{result.describe()}: «{result.mark}» (нужно «{rule.gve_mark}»)"]


def _points(score: int) -> str:
    return f"{score} {plural_form(score, 'балл', 'балла', 'баллов')}"


def _result_text(result: ExamResult) -> str:
    if result.mark is not None:
        return f"отметка «{result.mark}»"
    return _points(result.score or 0)
