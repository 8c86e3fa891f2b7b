"""Names: the comparison key folds what people cannot see; the strict check reports it."""

from __future__ import annotations

import pytest

from domain.people.names import (
    NameIssue,
    NameIssueKind,
    check_name,
    full_name_key,
    normalize_name,
)


class TestNormalizeName:
    @pytest.mark.parametrize(
        ("first", "second"),
        [
            ("Алёна", "Алена"),  # Ё and Е (T7 of enrollment.md)
            ("Иванов", "ИВАНОВ"),  # case
            ("Иванов", "Иванoв"),  # Latin o inside a Cyrillic word
            ("Сергеевна", "Cepгeeвнa"),  # several Latin letters (C, e, p, a)
            ("Иванов", "Ива\u200bнов"),  # zero-width space
            ("Иванов", "\ufeffИванов\u2060"),  # byte-order mark, word joiner
            ("Анна Мария", "Анна\u00a0Мария"),  # non-breaking space
            ("Анна Мария", "  Анна   Мария "),  # edge and repeated spaces
            ("Анна Мария", "Анна\tМария"),  # tab
            ("Римский-Корсаков", "Римский\u2011Корсаков"),  # non-breaking hyphen
            ("Римский-Корсаков", "Римский - Корсаков"),  # spaced hyphen
            ("Мамед-оглы", "Мамед—оглы"),  # em dash
            ("Д'Артаньян", "Д’Артаньян"),  # typographic apostrophe
            ("Андрей", "Андре\u0438\u0306"),  # й as и + combining breve
            ("Ёлкина", "Ëлкина"),  # Latin Ë (U+00CB) for Cyrillic Ё
            ("Мария", "Ма\u00adрия"),  # soft hyphen
        ],
    )
    def test_equal_looking_names_have_one_key(self, first: str, second: str) -> None:
        assert normalize_name(first) == normalize_name(second)

    def test_key_is_lower_case_with_е(self) -> None:
        assert normalize_name(" АЛЁНА ") == "алена"

    def test_a_name_in_latin_letters_stays_latin(self) -> None:
        # A foreign name written in Latin is not a typo: "Oleg" is not "Олег".
        assert normalize_name("Oleg") == "oleg"
        assert normalize_name("Oleg") != normalize_name("Олег")

    def test_different_names_stay_different(self) -> None:
        assert normalize_name("Иванов") != normalize_name("Иванова")
        assert normalize_name("Ефим") == normalize_name(
            "Ёфим"
        )  # by design: Ё folds to Е

    def test_full_name_key_joins_the_parts(self) -> None:
        assert (
            full_name_key("Примеров", "Иван", "Андреевич") == "примеров иван андреевич"
        )
        assert full_name_key("Примеров", "Иван") == full_name_key(
            "ПРИМЕРОВ", "Иван", None
        )
        assert full_name_key("Примерoв", "Ива\u200bн", "Андреевич") == full_name_key(
            "Примеров", "Иван", "Андреевич"
        )


class TestCheckName:
    def test_a_clean_name_has_no_issues(self) -> None:
        assert check_name("Римский-Корсаков") == ()
        assert check_name("Д'Артаньян") == ()
        assert check_name("Андре\u0438\u0306") == ()

    @pytest.mark.parametrize(
        ("value", "issues"),
        [
            ("Иванoв", [NameIssue(NameIssueKind.LATIN_LOOKALIKE, 4)]),
            ("Ива\u200bнов", [NameIssue(NameIssueKind.INVISIBLE_CHARACTER, 3)]),
            ("Ма\u00adрия", [NameIssue(NameIssueKind.INVISIBLE_CHARACTER, 2)]),
            ("Анна\u00a0Мария", [NameIssue(NameIssueKind.IRREGULAR_SPACE, 4)]),
            (" Анна", [NameIssue(NameIssueKind.EDGE_SPACE, 0)]),
            ("Анна ", [NameIssue(NameIssueKind.EDGE_SPACE, 4)]),
            ("Анна  Мария", [NameIssue(NameIssueKind.REPEATED_SPACE, 4)]),
            ("Иванов2", [NameIssue(NameIssueKind.UNEXPECTED_CHARACTER, 6)]),
            ("-Иванов", [NameIssue(NameIssueKind.NOT_STARTING_WITH_LETTER, 0)]),
            ("", [NameIssue(NameIssueKind.EMPTY, 0)]),
            ("\u200b ", [NameIssue(NameIssueKind.EMPTY, 0)]),
        ],
    )
    def test_each_problem_is_reported_where_it_is(
        self, value: str, issues: list[NameIssue]
    ) -> None:
        assert list(check_name(value)) == issues

    def test_a_word_in_latin_is_not_a_look_alike_problem(self) -> None:
        assert check_name("Oleg") == ()

    def test_several_problems_come_in_order(self) -> None:
        kinds = [issue.kind for issue in check_name("Cepгeй\u200b")]

        assert kinds == [
            NameIssueKind.LATIN_LOOKALIKE,
            NameIssueKind.LATIN_LOOKALIKE,
            NameIssueKind.LATIN_LOOKALIKE,
            NameIssueKind.LATIN_LOOKALIKE,
            NameIssueKind.INVISIBLE_CHARACTER,
        ]

    def test_issue_is_said_in_russian_with_a_position_from_one(self) -> None:
        (issue,) = check_name("Иванoв")

        assert (
            issue.text_ru
            == "латинская буква внутри слова, написанного кириллицей (позиция 5)"
        )
