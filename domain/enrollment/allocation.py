"""Who gets the first-grade places: decisions at the close of wave 1 and during wave 2.

Every function takes the places and a list of candidates and returns one Decision per
candidate, in queue order, each naming the rule applied and the clause of law behind it.

- At the close of wave 1 (30 June, or the day the school closed wave 1 early) the confirmed
  applications are ranked (ranking.wave1_key) and enrolled up to the places; the other
  confirmed ones are refused for lack of places. An application still waiting for its
  documents or for the founder's permission is not decided then: it is decided when it is
  confirmed, against the places left at that moment (allocate_confirmed).
- When wave 2 opens, the applications held for it are taken into review in queue order
  while places remain, and a place is kept for each one taken; the rest are refused for
  lack of places. Later applications are taken first come, first served while places remain.
  A place that frees later (documents not presented, a withdrawal) goes to the next
  application that arrives: a refusal already sent is final.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.enrollment import legal
from domain.enrollment.errors import RankingInputError
from domain.enrollment.ranking import (
    CATEGORY_CLAUSES,
    DEFAULT_PRECEDENCE,
    Candidate,
    Category,
    PriorityRight,
    rank_wave1,
    rank_wave2,
    to_utc,
)


class Outcome(StrEnum):
    """What a decision does to an application."""

    # Goes into the enrollment order (the order itself is issued by the school).
    ENROLL = "enroll"
    REFUSE_NO_PLACES = "refuse_no_places"
    # Not decided yet: the documents or the founder's permission are awaited.
    AWAIT_CONFIRMATION = "await_confirmation"
    # Wave 2: taken into review, with a place kept while its documents are checked.
    TAKE_INTO_REVIEW = "take_into_review"


class Rule(StrEnum):
    """The rule a decision applied; stored with it and shown in the audit trail."""

    WAVE1_WITHIN_PLACES = "wave1_within_places"
    WAVE1_BEYOND_PLACES = "wave1_beyond_places"
    WAVE1_AWAITING_CONFIRMATION = "wave1_awaiting_confirmation"
    CONFIRMED_WITHIN_PLACES_LEFT = "confirmed_within_places_left"
    CONFIRMED_NO_PLACES_LEFT = "confirmed_no_places_left"
    WAVE2_HELD_IN_QUEUE_ORDER = "wave2_held_in_queue_order"
    WAVE2_FIRST_COME = "wave2_first_come_first_served"
    WAVE2_NO_PLACES = "wave2_no_places"
    WAVE2_DOCUMENTS_CONFIRMED = "wave2_documents_confirmed"


@dataclass(frozen=True)
class Decision:
    """One allocation decision and its basis: rule, clause, category, time, position."""

    order_id: str
    outcome: Outcome
    rule: Rule
    clause: str
    category: Category | None = None
    queued_at: datetime | None = None
    # 1-based position in the queue the decision was taken in, and the places it had.
    position: int | None = None
    places: int | None = None


def free_places(capacity: int, *, enrolled: int, kept_for_review: int = 0) -> int:
    """Places left: capacity less those enrolled and those kept for wave-2 reviews."""
    return max(capacity - enrolled - kept_for_review, 0)


def allocate_at_wave1_close(
    places: int,
    candidates: Iterable[Candidate],
    *,
    precedence: Sequence[PriorityRight] = DEFAULT_PRECEDENCE,
) -> list[Decision]:
    """Decide the wave-1 applications when wave 1 closes."""
    _check_places(places)
    ranked = rank_wave1(candidates, precedence)
    _check_wave1(ranked)

    decisions = []
    left = places
    for position, candidate in enumerate(ranked, start=1):
        if not candidate.confirmed:
            outcome, rule = Outcome.AWAIT_CONFIRMATION, Rule.WAVE1_AWAITING_CONFIRMATION
            clause = legal.WAVE1
        elif left > 0:
            left -= 1
            outcome, rule = Outcome.ENROLL, Rule.WAVE1_WITHIN_PLACES
            clause = _enroll_clause(candidate.category)
        else:
            outcome, rule = Outcome.REFUSE_NO_PLACES, Rule.WAVE1_BEYOND_PLACES
            clause = legal.NO_PLACES
        decisions.append(_decision(candidate, outcome, rule, clause, position, places))
    return decisions


def allocate_confirmed(
    places_left: int,
    candidates: Iterable[Candidate],
    *,
    precedence: Sequence[PriorityRight] = DEFAULT_PRECEDENCE,
) -> list[Decision]:
    """Decide wave-1 applications confirmed after wave 1 closed, against the places left."""
    _check_places(places_left)
    ranked = rank_wave1(candidates, precedence)
    _check_wave1(ranked)
    waiting = [candidate.order_id for candidate in ranked if not candidate.confirmed]
    if waiting:
        raise RankingInputError(
            "решение принимается только по подтверждённым заявлениям; не подтверждены: "
            + ", ".join(f"№ {order_id}" for order_id in waiting)
        )

    decisions = []
    for position, candidate in enumerate(ranked, start=1):
        if position <= places_left:
            outcome, rule = Outcome.ENROLL, Rule.CONFIRMED_WITHIN_PLACES_LEFT
            clause = _enroll_clause(candidate.category)
        else:
            outcome, rule = Outcome.REFUSE_NO_PLACES, Rule.CONFIRMED_NO_PLACES_LEFT
            clause = legal.NO_PLACES
        decisions.append(
            _decision(candidate, outcome, rule, clause, position, places_left)
        )
    return decisions


def open_second_wave(
    places_left: int, held: Iterable[Candidate], *, early_opening: bool = False
) -> list[Decision]:
    """Take the applications held for wave 2 in queue order while places remain."""
    clause = f"{legal.EARLY_WAVE2}; {legal.WAVE2}" if early_opening else legal.WAVE2
    return _take_in_order(places_left, held, Rule.WAVE2_HELD_IN_QUEUE_ORDER, clause)


def admit_in_second_wave(
    places_left: int, candidates: Iterable[Candidate]
) -> list[Decision]:
    """Take applications filed once wave 2 is open, first come first served."""
    return _take_in_order(places_left, candidates, Rule.WAVE2_FIRST_COME, legal.WAVE2)


def enroll_after_review(candidate: Candidate) -> Decision:
    """Enroll a wave-2 application whose documents are confirmed; its place was kept."""
    if not candidate.confirmed:
        raise RankingInputError(
            f"заявление № {candidate.order_id}: документы не подтверждены, "
            "зачисление невозможно"
        )
    return _decision(
        candidate,
        Outcome.ENROLL,
        Rule.WAVE2_DOCUMENTS_CONFIRMED,
        legal.WAVE2,
        None,
        None,
    )


def _take_in_order(
    places_left: int, candidates: Iterable[Candidate], rule: Rule, clause: str
) -> list[Decision]:
    _check_places(places_left)
    decisions = []
    for position, candidate in enumerate(rank_wave2(candidates), start=1):
        if position <= places_left:
            decisions.append(
                _decision(
                    candidate,
                    Outcome.TAKE_INTO_REVIEW,
                    rule,
                    clause,
                    position,
                    places_left,
                )
            )
        else:
            decisions.append(
                _decision(
                    candidate,
                    Outcome.REFUSE_NO_PLACES,
                    Rule.WAVE2_NO_PLACES,
                    legal.NO_PLACES,
                    position,
                    places_left,
                )
            )
    return decisions


def _enroll_clause(category: Category) -> str:
    own = CATEGORY_CLAUSES[category]
    return own if own == legal.WAVE1 else f"{own}; {legal.WAVE1}"


def _decision(
    candidate: Candidate,
    outcome: Outcome,
    rule: Rule,
    clause: str,
    position: int | None,
    places: int | None,
) -> Decision:
    return Decision(
        order_id=candidate.order_id,
        outcome=outcome,
        rule=rule,
        clause=clause,
        category=candidate.category,
        queued_at=to_utc(candidate.queued_at, f"заявление № {candidate.order_id}"),
        position=position,
        places=places,
    )


def _check_places(places: int) -> None:
    if places < 0:
        raise RankingInputError(f"число мест не может быть отрицательным: {places}")


def _check_wave1(ranked: Sequence[Candidate]) -> None:
    outside = [c.order_id for c in ranked if c.category is Category.OTHER]
    if outside:
        raise RankingInputError(
            "в распределение первого этапа включены заявления без права приёма и не с "
            "закреплённой территории: "
            + ", ".join(f"№ {order_id}" for order_id in outside)
        )
