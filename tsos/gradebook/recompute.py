"""Term and year marks kept current: computing proposals and recomputing after a change."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.gradebook import period_marks as dperiod
from domain.gradebook.computation import (
    MarkProposal,
    PeriodResult,
    compute_term_mark,
    compute_year_mark,
)
from domain.gradebook.corrections import CorrectionRequest
from domain.gradebook.marks import Mark, Scale
from domain.gradebook.policy import GradingPolicy
from domain.gradebook.terms import Term
from tsos.db import gradebook as db
from tsos.gradebook import audit_log, structure
from tsos.gradebook.context import WriteContext
from tsos.gradebook.locks import locks_for, serialise
from tsos.gradebook.mapping import (
    display_value,
    domain_period_id,
    fill_period_mark,
    mark_of,
    period_mark_of,
)


def term_label(term: Term | None) -> str:
    """The period part of a serialisation key: the term, or the holidays of that date."""
    return "none" if term is None else f"term:{term.id}"


def year_label(school_year_id: int) -> str:
    return f"year:{school_year_id}"


def pupil_marks(session: Session, pupil_ids: list[int], subject_id: int, start: date,
                end: date) -> dict[int, list[Mark]]:
    """Each pupil's marks of a subject between two dates, from whichever class they were in."""
    rows = session.scalars(
        select(db.Mark).where(
            db.Mark.pupil_id.in_(pupil_ids),
            db.Mark.subject_id == subject_id,
            db.Mark.lesson_date >= start,
            db.Mark.lesson_date <= end,
        )
    )
    found: dict[int, list[Mark]] = {pupil_id: [] for pupil_id in pupil_ids}
    for row in rows:
        found[row.pupil_id].append(mark_of(row))
    return found


def term_proposal(session: Session, school_class: db.SchoolClass, pupil_id: int,
                  subject_id: int, term: Term, policy: GradingPolicy | None = None
                  ) -> MarkProposal:
    """The term mark by `policy` (a recomputation keeps the mark's own version), by default
    by the version in force at the term's end."""
    policy = policy or structure.policy_for(session, school_class.organization_id, term.end)
    scale = Scale(structure.subject_scale(session, school_class, subject_id))
    marks = pupil_marks(session, [pupil_id], subject_id, term.start, term.end)[pupil_id]
    return compute_term_mark(marks, policy, pupil_id=pupil_id, subject_id=subject_id,
                             period_id=term.id, scale=scale)


def year_proposal(session: Session, school_class: db.SchoolClass, pupil_id: int,
                  subject_id: int, policy: GradingPolicy | None = None) -> MarkProposal:
    """The year mark from the term marks in force (overrides included, «н/а» as missing)."""
    year = structure.domain_school_year(session, school_class.school_year_id)
    terms = year.schedule_for(school_class.grade).terms
    policy = policy or structure.policy_for(session, school_class.organization_id,
                                            terms[-1].end)
    scale = Scale(structure.subject_scale(session, school_class, subject_id))
    rows = {
        row.term_id: row
        for row in session.scalars(select(db.PeriodMark).where(
            db.PeriodMark.pupil_id == pupil_id,
            db.PeriodMark.subject_id == subject_id,
            db.PeriodMark.period_kind == "term",
            db.PeriodMark.term_id.in_([term.id for term in terms]),
        ))
    }
    periods = []
    for term in terms:
        row = rows.get(term.id)
        value = None
        if row is not None:
            value = display_value(row.override_value if row.overridden else row.computed_value)
        periods.append(PeriodResult(term.number, term.title, value,
                                    None if row is None else row.id))
    return compute_year_mark(periods, policy, pupil_id=pupil_id, subject_id=subject_id,
                             period_id=domain_period_id("year", year.id), scale=scale)


def recompute_after(ctx: WriteContext, school_class: db.SchoolClass, pupil_id: int,
                    subject_id: int, day: date, *, caused_by: int,
                    correction: CorrectionRequest | None = None) -> None:
    """After change N to a mark on `day`: the term mark (and the year mark) follow, if made.

    The caller holds the serialisation lock of (pupil, subject, term) since before its write.
    """
    term = structure.term_for(ctx.session, school_class, day)
    if term is None:
        return
    row = ctx.session.scalar(select(db.PeriodMark).where(
        db.PeriodMark.pupil_id == pupil_id, db.PeriodMark.subject_id == subject_id,
        db.PeriodMark.period_kind == "term", db.PeriodMark.term_id == term.id,
    ).with_for_update())
    if row is None or row.source != "computed":
        return

    mark_class = structure.get_class(ctx.session, row.school_class_id)
    proposal = term_proposal(ctx.session, mark_class, pupil_id, subject_id, term,
                             _stored_policy(ctx.session, row))
    changed = _recompute(ctx, row, proposal, caused_by, correction)
    if changed:
        recompute_year(ctx, mark_class, pupil_id, subject_id, caused_by=caused_by,
                       correction=correction)


def recompute_year(ctx: WriteContext, school_class: db.SchoolClass, pupil_id: int,
                   subject_id: int, *, caused_by: int,
                   correction: CorrectionRequest | None = None) -> None:
    serialise(ctx.session, [(pupil_id, subject_id, year_label(school_class.school_year_id))])
    row = ctx.session.scalar(select(db.PeriodMark).where(
        db.PeriodMark.pupil_id == pupil_id, db.PeriodMark.subject_id == subject_id,
        db.PeriodMark.period_kind == "year",
        db.PeriodMark.school_year_id == school_class.school_year_id,
    ).with_for_update())
    if row is None or row.source != "computed":
        return
    proposal = year_proposal(ctx.session, structure.get_class(ctx.session,
                                                             row.school_class_id),
                             pupil_id, subject_id, _stored_policy(ctx.session, row))
    _recompute(ctx, row, proposal, caused_by, correction)


def _stored_policy(session: Session, row: db.PeriodMark) -> GradingPolicy | None:
    """The version the mark was computed with: a later version (or one published since)
    does not change it behind the teacher's back."""
    if row.policy_id is None or row.policy_version is None:
        return None
    return structure.policy_version(session, row.policy_id, row.policy_version)


def _recompute(ctx: WriteContext, row: db.PeriodMark, proposal: MarkProposal,
               caused_by: int, correction: CorrectionRequest | None) -> bool:
    """Apply a fresh proposal through the domain; True when the mark in force changed."""
    current = period_mark_of(row)
    if proposal.snapshot() == current.computed.snapshot():
        return False

    locks = locks_for(ctx.session, [row.school_class_id], [row.pupil_id])
    with ctx.refusals_audited():
        result = dperiod.recompute(
            current, proposal, caused_by_change=caused_by,
            school_class_id=row.school_class_id, locks=locks, at=ctx.at,
            correction=correction, workflow_id=ctx.workflow_id,
        )
    fill_period_mark(row, result.value)
    audit_log.store(ctx.session, result.events, ctx.organization_id)
    return result.value.display != current.display
