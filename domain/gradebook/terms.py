"""The school year and its terms per grade, which term a date is in, and closing a term."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

from domain.gradebook.audit import Actor, Result, system_change, user_change
from domain.gradebook.errors import GradebookError
from domain.gradebook.locks import TermLock
from domain.gradebook.period_marks import PeriodMark, PeriodMarkStatus

CLOSING_ROLES = frozenset({"deputy_head", "school_head"})
# Ids are listed in refusals so the deputy head can find the rows; names never are.
LISTED_IDS = 10


class TermKind(StrEnum):
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    TRIMESTER = "trimester"


TERM_COUNTS = {TermKind.QUARTER: 4, TermKind.HALF_YEAR: 2, TermKind.TRIMESTER: 3}
TERM_NAMES_RU = {
    TermKind.QUARTER: "четверть",
    TermKind.HALF_YEAR: "полугодие",
    TermKind.TRIMESTER: "триместр",
}


@dataclass(frozen=True)
class Term:
    id: int
    kind: TermKind
    number: int
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise GradebookError(f"{self.title}: начало позже конца")

    @property
    def title(self) -> str:
        """«2 четверть»."""
        return f"{self.number} {TERM_NAMES_RU[self.kind]}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class TermSchedule:
    """The terms of one grade in one school year, in order, without overlaps."""

    kind: TermKind
    terms: tuple[Term, ...]

    def __post_init__(self) -> None:
        expected = TERM_COUNTS[self.kind]
        if len(self.terms) != expected:
            raise GradebookError(
                f"В году {expected} периода(ов) вида «{TERM_NAMES_RU[self.kind]}», "
                f"задано {len(self.terms)}"
            )
        if any(term.kind is not self.kind for term in self.terms):
            raise GradebookError("Все периоды года должны быть одного вида")
        if [term.number for term in self.terms] != list(range(1, expected + 1)):
            raise GradebookError("Периоды нумеруются по порядку с 1")
        for earlier, later in zip(self.terms, self.terms[1:], strict=False):
            if earlier.end >= later.start:
                raise GradebookError(f"{earlier.title} и {later.title} пересекаются")

    def term_for(self, day: date) -> Term | None:
        """The term a date falls in; None in the holidays between terms."""
        return next((term for term in self.terms if term.contains(day)), None)


@dataclass(frozen=True)
class SchoolYear:
    """A school year of one school, with a term schedule per grade (1–11)."""

    id: int
    start: date
    end: date
    schedules: Mapping[int, TermSchedule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "schedules", MappingProxyType(dict(self.schedules)))
        if self.start >= self.end:
            raise GradebookError("Начало учебного года должно быть раньше конца")
        for grade, schedule in self.schedules.items():
            if not 1 <= grade <= 11:
                raise GradebookError(f"Параллель {grade} вне диапазона 1–11")
            first, last = schedule.terms[0], schedule.terms[-1]
            if first.start < self.start or last.end > self.end:
                raise GradebookError(
                    f"Периоды {grade} класса выходят за границы учебного года"
                )

    @property
    def title(self) -> str:
        """«2024/2025 учебный год»."""
        return f"{self.start.year}/{self.start.year + 1} учебный год"

    def schedule_for(self, grade: int) -> TermSchedule:
        try:
            return self.schedules[grade]
        except KeyError:
            raise GradebookError(
                f"Для {grade} класса не заданы периоды учебного года"
            ) from None

    def term_for(self, grade: int, day: date) -> Term | None:
        if not self.start <= day <= self.end:
            return None
        return self.schedule_for(grade).term_for(day)


def school_year_start(day: date) -> int:
    """The calendar year a school year begins in: from September it is the current one."""
    return day.year if day.month >= 9 else day.year - 1


def close_term(
    term: Term,
    school_year: SchoolYear,
    *,
    lock_id: int,
    school_class_id: int,
    period_marks: Iterable[PeriodMark],
    expected: Collection[tuple[int, int]],
    unpublished_mark_ids: Collection[int],
    actor: Actor,
    at: datetime,
    subject_id: int | None = None,
    workflow_id: str | None = None,
    on_behalf_of: int | None = None,
    subject_titles: Mapping[int, str] | None = None,
) -> Result[TermLock]:
    """Close a term for a class once every expected (pupil, subject) mark is confirmed."""
    title = f"{term.title} {school_year.title}"
    return _close(
        period_id=term.id,
        title=title,
        start=term.start,
        end=term.end,
        lock_id=lock_id,
        school_class_id=school_class_id,
        period_marks=period_marks,
        expected=expected,
        unpublished_mark_ids=unpublished_mark_ids,
        actor=actor,
        at=at,
        subject_id=subject_id,
        workflow_id=workflow_id,
        on_behalf_of=on_behalf_of,
        is_year=False,
        subject_titles=subject_titles or {},
    )


def close_year(
    school_year: SchoolYear,
    *,
    lock_id: int,
    school_class_id: int,
    period_marks: Iterable[PeriodMark],
    expected: Collection[tuple[int, int]],
    actor: Actor,
    at: datetime,
    subject_id: int | None = None,
    workflow_id: str | None = None,
    on_behalf_of: int | None = None,
    subject_titles: Mapping[int, str] | None = None,
) -> Result[TermLock]:
    """Close the year for a class once its year marks are confirmed; locks the year marks."""
    return _close(
        period_id=school_year.id,
        title=school_year.title,
        start=school_year.start,
        end=school_year.end,
        lock_id=lock_id,
        school_class_id=school_class_id,
        period_marks=period_marks,
        expected=expected,
        unpublished_mark_ids=(),
        actor=actor,
        at=at,
        subject_id=subject_id,
        workflow_id=workflow_id,
        on_behalf_of=on_behalf_of,
        is_year=True,
        subject_titles=subject_titles or {},
    )


def _close(
    *,
    period_id: int,
    title: str,
    start: date,
    end: date,
    lock_id: int,
    school_class_id: int,
    period_marks: Iterable[PeriodMark],
    expected: Collection[tuple[int, int]],
    unpublished_mark_ids: Collection[int],
    actor: Actor,
    at: datetime,
    subject_id: int | None,
    workflow_id: str | None,
    on_behalf_of: int | None,
    is_year: bool,
    subject_titles: Mapping[int, str],
) -> Result[TermLock]:
    # The term-grading workflow closes as the system, for the deputy head who answers for it;
    # a person closes in their own name.
    if actor.is_system:
        if workflow_id is None:
            raise GradebookError("Система закрывает период только в процессе выставления отметок")
    else:
        actor.require_role(CLOSING_ROLES, "закрывать период")
    # Lessons still to come would be locked the moment they were held.
    if at.date() < end:
        raise GradebookError(f"Период «{title}» закрывается не раньше {end:%d.%m.%Y}")
    if unpublished_mark_ids:
        raise GradebookError(
            f"В периоде есть неопубликованные отметки ({len(unpublished_mark_ids)}): "
            f"{_ids(unpublished_mark_ids)}"
        )

    marks = [mark for mark in period_marks if mark.period_id == period_id]
    confirmed = {
        (mark.pupil_id, mark.subject_id)
        for mark in marks
        if mark.status is PeriodMarkStatus.CONFIRMED
    }
    missing = sorted(pair for pair in expected if pair not in confirmed)
    if missing:
        listed = ", ".join(
            f"ученик {p} — «{subject_titles[s]}»" if s in subject_titles
            else f"ученик {p}, предмет {s}"
            for p, s in missing[:LISTED_IDS]
        )
        raise GradebookError(
            f"Не подтверждены отметки за «{title}» ({len(missing)}): {listed}"
        )
    lock = TermLock(
        id=lock_id,
        period_id=period_id,
        period_title=title,
        school_class_id=school_class_id,
        start=start,
        end=end,
        closed_at=at,
        closed_by=actor.user_id,
        on_behalf_of=on_behalf_of,
        subject_id=subject_id,
        is_year=is_year,
    )
    if actor.is_system:
        event = system_change(at, "term_lock", lock_id, "close", caused_by_change=None,
                              new=lock.snapshot(), on_behalf_of=on_behalf_of,
                              workflow_id=workflow_id)
    else:
        event = user_change(actor, at, "term_lock", lock_id, "close", new=lock.snapshot(),
                            on_behalf_of=on_behalf_of, workflow_id=workflow_id)
    return Result(lock, (event,))


def _ids(ids: Collection[int]) -> str:
    ordered = sorted(ids)
    shown = ", ".join(str(i) for i in ordered[:LISTED_IDS])
    return shown + (" …" if len(ordered) > LISTED_IDS else "")
