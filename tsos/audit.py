"""Writing the append-only audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from domain.access import Principal
from tsos.db.models import AuditEvent


def record(
    session: Session,
    *,
    actor: Principal | None,
    action: str,
    object_type: str,
    object_id: str | int,
    organization_id: int | None = None,
    old: Any = None,
    new: Any = None,
    reason: str | None = None,
    workflow_id: str | None = None,
    on_behalf_of: str | None = None,
    caused_by_event_id: int | None = None,
) -> AuditEvent:
    """Add one event; `actor=None` means the system did it (say why in `caused_by_event_id`)."""
    event = AuditEvent(
        actor_user_id=actor.user_id if actor else None,
        actor_kind="user" if actor else "system",
        on_behalf_of=on_behalf_of,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        organization_id=organization_id,
        old_value=old,
        new_value=new,
        reason=reason,
        workflow_id=workflow_id,
        caused_by_event_id=caused_by_event_id,
    )
    session.add(event)
    return event
