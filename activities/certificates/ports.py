"""What the certificates need from the gradebook: period marks, and locks on them.

Two narrow ports keep the certificate process independent of how the gradebook stores its
marks; `gradebook_port` implements both over the gradebook's tables.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from domain.certificates.marks import PeriodMark


@dataclass(frozen=True)
class MarkOrigin:
    """Where one period mark lives in the gradebook: what a lock must cover to freeze it."""

    subject_code: str
    subject_id: int
    grade: int
    # The gradebook's period id as its lock check knows it (terms: id; years: −year id).
    period_id: int
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class PupilMarks:
    """A pupil's term and year marks of the wanted grades, and what stops them counting."""

    pupil_id: int
    marks: tuple[PeriodMark, ...] = ()
    origins: tuple[MarkOrigin, ...] = ()
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class LockScope:
    """The gradebook objects a certificate's marks come from."""

    subject_ids: frozenset[int]
    period_ids: frozenset[int]
    starts_on: date
    ends_on: date

    def to_json(self) -> dict[str, Any]:
        return {
            "subject_ids": sorted(self.subject_ids),
            "period_ids": sorted(self.period_ids),
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LockScope:
        return cls(
            subject_ids=frozenset(data["subject_ids"]),
            period_ids=frozenset(data["period_ids"]),
            starts_on=date.fromisoformat(data["starts_on"]),
            ends_on=date.fromisoformat(data["ends_on"]),
        )


@dataclass(frozen=True)
class LockActor:
    user_id: int
    role: str
    at: datetime
    workflow_id: str | None = None
    organization_id: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


class MarksSource(Protocol):
    def period_marks(
        self, pupil_ids: Collection[int], grades: Collection[int]
    ) -> Mapping[int, PupilMarks]:
        """Term and year marks of each pupil in the given grades, with their origins."""
        ...


class MarkLocks(Protocol):
    def lock(self, *, certificate_id: int, pupil_id: int, scope: LockScope,
             actor: LockActor) -> int:
        """Freeze the marks a formed certificate uses; returns the lock's id."""
        ...

    def release(self, lock_id: int, *, certificate_id: int, issued: bool, reason: str,
                actor: LockActor) -> None:
        """Release a lock because its certificate was cancelled before issue."""
        ...


def scope_of(origins: Collection[MarkOrigin]) -> LockScope | None:
    if not origins:
        return None
    return LockScope(
        subject_ids=frozenset(o.subject_id for o in origins),
        period_ids=frozenset(o.period_id for o in origins),
        starts_on=min(o.starts_on for o in origins),
        ends_on=max(o.ends_on for o in origins),
    )
