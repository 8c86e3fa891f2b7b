"""The append-only gradebook audit: domain events stored, refusals stored even on rollback."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from domain.gradebook.audit import AuditEvent
from domain.gradebook.locks import WriteRefused
from tsos.db.gradebook import GradebookAuditEvent

log = logging.getLogger(__name__)


def row_of(
    event: AuditEvent, organization_id: int | None, caused_by: int | None = None
) -> GradebookAuditEvent:
    return GradebookAuditEvent(
        occurred_at=event.at,
        organization_id=organization_id,
        actor_user_id=event.actor.user_id,
        actor_role=event.actor.role,
        cause_kind=event.cause.kind.value,
        caused_by_event_id=event.cause.change_id if caused_by is None else caused_by,
        on_behalf_of=event.on_behalf_of,
        object_kind=event.object_kind,
        object_id=event.object_id,
        action=event.action,
        old_value=_plain(event.old),
        new_value=_plain(event.new),
        reason=event.reason,
        workflow_id=event.workflow_id,
        outcome=event.outcome.value,
        refusal_code=event.refusal_code,
        refs=dict(event.refs),
    )


def store(
    session: Session, events: Iterable[AuditEvent], organization_id: int | None
) -> list[int]:
    """Add the events; returns their ids, which later system changes cite as their cause."""
    rows = [row_of(event, organization_id) for event in events]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def store_refusal(
    session: Session,
    error: WriteRefused,
    *,
    organization_id: int | None,
    at: datetime,
    workflow_id: str | None = None,
) -> None:
    """A refused write is audited in its own transaction: the caller's is about to roll back."""
    row = row_of(error.audit_event(at, workflow_id), organization_id)
    with Session(bind=session.get_bind()) as own:
        own.add(row)
        own.commit()
    log.info("gradebook write refused: %s %s %s", error.code, error.target.kind.value,
             error.target.object_id)


def _plain(value: object) -> dict | None:  # type: ignore[type-arg]
    return None if value is None else dict(value)  # type: ignore[call-overload]
