"""Correction requests: the one way to change a mark or attendance of a closed period."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from domain.gradebook.attendance import AttendanceRecord
from domain.gradebook.audit import Actor, AuditEvent, Result, user_change
from domain.gradebook.errors import GradebookError, StateConflict
from domain.gradebook.lessons import Lesson
from domain.gradebook.locks import (
    Action,
    CertificateLock,
    Lock,
    TermLock,
    WriteTarget,
    check_write,
)
from domain.gradebook.marks import Mark

REQUESTING_ROLES = frozenset({"teacher", "deputy_head", "school_head"})
# The issue names the deputy head; the head stands in where a school has no deputy.
APPROVING_ROLES = frozenset({"deputy_head", "school_head"})

Entry = Mark | AttendanceRecord


class CorrectionStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    APPLIED = "applied"


class NotLocked(StateConflict):
    code = "not_locked"


@dataclass(frozen=True)
class CorrectionRequest:
    """A request to change one mark or attendance entry of a closed period."""

    id: int
    target: WriteTarget
    action: Action
    # The entry as it was when the request was made, and as it should become.
    current: Entry | None
    proposed: Entry | None
    reason: str
    requested_by: int
    requested_at: datetime
    status: CorrectionStatus = CorrectionStatus.REQUESTED
    decided_by: int | None = None
    decided_at: datetime | None = None
    decision_comment: str | None = None
    applied_at: datetime | None = None

    def snapshot(self) -> dict[str, object]:
        return {
            "id": self.id,
            "target_kind": self.target.kind.value,
            "target_id": self.target.object_id,
            "action": self.action.value,
            "current": None if self.current is None else self.current.snapshot(),
            "proposed": None if self.proposed is None else self.proposed.snapshot(),
            "reason": self.reason,
            "status": self.status.value,
            "requested_by": self.requested_by,
            "decided_by": self.decided_by,
            "decision_comment": self.decision_comment,
        }


@dataclass(frozen=True)
class AppliedCorrection:
    """The request marked applied, and the entry as it now stands (None when deleted)."""

    request: CorrectionRequest
    entry: Entry | None


def request_correction(
    *,
    request_id: int,
    lesson: Lesson,
    current: Entry | None,
    proposed: Entry | None,
    reason: str,
    locks: Iterable[Lock],
    actor: Actor,
    at: datetime,
) -> Result[CorrectionRequest]:
    """Ask to change an entry of a closed period; refused at once under a certificate lock."""
    actor.require_role(REQUESTING_ROLES, "подавать запросы на исправление")
    if not reason.strip():
        raise GradebookError("Укажите причину исправления")
    action = _action(current, proposed)
    target = _target(current if current is not None else proposed, lesson)
    locks = list(locks)

    # A certificate lock is not passable by any correction, so say so before anyone approves.
    certificate_locks = [lock for lock in locks if isinstance(lock, CertificateLock)]
    check_write(target, action, certificate_locks, actor)
    if not any(isinstance(lock, TermLock) and lock.covers(target) for lock in locks):
        raise NotLocked(
            "Период не закрыт: запись исправляется в журнале обычным порядком"
        )
    assert actor.user_id is not None

    request = CorrectionRequest(
        id=request_id,
        target=target,
        action=action,
        current=current,
        proposed=proposed,
        reason=reason.strip(),
        requested_by=actor.user_id,
        requested_at=at,
    )
    return Result(request, (_event(request, None, actor, at, "request"),))


def approve(
    request: CorrectionRequest,
    *,
    actor: Actor,
    at: datetime,
    comment: str | None = None,
) -> Result[CorrectionRequest]:
    return _decide(request, CorrectionStatus.APPROVED, actor, at, comment)


def reject(
    request: CorrectionRequest, *, actor: Actor, at: datetime, comment: str
) -> Result[CorrectionRequest]:
    if not comment.strip():
        raise GradebookError("Укажите причину отказа")
    return _decide(request, CorrectionStatus.REJECTED, actor, at, comment)


def withdraw(
    request: CorrectionRequest, *, actor: Actor, at: datetime
) -> Result[CorrectionRequest]:
    if actor.user_id != request.requested_by:
        raise GradebookError("Отозвать запрос может только его автор")
    _require_status(request, CorrectionStatus.REQUESTED)

    withdrawn = replace(request, status=CorrectionStatus.WITHDRAWN)
    return Result(withdrawn, (_event(withdrawn, request, actor, at, "withdraw"),))


def apply_correction(
    request: CorrectionRequest,
    *,
    current: Entry | None,
    locks: Iterable[Lock],
    actor: Actor,
    at: datetime,
    workflow_id: str | None = None,
) -> Result[AppliedCorrection]:
    """Make the approved change once; the caller then recomputes the period mark."""
    _require_status(request, CorrectionStatus.APPROVED)
    if actor.user_id not in (request.requested_by, request.decided_by):
        actor.require_role(APPROVING_ROLES, "применять исправления")
    if current != request.current:
        raise StateConflict(
            "Запись изменилась после подачи запроса на исправление; подайте новый запрос"
        )
    check_write(request.target, request.action, locks, actor, correction=request)

    applied = replace(request, status=CorrectionStatus.APPLIED, applied_at=at)
    on_behalf_of = (
        request.requested_by if actor.user_id != request.requested_by else None
    )
    entry_event = user_change(
        actor,
        at,
        request.target.kind.value,
        request.target.object_id,
        request.action.value,
        old=None if request.current is None else request.current.snapshot(),
        new=None if request.proposed is None else request.proposed.snapshot(),
        reason=request.reason,
        on_behalf_of=on_behalf_of,
        workflow_id=workflow_id,
        refs={"correction_request_id": request.id},
    )
    request_event = _event(applied, request, actor, at, "apply", workflow_id)
    return Result(
        AppliedCorrection(applied, request.proposed), (entry_event, request_event)
    )


def _decide(
    request: CorrectionRequest,
    status: CorrectionStatus,
    actor: Actor,
    at: datetime,
    comment: str | None,
) -> Result[CorrectionRequest]:
    actor.require_role(APPROVING_ROLES, "рассматривать запросы на исправление")
    _require_status(request, CorrectionStatus.REQUESTED)
    if actor.user_id == request.requested_by:
        raise GradebookError(
            "Свой запрос на исправление рассматривает другой сотрудник"
        )

    decided = replace(
        request,
        status=status,
        decided_by=actor.user_id,
        decided_at=at,
        decision_comment=comment,
    )
    action = "approve" if status is CorrectionStatus.APPROVED else "reject"
    return Result(decided, (_event(decided, request, actor, at, action),))


def _action(current: Entry | None, proposed: Entry | None) -> Action:
    if current is None and proposed is None:
        raise GradebookError("Запрос на исправление ничего не меняет")
    if current is None:
        return Action.CREATE
    if proposed is None:
        return Action.DELETE
    if type(current) is not type(proposed) or _identity(current) != _identity(proposed):
        raise GradebookError(
            "Исправление меняет запись, а не переносит её: ученик, урок и предмет те же"
        )
    if current == proposed:
        raise GradebookError("Запрос на исправление ничего не меняет")
    return Action.UPDATE


def _identity(entry: Entry) -> tuple[object, ...]:
    if isinstance(entry, Mark):
        return (
            "mark",
            entry.id,
            entry.pupil_id,
            entry.subject_id,
            entry.lesson_id,
            entry.lesson_date,
        )
    return ("attendance", entry.lesson_id, entry.pupil_id)


def _target(entry: Entry | None, lesson: Lesson) -> WriteTarget:
    if isinstance(entry, Mark):
        return WriteTarget.for_mark(entry, lesson)
    if isinstance(entry, AttendanceRecord):
        return WriteTarget.for_attendance(entry, lesson)
    raise GradebookError("Исправлять можно отметки и посещаемость")


def _require_status(request: CorrectionRequest, status: CorrectionStatus) -> None:
    if request.status is status:
        return
    messages = {
        CorrectionStatus.APPLIED: "Исправление уже применено",
        CorrectionStatus.REJECTED: "Запрос на исправление отклонён",
        CorrectionStatus.WITHDRAWN: "Запрос на исправление отозван",
        CorrectionStatus.REQUESTED: "Запрос на исправление ещё не рассмотрен",
        CorrectionStatus.APPROVED: "Запрос на исправление уже одобрен",
    }
    raise StateConflict(messages[request.status])


def _event(
    request: CorrectionRequest,
    previous: CorrectionRequest | None,
    actor: Actor,
    at: datetime,
    action: str,
    workflow_id: str | None = None,
) -> AuditEvent:
    return user_change(
        actor,
        at,
        "correction_request",
        request.id,
        action,
        old=None if previous is None else previous.snapshot(),
        new=request.snapshot(),
        reason=request.decision_comment
        if action in ("approve", "reject")
        else request.reason,
        workflow_id=workflow_id,
        refs={"target_id": request.target.object_id}
        if request.target.object_id
        else None,
    )
