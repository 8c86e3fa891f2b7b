"""Invented school data for the gradebook rules: one class of 7th grade, algebra, 2024/25."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.gradebook.audit import Actor
from domain.gradebook.lessons import Lesson
from domain.gradebook.locks import TermLock
from domain.gradebook.marks import Mark, MarkValue
from domain.gradebook.policy import GradingPolicy
from domain.gradebook.terms import SchoolYear, Term, TermKind, TermSchedule

MSK = timezone(timedelta(hours=3))

QUARTERS = TermSchedule(
    TermKind.QUARTER,
    (
        Term(1, TermKind.QUARTER, 1, date(2024, 9, 2), date(2024, 10, 27)),
        Term(2, TermKind.QUARTER, 2, date(2024, 11, 5), date(2024, 12, 28)),
        Term(3, TermKind.QUARTER, 3, date(2025, 1, 9), date(2025, 3, 23)),
        Term(4, TermKind.QUARTER, 4, date(2025, 4, 1), date(2025, 5, 26)),
    ),
)
HALF_YEARS = TermSchedule(
    TermKind.HALF_YEAR,
    (
        Term(21, TermKind.HALF_YEAR, 1, date(2024, 9, 2), date(2024, 12, 28)),
        Term(22, TermKind.HALF_YEAR, 2, date(2025, 1, 9), date(2025, 5, 26)),
    ),
)


@dataclass
class Gradebook:
    """The invented school: ids, people, the year, and factories for marks and lessons."""

    class_id: int = 701
    subject_id: int = 11
    pupil_id: int = 5001
    teacher: Actor = Actor(201, "teacher")
    other_teacher: Actor = Actor(202, "teacher")
    deputy: Actor = Actor(301, "deputy_head")
    other_deputy: Actor = Actor(302, "deputy_head")
    secretary: Actor = Actor(401, "secretary")
    year: SchoolYear = SchoolYear(
        100, date(2024, 9, 1), date(2025, 8, 31), {7: QUARTERS, 10: HALF_YEARS}
    )
    weights: dict[str, Decimal] = field(
        default_factory=lambda: {
            "classwork": Decimal(1),
            "homework": Decimal(1),
            "test_work": Decimal("1.5"),
            "control_work": Decimal(2),
        }
    )
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def quarters(self) -> tuple[Term, ...]:
        return QUARTERS.terms

    def policy(self, **overrides: object) -> GradingPolicy:
        fields: dict[str, object] = {"id": 7, "version": 2, "weights": self.weights}
        fields.update(overrides)
        return GradingPolicy(**fields)  # type: ignore[arg-type]

    def at(self, day: date, hour: int = 12) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=MSK)

    def lesson(self, day: date, **overrides: object) -> Lesson:
        """Lesson ids come from dates, so a mark made for a day belongs to that day's lesson."""
        fields: dict[str, object] = {
            "id": day.toordinal(),
            "school_class_id": self.class_id,
            "subject_id": self.subject_id,
            "date": day,
        }
        fields.update(overrides)
        return Lesson(**fields)  # type: ignore[arg-type]

    def mark(
        self,
        points: int | str = 5,
        *,
        kind: str = "classwork",
        day: date = date(2024, 10, 1),
        published: bool = True,
        pupil_id: int | None = None,
    ) -> Mark:
        return Mark(
            id=next(self.ids),
            pupil_id=self.pupil_id if pupil_id is None else pupil_id,
            subject_id=self.subject_id,
            lesson_id=day.toordinal(),
            lesson_date=day,
            kind=kind,
            value=MarkValue.parse(str(points)),
            author_id=201,
            published=published,
        )

    def marks(self, *points: int, kind: str = "classwork") -> list[Mark]:
        start = date(2024, 9, 2)
        return [
            self.mark(p, kind=kind, day=start + timedelta(days=i))
            for i, p in enumerate(points)
        ]

    def term_lock(self, term: Term, **overrides: object) -> TermLock:
        fields: dict[str, object] = {
            "id": 900 + term.id,
            "period_id": term.id,
            "period_title": f"{term.title} {self.year.title}",
            "school_class_id": self.class_id,
            "start": term.start,
            "end": term.end,
            "closed_at": self.at(term.end, 18),
            "closed_by": self.deputy.user_id,
        }
        fields.update(overrides)
        return TermLock(**fields)  # type: ignore[arg-type]


@pytest.fixture
def gb() -> Gradebook:
    return Gradebook()
