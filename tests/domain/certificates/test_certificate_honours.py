"""Document kind, honours and medals by the 2026 rule set (§2, §4; C7, C8, C9)."""

from __future__ import annotations

import pytest
from certificate_builders import (
    STRONG_EGE,
    basic_exams,
    basic_finals,
    basic_year_marks,
    decide,
    ege,
    ege_basic_maths,
    gve,
    oge,
    secondary_finals,
    secondary_marks,
)

from domain.certificates.errors import FinalMarksIncomplete
from domain.certificates.kinds import CertificateKind, Medal
from domain.certificates.marks import PassMark


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
        exams = [gve("russian", 5), gve("mathematics", 5)]
        exams += [e for e in basic_exams() if e.subject in ("physics", "informatics")]
        decision = decide(basic_finals(basic_year_marks(), exams), exams)

        assert decision.kind is CertificateKind.BASIC_HONOURS

    def test_incomplete_final_marks_are_refused(self) -> None:
        marks = [m for m in basic_year_marks() if m.subject != "russian"]
        exams = basic_exams()
        with pytest.raises(FinalMarksIncomplete, match="Русский язык"):
            decide(basic_finals(marks, exams), exams)


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

    def test_retake_blocks_honours_and_medals(self) -> None:
        # C7: Russian below the minimum at first (20 < 24), 80 at the re-take.
        exams = [ege("russian", 20), ege("russian", 80, retake=True), *STRONG_EGE[1:]]
        decision = decide(secondary_finals(secondary_marks()), exams)

        assert decision.kind is CertificateKind.SECONDARY
        assert decision.medal is None
        assert decision.honours is not None
        assert any("только при пересдаче" in r for r in decision.honours.reasons)

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
