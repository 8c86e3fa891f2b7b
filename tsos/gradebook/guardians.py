"""Guardian links corrected: a wrong link is revoked (and a corrected one made), audited.

A guardian reaches a child's diary through an active link, read on every request; revoking
the link ends that access at once, whatever token the guardian holds. Links are never
deleted: the revoked one stays as the record of what access there was and why it ended.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.access import Principal
from domain.enrollment.application import ApplicantKind
from domain.gradebook.errors import GradebookError, StateConflict
from tsos import audit
from tsos.db.models import GuardianLink, Person, Pupil
from tsos.gradebook.access import SCHOOL_ADMIN_ROLES
from tsos.gradebook.errors import NotAllowed, NotFound

log = logging.getLogger(__name__)

KIND_TITLES_RU = {ApplicantKind.MOTHER: "мать", ApplicantKind.FATHER: "отец",
                  ApplicantKind.GUARDIAN: "опекун (попечитель)",
                  ApplicantKind.OTHER: "иной законный представитель"}


@dataclass(frozen=True)
class Replacement:
    """The link as it should have been; a part left None stays as it was."""

    guardian_person_id: int | None = None
    child_person_id: int | None = None
    kind: ApplicantKind | None = None


def links_of_child(session: Session, principal: Principal,
                   child_person_id: int) -> list[GuardianLink]:
    """Every link of a child, revoked ones too, for those who may correct them."""
    _may_correct(session, principal, child_person_id)
    return list(session.scalars(select(GuardianLink).where(
        GuardianLink.child_person_id == child_person_id).order_by(GuardianLink.id)))


def correct_link(session: Session, principal: Principal, link_id: int, *, reason: str,
                 at: datetime, replacement: Replacement | None = None
                 ) -> tuple[GuardianLink, GuardianLink | None]:
    """Revoke a link whose source data was wrong, and make the corrected one if given."""
    link = session.scalar(select(GuardianLink).where(GuardianLink.id == link_id)
                          .with_for_update())
    if link is None:
        raise NotFound("Связь родителя с обучающимся не найдена")
    organization_id = _may_correct(session, principal, link.child_person_id)
    if link.revoked_at is not None:
        raise StateConflict("Связь уже отозвана")
    if not reason.strip():
        raise GradebookError("Укажите причину исправления")

    old = _snapshot(link)
    link.revoked_at = at
    session.flush()
    revoked = audit.record(session, actor=principal, action="revoke",
                           object_type="guardian_link", object_id=link.id,
                           organization_id=organization_id, old=old, new=_snapshot(link),
                           reason=reason)

    corrected = None
    if replacement is not None:
        corrected = GuardianLink(
            guardian_person_id=replacement.guardian_person_id or link.guardian_person_id,
            child_person_id=replacement.child_person_id or link.child_person_id,
            kind=(replacement.kind or ApplicantKind(link.kind)).value)
        if (corrected.guardian_person_id, corrected.child_person_id, corrected.kind) == (
                link.guardian_person_id, link.child_person_id, link.kind):
            raise GradebookError("Исправленная связь совпадает с отзываемой")
        _may_correct(session, principal, corrected.child_person_id)
        _exists(session, Person, corrected.guardian_person_id, "Родитель не найден")
        if session.scalar(select(GuardianLink.id).where(
                GuardianLink.guardian_person_id == corrected.guardian_person_id,
                GuardianLink.child_person_id == corrected.child_person_id,
                GuardianLink.revoked_at.is_(None))) is not None:
            raise StateConflict("Такая связь уже есть")
        session.add(corrected)
        session.flush()
        audit.record(session, actor=principal, action="create", object_type="guardian_link",
                     object_id=corrected.id, organization_id=organization_id,
                     new=_snapshot(corrected), reason=reason,
                     caused_by_event_id=revoked.id)
    log.info("guardian link %s revoked, replaced by %s", link.id,
             None if corrected is None else corrected.id,
             extra={"guardian_link_id": link.id, "user_id": principal.user_id})
    return link, corrected


def _may_correct(session: Session, principal: Principal, child_person_id: int) -> int | None:
    """The region's administrator, or the head or deputy head of the child's school; returns
    the school (None for a child who is no school's pupil)."""
    schools = set(session.scalars(select(Pupil.organization_id).where(
        Pupil.person_id == child_person_id)))
    if principal.role == "region_admin":
        return next(iter(sorted(schools)), None)
    if principal.role in SCHOOL_ADMIN_ROLES and principal.organization_id in schools:
        return principal.organization_id
    raise NotAllowed("Связи родителей с обучающимися исправляет администрация школы "
                     "обучающегося или администратор региона")


def _exists(session: Session, model: type, object_id: int, message: str) -> None:
    if session.get(model, object_id) is None:
        raise NotFound(message)


def _snapshot(link: GuardianLink) -> dict[str, object]:
    return {"guardian_person_id": link.guardian_person_id,
            "child_person_id": link.child_person_id, "kind": link.kind,
            "revoked_at": None if link.revoked_at is None else link.revoked_at.isoformat()}
