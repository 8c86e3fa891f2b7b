from __future__ import annotations

import csv
from collections.abc import Sequence

import pytest

from domain.enrollment.errors import EnrollmentError, TransitionNotAllowedError
from domain.enrollment.states import (
    ACTIVE_STATES,
    TERMINAL_STATES,
    ApplicationEvent,
    ApplicationState,
    CancellationPolicy,
    CancelOutcome,
    allowed_events,
    decide_cancel,
    transition,
)
from tests.domain.enrollment.conftest import first_grade_reference

S = ApplicationState
E = ApplicationEvent

# The contract's cancel_allowed column, as data a region could change.
CONTRACT_POLICY = CancellationPolicy.from_table(
    {state.value: state is not S.CONFIRMED for state in ACTIVE_STATES}
)


def _run(events: Sequence[ApplicationEvent]) -> list[ApplicationState]:
    states: list[ApplicationState] = []
    current: ApplicationState | None = None
    for event in events:
        current = transition(current, event)
        states.append(current)
    return states


def _status_rows() -> list[dict[str, str]]:
    path = first_grade_reference("1.0.0", "statuses.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


RESIDENT = [E.REGISTER, E.TAKE_INTO_REVIEW, E.REQUEST_DOCUMENTS, E.CONFIRM, E.ENROLL]
AGE_GRANTED = [
    E.REGISTER,
    E.TAKE_INTO_REVIEW,
    E.REQUEST_DOCUMENTS,
    E.REQUIRE_AGE_PERMISSION,
    E.CONFIRM,
    E.ENROLL,
]
AGE_REFUSED = [*AGE_GRANTED[:4], E.REFUSE]
DEFERRED = [E.REGISTER, E.DEFER_TO_SECOND_WAVE, *RESIDENT[1:]]
DEFERRED_NO_PLACES = [E.REGISTER, E.DEFER_TO_SECOND_WAVE, E.REFUSE_NO_PLACES]
FOREIGN = [E.REGISTER, E.START_FOREIGN_DOCUMENTS_CHECK, *RESIDENT[1:]]
FOREIGN_INCOMPLETE = [E.REGISTER, E.START_FOREIGN_DOCUMENTS_CHECK, E.RETURN_INCOMPLETE]
FOREIGN_CONDITIONS = [
    E.REGISTER,
    E.START_FOREIGN_DOCUMENTS_CHECK,
    E.REFUSE_FOREIGN_CONDITIONS,
]


class TestContractCompatibility:
    """The states and typical sequences of reference/epgu/first-grade/1.0.0."""

    def test_the_states_are_the_contracts_state_column_less_the_answers(self) -> None:
        names = {row["state"] for row in _status_rows()}

        assert names - {"cancel_refused", "order_not_found"} == {s.value for s in S}

    def test_terminal_states_agree_with_the_contract(self) -> None:
        terminal = {row["state"] for row in _status_rows() if row["terminal"] == "true"}

        assert terminal == {s.value for s in TERMINAL_STATES}

    def test_the_policy_built_from_the_contract_forbids_cancelling_confirmed(
        self,
    ) -> None:
        policy = CancellationPolicy.from_table(
            (row["state"], row["cancel_allowed"] == "true") for row in _status_rows()
        )

        assert policy == CONTRACT_POLICY

    @pytest.mark.parametrize(
        ("events", "codes"),
        [
            (RESIDENT, "1 311 312 314 3"),
            (AGE_GRANTED, "1 311 312 313 314 3"),
            (AGE_REFUSED, "1 311 312 313 4"),
            (DEFERRED, "1 315 311 312 314 3"),
            (DEFERRED_NO_PLACES, "1 315 351"),
            (FOREIGN, "1 316 311 312 314 3"),
            (FOREIGN_INCOMPLETE, "1 316 333"),
            (FOREIGN_CONDITIONS, "1 316 353"),
            ([E.REJECT_DUPLICATE], "331"),
            ([E.REJECT_INVALID_DATA], "332"),
            ([E.REJECT_CAMPAIGN_NOT_OPEN], "334"),
        ],
    )
    def test_typical_sequences(
        self, events: list[ApplicationEvent], codes: str
    ) -> None:
        state_of_code = {row["code"]: row["state"] for row in _status_rows()}

        expected = [state_of_code[code] for code in codes.split()]

        assert [s.value for s in _run(events)] == expected


class TestTransitions:
    def test_the_path_of_a_wave1_child(self) -> None:
        assert _run(RESIDENT) == [
            S.REGISTERED,
            S.ACCEPTED,
            S.DOCUMENTS_REQUESTED,
            S.CONFIRMED,
            S.ENROLLED,
        ]

    def test_the_path_of_a_deferred_application_refused_for_lack_of_places(
        self,
    ) -> None:
        assert _run(DEFERRED_NO_PLACES) == [
            S.REGISTERED,
            S.DEFERRED_TO_SECOND_WAVE,
            S.REFUSED_NO_PLACES,
        ]

    def test_a_complete_foreign_package_without_right_or_territory_waits_for_wave2(
        self,
    ) -> None:
        events = [E.REGISTER, E.START_FOREIGN_DOCUMENTS_CHECK, E.DEFER_TO_SECOND_WAVE,
                  *RESIDENT[1:]]
        assert _run(events) == [
            S.REGISTERED,
            S.FOREIGN_DOCUMENTS_CHECK,
            S.DEFERRED_TO_SECOND_WAVE,
            S.ACCEPTED,
            S.DOCUMENTS_REQUESTED,
            S.CONFIRMED,
            S.ENROLLED,
        ]

    def test_t28_an_incomplete_foreign_package_is_returned_and_closed(self) -> None:
        assert _run(FOREIGN_INCOMPLETE)[-1] is S.RETURNED_INCOMPLETE
        assert S.RETURNED_INCOMPLETE in TERMINAL_STATES

    def test_t30_enrolled_only_from_confirmed_and_nothing_after(self) -> None:
        for state in S:
            if state is not S.CONFIRMED:
                with pytest.raises(TransitionNotAllowedError):
                    transition(state, E.ENROLL)
        assert allowed_events(S.ENROLLED) == frozenset()

    def test_t6_documents_requested_cannot_jump_to_enrolled(self) -> None:
        with pytest.raises(TransitionNotAllowedError) as caught:
            transition(S.DOCUMENTS_REQUESTED, E.ENROLL)

        assert caught.value.message == (
            "Действие «зачислить» невозможно, когда заявление в состоянии "
            "«ожидаются оригиналы документов»"
        )
        assert (caught.value.current, caught.value.event) == (
            "documents_requested",
            "enroll",
        )

    def test_a_closed_application_says_it_is_closed(self) -> None:
        with pytest.raises(
            TransitionNotAllowedError, match="рассмотрение заявления завершено"
        ):
            transition(S.REFUSED_NO_PLACES, E.TAKE_INTO_REVIEW)

    def test_rejections_happen_only_at_intake_never_after_registration(self) -> None:
        for event in (
            E.REJECT_DUPLICATE,
            E.REJECT_INVALID_DATA,
            E.REJECT_CAMPAIGN_NOT_OPEN,
        ):
            with pytest.raises(TransitionNotAllowedError):
                transition(S.REGISTERED, event)
        with pytest.raises(TransitionNotAllowedError, match="ещё не принято системой"):
            transition(None, E.TAKE_INTO_REVIEW)

    def test_t29_refusal_for_lack_of_places_from_every_review_state(self) -> None:
        for state in (
            S.ACCEPTED,
            S.DOCUMENTS_REQUESTED,
            S.AGE_PERMISSION_PENDING,
            S.CONFIRMED,
            S.DEFERRED_TO_SECOND_WAVE,
        ):
            assert transition(state, E.REFUSE_NO_PLACES) is S.REFUSED_NO_PLACES

    def test_documents_not_presented(self) -> None:
        assert (
            transition(S.DOCUMENTS_REQUESTED, E.REFUSE_DOCUMENTS_NOT_PRESENTED)
            is S.REFUSED_DOCUMENTS_NOT_PRESENTED
        )

    def test_withdrawal_in_writing_from_any_active_state_even_confirmed(self) -> None:
        for state in ACTIVE_STATES:
            assert transition(state, E.WITHDRAW_IN_WRITING) is S.WITHDRAWN_BY_APPLICANT
        with pytest.raises(TransitionNotAllowedError):
            transition(S.ENROLLED, E.WITHDRAW_IN_WRITING)


class TestCancellation:
    def test_an_allowed_cancellation_moves_to_cancelled(self) -> None:
        decision = decide_cancel(S.DOCUMENTS_REQUESTED, CONTRACT_POLICY)

        assert decision.outcome is CancelOutcome.CANCELLED
        assert decision.new_state is S.CANCELLED

    def test_t14_cancelling_after_confirmation_is_refused_and_state_unchanged(
        self,
    ) -> None:
        decision = decide_cancel(S.CONFIRMED, CONTRACT_POLICY)

        assert decision.outcome is CancelOutcome.REFUSED_ACTIVE
        assert decision.new_state is S.CONFIRMED
        assert decision.reason == (
            "сведения заявления подтверждены, ребёнок включён в список на зачисление"
        )
        assert not CONTRACT_POLICY.portal_cancel_allowed(S.CONFIRMED)

    def test_a_closed_application_cannot_be_cancelled(self) -> None:
        decision = decide_cancel(S.ENROLLED, CONTRACT_POLICY)

        assert decision.outcome is CancelOutcome.REFUSED_CLOSED
        assert decision.reason == "рассмотрение заявления завершено (ребёнок зачислен)"

    def test_a_region_may_allow_cancelling_until_the_order(self) -> None:
        lenient = CancellationPolicy.from_table(
            {state.value: True for state in ACTIVE_STATES}
        )

        assert decide_cancel(S.CONFIRMED, lenient).outcome is CancelOutcome.CANCELLED

    def test_a_table_silent_about_an_active_state_is_refused(self) -> None:
        with pytest.raises(EnrollmentError, match="confirmed"):
            CancellationPolicy.from_table({"registered": True})
