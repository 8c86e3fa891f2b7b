"""Final marks by the 2026 rule set: grade 9 (§3.1), grade 11 (§3.2), worked examples §3.3."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from certificate_builders import (
    RULES,
    SECONDARY_LINES,
    basic_exams,
    basic_finals,
    basic_year_marks,
    ege,
    oge,
    periods,
    secondary_finals,
    term,
    year,
)

from domain.certificates.data_files import load_yaml
from domain.certificates.errors import InvalidRuleData
from domain.certificates.final_marks import FinalMarks
from domain.certificates.lines import LineFormula, LineMapping, line_mapping_from_data
from domain.certificates.marks import MarkValue, PassMark, Period, PeriodMark, TermKind
from domain.certificates.rules import rule_set_from_data

QUARTERS = (Period.Q1, Period.Q2, Period.Q3, Period.Q4)


def _value(finals: FinalMarks, line_code: str) -> MarkValue | None:
    mark = finals.mark_for(line_code)
    assert mark is not None, f"no line {line_code}"
    return mark.value


class TestGrade9:
    @pytest.mark.parametrize(
        ("subject", "year_mark", "exam_mark", "final"),
        [
            ("russian", 4, 5, 5),  # 9/2 = 4.5 → 5 (round() would give 4)
            ("mathematics", 3, 4, 4),  # 7/2 = 3.5 → 4
            ("physics", 3, 5, 4),  # exactly 4
            ("informatics", 5, 4, 5),  # 9/2 = 4.5 → 5
        ],
    )
    def test_gia_subject_is_mean_of_year_and_exam_mark(
        self, subject: str, year_mark: int, exam_mark: int, final: int
    ) -> None:
        if subject == "mathematics":
            marks = basic_year_marks(
                {
                    "algebra": year_mark,
                    "geometry": year_mark,
                    "probability_statistics": year_mark,
                }
            )
        else:
            marks = basic_year_marks({subject: year_mark})
        finals = basic_finals(marks, basic_exams(**{subject: exam_mark}))

        assert not finals.problems
        assert _value(finals, subject) == final
        line = finals.mark_for(subject)
        assert line is not None and line.exam is not None
        assert line.exact == Fraction(year_mark + exam_mark, 2)

    def test_quarter_marks_play_no_part(self) -> None:
        # C3: quarters 3, 3, 3, 3, year 4, exam 5 → 5; history with quarters 5, 5, 4, 4 → 4.
        marks = basic_year_marks({"russian": 4, "history": 4})
        marks += [term("russian", p, 3, 9) for p in QUARTERS]
        marks += [
            term("history", p, v, 9)
            for p, v in zip(QUARTERS, (5, 5, 4, 4), strict=True)
        ]
        finals = basic_finals(marks, basic_exams(russian=5))

        assert _value(finals, "russian") == 5
        assert _value(finals, "history") == 4

    def test_subject_without_exam_takes_the_year_mark(self) -> None:
        finals = basic_finals(basic_year_marks({"history": 3}), basic_exams())

        history = finals.mark_for("history")
        assert history is not None
        assert history.value == 3 and history.exam is None

    def test_exam_mark_two_gives_no_final_mark(self) -> None:
        finals = basic_finals(basic_year_marks({"russian": 4}), basic_exams(russian=2))

        russian = finals.mark_for("russian")
        assert russian is not None
        assert russian.value is None
        assert russian.note is not None and "не пройден" in russian.note
        assert not finals.problems

    def test_retake_result_counts_for_the_final_mark(self) -> None:
        exams = [
            *basic_exams(),
            oge("physics", 2, retake=False),
            oge("physics", 4, retake=True),
        ]
        exams = [e for e in exams if not (e.subject == "physics" and e.mark == 5)]
        finals = basic_finals(basic_year_marks({"physics": 5}), exams)

        physics = finals.mark_for("physics")
        assert physics is not None and physics.exam is not None
        assert physics.exam.is_retake
        assert physics.value == 5  # (5 + 4) / 2 = 4.5 → 5

    def test_subjects_finished_before_grade_9_take_their_last_year_mark(self) -> None:
        finals = basic_finals(basic_year_marks({"music": 4}), basic_exams())

        music = finals.mark_for("music")
        assert music is not None
        assert music.value == 4 and music.inputs[0].grade == 8

    def test_missing_9th_grade_year_mark_is_a_problem_not_last_years_mark(self) -> None:
        marks = [m for m in basic_year_marks() if m.subject != "history"]
        marks += [year("history", 5, 8), term("history", Period.Q1, 4, 9)]
        finals = basic_finals(marks, basic_exams())

        assert any("История" in p and "9 класс" in p for p in finals.problems)

    def test_zachteno_line_is_printed_as_zachteno(self) -> None:
        marks = basic_year_marks({"physical_education": PassMark.PASSED})
        finals = basic_finals(marks, basic_exams())

        pe = finals.mark_for("physical_education")
        assert pe is not None
        assert pe.value is PassMark.PASSED and pe.printed == "зачтено"
        assert len(finals.numeric_values) == len(finals.marks) - 1

    def test_unmapped_subject_is_a_problem_and_excluded_subject_is_not(self) -> None:
        marks = [*basic_year_marks(), year("astronomy_club", 5), year("odnknr", 5, 6)]
        finals = basic_finals(marks, basic_exams())

        assert finals.problems == (
            "предмет журнала «astronomy_club» не сопоставлен ни одной строке аттестата",
        )

    def test_ege_result_is_not_part_of_grade_9(self) -> None:
        finals = basic_finals(
            basic_year_marks(), [*basic_exams(), ege("chemistry", 80)]
        )

        assert any("ЕГЭ" in p for p in finals.problems)

    def test_exam_counts_only_for_the_subjects_of_the_year(self) -> None:
        # A 2021-like year: only Russian and maths exams change the final mark.
        raw = _rule_data()
        raw["basic"]["final_marks"]["exam_mark_counts_for"] = ["russian", "mathematics"]
        rules = rule_set_from_data(raw)
        finals = basic_finals(
            basic_year_marks({"physics": 4}), basic_exams(physics=5), rules=rules
        )

        assert _value(finals, "physics") == 4


class TestCombinedMathsLine:
    def _marks(self) -> list[PeriodMark]:
        return basic_year_marks(
            {"algebra": 5, "geometry": 4, "probability_statistics": 5}
        )

    def test_line_year_mark_is_a_mark_then_averaged_with_the_exam(self) -> None:
        # (5 + 4 + 5) / 3 = 4.67 → year mark 5; (5 + 4) / 2 = 4.5 → 5.
        finals = basic_finals(self._marks(), basic_exams(mathematics=4))

        maths = finals.mark_for("mathematics")
        assert maths is not None
        assert maths.year_value == 5 and maths.value == 5
        assert {m.subject for m in maths.inputs} == {
            "algebra",
            "geometry",
            "probability_statistics",
        }

    def test_exact_formula_rounds_once_at_the_end(self) -> None:
        # (14/3 + 4) / 2 = 13/3 = 4.33 → 4: the mapping's formula is data.
        mapping = _mapping_with_maths_formula(LineFormula.EXACT_UNTIL_FINAL)
        finals = basic_finals(
            self._marks(), basic_exams(mathematics=4), mapping=mapping
        )

        maths = finals.mark_for("mathematics")
        assert maths is not None
        assert maths.exact == Fraction(13, 3) and maths.value == 4

    def test_mapping_with_a_subject_in_two_lines_is_refused(self) -> None:
        with pytest.raises(InvalidRuleData, match="входит в строки"):
            line_mapping_from_data(
                {
                    "name": "broken",
                    "level": "basic",
                    "lines": [
                        {
                            "code": "a",
                            "title": "Алгебра",
                            "order": 1,
                            "sources": ["algebra"],
                        },
                        {
                            "code": "m",
                            "title": "Математика",
                            "order": 2,
                            "sources": ["algebra"],
                        },
                    ],
                }
            )


class TestGrade11:
    @pytest.mark.parametrize(
        ("grade10", "grade11", "final"),
        [
            ((5, 5, 5), (4, 4, 4), 5),  # A: 27/6 = 4.5
            ((5, 4, 4), (4, 4, 5), 4),  # B: 26/6 = 4.33
            ((4, 4, 4), (3, 3, 3), 4),  # C: 21/6 = 3.5
            ((3, 3, 3), (4, 4, 4), 4),  # C2: the float trap
        ],
    )
    def test_mean_of_half_year_and_year_marks(
        self, grade10: tuple[int, ...], grade11: tuple[int, ...], final: int
    ) -> None:
        finals = secondary_finals(periods("physics", grade10, grade11))

        assert _value(finals, "physics") == final
        assert finals.term_kind is TermKind.HALF_YEAR

    def test_quarters_and_year_when_the_school_grades_by_quarters(self) -> None:
        # D: 10 values, 45/10 = 4.5 → 5.
        marks = periods("physics", [5] * 5, [4] * 5, kind=TermKind.QUARTER)
        finals = secondary_finals(marks, term_kind=TermKind.QUARTER)

        physics = finals.mark_for("physics")
        assert physics is not None
        assert physics.exact == Fraction(9, 2) and physics.value == 5
        assert not finals.warnings

    def test_subject_studied_only_in_10th_grade(self) -> None:
        # E: 13/3 → 4, and no warning: the 11th grade is simply not studied.
        finals = secondary_finals(periods("geography", (5, 4, 4), ()))

        assert _value(finals, "geography") == 4
        assert not finals.warnings

    def test_ege_score_does_not_change_the_mark(self) -> None:
        # F: ЕГЭ 90 in the subject, marks 4 everywhere → 4.
        finals = secondary_finals(
            periods("chemistry", (4, 4, 4), (4, 4, 4)), [ege("chemistry", 90)]
        )

        assert _value(finals, "chemistry") == 4

    def test_missing_half_year_mark_gives_mean_of_present_marks_and_a_warning(
        self,
    ) -> None:
        # C5: 11th H1 missing → (5 + 5 + 5 + 4 + 4) / 5 = 4.6 → 5, with a warning.
        marks = periods("history", (5, 5, 5), (4, 4, 4))
        marks = [m for m in marks if not (m.grade == 11 and m.period is Period.H1)]
        finals = secondary_finals(marks)

        assert _value(finals, "history") == 5
        assert len(finals.warnings) == 1
        assert "1 полугодие 11 класса" in finals.warnings[0]

    def test_marks_of_another_term_kind_are_ignored(self) -> None:
        marks = periods("biology", (4, 4, 4), (4, 4, 4))
        marks.append(term("biology", Period.Q1, 2, 10))
        finals = secondary_finals(marks)

        assert _value(finals, "biology") == 4

    def test_zachteno_stays_out_of_the_mean(self) -> None:
        marks = periods(
            "physical_education", [PassMark.PASSED] * 3, [PassMark.PASSED] * 3
        )
        marks += periods("life_safety", (5, 5, 5), (5, 5, PassMark.PASSED))
        finals = secondary_finals(marks)

        assert _value(finals, "physical_education") is PassMark.PASSED
        life_safety = finals.mark_for("life_safety")
        assert life_safety is not None and life_safety.value == 5
        assert len(life_safety.inputs) == 5
        assert any("«зачтено» не входят в среднее" in w for w in finals.warnings)

    def test_combined_maths_rounds_each_period_mark_first(self) -> None:
        # Per period: algebra 5 and geometry 4 → 4.5 → 5; so every period mark is 5.
        marks = periods("algebra", (5, 5, 5), (5, 5, 5)) + periods(
            "geometry", (4, 4, 4), (4, 4, 4)
        )
        finals = secondary_finals(marks)

        assert _value(finals, "mathematics") == 5

    def test_rule_set_version_is_recorded(self) -> None:
        finals = secondary_finals(periods("physics", (5, 5, 5), (5, 5, 5)))

        assert finals.rule_set_version == RULES.version == "2026.3"
        assert finals.mapping_name == SECONDARY_LINES.name


def _rule_data() -> dict[str, Any]:
    raw: dict[str, Any] = load_yaml("rule_sets", "2026.2.yaml")
    return raw


def _mapping_with_maths_formula(formula: LineFormula) -> LineMapping:
    raw = load_yaml("line_mappings", "basic_default.yaml")
    for line in raw["lines"]:
        if line["code"] == "mathematics":
            line["formula"] = formula.value
    return line_mapping_from_data(raw)
