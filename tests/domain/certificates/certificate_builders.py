"""Invented pupils, marks and exam results for the certificate tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from domain.certificates.exams import ExamForm, ExamResult
from domain.certificates.final_marks import FinalMarks, compute_final_marks
from domain.certificates.honours import CertificateDecision, decide_certificate
from domain.certificates.kinds import Level
from domain.certificates.lines import LineMapping, load_line_mapping
from domain.certificates.marks import (
    MarkValue,
    Period,
    PeriodMark,
    TermKind,
    periods_of,
)
from domain.certificates.rules import RuleSet, load_rule_set

RULES = load_rule_set(2026)
BASIC_LINES = load_line_mapping(Level.BASIC)
SECONDARY_LINES = load_line_mapping(Level.SECONDARY)
PUPIL = "pupil-17"


def year(subject: str, value: MarkValue, grade: int = 9) -> PeriodMark:
    return PeriodMark(subject, grade, Period.YEAR, value)


def term(subject: str, period: Period, value: MarkValue, grade: int) -> PeriodMark:
    return PeriodMark(subject, grade, period, value)


def oge(
    subject: str,
    mark: int,
    *,
    points: int | None = None,
    minimum: int | None = None,
    retake: bool = False,
) -> ExamResult:
    return ExamResult(
        PUPIL,
        subject,
        ExamForm.OGE,
        mark=mark,
        primary_points=points,
        minimum=minimum,
        is_retake=retake,
    )


def ege(subject: str, score: int, *, retake: bool = False) -> ExamResult:
    return ExamResult(PUPIL, subject, ExamForm.EGE, score=score, is_retake=retake)


def ege_basic_maths(mark: int, *, retake: bool = False) -> ExamResult:
    return ExamResult(
        PUPIL, "mathematics_basic", ExamForm.EGE, mark=mark, is_retake=retake
    )


def gve(
    subject: str,
    mark: int,
    *,
    points: int | None = None,
    minimum: int | None = None,
    retake: bool = False,
) -> ExamResult:
    return ExamResult(
        PUPIL,
        subject,
        ExamForm.GVE,
        mark=mark,
        primary_points=points,
        minimum=minimum,
        is_retake=retake,
    )


# Primary points of an invented regional scale: «3» starts at 10.
MINIMUM = 10


def points_for(mark: int) -> int:
    return {2: 6, 3: 12, 4: 18, 5: 24}[mark]


# Grade-9 curriculum of an invented pupil: subject -> grade of its last year mark.
BASIC_SUBJECTS = {
    "russian": 9,
    "literature": 9,
    "english": 9,
    "algebra": 9,
    "geometry": 9,
    "probability_statistics": 9,
    "informatics": 9,
    "history": 9,
    "social_studies": 9,
    "geography": 9,
    "physics": 9,
    "chemistry": 9,
    "biology": 9,
    "fine_arts": 7,
    "music": 8,
    "technology": 8,
    "life_safety": 9,
    "physical_education": 9,
}


def basic_year_marks(
    overrides: Mapping[str, MarkValue] | None = None, default: MarkValue = 5
) -> list[PeriodMark]:
    values = {subject: default for subject in BASIC_SUBJECTS} | dict(overrides or {})
    return [year(s, v, BASIC_SUBJECTS[s]) for s, v in values.items()]


def basic_exams(**marks: int) -> list[ExamResult]:
    """ОГЭ in Russian, maths and two chosen subjects, all «5» unless given."""
    subjects = {"russian": 5, "mathematics": 5, "physics": 5, "informatics": 5}
    return [
        oge(s, m, points=points_for(m), minimum=MINIMUM)
        for s, m in (subjects | marks).items()
    ]


def basic_finals(
    marks: Iterable[PeriodMark],
    exams: Iterable[ExamResult],
    *,
    mapping: LineMapping = BASIC_LINES,
    rules: RuleSet = RULES,
) -> FinalMarks:
    return compute_final_marks(Level.BASIC, list(marks), list(exams), rules, mapping)


SECONDARY_SUBJECTS = (
    "russian",
    "literature",
    "english",
    "algebra",
    "geometry",
    "probability_statistics",
    "informatics",
    "history",
    "social_studies",
    "geography",
    "physics",
    "chemistry",
    "biology",
    "physical_education",
    "life_safety",
)


def periods(
    subject: str,
    grade10: Iterable[int],
    grade11: Iterable[int],
    kind: TermKind = TermKind.HALF_YEAR,
) -> list[PeriodMark]:
    """Term marks then the year mark of each grade, in the order given."""
    slots = (*periods_of(kind), Period.YEAR)
    marks = [
        PeriodMark(subject, 10, p, v) for p, v in zip(slots, grade10, strict=False)
    ]
    marks += [
        PeriodMark(subject, 11, p, v) for p, v in zip(slots, grade11, strict=False)
    ]
    return marks


def secondary_marks(overrides: Mapping[str, int] | None = None) -> list[PeriodMark]:
    """Every period mark of a subject equals its final mark (5 unless overridden)."""
    values = {s: 5 for s in SECONDARY_SUBJECTS} | dict(overrides or {})
    marks: list[PeriodMark] = []
    for subject, value in values.items():
        marks += periods(subject, [value] * 3, [value] * 3)
    return marks


def secondary_finals(
    marks: Iterable[PeriodMark],
    exams: Iterable[ExamResult] = (),
    *,
    term_kind: TermKind | None = None,
    mapping: LineMapping = SECONDARY_LINES,
) -> FinalMarks:
    return compute_final_marks(
        Level.SECONDARY, list(marks), list(exams), RULES, mapping, term_kind=term_kind
    )


def decide(finals: FinalMarks, exams: Iterable[ExamResult]) -> CertificateDecision:
    return decide_certificate(finals, list(exams), RULES)


STRONG_EGE = [
    ExamResult(PUPIL, "russian", ExamForm.EGE, score=85),
    ExamResult(PUPIL, "mathematics_profile", ExamForm.EGE, score=78),
    ExamResult(PUPIL, "physics", ExamForm.EGE, score=74),
]
