"""Audit events of the gradebook: who changed what, when, for whom, why, and what caused it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from domain.gradebook.errors import GradebookError

SYSTEM_ROLE = "system"
T = TypeVar("T")


@dataclass(frozen=True)
class Actor:
    """Who acts: a user with a role, or the system (workflows, recomputations)."""

    user_id: int | None
    role: str

    def __post_init__(self) -> None:
        if (self.user_id is None) != (self.role == SYSTEM_ROLE):
            raise GradebookError(
                "У пользователя должен быть идентификатор, у системы — нет"
            )

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM_ROLE

    def describe(self) -> str:
        return (
            "система"
            if self.is_system
            else f"пользователь {self.user_id} ({self.role})"
        )

    def require_role(self, roles: frozenset[str], what: str) -> None:
        """Refuse, in Russian, an act the actor's role does not allow."""
        if self.role not in roles:
            raise GradebookError(f"Роль «{self.role}» не может {what}")


SYSTEM = Actor(None, SYSTEM_ROLE)


class CauseKind(StrEnum):
    USER = "user"
    SYSTEM = "system"


@dataclass(frozen=True)
class Cause:
    """Why a change happened: a user's own act, or the system following change N."""

    kind: CauseKind
    user_id: int | None = None
    change_id: int | None = None

    @classmethod
    def by_user(cls, user_id: int) -> Cause:
        return cls(CauseKind.USER, user_id=user_id)

    @classmethod
    def by_system(cls, change_id: int | None = None) -> Cause:
        """A system change; `change_id` is the audited change that made it necessary."""
        return cls(CauseKind.SYSTEM, change_id=change_id)

    def describe(self) -> str:
        if self.kind is CauseKind.USER:
            return f"пользователь {self.user_id}"
        if self.change_id is None:
            return "система"
        return f"система, по изменению № {self.change_id}"


class Outcome(StrEnum):
    APPLIED = "applied"
    REFUSED = "refused"


@dataclass(frozen=True)
class AuditEvent:
    """One audited act; storage gives it an id, which later events cite as their cause."""

    at: datetime
    actor: Actor
    cause: Cause
    object_kind: str
    object_id: int | None
    action: str
    old: Mapping[str, object] | None = None
    new: Mapping[str, object] | None = None
    reason: str | None = None
    on_behalf_of: int | None = None
    workflow_id: str | None = None
    outcome: Outcome = Outcome.APPLIED
    refusal_code: str | None = None
    # Ids of related records, e.g. the correction request or the certificate involved.
    refs: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise GradebookError("Время события журнала должно быть с часовым поясом")
        # The attribution rule the issue insists on: a system change is never put on a user.
        if self.cause.kind is CauseKind.SYSTEM and not self.actor.is_system:
            raise GradebookError("Системное изменение не приписывается пользователю")
        if (
            self.cause.kind is CauseKind.USER
            and self.cause.user_id != self.actor.user_id
        ):
            raise GradebookError("Изменение пользователя приписывается ему самому")
        if (self.outcome is Outcome.REFUSED) != (self.refusal_code is not None):
            raise GradebookError(
                "У отказа должен быть код, у выполненного изменения — нет"
            )

    def describe(self) -> str:
        """A line for the history view."""
        text = f"{self.at:%d.%m.%Y %H:%M} — {self.cause.describe()}: {self.action}"
        if self.reason:
            text += f" ({self.reason})"
        return text


@dataclass(frozen=True)
class Result(Generic[T]):
    """A rule's new state together with the audit events that record the change."""

    value: T
    events: tuple[AuditEvent, ...] = ()


def user_change(
    actor: Actor,
    at: datetime,
    object_kind: str,
    object_id: int | None,
    action: str,
    *,
    old: Mapping[str, object] | None = None,
    new: Mapping[str, object] | None = None,
    reason: str | None = None,
    on_behalf_of: int | None = None,
    workflow_id: str | None = None,
    refs: Mapping[str, int] | None = None,
) -> AuditEvent:
    """A change a user made; a workflow acting for a user is the system, not this."""
    if actor.user_id is None:
        raise GradebookError("Изменение пользователя без пользователя")
    return AuditEvent(
        at=at,
        actor=actor,
        cause=Cause.by_user(actor.user_id),
        object_kind=object_kind,
        object_id=object_id,
        action=action,
        old=old,
        new=new,
        reason=reason,
        on_behalf_of=on_behalf_of,
        workflow_id=workflow_id,
        refs=dict(refs or {}),
    )


def system_change(
    at: datetime,
    object_kind: str,
    object_id: int | None,
    action: str,
    *,
    caused_by_change: int | None,
    old: Mapping[str, object] | None = None,
    new: Mapping[str, object] | None = None,
    reason: str | None = None,
    on_behalf_of: int | None = None,
    workflow_id: str | None = None,
    refs: Mapping[str, int] | None = None,
) -> AuditEvent:
    """A change the system made, e.g. a recomputation caused by change N."""
    return AuditEvent(
        at=at,
        actor=SYSTEM,
        cause=Cause.by_system(caused_by_change),
        object_kind=object_kind,
        object_id=object_id,
        action=action,
        old=old,
        new=new,
        reason=reason,
        on_behalf_of=on_behalf_of,
        workflow_id=workflow_id,
        refs=dict(refs or {}),
    )


def refused_write(
    actor: Actor,
    at: datetime,
    object_kind: str,
    object_id: int | None,
    action: str,
    *,
    code: str,
    reason: str,
    workflow_id: str | None = None,
    refs: Mapping[str, int] | None = None,
) -> AuditEvent:
    """A write the rules refused; it is audited like any change."""
    cause = Cause.by_system() if actor.is_system else Cause.by_user(actor.user_id or 0)
    return AuditEvent(
        at=at,
        actor=actor,
        cause=cause,
        object_kind=object_kind,
        object_id=object_id,
        action=action,
        reason=reason,
        workflow_id=workflow_id,
        outcome=Outcome.REFUSED,
        refusal_code=code,
        refs=dict(refs or {}),
    )
