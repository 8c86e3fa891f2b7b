"""The queue of first-grade applications: categories, the ranking key and its tie-breaks.

Wave 1 ranks by category (admission rights in the region's precedence, then children of the
assigned territory), then by the queue moment in UTC. Wave 2 ranks by the queue moment only.
Ties below the queue moment's precision are broken by the arrival sequence (the order in
which intake stored the messages), then by the portal's order number, so that re-running a
ranking always gives the same order (T25).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from domain.enrollment import legal
from domain.enrollment.errors import NaiveMomentError, RankingInputError


class PriorityRight(StrEnum):
    """A right of admission (glossary: priority_right)."""

    EXTRAORDINARY = "extraordinary"
    FIRST_PRIORITY = "first_priority"
    SIBLING = "sibling"

    @property
    def label_ru(self) -> str:
        return {
            PriorityRight.EXTRAORDINARY: "право внеочередного приёма",
            PriorityRight.FIRST_PRIORITY: "право первоочередного приёма",
            PriorityRight.SIBLING: "преимущественное право (брат или сестра в школе)",
        }[self]


class Category(StrEnum):
    """The category an application is ranked in."""

    EXTRAORDINARY = "extraordinary"
    FIRST_PRIORITY = "first_priority"
    SIBLING = "sibling"
    RESIDENT = "resident"
    # Neither a right nor the territory: wave 2 only, where categories do not count.
    OTHER = "other"


CATEGORY_TITLES_RU = {
    Category.EXTRAORDINARY: "право внеочередного приёма",
    Category.FIRST_PRIORITY: "право первоочередного приёма",
    Category.SIBLING: "право преимущественного приёма",
    Category.RESIDENT: "проживание на закреплённой территории",
    Category.OTHER: "без права приёма в первом этапе",
}

CATEGORY_CLAUSES = {
    Category.EXTRAORDINARY: legal.EXTRAORDINARY_RIGHT,
    Category.FIRST_PRIORITY: legal.FIRST_PRIORITY_RIGHT,
    Category.SIBLING: legal.SIBLING_RIGHT,
    Category.RESIDENT: legal.WAVE1,
    Category.OTHER: legal.WAVE2,
}

# enrollment.md §3.8; the order of the rights is not uniform in public sources (§3.6), so a
# region may set its own (CampaignConfig.ranking.category_precedence).
DEFAULT_PRECEDENCE: tuple[PriorityRight, ...] = (
    PriorityRight.EXTRAORDINARY,
    PriorityRight.FIRST_PRIORITY,
    PriorityRight.SIBLING,
)


class QueueTimeRule(StrEnum):
    """Which moment places an application in the queue: a published regional setting (T5)."""

    FILING_DATE = "filing_date"
    RECEIVED_AT = "received_at"


def queue_moment(
    filing_date: datetime, received_at: datetime | None, rule: QueueTimeRule
) -> datetime:
    """Return the moment that ranks the application, in UTC."""
    chosen = filing_date
    if rule is QueueTimeRule.RECEIVED_AT:
        if received_at is None:
            raise RankingInputError("не указано время получения заявления")
        chosen = received_at
    return to_utc(chosen, "время подачи заявления")


def to_utc(moment: datetime, what: str) -> datetime:
    """Convert an aware moment to UTC; a naive one has no place in the queue."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveMomentError(what)
    return moment.astimezone(UTC)


def effective_right(
    right: PriorityRight | None, *, requires_boarding: bool, school_has_boarding: bool
) -> PriorityRight | None:
    """Drop a right that does not apply to the school.

    The extraordinary right of children of prosecutors, judges and Investigative Committee
    officers applies only in schools with boarding (п. 10 of Order 458, §3.6); the caller
    knows from the right's basis whether it is of that kind.
    """
    if requires_boarding and not school_has_boarding:
        return None
    return right


def category_of(right: PriorityRight | None, *, resident: bool) -> Category:
    """Return the ranking category of an application from its right and residence."""
    if right is not None:
        return Category(right.value)
    return Category.RESIDENT if resident else Category.OTHER


def check_precedence(precedence: Sequence[PriorityRight]) -> tuple[PriorityRight, ...]:
    """Validate a precedence of the rights: each of the three exactly once."""
    ordered = tuple(PriorityRight(right) for right in precedence)
    if sorted(ordered) != sorted(PriorityRight):
        raise RankingInputError(
            "порядок категорий должен назвать каждое право ровно один раз: "
            "extraordinary, first_priority, sibling"
        )
    return ordered


@dataclass(frozen=True)
class Candidate:
    """An application as the queue sees it.

    `queued_at` is the moment that ranks it (FilingDate by default, QueueTimeRule);
    `arrival_sequence` is the order in which intake stored the message; `confirmed` tells
    that the documents (and the founder's permission, when needed) are confirmed.
    """

    order_id: str
    category: Category
    queued_at: datetime
    arrival_sequence: int
    confirmed: bool = True


RankKey = tuple[int, datetime, int, tuple[int, int, str]]


def wave1_key(
    candidate: Candidate, precedence: Sequence[PriorityRight] = DEFAULT_PRECEDENCE
) -> RankKey:
    """The wave-1 key: category, queue moment in UTC, arrival sequence, order number."""
    order = [Category(right.value) for right in precedence] + [Category.RESIDENT]
    # No right and not on the territory is not a wave-1 category: it ranks after all of them.
    if candidate.category in order:
        rank = order.index(candidate.category)
    else:
        rank = len(order)
    moment, sequence, order_id = _time_key(candidate)
    return (rank, moment, sequence, order_id)


def wave2_key(candidate: Candidate) -> RankKey:
    """The wave-2 key: queue moment in UTC, arrival sequence, order number."""
    moment, sequence, order_id = _time_key(candidate)
    return (0, moment, sequence, order_id)


def rank_wave1(
    candidates: Iterable[Candidate],
    precedence: Sequence[PriorityRight] = DEFAULT_PRECEDENCE,
) -> list[Candidate]:
    """Order applications for wave 1 (category, then time)."""
    listed = _unique(candidates)
    ordered = check_precedence(precedence)
    return sorted(listed, key=lambda candidate: wave1_key(candidate, ordered))


def rank_wave2(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Order applications for wave 2 (time only)."""
    return sorted(_unique(candidates), key=wave2_key)


def _unique(candidates: Iterable[Candidate]) -> list[Candidate]:
    listed = list(candidates)
    seen: set[str] = set()
    for candidate in listed:
        if candidate.order_id in seen:
            raise RankingInputError(f"заявление № {candidate.order_id} указано дважды")
        seen.add(candidate.order_id)
    return listed


def _time_key(candidate: Candidate) -> tuple[datetime, int, tuple[int, int, str]]:
    moment = to_utc(candidate.queued_at, f"заявление № {candidate.order_id}")
    return moment, candidate.arrival_sequence, order_id_key(candidate.order_id)


def order_id_key(order_id: str) -> tuple[int, int, str]:
    # Portal order numbers are digits: compare them as numbers, so 999 comes before 1000.
    if order_id.isascii() and order_id.isdigit():
        return (0, int(order_id), order_id)
    return (1, 0, order_id)
