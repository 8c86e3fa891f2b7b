"""Plain factories of queue candidates for the enrollment tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from domain.enrollment.ranking import Candidate, Category

MSK = timezone(timedelta(hours=3))
START = datetime(2026, 4, 1, 0, 0, tzinfo=MSK)


def candidate(
    order_id: str,
    category: Category = Category.RESIDENT,
    seconds: float = 0,
    sequence: int = 0,
    *,
    confirmed: bool = True,
) -> Candidate:
    return Candidate(
        order_id=order_id,
        category=category,
        queued_at=START + timedelta(seconds=seconds),
        arrival_sequence=sequence,
        confirmed=confirmed,
    )


candidates_strategy = st.lists(
    st.builds(
        candidate,
        order_id=st.integers(min_value=1, max_value=10**6).map(str),
        category=st.sampled_from(
            [
                Category.EXTRAORDINARY,
                Category.FIRST_PRIORITY,
                Category.SIBLING,
                Category.RESIDENT,
            ]
        ),
        seconds=st.integers(min_value=0, max_value=5).map(lambda s: s / 4),
        sequence=st.integers(min_value=0, max_value=3),
    ),
    max_size=30,
    unique_by=lambda c: c.order_id,
)
