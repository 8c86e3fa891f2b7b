from __future__ import annotations

import pytest

from domain.enrollment.errors import TerritoryGrammarError
from domain.enrollment.territory import (
    House,
    StreetName,
    StreetTerritory,
    compose_house,
    is_resident,
    parse_house,
    parse_houses,
)


def _contains(houses: str, house: str) -> bool:
    return parse_houses(houses).contains(parse_house(house))


class TestParseHouse:
    @pytest.mark.parametrize(
        ("written", "expected"),
        [
            ("8", House(8)),
            ("8а", House(8, "а")),
            ("8А", House(8, "а")),
            ("8 а", House(8, "а")),
            ("8-а", House(8, "а")),
            ("8a", House(8, "а")),  # Latin a
            ("8A", House(8, "а")),  # Latin A
            ("д. 8а", House(8, "а")),
            ("дом 8", House(8)),
            ("8к1", House(8, "к1")),
            ("8 корп. 1", House(8, "к1")),
            ("8, корпус 1", House(8, "к1")),
            ("8K1", House(8, "к1")),  # Latin K
            ("8/2", House(8, "/2")),
            ("8 стр. 2", House(8, "стр2")),
            ("8 лит. А", House(8, "а")),
            ("\u200b8\u00a0а", House(8, "а")),
        ],
    )
    def test_ways_of_writing_a_house(self, written: str, expected: House) -> None:
        assert parse_house(written) == expected

    @pytest.mark.parametrize("written", ["", "б/н", "корпус 3"])
    def test_a_house_without_number(self, written: str) -> None:
        assert parse_house(written) is None

    def test_parts_of_a_structured_address_join(self) -> None:
        assert parse_house(compose_house("8", "1", "2")) == House(8, "к1стр2")
        assert compose_house("8") == "8"


class TestHouseGrammar:
    @pytest.mark.parametrize("house", ["8", "8а", "8к1", "8/2", "8 корп. 1", "8стр2"])
    def test_a_bare_number_matches_every_house_of_that_number(self, house: str) -> None:
        assert _contains("2, 4, 6, 8", house)

    def test_an_item_with_a_suffix_matches_only_that_house(self) -> None:
        assert _contains("2, 4, 6, 8а", "8а")
        assert _contains("2, 4, 6, 8а", "8 А")
        assert _contains("2, 4, 6, 8а", "8a")  # Latin look-alike in the address
        assert not _contains("2, 4, 6, 8а", "8")
        assert not _contains("2, 4, 6, 8а", "8б")
        assert not _contains("2, 4, 6, 8а", "8к1")

    def test_a_building_item_matches_its_building_whatever_the_writing(self) -> None:
        assert _contains("8к1", "8 корп. 1")
        assert _contains("8 корп. 1", "8к1")
        assert not _contains("8к1", "8к2")
        assert not _contains("8к1", "8")

    def test_an_inclusive_range_with_any_suffix(self) -> None:
        assert _contains("1-60", "1")
        assert _contains("1-60", "60")
        assert _contains("1-60", "60к2")
        assert _contains("1 – 60", "30а")
        assert not _contains("1-60", "61")

    def test_sides_of_the_street_by_the_houses_number(self) -> None:
        assert _contains("odd", "7")
        assert _contains("odd", "7а")
        assert not _contains("odd", "8")
        assert _contains("even", "8к1")
        assert _contains("нечётные", "1")
        assert not _contains("чётные", "1")

    def test_a_range_of_one_side(self) -> None:
        assert _contains("1-59 odd", "59")
        assert not _contains("1-59 odd", "58")
        assert not _contains("1-59 odd", "61")
        assert _contains("2-40 (чётные)", "40б")
        assert _contains("even 2-40", "2")

    def test_all_matches_even_a_house_without_number(self) -> None:
        assert _contains("all", "8")
        assert parse_houses("все").contains(None)
        assert not parse_houses("1-60").contains(None)

    def test_combinations(self) -> None:
        houses = "1-15; 17а, 20-30 even, 101"

        assert [
            _contains(houses, h) for h in ("15", "17", "17а", "22", "23", "101к1")
        ] == [
            True,
            False,
            True,
            True,
            False,
            True,
        ]

    def test_a_number_read_by_yaml_as_int(self) -> None:
        assert parse_houses(5).contains(House(5, "б"))

    @pytest.mark.parametrize(
        ("written", "item", "problem"),
        [
            ("60-1", "60-1", "начало диапазона (60) больше его конца (1)"),
            ("2, 8а-10", "8а-10", "диапазон записывается номерами без литер"),
            ("2,,4", "", "пустой элемент списка"),
            ("2, 4,", "", "пустой элемент списка"),
            ("дома 1-3", "дома 1-3", "диапазон записывается"),
            ("abc", "abc", "не распознан"),
            ("0", "0", "больше нуля"),
            ("odd 1-59 even", "odd 1-59 even", "чётность указана дважды"),
            ("8кв5", "8кв5", "непонятное обозначение дома после номера: «кв5»"),
            ("", "", "список домов пуст"),
        ],
    )
    def test_grammar_errors_name_the_school_and_the_item(
        self, written: str, item: str, problem: str
    ) -> None:
        with pytest.raises(TerritoryGrammarError) as caught:
            parse_houses(written, school_code="T-0001", street="ул. Первая")

        error = caught.value
        assert (error.school_code, error.street, error.item) == (
            "T-0001",
            "ул. Первая",
            item,
        )
        assert problem in error.problem
        assert error.message.startswith(
            f"школа T-0001, ул. Первая: элемент списка домов «{item}»"
        )


