"""Final marks recomputed from corrected inputs after issue, by the original's rules (§8)."""

from __future__ import annotations

import pytest
from certificate_builders import basic_exams, basic_finals, basic_year_marks

from domain.certificates.corrections import (
    InputCorrection,
    InvalidCorrection,
    corrected_final_marks,
)
from domain.certificates.errors import InvalidRuleData
from domain.certificates.marks import Period
from domain.certificates.rules import load_rule_set

OLD_RULES = load_rule_set(2026, "2026.1")


def _original():  # type: ignore[no-untyped-def]
    exams = basic_exams(physics=4)
    return basic_finals(basic_year_marks({"physics": 4}), exams, rules=OLD_RULES), exams


def test_the_line_is_recomputed_from_the_corrected_input_by_the_originals_rules() -> None:
    original, exams = _original()
    assert original.mark_for("physics").value == 4  # (4 + 4) / 2

    fixed = corrected_final_marks(
        original, [InputCorrection("physics", "physics", 9, Period.YEAR, 5)], exams,
        OLD_RULES, reason="Протокол № 1")

    physics = fixed.mark_for("physics")
    assert (physics.value, str(physics.exact)) == (5, "9/2")
    assert physics.note == "исправлено при выдаче дубликата: Протокол № 1"
    assert fixed.rule_set_version == "2026.1"
    others = [m for m in fixed.marks if m.line.code != "physics"]
    assert others == [m for m in original.marks if m.line.code != "physics"]


def test_the_latest_rules_do_not_recompute_an_original_of_older_ones() -> None:
    original, exams = _original()

    with pytest.raises(InvalidRuleData, match="по правилам 2026.1"):
        corrected_final_marks(
            original, [InputCorrection("physics", "physics", 9, Period.YEAR, 5)], exams,
            load_rule_set(2026), reason="—")


@pytest.mark.parametrize(
    ("correction", "message"),
    [
        (InputCorrection("physics", "physics", 8, Period.YEAR, 5), "не входит в расчёт"),
        (InputCorrection("physics", "physics", 9, Period.YEAR, 4), "уже равна «4»"),
        (InputCorrection("astronomy", "physics", 9, Period.YEAR, 5), "нет строки"),
    ],
)
def test_a_correction_must_change_an_input_of_its_line(
    correction: InputCorrection, message: str
) -> None:
    original, exams = _original()

    with pytest.raises(InvalidCorrection, match=message):
        corrected_final_marks(original, [correction], exams, OLD_RULES, reason="—")
