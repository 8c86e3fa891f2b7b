"""Document kind, honours and medals by the 2026 rule set (§2, §4; C7, C8, C9)."""

from __future__ import annotations

import copy

import pytest
from certificate_builders import (
    MINIMUM,
    PUPIL,
    RULES,
    SECONDARY_LINES,
    STRONG_EGE,
    basic_exams,
    basic_finals,
    basic_year_marks,
    decide,
    ege,
    ege_basic_maths,
    gve,
    oge,
    periods,
    points_for,
    secondary_finals,
    secondary_marks,
)

from domain.certificates.data_files import load_yaml
from domain.certificates.errors import FinalMarksIncomplete, InvalidRuleData
from domain.certificates.exams import ExamForm, ExamResult, exam_subjects
from domain.certificates.final_marks import FinalMarks, compute_final_marks
from domain.certificates.honours import decide_certificate
from domain.certificates.kinds import CertificateKind, Level, Medal
from domain.certificates.marks import PassMark
from domain.certificates.rules import RuleSet, load_rule_set, rule_set_from_data


class TestGrade9Honours:
    def test_all_excellent_and_exams_at_first_attempt_give_honours(self) -> None:
        exams = [
            oge("russian", 5, points=30, minimum=15),
            oge("mathematics", 5, points=25, minimum=8),
            oge("physics", 4, points=30, minimum=11),  # year 5 + exam 4 → 5
            oge("informatics", 5, points=18, minimum=5),
        ]
        decision = decide(basic_finals(basic_year_marks(), exams), exams)

        assert decision.kind is CertificateKind.BASIC_HONOURS
        assert decision.medal is None
        assert decision.honours is not None and decision.honours.granted
        assert "Все итоговые отметки «отлично»" in decision.honours.reasons
        assert any(
            "первичный балл 30 при минимальном 11" in r
            for r in decision.honours.reasons
        )

    def test_retake_blocks_honours_even_with_all_final_marks_excellent(self) -> None:
        # C7: physics failed at first, 5 at the re-take → final (5 + 5) / 2 = 5, yet no honours.
        exams = [
            *basic_exams(physics=2),
            oge("physics", 5, retake=True),
        ]
        finals = basic_finals(basic_year_marks(), exams)
        decision = decide(finals, exams)

        assert set(finals.numeric_values) == {5}
        assert decision.kind is CertificateKind.BASIC
        assert decision.honours is not None and not decision.honours.granted
        assert any("только при пересдаче" in r for r in decision.honours.reasons)

    def test_one_final_good_mark_gives_a_plain_certificate(self) -> None:
        exams = basic_exams()
        decision = decide(basic_finals(basic_year_marks({"history": 4}), exams), exams)

        assert decision.kind is CertificateKind.BASIC
        assert decision.honours is not None
        assert any("История" in r for r in decision.honours.reasons)

    def test_zachteno_does_not_block_honours(self) -> None:
        # C9.
        exams = basic_exams()
        marks = basic_year_marks({"physical_education": PassMark.PASSED})
        decision = decide(basic_finals(marks, exams), exams)

        assert decision.kind is CertificateKind.BASIC_HONOURS
        assert decision.honours is not None
        assert any("«зачтено» не учитываются" in r for r in decision.honours.reasons)

    def test_failed_exam_gives_a_study_record(self) -> None:
        exams = basic_exams(mathematics=2)
        decision = decide(basic_finals(basic_year_marks(), exams), exams)

        assert decision.kind is CertificateKind.STUDY_RECORD
        assert decision.honours is None
        assert any("Математика" in r and "не пройден" in r for r in decision.reasons)

    def test_fewer_than_four_exams_gives_a_study_record(self) -> None:
        exams = [e for e in basic_exams() if e.subject != "informatics"]
        decision = decide(basic_finals(basic_year_marks(), exams), exams)

        assert decision.kind is CertificateKind.STUDY_RECORD
        assert any("3 из 4" in r for r in decision.reasons)

    def test_gve_9_takers_get_honours_by_the_same_rule(self) -> None:
        exams = [
            gve("russian", 5, points=points_for(5), minimum=MINIMUM),
            gve("mathematics", 5, points=points_for(5), minimum=MINIMUM),
        ]
        exams += [e for e in basic_exams() if e.subject in ("physics", "informatics")]
        decision = decide(basic_finals(basic_year_marks(), exams), exams)

        assert decision.kind is CertificateKind.BASIC_HONOURS

    def test_gve_9_in_russian_and_maths_only_is_a_passed_gia(self) -> None:
        # Pupils with disabilities may take ГВЭ-9 in the compulsory subjects only.
        exams = [
            gve("russian", 4, points=points_for(4), minimum=MINIMUM),
            gve("mathematics", 4, points=points_for(4), minimum=MINIMUM),
        ]
        finals = basic_finals(basic_year_marks(), exams)
        decision = decide(finals, exams)

        # Year «5» and exam «4»: (5 + 4) / 2 → 5; two exams passed at the first attempt.
        assert decision.kind is CertificateKind.BASIC_HONOURS
        assert not any("2 из 4" in r for r in decision.reasons)
        # 2026.1 asked four exams of everyone: the same pupil got a справка there.
        old_rules = load_rule_set(2026, "2026.1")
        old_finals = basic_finals(basic_year_marks(), exams, rules=old_rules)
        old = decide_certificate(old_finals, exams, old_rules)
        assert old.kind is CertificateKind.STUDY_RECORD
        assert any("2 из 4" in r for r in old.reasons)

    def test_oge_takers_still_need_four_exams(self) -> None:
        exams = [e for e in basic_exams() if e.subject in ("russian", "mathematics")]
        decision = decide(basic_finals(basic_year_marks(), exams), exams)

        assert decision.kind is CertificateKind.STUDY_RECORD
        assert any("2 из 4" in r for r in decision.reasons)

    def test_missing_primary_points_block_honours_with_a_warning(self) -> None:
        # C7: nobody can tell the exam reached the regional minimum without the points.
        exams = [*basic_exams(physics=5)[:2], oge("physics", 5), oge("informatics", 5)]
        exams[3] = oge("informatics", 5, points=20)
        decision = decide(basic_finals(basic_year_marks(), exams), exams)

        assert decision.kind is CertificateKind.BASIC
        assert decision.honours is not None and not decision.honours.granted
        assert decision.warnings == (
            "Нет данных: ОГЭ по предмету «Информатика»: не указан региональный минимум "
            "первичных баллов. Отличие не подтверждается, пока эти данные не внесены в "
            "результаты ГИА",
            "Нет данных: ОГЭ по предмету «Физика»: не указан первичный балл и "
            "региональный минимум первичных баллов. Отличие не подтверждается, пока эти "
            "данные не внесены в результаты ГИА",
        )
        assert decision.explanation[0].startswith("Внимание: Нет данных: ОГЭ")

    def test_below_the_regional_minimum_is_named_as_such(self) -> None:
        exams = [
            *basic_exams(physics=2),
            oge("physics", 5, points=points_for(5), minimum=MINIMUM, retake=True),
        ]
        decision = decide(basic_finals(basic_year_marks(), exams), exams)

        assert decision.honours is not None and not decision.honours.granted
        assert (
            "ОГЭ по предмету «Физика»: первичный балл 6 ниже регионального минимума 10; "
            "пройден только при пересдаче" in decision.honours.reasons
        )

    def test_incomplete_final_marks_are_refused(self) -> None:
        marks = [m for m in basic_year_marks() if m.subject != "russian"]
        exams = basic_exams()
        with pytest.raises(FinalMarksIncomplete, match="Русский язык"):
            decide(basic_finals(marks, exams), exams)


