"""The rules shipped as data: rule sets per graduation year, line mappings, line titles."""

from __future__ import annotations

import copy

import pytest

from domain.certificates.data_files import load_yaml
from domain.certificates.errors import InvalidRuleData, RuleSetNotFound
from domain.certificates.exams import ExamForm
from domain.certificates.kinds import Level, Medal
from domain.certificates.lines import line_title_problems, load_line_mapping
from domain.certificates.rules import (
    ExamScope,
    load_rule_set,
    rule_set_from_data,
    rule_set_versions,
)


class TestRuleSets:
    def test_2026_rule_set_holds_the_years_thresholds(self) -> None:
        rules = load_rule_set(2026)

        assert rules.version == "2026.3"
        assert rules.basic.honours.exams_scope is ExamScope.ALL_TAKEN
        assert rules.basic.gia.required_exam_count == 4
        first = rules.secondary.medals[Medal.FIRST]
        second = rules.secondary.medals[Medal.SECOND]
        assert (first.ege_russian_min_score, first.ege_second_subject_min_score) == (
            70,
            70,
        )
        assert (second.ege_russian_min_score, second.max_good_marks) == (60, 2)
        assert rules.secondary.honours.verification_note

    def test_versions_of_a_year_are_kept_side_by_side(self) -> None:
        assert rule_set_versions(2026) == ("2026.1", "2026.2", "2026.3")
        assert load_rule_set(2026).version == "2026.3"
        assert load_rule_set(2026, "2026.2").version == "2026.2"
        assert load_rule_set(2026, "2026.1").version == "2026.1"
        with pytest.raises(InvalidRuleData, match="версии 2026.9 не найдены"):
            load_rule_set(2026, "2026.9")

    def test_2027_carries_the_2026_rules_over(self) -> None:
        rules_2026, rules_2027 = load_rule_set(2026), load_rule_set(2027)

        assert rules_2027.version == "2027.1"
        assert rules_2027.basic == rules_2026.basic
        assert rules_2027.secondary == rules_2026.secondary

    def test_the_required_exam_count_depends_on_the_form(self) -> None:
        gia = load_rule_set(2026).basic.gia

        assert gia.exams_required([ExamForm.OGE, ExamForm.OGE]) == 4
        assert gia.exams_required([ExamForm.GVE, ExamForm.GVE]) == 2
        assert gia.exams_required([]) == 4

    def test_a_year_without_approved_rules_is_refused(self) -> None:
        with pytest.raises(RuleSetNotFound, match="2031 года выпуска"):
            load_rule_set(2031)

    def test_unknown_keys_in_rule_data_are_refused(self) -> None:
        raw = copy.deepcopy(load_yaml("rule_sets", "2026.2.yaml"))
        raw["secondary"]["medals"]["first"]["ege_russian_minimum"] = 70

        with pytest.raises(InvalidRuleData, match="ege_russian_minimum"):
            rule_set_from_data(raw)

    def test_unknown_exam_subjects_in_rule_data_are_refused(self) -> None:
        raw = copy.deepcopy(load_yaml("rule_sets", "2026.2.yaml"))
        raw["basic"]["gia"]["required_subjects"] = [["russian"], ["maths"]]

        with pytest.raises(InvalidRuleData, match="maths"):
            rule_set_from_data(raw)


class TestLineMappings:
    @pytest.mark.parametrize("level", list(Level))
    def test_default_mappings_load_and_put_maths_on_one_line(
        self, level: Level
    ) -> None:
        mapping = load_line_mapping(level)
        maths = mapping.line_for_subject("geometry")

        assert maths is not None and maths.title == "Математика"
        assert mapping.line_for_subject("algebra") is maths
        assert [line.order for line in mapping.lines] == sorted(
            line.order for line in mapping.lines
        )


class TestLineTitles:
    @pytest.mark.parametrize(
        "title",
        [
            "Иностранный язык (английский)",
            "Родная литература (русская)",
            "ИЗО",
            "Физкультура",
            "Труд (технология)",
        ],
    )
    def test_valid_titles(self, title: str) -> None:
        assert line_title_problems(title) == []

    @pytest.mark.parametrize(
        ("title", "problem"),
        [
            ("1. Русский язык", "без порядкового номера"),
            ("русский язык", "с прописной буквы"),
            ("Иностранный язык", "язык в скобках"),
            ("ОБЗР", "не входит в перечень"),
            ("Физ. культура", "с точкой"),
            ("Русский  язык", "лишние пробелы"),
        ],
    )
    def test_invalid_titles(self, title: str, problem: str) -> None:
        assert any(problem in p for p in line_title_problems(title))


def test_a_rule_set_files_digest_guards_its_decisions() -> None:
    import hashlib
    from importlib import resources

    from domain.certificates.rules import check_rule_set_unchanged, rule_set_digest

    path = resources.files("domain.certificates.data.rule_sets").joinpath("2026.2.yaml")
    assert rule_set_digest("2026.2") == hashlib.sha256(path.read_bytes()).hexdigest()
    assert rule_set_digest("2026.2") != rule_set_digest("2026.3")

    check_rule_set_unchanged("2026.2", rule_set_digest("2026.2"))
    check_rule_set_unchanged("2026.2", None)  # decided before digests were kept
    with pytest.raises(InvalidRuleData, match="изменён после того"):
        check_rule_set_unchanged("2026.2", "0" * 64)
