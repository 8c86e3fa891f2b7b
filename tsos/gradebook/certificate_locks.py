"""Certificate locks, for the certificates process: set on forming, released only by
cancelling the certificate before issue. No correction request passes them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from domain.gradebook import locks as dlocks
from tsos.db import gradebook as db
from tsos.gradebook import audit_log
from tsos.gradebook.context import WriteContext
from tsos.gradebook.errors import NotFound
from tsos.gradebook.mapping import certificate_lock_of, domain_period_id


def lock_for_certificate(ctx: WriteContext, *, certificate_id: int, pupil_id: int,
                         subject_ids: Iterable[int], start: date, end: date,
                         term_ids: Iterable[int] = (),
                         school_year_ids: Iterable[int] = ()) -> db.CertificateLock:
    """Hold the marks a formed certificate uses: lesson marks between the dates and the
    listed terms' and years' marks, for the pupil and subjects."""
    period_ids = [*term_ids, *(domain_period_id("year", y) for y in school_year_ids)]
    result = dlocks.set_certificate_lock(
        lock_id=ctx.next_id("certificate_locks"), certificate_id=certificate_id,
        pupil_id=pupil_id, subject_ids=subject_ids, start=start, end=end,
        period_ids=period_ids, actor=ctx.actor, at=ctx.at, workflow_id=ctx.workflow_id)
    lock = result.value
    assert ctx.actor.user_id is not None
    row = db.CertificateLock(id=lock.id, certificate_id=certificate_id, pupil_id=pupil_id,
                             subject_ids=sorted(lock.subject_ids), starts_on=start,
                             ends_on=end, period_ids=sorted(lock.period_ids),
                             set_at=ctx.at, set_by=ctx.actor.user_id)
    ctx.session.add(row)
    ctx.session.flush()
    audit_log.store(ctx.session, result.events, ctx.organization_id)
    return row


def release_for_cancelled_certificate(ctx: WriteContext, *, certificate_id: int,
                                      certificate_issued: bool,
                                      reason: str) -> list[db.CertificateLock]:
    """The only release: the certificate was cancelled before it was issued."""
    rows = ctx.session.scalars(select(db.CertificateLock).where(
        db.CertificateLock.certificate_id == certificate_id,
        db.CertificateLock.released_at.is_(None)).with_for_update()).all()
    if not rows:
        raise NotFound("Блокировка аттестата не найдена")
    for row in rows:
        result = dlocks.release_certificate_lock(
            certificate_lock_of(row), cancelled_certificate_id=certificate_id,
            certificate_issued=certificate_issued, reason=reason, actor=ctx.actor, at=ctx.at,
            workflow_id=ctx.workflow_id)
        released = result.value.released
        assert released is not None
        row.released_at, row.released_by = released.at, released.by
        row.release_reason = released.reason
        audit_log.store(ctx.session, result.events, ctx.organization_id)
    return list(rows)