# Chemistry below its minimum score at the first attempt.
ELECTIVE_FAILED = ExamResult(PUPIL, "chemistry", ExamForm.EGE, score=30, minimum=36)


class TestGrade11HonoursAndMedals:
    def test_all_excellent_with_two_ege_at_70_give_honours_and_medal_one(self) -> None:
        decision = decide(secondary_finals(secondary_marks()), STRONG_EGE)

        assert decision.kind is CertificateKind.SECONDARY_HONOURS
        assert decision.medal is Medal.FIRST
        assert decision.honours is not None
        assert decision.honours.note is not None and "№ 546" in decision.honours.note

    def test_russian_plus_any_subject_at_70_is_enough_in_2026(self) -> None:
        # The 730-style rule decides in 2026: profile maths 60 does not matter.
        exams = [
            ege("russian", 75),
            ege("mathematics_profile", 60),
            ege("chemistry", 80),
        ]
        decision = decide(secondary_finals(secondary_marks()), exams)

        assert decision.kind is CertificateKind.SECONDARY_HONOURS
        assert decision.medal is Medal.FIRST

    def test_scores_between_60_and_70_give_medal_two_only(self) -> None:
        exams = [ege("russian", 68), ege("mathematics_profile", 66)]
        decision = decide(secondary_finals(secondary_marks()), exams)

        assert decision.kind is CertificateKind.SECONDARY
        assert decision.medal is Medal.SECOND
        first, second = decision.medals
        assert not first.granted and second.granted
        assert any("68 баллов (нужно не менее 70)" in r for r in first.reasons)

    def test_two_good_marks_allow_medal_two(self) -> None:
        finals = secondary_finals(secondary_marks({"physics": 4, "chemistry": 4}))
        decision = decide(finals, STRONG_EGE)

        assert decision.kind is CertificateKind.SECONDARY
        assert decision.medal is Medal.SECOND

    def test_three_good_marks_allow_no_medal(self) -> None:
        # C8.
        finals = secondary_finals(
            secondary_marks({"physics": 4, "chemistry": 4, "history": 4})
        )
        decision = decide(finals, STRONG_EGE)

        assert decision.medal is None
        assert any("допускается не более 2" in r for r in decision.medals[1].reasons)

    def test_one_satisfactory_mark_allows_no_medal(self) -> None:
        # C8.
        decision = decide(
            secondary_finals(secondary_marks({"geography": 3})), STRONG_EGE
        )

        assert decision.kind is CertificateKind.SECONDARY
        assert decision.medal is None
        assert any("ниже «хорошо»" in r for r in decision.medals[1].reasons)

    def test_basic_maths_five_when_only_compulsory_subjects_were_taken(self) -> None:
        exams = [ege("russian", 72), ege_basic_maths(5)]
        decision = decide(secondary_finals(secondary_marks()), exams)

        assert decision.kind is CertificateKind.SECONDARY_HONOURS
        assert decision.medal is Medal.FIRST

    def test_basic_maths_four_when_only_compulsory_subjects_were_taken(self) -> None:
        exams = [ege("russian", 72), ege_basic_maths(4)]
        decision = decide(secondary_finals(secondary_marks()), exams)

        assert decision.kind is CertificateKind.SECONDARY
        assert decision.medal is None

    def test_basic_maths_five_does_not_replace_a_weak_chosen_subject(self) -> None:
        exams = [ege("russian", 72), ege_basic_maths(5), ege("history", 50)]
        decision = decide(secondary_finals(secondary_marks()), exams)

        assert decision.medal is None
        assert any("Лучший результат ЕГЭ" in r for r in decision.medals[0].reasons)

    def test_gve_takers_need_excellent_in_russian_and_maths(self) -> None:
        finals = secondary_finals(secondary_marks())
        excellent = decide(finals, [gve("russian", 5), gve("mathematics", 5)])
        good_maths = decide(finals, [gve("russian", 5), gve("mathematics", 4)])

        assert excellent.kind is CertificateKind.SECONDARY_HONOURS
        assert excellent.medal is Medal.FIRST
        assert good_maths.kind is CertificateKind.SECONDARY
        assert good_maths.medal is None

    def test_retake_blocks_honours_and_medal_one_not_medal_two(self) -> None:
        # C7: Russian below the minimum at first (20 < 24), 80 at the re-take. Medal II
        # has no re-take condition in 2026 (the issue states none; see 2026.2.yaml).
        exams = [ege("russian", 20), ege("russian", 80, retake=True), *STRONG_EGE[1:]]
        decision = decide(secondary_finals(secondary_marks()), exams)

        assert decision.kind is CertificateKind.SECONDARY
        assert decision.medal is Medal.SECOND
        assert decision.honours is not None
        assert any("только при пересдаче" in r for r in decision.honours.reasons)
        first = decision.medals[0]
        assert first.title.endswith("I степени") and not first.granted

    def test_a_retaken_elective_ege_voids_honours_and_medal_one(self) -> None:
        # "Exams passed without re-takes" covers every exam taken, electives included.
        exams = [*STRONG_EGE, ELECTIVE_FAILED, ege("chemistry", 75, retake=True)]
        decision = decide(secondary_finals(secondary_marks()), exams)

        assert decision.kind is CertificateKind.SECONDARY
        assert decision.medal is Medal.SECOND
        assert decision.honours is not None
        assert any(
            "«Химия»" in r and "только при пересдаче" in r
            for r in decision.honours.reasons
        )

    def test_the_2026_1_rules_kept_side_by_side_decide_as_they_did(self) -> None:
        # Certificates decided by 2026.1 keep it: there a re-take voided medal II too and
        # an elective re-take did not void honours.
        old_rules = load_rule_set(2026, "2026.1")
        finals = compute_final_marks(
            Level.SECONDARY, secondary_marks(), [], old_rules, SECONDARY_LINES
        )
        retaken_russian = [
            ege("russian", 20),
            ege("russian", 80, retake=True),
            *STRONG_EGE[1:],
        ]
        retaken_elective = [
            *STRONG_EGE,
            ELECTIVE_FAILED,
            ege("chemistry", 75, retake=True),
        ]

        assert decide_certificate(finals, retaken_russian, old_rules).medal is None
        elective = decide_certificate(finals, retaken_elective, old_rules)
        assert elective.kind is CertificateKind.SECONDARY_HONOURS

    def test_failed_compulsory_exam_gives_a_study_record(self) -> None:
        exams = [ege("russian", 80), ege("mathematics_profile", 20)]
        decision = decide(secondary_finals(secondary_marks()), exams)

        assert decision.kind is CertificateKind.STUDY_RECORD
        assert any("Математика" in r for r in decision.reasons)

    def test_failed_elective_exam_does_not_block_the_certificate(self) -> None:
        exams = [ege("russian", 80), ege_basic_maths(4), ege("physics", 20)]
        decision = decide(secondary_finals(secondary_marks({"physics": 4})), exams)

        assert decision.kind is CertificateKind.SECONDARY

    def test_explanation_lists_every_decision(self) -> None:
        decision = decide(secondary_finals(secondary_marks()), STRONG_EGE)

        text = "\n".join(decision.explanation)
        assert "Аттестат о среднем общем образовании с отличием: да" in text
        assert "Медаль «За особые успехи в учении» I степени: да" in text
        assert "ЕГЭ по предмету «Русский язык»: 85 баллов (нужно не менее 70)" in text


