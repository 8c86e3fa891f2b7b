from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.enrollment.errors import NaiveMomentError, RankingInputError
from domain.enrollment.ranking import (
    Candidate,
    Category,
    PriorityRight,
    QueueTimeRule,
    category_of,
    check_precedence,
    effective_right,
    queue_moment,
    rank_wave1,
    rank_wave2,
    wave1_key,
)
from tests.domain.enrollment.factories import (
    MSK,
    candidate,
    candidates_strategy,
)


def _ids(candidates: list[Candidate]) -> list[str]:
    return [c.order_id for c in candidates]


class TestWave1Order:
    def test_categories_first_then_time(self) -> None:
        listed = [
            candidate("1", Category.RESIDENT, 1),
            candidate("2", Category.SIBLING, 9),
            candidate("3", Category.FIRST_PRIORITY, 5),
            candidate("4", Category.EXTRAORDINARY, 30),
            candidate("5", Category.RESIDENT, 0.5),
        ]

        assert _ids(rank_wave1(listed)) == ["4", "3", "2", "5", "1"]

    def test_t24_first_priority_at_00_00_05_beats_a_resident_at_00_00_01(self) -> None:
        resident = candidate("100", Category.RESIDENT, 1)
        first_priority = candidate("200", Category.FIRST_PRIORITY, 5)

        assert _ids(rank_wave1([resident, first_priority])) == ["200", "100"]

    def test_a_region_may_set_its_own_precedence_of_rights(self) -> None:
        listed = [
            candidate("1", Category.EXTRAORDINARY, 5),
            candidate("2", Category.SIBLING, 9),
        ]
        precedence = (
            PriorityRight.SIBLING,
            PriorityRight.EXTRAORDINARY,
            PriorityRight.FIRST_PRIORITY,
        )

        assert _ids(rank_wave1(listed, precedence)) == ["2", "1"]

    def test_a_precedence_must_name_each_right_once(self) -> None:
        with pytest.raises(RankingInputError, match="каждое право ровно один раз"):
            check_precedence((PriorityRight.SIBLING, PriorityRight.SIBLING))

    def test_time_is_compared_in_utc_whatever_the_offset(self) -> None:
        # 02:00:01 at +05:00 is 00:00:01 in Moscow: a second before 00:00:02 MSK.
        moscow = Candidate(
            "1", Category.RESIDENT, datetime(2026, 4, 1, 0, 0, 2, tzinfo=MSK), 0
        )
        east = Candidate(
            "2",
            Category.RESIDENT,
            datetime(2026, 4, 1, 2, 0, 1, tzinfo=timezone(timedelta(hours=5))),
            1,
        )

        assert _ids(rank_wave1([moscow, east])) == ["2", "1"]


class TestTieBreaks:
    def test_t25_same_second_is_decided_by_sub_second_then_arrival_then_order(
        self,
    ) -> None:
        listed = [
            candidate("30", seconds=1.5, sequence=1),
            candidate("20", seconds=1.25, sequence=9),
            candidate("12", seconds=1.25, sequence=3),
            candidate("11", seconds=1.25, sequence=3),
            candidate("1000", seconds=1.25, sequence=3),
            candidate("999", seconds=1.25, sequence=3),
        ]

        ranked = _ids(rank_wave1(listed))

        assert ranked == ["11", "12", "999", "1000", "20", "30"]
        assert _ids(rank_wave1(reversed(listed))) == ranked

    def test_an_order_cannot_be_ranked_twice(self) -> None:
        with pytest.raises(RankingInputError, match="№ 7 указано дважды"):
            rank_wave2([candidate("7"), candidate("7", seconds=3)])

    def test_a_naive_moment_cannot_be_ranked(self) -> None:
        naive = Candidate("1", Category.RESIDENT, datetime(2026, 4, 1), 0)

        with pytest.raises(NaiveMomentError):
            rank_wave2([naive])


class TestWave2Order:
    def test_categories_do_not_count_in_wave2(self) -> None:
        listed = [
            candidate("1", Category.EXTRAORDINARY, 10),
            candidate("2", Category.OTHER, 5),
            candidate("3", Category.RESIDENT, 7),
        ]

        assert _ids(rank_wave2(listed)) == ["2", "3", "1"]


class TestCategories:
    def test_category_of_a_right_and_of_residence(self) -> None:
        assert category_of(PriorityRight.SIBLING, resident=True) is Category.SIBLING
        assert category_of(None, resident=True) is Category.RESIDENT
        assert category_of(None, resident=False) is Category.OTHER

    def test_boarding_only_right_does_not_apply_in_a_school_without_boarding(
        self,
    ) -> None:
        right = PriorityRight.EXTRAORDINARY

        assert (
            effective_right(right, requires_boarding=True, school_has_boarding=False)
            is None
        )
        assert (
            effective_right(right, requires_boarding=True, school_has_boarding=True)
            is right
        )
        assert (
            effective_right(right, requires_boarding=False, school_has_boarding=False)
            is right
        )


class TestQueueMoment:
    def test_t5_the_region_chooses_filing_or_receipt(self) -> None:
        filed = datetime(2026, 4, 1, 7, 40, tzinfo=MSK)
        received = datetime(2026, 4, 1, 13, 13, tzinfo=MSK)

        assert queue_moment(filed, received, QueueTimeRule.FILING_DATE) == datetime(
            2026, 4, 1, 4, 40, tzinfo=UTC
        )
        assert queue_moment(filed, received, QueueTimeRule.RECEIVED_AT) == datetime(
            2026, 4, 1, 10, 13, tzinfo=UTC
        )
        with pytest.raises(RankingInputError):
            queue_moment(filed, None, QueueTimeRule.RECEIVED_AT)


class TestTotalOrder:
    @given(candidates_strategy, st.randoms(use_true_random=False))
    def test_ranking_does_not_depend_on_the_input_order(
        self, listed: list[Candidate], rng: random.Random
    ) -> None:
        shuffled = list(listed)
        rng.shuffle(shuffled)

        assert rank_wave1(shuffled) == rank_wave1(listed)
        assert rank_wave2(shuffled) == rank_wave2(listed)

    @given(candidates_strategy)
    def test_keys_of_different_orders_never_tie(self, listed: list[Candidate]) -> None:
        keys = [wave1_key(c) for c in listed]

        assert len(set(keys)) == len(keys)
        ranked = rank_wave1(listed)
        assert all(
            wave1_key(a) < wave1_key(b)
            for a, b in zip(ranked, ranked[1:], strict=False)
        )