class TestStreetNames:
    @pytest.mark.parametrize(
        "written",
        [
            "ул. Первая",
            "улица Первая",
            "Первая ул.",
            "Первая улица",
            "ул.Первая",
            "УЛ  ПЕРВАЯ",
            "Первая",
            "yл. Пepвая",  # Latin y, e, p
            "ул. «Первая»",
        ],
    )
    def test_the_same_street_written_differently(self, written: str) -> None:
        assert StreetName.parse("ул. Первая").same_street(StreetName.parse(written))

    @pytest.mark.parametrize(
        "written", ["пер. Первый", "пл. Первая", "ул. Вторая", "Первая-2"]
    )
    def test_other_streets(self, written: str) -> None:
        assert not StreetName.parse("ул. Первая").same_street(StreetName.parse(written))

    def test_kind_abbreviations(self) -> None:
        pairs = [
            ("пр-т Мира", "проспект Мира"),
            ("просп. Мира", "Мира проспект"),
            ("Речной пер.", "переулок Речной"),
            ("б-р Победы", "бульвар Победы"),
            ("наб. Ленина", "набережная Ленина"),
            ("ш. Космонавтов", "шоссе Космонавтов"),
            ("мкр. Северный", "микрорайон Северный"),
            ("пр-д Заводской", "проезд Заводской"),
        ]

        for first, second in pairs:
            assert StreetName.parse(first).same_street(StreetName.parse(second)), first

    def test_ambiguous_pr_matches_prospekt_and_proezd_but_not_a_street(self) -> None:
        short = StreetName.parse("пр. Мира")

        assert short.same_street(StreetName.parse("проспект Мира"))
        assert short.same_street(StreetName.parse("проезд Мира"))
        assert not short.same_street(StreetName.parse("ул. Мира"))
        assert not StreetName.parse("пр-т Мира").same_street(
            StreetName.parse("проезд Мира")
        )

    def test_yo_and_ordinals_fold(self) -> None:
        assert StreetName.parse("ул. Алёнина").same_street(
            StreetName.parse("ул. Аленина")
        )
        assert StreetName.parse("2-я Садовая ул.").same_street(
            StreetName.parse("ул. 2я Садовая")
        )

    def test_a_street_named_like_a_kind(self) -> None:
        assert StreetName.parse("ул. Набережная").same_street(
            StreetName.parse("Набережная")
        )
        assert not StreetName.parse("ул. Набережная").same_street(
            StreetName.parse("наб. Речная")
        )


class TestIsResident:
    TERRITORY = (
        StreetTerritory.parse("ул. Первая", "1-60"),
        StreetTerritory.parse("пр-т Мира", "2, 4, 6, 8а"),
        StreetTerritory.parse("пр-т Мира", "101-111 odd"),
        StreetTerritory.parse("Речной пер.", "odd"),
    )

    def test_an_address_on_the_territory(self) -> None:
        check = is_resident("проспект Мира", "д. 8А", self.TERRITORY)

        assert check.resident
        assert check.matched == self.TERRITORY[1]
        assert (
            check.reason
            == "адрес входит в закреплённую территорию (пр-т Мира, дома: 2, 4, 6, 8а)"
        )

    def test_the_second_line_of_the_same_street_counts(self) -> None:
        assert is_resident("Мира пр-т", "105", self.TERRITORY).resident

    def test_8_8a_and_8k1_on_a_street_listing_8a(self) -> None:
        assert is_resident("пр-т Мира", "8а", self.TERRITORY).resident
        assert not is_resident("пр-т Мира", "8", self.TERRITORY).resident
        assert not is_resident("пр-т Мира", "8к1", self.TERRITORY).resident

    def test_a_house_outside_the_list_says_which_and_why(self) -> None:
        check = is_resident("пр-т Мира", "8", self.TERRITORY)

        assert check.reason == (
            "дом 8 не входит в закреплённую территорию на улице «пр-т Мира» "
            "(дома: 2, 4, 6, 8а; 101-111 odd)"
        )

    def test_a_street_outside_the_territory(self) -> None:
        check = is_resident("ул. Вторая", "1", self.TERRITORY)

        assert not check.resident
        assert (
            check.reason
            == "улица «ул. Вторая» не входит в закреплённую за школой территорию"
        )

    def test_an_unreadable_house_or_missing_street(self) -> None:
        assert "не распознан" in is_resident("ул. Первая", "б/н", self.TERRITORY).reason
        assert not is_resident(None, "1", self.TERRITORY).resident
        assert not is_resident("  ", "1", self.TERRITORY).resident