class TestEgeMinimumScores:
    """Every ЕГЭ taken must reach its minimum for honours and medal I (2026.3)."""

    def test_an_elective_below_its_minimum_voids_honours_and_medal_one(self) -> None:
        # Physics 20 < 36 with no minimum in the row: the rule set's minimum decides.
        exams = [
            ExamResult(PUPIL, "russian", ExamForm.EGE, score=85),
            ExamResult(PUPIL, "mathematics_profile", ExamForm.EGE, score=78),
            ege("physics", 20),
        ]
        decision = decide(secondary_finals(secondary_marks()), exams)

        assert decision.kind is CertificateKind.SECONDARY
        assert decision.medal is not Medal.FIRST
        assert decision.honours is not None and not decision.honours.granted
        assert "ЕГЭ по предмету «Физика» не пройден" in decision.honours.reasons
        assert not decision.medals[0].granted
        assert decision.warnings == ()

    def test_an_elective_above_its_known_minimum_keeps_honours(self) -> None:
        exams = [
            ExamResult(PUPIL, "russian", ExamForm.EGE, score=85),
            ExamResult(PUPIL, "mathematics_profile", ExamForm.EGE, score=78),
            ege("physics", 70),
        ]
        decision = decide(secondary_finals(secondary_marks()), exams)

        assert decision.kind is CertificateKind.SECONDARY_HONOURS
        assert decision.medal is Medal.FIRST
        assert decision.honours is not None
        assert (
            "ЕГЭ по предмету «Физика» пройден без пересдачи (70 баллов)"
            in decision.honours.reasons
        )

    def test_every_ege_subject_has_a_minimum_in_the_current_rules(self) -> None:
        scored = [
            code
            for code, subject in exam_subjects().items()
            if ExamForm.EGE in subject.forms and not subject.mark_scale_only
        ]
        for year in (2026, 2027):
            minimums = load_rule_set(year).secondary.gia.ege_minimum_scores
            assert sorted(minimums) == sorted(scored), year
        assert RULES.secondary.gia.ege_minimum_scores["physics"] == 36
        assert RULES.secondary.gia.ege_minimum_scores["russian"] == 24

    def test_an_unknown_minimum_blocks_honours_with_a_warning(self) -> None:
        # A subject whose minimum is in neither the row nor the rule set: honours and
        # medal I wait for it, as they wait for ОГЭ points.
        rules = _rules_without_minimum("physics")
        exams = [*STRONG_EGE[:2], ege("physics", 20)]
        finals = compute_final_marks(
            Level.SECONDARY, secondary_marks(), [], rules, SECONDARY_LINES
        )
        decision = decide_certificate(finals, exams, rules)

        assert decision.kind is CertificateKind.SECONDARY
        assert decision.medal is not Medal.FIRST
        assert decision.warnings == (
            "Нет данных: ЕГЭ по предмету «Физика»: не указан минимальный балл "
            "(20 баллов). Отличие и медаль не подтверждаются, пока минимальный балл не "
            "внесён в результаты ГИА",
        )
        assert not decision.medals[0].granted

    def test_a_minimum_given_with_the_result_is_enough(self) -> None:
        rules = _rules_without_minimum("physics")
        physics = ExamResult(PUPIL, "physics", ExamForm.EGE, score=70, minimum=36)
        finals = compute_final_marks(
            Level.SECONDARY, secondary_marks(), [], rules, SECONDARY_LINES
        )
        decision = decide_certificate(finals, [*STRONG_EGE[:2], physics], rules)

        assert decision.kind is CertificateKind.SECONDARY_HONOURS
        assert decision.medal is Medal.FIRST
        assert decision.warnings == ()

    def test_the_2026_2_rules_kept_side_by_side_hold_only_two_minimums(self) -> None:
        old_rules = load_rule_set(2026, "2026.2")
        assert dict(old_rules.secondary.gia.ege_minimum_scores) == {
            "russian": 24,
            "mathematics_profile": 27,
        }

    def test_documents_decided_by_2026_2_keep_its_reading_of_an_unknown_minimum(self) -> None:
        # A duplicate is decided again by its original's version: 2026.2 counted a scored
        # elective with no minimum as passed, and so it still does.
        old_rules = load_rule_set(2026, "2026.2")
        assert not old_rules.secondary.gia.unknown_ege_minimum_blocks_awards
        assert RULES.secondary.gia.unknown_ege_minimum_blocks_awards
        finals = compute_final_marks(
            Level.SECONDARY, secondary_marks(), [], old_rules, SECONDARY_LINES
        )
        decision = decide_certificate(finals, [*STRONG_EGE[:2], ege("physics", 70)],
                                      old_rules)

        assert decision.kind is CertificateKind.SECONDARY_HONOURS
        assert decision.warnings == ()

    def test_a_minimum_for_an_unknown_subject_is_refused(self) -> None:
        raw = copy.deepcopy(load_yaml("rule_sets", "2026.3.yaml"))
        raw["secondary"]["gia"]["ege_minimum_scores"]["astronomy"] = 30
        with pytest.raises(InvalidRuleData, match="неизвестные предметы"):
            rule_set_from_data(raw)
        raw["secondary"]["gia"]["ege_minimum_scores"] = {"physics": "36"}
        with pytest.raises(InvalidRuleData, match="«Физика»"):
            rule_set_from_data(raw)


