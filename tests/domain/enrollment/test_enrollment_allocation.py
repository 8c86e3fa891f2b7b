from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.enrollment.allocation import (
    Decision,
    Outcome,
    Rule,
    admit_in_second_wave,
    allocate_at_wave1_close,
    allocate_confirmed,
    enroll_after_review,
    free_places,
    open_second_wave,
)
from domain.enrollment.errors import RankingInputError
from domain.enrollment.ranking import Candidate, Category, wave1_key
from tests.domain.enrollment.factories import candidate, candidates_strategy

NO_PLACES_CLAUSE = (
    "ч. 4 ст. 67 Федерального закона № 273-ФЗ «Об образовании в Российской Федерации»"
)


def _outcomes(decisions: list[Decision]) -> dict[str, Outcome]:
    return {d.order_id: d.outcome for d in decisions}


class TestWave1Close:
    def test_t24_the_last_place_goes_to_the_first_priority_child(self) -> None:
        resident = candidate("100", Category.RESIDENT, seconds=1)
        first_priority = candidate("200", Category.FIRST_PRIORITY, seconds=5)

        decisions = allocate_at_wave1_close(1, [resident, first_priority])

        won, lost = decisions
        assert won == Decision(
            order_id="200",
            outcome=Outcome.ENROLL,
            rule=Rule.WAVE1_WITHIN_PLACES,
            clause="п. 9 Порядка приёма, приказ Минпросвещения № 458; "
            "п. 17 Порядка приёма, приказ Минпросвещения № 458",
            category=Category.FIRST_PRIORITY,
            queued_at=datetime(2026, 3, 31, 21, 0, 5, tzinfo=UTC),
            position=1,
            places=1,
        )
        assert (lost.order_id, lost.outcome, lost.rule) == (
            "100",
            Outcome.REFUSE_NO_PLACES,
            Rule.WAVE1_BEYOND_PLACES,
        )
        assert lost.clause == NO_PLACES_CLAUSE
        assert lost.category is Category.RESIDENT
        assert lost.queued_at == datetime(2026, 3, 31, 21, 0, 1, tzinfo=UTC)

    def test_waiting_applications_are_not_decided_and_take_no_place(self) -> None:
        listed = [
            candidate("1", Category.EXTRAORDINARY, 0, confirmed=False),
            candidate("2", Category.RESIDENT, 1),
            candidate("3", Category.RESIDENT, 2),
            candidate("4", Category.RESIDENT, 3),
        ]

        decisions = allocate_at_wave1_close(2, listed)

        assert _outcomes(decisions) == {
            "1": Outcome.AWAIT_CONFIRMATION,
            "2": Outcome.ENROLL,
            "3": Outcome.ENROLL,
            "4": Outcome.REFUSE_NO_PLACES,
        }
        assert [d.position for d in decisions] == [1, 2, 3, 4]

    def test_no_places_refuses_every_confirmed_application(self) -> None:
        decisions = allocate_at_wave1_close(
            0, [candidate("1"), candidate("2", seconds=1)]
        )

        assert {d.outcome for d in decisions} == {Outcome.REFUSE_NO_PLACES}

    def test_an_application_outside_wave1_categories_is_an_input_error(self) -> None:
        with pytest.raises(RankingInputError, match="№ 9"):
            allocate_at_wave1_close(5, [candidate("9", Category.OTHER)])

    def test_negative_places_are_an_input_error(self) -> None:
        with pytest.raises(RankingInputError, match="отрицательным"):
            allocate_at_wave1_close(-1, [])

    def test_t25_rerunning_gives_the_same_decisions(self) -> None:
        listed = [candidate(str(n), seconds=1, sequence=n % 3) for n in range(10)]

        assert allocate_at_wave1_close(4, listed) == allocate_at_wave1_close(
            4, list(reversed(listed))
        )


class TestLateConfirmations:
    def test_decided_against_the_places_left(self) -> None:
        decisions = allocate_confirmed(
            1,
            [
                candidate("5", Category.RESIDENT, 1),
                candidate("6", Category.SIBLING, 9),
            ],
        )

        assert _outcomes(decisions) == {
            "6": Outcome.ENROLL,
            "5": Outcome.REFUSE_NO_PLACES,
        }
        assert decisions[0].rule is Rule.CONFIRMED_WITHIN_PLACES_LEFT
        assert decisions[1].rule is Rule.CONFIRMED_NO_PLACES_LEFT

    def test_only_confirmed_applications_can_be_decided(self) -> None:
        with pytest.raises(RankingInputError, match="не подтверждены: № 5"):
            allocate_confirmed(1, [candidate("5", confirmed=False)])


