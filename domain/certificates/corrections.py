"""Marks found wrong after issue (§8): the corrected inputs the deputy head approved, and
the final marks computed again from them by the rules the original was decided by.

The secretary never types a final mark: she reports the error, the deputy head approves
which period marks were wrong and what they should be, and the duplicate carries the final
marks recomputed from the corrected inputs as a new version (the old one is kept).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.certificates.errors import CertificateError, InvalidRuleData
from domain.certificates.exams import ExamResult
from domain.certificates.final_marks import FinalMarks, compute_final_marks
from domain.certificates.lines import LineMapping
from domain.certificates.marks import (
    MarkValue,
    PassMark,
    Period,
    PeriodMark,
    check_mark,
)
from domain.certificates.rules import RuleSet


class InvalidCorrection(CertificateError):
    """A corrected input that is not an input of the line, or changes nothing."""


@dataclass(frozen=True)
class InputCorrection:
    """One period mark of a line, as it should have been."""

    line_code: str
    subject: str
    grade: int
    period: Period
    value: MarkValue

    def describe(self) -> str:
        return f"{self.period.label} {self.grade} класса ({self.subject})"


def check_corrections(
    final_marks: FinalMarks, corrections: Sequence[InputCorrection]
) -> None:
    """Each correction names an input of its line and changes its value."""
    if not corrections:
        raise InvalidCorrection("Укажите исправленные отметки")
    seen: set[tuple[str, int, Period]] = set()
    for correction in corrections:
        mark = final_marks.mark_for(correction.line_code)
        if mark is None:
            raise InvalidCorrection(f"В документе нет строки «{correction.line_code}»")
        key = (correction.subject, correction.grade, correction.period)
        if key in seen:
            raise InvalidCorrection(
                f"Отметка за {correction.describe()} исправлена дважды"
            )
        seen.add(key)
        check_mark(correction.value)
        current = next(
            (
                m
                for m in mark.inputs
                if (m.subject, m.grade, m.period) == key
            ),
            None,
        )
        if current is None:
            raise InvalidCorrection(
                f"Отметка за {correction.describe()} не входит в расчёт итоговой "
                f"отметки по строке «{mark.line.title}»"
            )
        if current.value == correction.value:
            raise InvalidCorrection(
                f"Отметка за {correction.describe()} уже равна «{_shown(current.value)}»"
            )


def corrected_final_marks(
    original: FinalMarks,
    corrections: Sequence[InputCorrection],
    exam_results: Iterable[ExamResult],
    rule_set: RuleSet,
    *,
    reason: str,
) -> FinalMarks:
    """The original's final marks computed again with the corrected inputs.

    The rules are the version the original was decided by, and the lines its own: only
    the corrected inputs differ, so every other line comes out as it was.
    """
    if rule_set.version != original.rule_set_version:
        raise InvalidRuleData(
            f"Документ рассчитан по правилам {original.rule_set_version}: исправление "
            f"считается по ним же, а не по {rule_set.version}"
        )
    check_corrections(original, corrections)
    fixed = {(c.subject, c.grade, c.period): c.value for c in corrections}
    inputs = [
        PeriodMark(m.subject, m.grade, m.period, fixed.get((m.subject, m.grade, m.period),
                                                           m.value))
        for mark in original.marks
        for m in mark.inputs
    ]
    mapping = LineMapping(
        name=original.mapping_name,
        level=original.level,
        lines=tuple(mark.line for mark in original.marks),
    )
    result = compute_final_marks(
        original.level,
        inputs,
        exam_results,
        rule_set,
        mapping,
        term_kind=original.term_kind,
    )
    if result.problems:
        raise InvalidCorrection(
            "Исправленные итоговые отметки неполны: " + "; ".join(result.problems)
        )
    changed = {c.line_code for c in corrections}
    note = f"исправлено при выдаче дубликата: {reason.strip()}"
    return dataclasses.replace(
        result,
        marks=tuple(
            dataclasses.replace(m, note=note) if m.line.code in changed else m
            for m in result.marks
        ),
    )


def _shown(value: MarkValue) -> str:
    return value.label if isinstance(value, PassMark) else str(value)