def _rules_without_minimum(subject: str) -> RuleSet:
    raw = copy.deepcopy(load_yaml("rule_sets", "2026.3.yaml"))
    del raw["secondary"]["gia"]["ege_minimum_scores"][subject]
    return rule_set_from_data(raw)


class TestStricterPeriodMarkCheck:
    """§4.2 q.2: "every half-year and year mark is «5»" as a switch of the rule data."""

    @staticmethod
    def _finals_and_rules(strict: bool) -> tuple[FinalMarks, RuleSet]:
        raw = copy.deepcopy(load_yaml("rule_sets", "2026.3.yaml"))
        raw["secondary"]["medals"]["first"]["all_period_marks_excellent"] = strict
        rules = rule_set_from_data(raw)
        # Physics: one half-year «4» in grade 10; the mean 29/6 still rounds to «5».
        marks = [m for m in secondary_marks() if m.subject != "physics"]
        marks += periods("physics", [5, 4, 5], [5, 5, 5])
        finals = compute_final_marks(
            Level.SECONDARY, marks, [], rules, SECONDARY_LINES
        )
        return finals, rules

    def test_with_the_check_on_a_period_mark_four_voids_medal_one(self) -> None:
        finals, rules = self._finals_and_rules(strict=True)
        decision = decide_certificate(finals, STRONG_EGE, rules)

        assert set(finals.numeric_values) == {5}
        first, second = decision.medals
        assert not first.granted
        assert "Не все полугодовые и годовые отметки «отлично»: Физика" in first.reasons
        # The check is the medal's: the honours certificate and medal II are untouched.
        assert decision.kind is CertificateKind.SECONDARY_HONOURS
        assert decision.medal is Medal.SECOND and second.granted

    def test_with_the_check_off_final_marks_alone_decide(self) -> None:
        finals, rules = self._finals_and_rules(strict=False)
        decision = decide_certificate(finals, STRONG_EGE, rules)

        assert decision.medal is Medal.FIRST
        assert not any("полугодовые" in r for r in decision.medals[0].reasons)

    def test_with_the_check_on_all_period_marks_five_keep_medal_one(self) -> None:
        raw = copy.deepcopy(load_yaml("rule_sets", "2026.3.yaml"))
        raw["secondary"]["medals"]["first"]["all_period_marks_excellent"] = True
        rules = rule_set_from_data(raw)
        finals = compute_final_marks(
            Level.SECONDARY, secondary_marks(), [], rules, SECONDARY_LINES
        )
        decision = decide_certificate(finals, STRONG_EGE, rules)

        assert decision.medal is Medal.FIRST
        assert "Все полугодовые и годовые отметки «отлично»" in decision.medals[0].reasons
