"""Term and year marks as kept: the computed proposal, the teacher's confirmation or override."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from domain.gradebook.audit import SYSTEM, Actor, Result, system_change, user_change
from domain.gradebook.computation import (
    NOT_ASSESSED,
    MarkProposal,
    PeriodKind,
    PeriodResult,
)
from domain.gradebook.errors import GradebookError, StateConflict
from domain.gradebook.locks import Action, Lock, WriteTarget, check_write
from domain.gradebook.marks import MarkValue

if TYPE_CHECKING:
    from domain.gradebook.corrections import CorrectionRequest

CONFIRMING_ROLES = frozenset({"teacher", "deputy_head", "school_head"})
REVIEWING_ROLES = frozenset({"deputy_head", "school_head"})


class PeriodMarkStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"


@dataclass(frozen=True)
class Override:
    """A teacher's own mark in place of the computed one; the computed one is kept."""

    value: MarkValue | None
    reason: str
    by: int
    at: datetime


@dataclass(frozen=True)
class RecomputeFlag:
    """Raised when a mark someone relied on was recomputed; cleared by review."""

    caused_by_change: int
    previous: str
    current: str
    at: datetime


@dataclass(frozen=True)
class PeriodMark:
    """A pupil's term or year mark in a subject."""

    id: int
    pupil_id: int
    subject_id: int
    period_kind: PeriodKind
    period_id: int
    computed: MarkProposal
    status: PeriodMarkStatus = PeriodMarkStatus.PROPOSED
    override: Override | None = None
    confirmed_by: int | None = None
    confirmed_at: datetime | None = None
    recompute_flag: RecomputeFlag | None = None

    @property
    def value(self) -> MarkValue | None:
        """The mark in force: the override if there is one, else the computed mark."""
        return self.override.value if self.override is not None else self.computed.value

    @property
    def display(self) -> str:
        return NOT_ASSESSED if self.value is None else str(self.value)

    @property
    def is_overridden(self) -> bool:
        return self.override is not None

    def as_period_result(self, number: int, title: str) -> PeriodResult:
        """This mark as an input of the year mark."""
        return PeriodResult(
            number=number, title=title, value=self.value, source_id=self.id
        )

    def snapshot(self) -> dict[str, object]:
        return {
            "id": self.id,
            "pupil_id": self.pupil_id,
            "subject_id": self.subject_id,
            "period_kind": self.period_kind.value,
            "period_id": self.period_id,
            "value": self.display,
            "status": self.status.value,
            "computed": self.computed.snapshot(),
            "override": None
            if self.override is None
            else {
                "value": NOT_ASSESSED
                if self.override.value is None
                else str(self.override.value),
                "reason": self.override.reason,
                "by": self.override.by,
            },
            "recompute_flag": None
            if self.recompute_flag is None
            else {
                "caused_by_change": self.recompute_flag.caused_by_change,
                "previous": self.recompute_flag.previous,
                "current": self.recompute_flag.current,
            },
        }


def propose(
    mark_id: int,
    proposal: MarkProposal,
    *,
    at: datetime,
    caused_by_change: int | None = None,
    workflow_id: str | None = None,
) -> Result[PeriodMark]:
    """The end-of-term workflow's proposal, to be confirmed by the teacher."""
    if proposal.period_id is None:
        raise GradebookError("Отметка за период без периода")
    if proposal.includes_unpublished:
        raise GradebookError(
            "Предварительный расчёт учителя не может стать отметкой за период"
        )

    mark = PeriodMark(
        id=mark_id,
        pupil_id=proposal.pupil_id,
        subject_id=proposal.subject_id,
        period_kind=proposal.period_kind,
        period_id=proposal.period_id,
        computed=proposal,
    )
    event = system_change(
        at,
        _object_kind(mark),
        mark.id,
        "propose",
        caused_by_change=caused_by_change,
        new=mark.snapshot(),
        workflow_id=workflow_id,
    )
    return Result(mark, (event,))


def confirm(
    mark: PeriodMark,
    *,
    school_class_id: int,
    locks: Iterable[Lock],
    actor: Actor,
    at: datetime,
) -> Result[PeriodMark]:
    actor.require_role(CONFIRMING_ROLES, "подтверждать отметки за период")
    if mark.status is PeriodMarkStatus.CONFIRMED:
        raise StateConflict("Отметка уже подтверждена")
    check_write(
        WriteTarget.for_period_mark(mark, school_class_id), Action.UPDATE, locks, actor
    )

    confirmed = _confirmed(mark, actor, at)
    event = user_change(
        actor,
        at,
        _object_kind(mark),
        mark.id,
        "confirm",
        old=mark.snapshot(),
        new=confirmed.snapshot(),
    )
    return Result(confirmed, (event,))


