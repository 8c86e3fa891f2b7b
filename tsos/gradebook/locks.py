"""Loading the locks a write must pass, and serialising work per pupil, subject and period."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from domain.gradebook.locks import Lock
from tsos.db import gradebook as db
from tsos.gradebook.mapping import certificate_lock_of, term_lock_of


def locks_for(
    session: Session, school_class_ids: Collection[int], pupil_ids: Collection[int] = ()
) -> list[Lock]:
    """Term locks of the classes and the active certificate locks of the pupils."""
    found: list[Lock] = [
        term_lock_of(row)
        for row in session.scalars(
            select(db.TermLock).where(db.TermLock.school_class_id.in_(school_class_ids))
        )
    ]
    if pupil_ids:
        found += [
            certificate_lock_of(row)
            for row in session.scalars(
                select(db.CertificateLock).where(
                    db.CertificateLock.pupil_id.in_(pupil_ids),
                    db.CertificateLock.released_at.is_(None),
                )
            )
        ]
    return found


def period_key(pupil_id: int, subject_id: int, period: str) -> int:
    """A signed 64-bit advisory-lock key for one pupil's subject in one period."""
    digest = hashlib.blake2b(f"gradebook:{pupil_id}:{subject_id}:{period}".encode(),
                             digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def serialise(session: Session, keys: Iterable[tuple[int, int, str]]) -> None:
    """Hold, until commit, the locks of every (pupil, subject, period) this work touches.

    Taken before anything is read for a recalculation, so a concurrent write waits and then
    sees this one's marks; taken in sorted order, so two bulk writes cannot deadlock.
    """
    ordered = sorted({period_key(*triple) for triple in keys})
    if ordered:
        session.execute(
            text("SELECT pg_advisory_xact_lock(key) FROM unnest(CAST(:keys AS bigint[])) "
                 "WITH ORDINALITY AS k(key, n) ORDER BY n"), {"keys": ordered})