class TestSecondWave:
    def test_held_applications_are_taken_in_queue_order_while_places_remain(
        self,
    ) -> None:
        held = [
            candidate("1", Category.OTHER, 30),
            candidate("2", Category.RESIDENT, 10),
            candidate("3", Category.OTHER, 20),
        ]

        decisions = open_second_wave(2, held)

        assert [(d.order_id, d.outcome) for d in decisions] == [
            ("2", Outcome.TAKE_INTO_REVIEW),
            ("3", Outcome.TAKE_INTO_REVIEW),
            ("1", Outcome.REFUSE_NO_PLACES),
        ]
        assert decisions[0].rule is Rule.WAVE2_HELD_IN_QUEUE_ORDER
        assert decisions[2].rule is Rule.WAVE2_NO_PLACES
        assert decisions[2].clause == NO_PLACES_CLAUSE

    def test_held_applications_with_no_places_left_are_refused(self) -> None:
        decisions = open_second_wave(0, [candidate("1", Category.OTHER)])

        assert decisions[0].outcome is Outcome.REFUSE_NO_PLACES

    def test_an_early_opening_cites_point_18(self) -> None:
        decisions = open_second_wave(
            1, [candidate("1", Category.OTHER)], early_opening=True
        )

        assert decisions[0].clause.startswith("п. 18 Порядка приёма")

    def test_later_applications_first_come_first_served(self) -> None:
        decisions = admit_in_second_wave(
            1, [candidate("8", Category.OTHER, 50), candidate("7", Category.OTHER, 40)]
        )

        assert _outcomes(decisions) == {
            "7": Outcome.TAKE_INTO_REVIEW,
            "8": Outcome.REFUSE_NO_PLACES,
        }
        assert decisions[0].rule is Rule.WAVE2_FIRST_COME

    def test_a_reviewed_application_is_enrolled_on_its_kept_place(self) -> None:
        decision = enroll_after_review(candidate("7", Category.OTHER))

        assert decision.outcome is Outcome.ENROLL
        assert decision.rule is Rule.WAVE2_DOCUMENTS_CONFIRMED
        with pytest.raises(RankingInputError, match="не подтверждены"):
            enroll_after_review(candidate("8", Category.OTHER, confirmed=False))

    def test_free_places(self) -> None:
        assert free_places(25, enrolled=20, kept_for_review=3) == 2
        assert free_places(25, enrolled=25, kept_for_review=1) == 0


class TestAllocationProperties:
    @given(
        listed=candidates_strategy,
        places=st.integers(min_value=0, max_value=35),
        waiting=st.sets(st.integers(min_value=0, max_value=29)),
    )
    def test_wave1_close_never_exceeds_places_and_respects_precedence(
        self, listed: list[Candidate], places: int, waiting: set[int]
    ) -> None:
        listed = [replace(c, confirmed=i not in waiting) for i, c in enumerate(listed)]
        by_id = {c.order_id: c for c in listed}

        decisions = allocate_at_wave1_close(places, listed)

        enrolled = [by_id[d.order_id] for d in decisions if d.outcome is Outcome.ENROLL]
        refused = [
            by_id[d.order_id]
            for d in decisions
            if d.outcome is Outcome.REFUSE_NO_PLACES
        ]
        confirmed = [c for c in listed if c.confirmed]
        assert len(decisions) == len(listed)
        assert len(enrolled) == min(places, len(confirmed))
        assert len(enrolled) + len(refused) == len(confirmed)
        assert all(
            wave1_key(winner) < wave1_key(loser)
            for winner in enrolled
            for loser in refused
        )
        assert all(
            d.outcome is Outcome.AWAIT_CONFIRMATION
            for d in decisions
            if not by_id[d.order_id].confirmed
        )

    @given(listed=candidates_strategy, places=st.integers(min_value=0, max_value=35))
    def test_wave2_takes_never_exceed_places(
        self, listed: list[Candidate], places: int
    ) -> None:
        decisions = open_second_wave(places, listed)

        taken = [d for d in decisions if d.outcome is Outcome.TAKE_INTO_REVIEW]
        assert len(taken) == min(places, len(listed))
        assert [d.position for d in taken] == list(range(1, len(taken) + 1))