def set_override(
    mark: PeriodMark,
    value: MarkValue | None,
    *,
    reason: str,
    school_class_id: int,
    locks: Iterable[Lock],
    actor: Actor,
    at: datetime,
) -> Result[PeriodMark]:
    """The teacher sets their own mark with a reason; this also confirms it."""
    actor.require_role(CONFIRMING_ROLES, "выставлять отметки за период")
    if not reason.strip():
        raise GradebookError(
            "Укажите причину, по которой отметка отличается от вычисленной"
        )
    if value == mark.computed.value:
        raise GradebookError(
            "Отметка совпадает с вычисленной: её достаточно подтвердить"
        )
    check_write(
        WriteTarget.for_period_mark(mark, school_class_id), Action.UPDATE, locks, actor
    )
    assert actor.user_id is not None

    overridden = replace(
        _confirmed(mark, actor, at),
        override=Override(value=value, reason=reason, by=actor.user_id, at=at),
    )
    event = user_change(
        actor,
        at,
        _object_kind(mark),
        mark.id,
        "override",
        old=mark.snapshot(),
        new=overridden.snapshot(),
        reason=reason,
    )
    return Result(overridden, (event,))


def remove_override(
    mark: PeriodMark,
    *,
    reason: str,
    school_class_id: int,
    locks: Iterable[Lock],
    actor: Actor,
    at: datetime,
) -> Result[PeriodMark]:
    """Back to the computed mark, which was kept all along; it needs confirming again."""
    actor.require_role(CONFIRMING_ROLES, "выставлять отметки за период")
    if mark.override is None:
        raise StateConflict("У отметки нет ручной замены")
    check_write(
        WriteTarget.for_period_mark(mark, school_class_id), Action.UPDATE, locks, actor
    )

    restored = replace(
        mark,
        override=None,
        status=PeriodMarkStatus.PROPOSED,
        confirmed_by=None,
        confirmed_at=None,
    )
    event = user_change(
        actor,
        at,
        _object_kind(mark),
        mark.id,
        "remove_override",
        old=mark.snapshot(),
        new=restored.snapshot(),
        reason=reason,
    )
    return Result(restored, (event,))


def recompute(
    mark: PeriodMark,
    proposal: MarkProposal,
    *,
    caused_by_change: int,
    school_class_id: int,
    locks: Iterable[Lock],
    at: datetime,
    correction: CorrectionRequest | None = None,
    workflow_id: str | None = None,
) -> Result[PeriodMark]:
    """The system recomputes after change N; in a closed period only after a correction."""
    same = (
        proposal.pupil_id,
        proposal.subject_id,
        proposal.period_kind,
        proposal.period_id,
    )
    if same != (mark.pupil_id, mark.subject_id, mark.period_kind, mark.period_id):
        raise GradebookError("Пересчёт относится к другой отметке за период")
    if proposal.includes_unpublished:
        raise GradebookError(
            "Предварительный расчёт учителя не может стать отметкой за период"
        )
    target = WriteTarget.for_period_mark(mark, school_class_id)
    check_write(target, Action.RECOMPUTE, locks, SYSTEM, correction=correction)

    changed = proposal.display != mark.computed.display
    relied_on = mark.status is PeriodMarkStatus.CONFIRMED
    recomputed = replace(mark, computed=proposal)
    if correction is not None or (relied_on and changed):
        flag = RecomputeFlag(
            caused_by_change, mark.computed.display, proposal.display, at
        )
        recomputed = replace(recomputed, recompute_flag=flag)
    # In an open period a confirmed computed mark that changed goes back to the teacher; in a
    # closed one nobody may confirm, and the approved correction stands for that review.
    if correction is None and relied_on and changed and mark.override is None:
        recomputed = replace(
            recomputed,
            status=PeriodMarkStatus.PROPOSED,
            confirmed_by=None,
            confirmed_at=None,
        )

    refs = {"correction_request_id": correction.id} if correction is not None else None
    event = system_change(
        at,
        _object_kind(mark),
        mark.id,
        "recompute",
        caused_by_change=caused_by_change,
        old=mark.snapshot(),
        new=recomputed.snapshot(),
        workflow_id=workflow_id,
        refs=refs,
    )
    return Result(recomputed, (event,))


def acknowledge_recompute(
    mark: PeriodMark, *, actor: Actor, at: datetime
) -> Result[PeriodMark]:
    """Review of a recomputation; not a write to the mark, so closed periods allow it."""
    actor.require_role(REVIEWING_ROLES, "снимать отметку о пересчёте")
    if mark.recompute_flag is None:
        raise StateConflict("Отметка не пересчитывалась")

    reviewed = replace(mark, recompute_flag=None)
    event = user_change(
        actor,
        at,
        _object_kind(mark),
        mark.id,
        "acknowledge_recompute",
        old=mark.snapshot(),
        new=reviewed.snapshot(),
    )
    return Result(reviewed, (event,))


def _confirmed(mark: PeriodMark, actor: Actor, at: datetime) -> PeriodMark:
    return replace(
        mark,
        status=PeriodMarkStatus.CONFIRMED,
        confirmed_by=actor.user_id,
        confirmed_at=at,
    )


def _object_kind(mark: PeriodMark) -> str:
    return "year_mark" if mark.period_kind is PeriodKind.YEAR else "term_mark"
