from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from domain.enrollment.duplicates import (
    ActiveApplication,
    ChildIdentity,
    duplicate_key,
    find_duplicate,
    same_child,
    split_duplicates,
)

MSK = timezone(timedelta(hours=3))
START = datetime(2026, 4, 1, 0, 0, tzinfo=MSK)

ALENA = ChildIdentity(
    surname="Тестова",
    name="Алёна",
    middle_name="Петровна",
    birth_date=date(2019, 10, 15),
    birth_document_series="II-КМ",
    birth_document_number="123456",
)


def application(
    order_id: str,
    child: ChildIdentity = ALENA,
    *,
    seconds: float = 0,
    sequence: int = 0,
    school: str = "T-0001",
) -> ActiveApplication:
    return ActiveApplication(
        order_id=order_id,
        school_code=school,
        child=child,
        filed_at=START + timedelta(seconds=seconds),
        arrival_sequence=sequence,
    )


class TestChildIdentity:
    def test_t7_alena_and_alena_with_e_are_the_same_child(self) -> None:
        written_with_e = replace(ALENA, name="Алена", surname="ТЕСТОВА ")

        assert same_child(ALENA, written_with_e)
        assert duplicate_key(ALENA, "T-0001") == duplicate_key(
            written_with_e, " T-0001"
        )

    def test_spaces_latin_look_alikes_and_invisible_characters_fold(self) -> None:
        typed = replace(
            ALENA,
            surname="Tестова\u200b",  # Latin T and a zero-width space
            name=" Алёна",
            middle_name="Петровна\u00ad",  # soft hyphen
            birth_document_series="ii кm",  # Latin lower-case numeral and m
            birth_document_number="123 456",
        )

        assert same_child(ALENA, typed)

    def test_a_different_birth_date_or_document_is_another_child(self) -> None:
        assert not same_child(ALENA, replace(ALENA, birth_date=date(2019, 10, 16)))
        assert not same_child(ALENA, replace(ALENA, birth_document_number="123457"))
        assert not same_child(ALENA, replace(ALENA, name="Алина"))

    def test_equal_snils_is_the_same_child_despite_a_typo_in_the_name(self) -> None:
        first = replace(ALENA, snils="11223344595")
        typo = replace(ALENA, name="Олёна", snils="112-233-445 95")

        assert same_child(first, typo)
        assert not same_child(first, replace(typo, snils=None))


class TestFindDuplicate:
    def test_t4_the_registered_application_stands(self) -> None:
        registered = application("100", seconds=1)
        newcomer = application(
            "101", replace(ALENA, name="Алена"), seconds=2, sequence=5
        )

        assert find_duplicate(newcomer, [registered]) == registered

    def test_the_registered_one_stands_even_against_an_earlier_filing_date(
        self,
    ) -> None:
        # The portal delivered the earlier filing late: 331 is never sent after registration.
        registered = application("100", seconds=10)
        late_delivery = application("99", seconds=1)

        assert find_duplicate(late_delivery, [registered]) == registered

    def test_among_several_active_the_first_to_arrive_is_kept(self) -> None:
        actives = [
            application("300", seconds=2, sequence=1),
            application("200", seconds=1, sequence=7),
            application("150", seconds=1, sequence=7),
            application("120", seconds=1, sequence=8),
        ]

        kept = find_duplicate(application("999", seconds=5), actives)

        assert kept is not None and kept.order_id == "150"

    def test_another_school_or_child_is_not_a_duplicate(self) -> None:
        other_school = application("100", school="T-0002")
        other_child = application("101", replace(ALENA, birth_date=date(2019, 1, 1)))

        assert find_duplicate(application("102"), [other_school, other_child]) is None

    def test_the_regional_one_application_per_child_rule(self) -> None:
        other_school = application("100", school="T-0002")

        assert find_duplicate(application("102"), [other_school], any_school=True) == (
            other_school
        )

    def test_the_same_order_again_is_a_repeated_delivery_not_a_duplicate(self) -> None:
        assert find_duplicate(application("100"), [application("100")]) is None


class TestSplitDuplicates:
    def test_t2_ten_submissions_collapse_to_the_earliest(self) -> None:
        batch = [
            application(str(500 + n), seconds=30 - n, sequence=n) for n in range(10)
        ]
        brother = ChildIdentity(
            surname="Тестов",
            name="Пётр",
            middle_name=None,
            birth_date=date(2019, 5, 5),
            birth_document_series="II-КМ",
            birth_document_number="654321",
        )
        batch.append(application("700", brother, seconds=40))

        kept, duplicate_of = split_duplicates(batch)

        assert [a.order_id for a in kept] == ["509", "700"]
        assert duplicate_of == {str(500 + n): "509" for n in range(9)}

    def test_a_repeated_delivery_in_a_batch_is_dropped_silently(self) -> None:
        kept, duplicate_of = split_duplicates([application("1"), application("1")])

        assert [a.order_id for a in kept] == ["1"]
        assert duplicate_of == {}
