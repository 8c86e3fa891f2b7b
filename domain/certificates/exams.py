"""State exam results (ОГЭ, ЕГЭ, ГВЭ) per pupil and subject, and when they count as passed."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.certificates.data_files import load_yaml, normalize_label
from domain.certificates.errors import CertificateError, InvalidRuleData


class ExamForm(StrEnum):
    OGE = "oge"
    EGE = "ege"
    GVE = "gve"

    @property
    def label(self) -> str:
        return {ExamForm.OGE: "ОГЭ", ExamForm.EGE: "ЕГЭ", ExamForm.GVE: "ГВЭ"}[self]


@dataclass(frozen=True)
class ExamSubject:
    code: str
    name: str
    forms: frozenset[ExamForm]
    mark_scale_only: bool


@functools.cache
def exam_subjects() -> Mapping[str, ExamSubject]:
    """The catalogue of exam subjects from `data/exam_subjects.yaml`, by code."""
    raw = load_yaml(None, "exam_subjects.yaml")
    if not isinstance(raw, dict) or not isinstance(raw.get("subjects"), dict):
        raise InvalidRuleData("Перечень предметов ГИА не найден")

    catalogue: dict[str, ExamSubject] = {}
    for code, item in raw["subjects"].items():
        forms = item.get("forms") or [f.value for f in ExamForm]
        catalogue[code] = ExamSubject(
            code=code,
            name=item["name"],
            forms=frozenset(ExamForm(f) for f in forms),
            mark_scale_only=item.get("scale") == "mark",
        )
    return catalogue


@functools.cache
def _subject_lookup() -> Mapping[str, str]:
    raw = load_yaml(None, "exam_subjects.yaml")
    lookup: dict[str, str] = {}
    for code, item in raw["subjects"].items():
        for label in [code, item["name"], *(item.get("aliases") or [])]:
            lookup[normalize_label(label)] = code
    return lookup


def find_exam_subject(text: str) -> str | None:
    """The subject code for a code, a Russian name or an accepted spelling."""
    return _subject_lookup().get(normalize_label(text))


def subject_name(code: str) -> str:
    subject = exam_subjects().get(code)
    return subject.name if subject else code


class InvalidExamResult(CertificateError):
    """An exam result whose fields contradict its form or scale."""


@dataclass(frozen=True)
class ExamResult:
    """One attempt of one pupil at one exam.

    `mark` is the 5-point mark (ОГЭ, ГВЭ, ЕГЭ in basic maths); `score` the 100-point
    test score (ЕГЭ); `minimum` the minimum in the scale of the form: primary points for
    ОГЭ/ГВЭ (the regional minimum), the test score for ЕГЭ. `is_retake` marks a repeated
    attempt after an unsatisfactory or annulled result (or to improve one); a reserve day
    taken for a valid reason is not a re-take.
    """

    pupil_id: str
    subject: str
    form: ExamForm
    mark: int | None = None
    score: int | None = None
    primary_points: int | None = None
    minimum: int | None = None
    is_retake: bool = False
    exam_date: date | None = None

    def __post_init__(self) -> None:
        problems = exam_result_problems(self)
        if problems:
            raise InvalidExamResult("; ".join(problems))

    @property
    def subject_name(self) -> str:
        return subject_name(self.subject)

    @property
    def on_mark_scale(self) -> bool:
        return self.mark is not None

    def describe(self) -> str:
        """«ЕГЭ по предмету «Русский язык»» for reasons and messages."""
        return f"{self.form.label} по предмету «{self.subject_name}»"


def exam_result_problems(result: ExamResult) -> list[str]:
    """Russian descriptions of what is inconsistent in one result (empty if valid)."""
    subject = exam_subjects().get(result.subject)
    if subject is None:
        return [f"предмет «{result.subject}» не найден в перечне предметов ГИА"]

    problems: list[str] = []
    if result.form not in subject.forms:
        problems.append(
            f"предмет «{subject.name}» не сдаётся в форме {result.form.label}"
        )
    wants_mark = result.form is not ExamForm.EGE or subject.mark_scale_only
    if wants_mark:
        if result.mark is None:
            problems.append(
                f"для {result.form.label} по предмету «{subject.name}» нужна отметка"
            )
        elif result.mark not in (2, 3, 4, 5):
            problems.append(f"отметка {result.mark} вне шкалы 2–5")
        if result.score is not None:
            problems.append(
                f"для {result.form.label} по предмету «{subject.name}» тестовый балл "
                "не указывается, только отметка"
            )
    else:
        if result.score is None:
            problems.append(f"для ЕГЭ по предмету «{subject.name}» нужен тестовый балл")
        elif not 0 <= result.score <= 100:
            problems.append(f"тестовый балл {result.score} вне диапазона 0–100")
        if result.mark is not None:
            problems.append(
                f"для ЕГЭ по предмету «{subject.name}» отметка не ставится, только тестовый балл"
            )

    for value, what in (
        (result.primary_points, "первичный"),
        (result.minimum, "минимальный"),
    ):
        if value is not None and value < 0:
            problems.append(f"{what} балл не может быть отрицательным")
    if problems:
        return problems

    # On the regional scale «3» starts exactly at the minimum, so a mark and primary points
    # that disagree mean a typing error somewhere in the row.
    below = below_minimum(result)
    if result.mark is not None and below is not None and below != (result.mark == 2):
        problems.append(
            f"отметка {result.mark} не согласуется с первичным баллом {result.primary_points} "
            f"при минимальном {result.minimum}"
        )
    return problems


def below_minimum(result: ExamResult) -> bool | None:
    """True/False when the primary points and the minimum are known (ОГЭ, ГВЭ), else None."""
    if (
        result.form is ExamForm.EGE
        or result.primary_points is None
        or result.minimum is None
    ):
        return None
    return result.primary_points < result.minimum


def ege_minimum_score(
    result: ExamResult, default_minimum_scores: Mapping[str, int]
) -> int | None:
    """The minimum test score of a scored ЕГЭ result: its own, else the rule set's for the
    subject; None for a result on the mark scale or when neither is known."""
    if result.mark is not None:
        return None
    if result.minimum is not None:
        return result.minimum
    return default_minimum_scores.get(result.subject)


def minimum_unknown(result: ExamResult, default_minimum_scores: Mapping[str, int]) -> bool:
    """A scored ЕГЭ result whose minimum is given neither with it nor in the rule set."""
    return result.mark is None and ege_minimum_score(result, default_minimum_scores) is None


def is_passed(result: ExamResult, default_minimum_scores: Mapping[str, int]) -> bool:
    """Satisfactory result: mark ≥ 3 (and ≥ the minimum), or ЕГЭ score ≥ the minimum.

    A ЕГЭ score whose minimum is unknown (`minimum_unknown`) is not known to be failed and
    counts as passed here; honours and medals refuse it with a «Нет данных» warning instead.
    """
    if result.mark is not None:
        return result.mark >= 3 and below_minimum(result) is not True
    assert result.score is not None
    minimum = ege_minimum_score(result, default_minimum_scores)
    return minimum is None or result.score >= minimum


def attempts_by_subject(results: Iterable[ExamResult]) -> dict[str, list[ExamResult]]:
    """Attempts grouped by subject: first attempts before re-takes, then by exam date."""
    grouped: dict[str, list[ExamResult]] = {}
    for result in results:
        grouped.setdefault(result.subject, []).append(result)
    for attempts in grouped.values():
        attempts.sort(key=lambda r: (r.is_retake, r.exam_date or date.min))
    return grouped


def counting_attempt(
    attempts: Iterable[ExamResult], default_minimum_scores: Mapping[str, int]
) -> ExamResult:
    """The attempt that counts for the final mark: the last passed one, else the last one."""
    ordered = list(attempts)
    passed = [a for a in ordered if is_passed(a, default_minimum_scores)]
    return passed[-1] if passed else ordered[-1]


def first_attempt(attempts: Iterable[ExamResult]) -> ExamResult | None:
    """The first non-retake attempt; honours ignore results of re-takes."""
    for attempt in attempts:
        if not attempt.is_retake:
            return attempt
    return None
