"""Term and year marks: proposals, confirmation and override, escalation, closing the period."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from domain.gradebook import period_marks as dperiod
from domain.gradebook import terms as dterms
from domain.gradebook.audit import SYSTEM, Actor, AuditEvent, system_change
from domain.gradebook.computation import compute_term_mark
from domain.gradebook.errors import GradebookError, StateConflict
from domain.gradebook.locks import Action, WriteTarget, check_write
from domain.gradebook.marks import MarkValue, Scale
from tsos.db import gradebook as db
from tsos.db.models import Role, User
from tsos.gradebook import audit_log, structure
from tsos.gradebook.context import WriteContext
from tsos.gradebook.errors import NotFound
from tsos.gradebook.locks import locks_for, serialise
from tsos.gradebook.mapping import (
    display_value,
    domain_period_id,
    fill_period_mark,
    period_mark_of,
)
from tsos.gradebook.recompute import pupil_marks, year_label, year_proposal


@dataclass(frozen=True)
class Period:
    """A term of a school year, or (term_id None) the school year itself."""

    school_year_id: int
    term_id: int | None = None

    @property
    def kind(self) -> str:
        return "year" if self.term_id is None else "term"

    def label(self) -> str:
        return year_label(self.school_year_id) if self.term_id is None else f"term:{self.term_id}"


def dates_of(session: Session, period: Period, school_class: db.SchoolClass) -> tuple[date, date]:
    year = structure.domain_school_year(session, period.school_year_id)
    if period.term_id is None:
        return year.start, year.end
    term = next(t for t in structure.terms_of_class(session, school_class)
                if t.id == period.term_id)
    return term.start, term.end


def classes_of(session: Session, organization_id: int, period: Period) -> list[db.SchoolClass]:
    """The school's classes the period applies to (for a term: grades using its kind)."""
    query = select(db.SchoolClass).where(
        db.SchoolClass.organization_id == organization_id,
        db.SchoolClass.school_year_id == period.school_year_id,
    ).order_by(db.SchoolClass.grade, db.SchoolClass.letter)
    if period.term_id is not None:
        kind = session.scalar(select(db.Term.term_kind).where(db.Term.id == period.term_id))
        query = query.join(db.GradeTermPlan, (
            (db.GradeTermPlan.school_year_id == db.SchoolClass.school_year_id)
            & (db.GradeTermPlan.grade == db.SchoolClass.grade)
        )).where(db.GradeTermPlan.term_kind == kind)
    return list(session.scalars(query))


def class_subjects(session: Session, school_class_id: int) -> list[int]:
    """Subjects someone teaches the class: each has a teacher to confirm its marks."""
    return sorted(set(session.scalars(select(db.TeachingLoad.subject_id).where(
        db.TeachingLoad.school_class_id == school_class_id))))


def assessed_pupils(session: Session, school_class_id: int, last_day: date) -> list[int]:
    """Pupils on the class roster on the period's last day; those who left got no mark here."""
    return sorted(set(session.scalars(select(db.ClassMembership.pupil_id).where(
        db.ClassMembership.school_class_id == school_class_id,
        db.ClassMembership.study_group_id.is_(None),
        db.ClassMembership.starts_on <= last_day,
        (db.ClassMembership.ends_on.is_(None)) | (db.ClassMembership.ends_on >= last_day),
    ))))


def propose(session: Session, *, at: datetime, organization_id: int,
            school_class: db.SchoolClass, subject_id: int, period: Period,
            workflow_id: str | None = None) -> int:
    """Compute and store the proposals of one class and subject; returns how many were new."""
    start, end = dates_of(session, period, school_class)
    pupils = assessed_pupils(session, school_class.id, end)
    if not pupils:
        return 0
    serialise(session, [(pupil_id, subject_id, period.label()) for pupil_id in pupils])

    existing = set(session.scalars(select(db.PeriodMark.pupil_id).where(
        *_same_period(period), db.PeriodMark.subject_id == subject_id,
        db.PeriodMark.pupil_id.in_(pupils))))
    todo = [pupil_id for pupil_id in pupils if pupil_id not in existing]
    if not todo:
        return 0

    ctx = WriteContext(session, SYSTEM, at, organization_id, workflow_id)
    if period.term_id is not None:
        policy = structure.policy_for(session, organization_id, end)
        scale = Scale(structure.subject_scale(session, school_class, subject_id))
        marks = pupil_marks(session, todo, subject_id, start, end)
        proposals = [compute_term_mark(marks[pupil_id], policy, pupil_id=pupil_id,
                                       subject_id=subject_id, period_id=period.term_id,
                                       scale=scale) for pupil_id in todo]
    else:
        proposals = [year_proposal(session, school_class, pupil_id, subject_id)
                     for pupil_id in todo]

    # A closed period takes no new marks, from the system neither.
    locks = locks_for(session, [school_class.id], todo)
    rows, events = [], []
    for mark_id, proposal in zip(ctx.next_ids("period_marks", len(proposals)), proposals,
                                 strict=True):
        result = dperiod.propose(mark_id, proposal, at=at, workflow_id=workflow_id)
        with ctx.refusals_audited():
            check_write(WriteTarget.for_period_mark(result.value, school_class.id),
                        Action.CREATE, locks, SYSTEM)
        row = db.PeriodMark(id=mark_id, pupil_id=proposal.pupil_id, subject_id=subject_id,
                            school_class_id=school_class.id, period_kind=period.kind,
                            term_id=period.term_id, school_year_id=period.school_year_id,
                            source="computed")
        fill_period_mark(row, result.value)
        rows.append(row)
        events.extend(result.events)
    session.add_all(rows)
    session.flush()
    audit_log.store(session, events, organization_id)
    return len(proposals)


def _same_period(period: Period):  # type: ignore[no-untyped-def]
    if period.term_id is None:
        return (db.PeriodMark.period_kind == "year",
                db.PeriodMark.school_year_id == period.school_year_id)
    return (db.PeriodMark.period_kind == "term", db.PeriodMark.term_id == period.term_id)


# Decisions on one mark: by the teacher until the deadline, then by the deputy head.


def load_period_mark(session: Session, period_mark_id: int,
                     organization_id: int | None = None) -> tuple[db.PeriodMark,
                                                                  db.SchoolClass]:
    row = session.scalar(select(db.PeriodMark).where(db.PeriodMark.id == period_mark_id)
                         .with_for_update())
    if row is None:
        raise NotFound("Отметка за период не найдена")
    school_class = structure.get_class(session, row.school_class_id)
    if organization_id is not None and school_class.organization_id != organization_id:
        raise NotFound("Отметка за период не найдена")
    return row, school_class


def confirm(ctx: WriteContext, period_mark_id: int) -> db.PeriodMark:
    row, school_class = _decidable(ctx, period_mark_id)
    locks = locks_for(ctx.session, [school_class.id], [row.pupil_id])
    with ctx.refusals_audited():
        result = dperiod.confirm(period_mark_of(row), school_class_id=school_class.id,
                                 locks=locks, actor=ctx.actor, at=ctx.at)
    return _store(ctx, row, result)


def override(ctx: WriteContext, period_mark_id: int, value: MarkValue | None,
             reason: str) -> db.PeriodMark:
    """The teacher's (or, after escalation, the deputy head's) own mark; None is «н/а»."""
    row, school_class = _decidable(ctx, period_mark_id)
    locks = locks_for(ctx.session, [school_class.id], [row.pupil_id])
    with ctx.refusals_audited():
        result = dperiod.set_override(period_mark_of(row), value, reason=reason,
                                      school_class_id=school_class.id, locks=locks,
                                      actor=ctx.actor, at=ctx.at)
    return _store(ctx, row, result)


def remove_override(ctx: WriteContext, period_mark_id: int, reason: str) -> db.PeriodMark:
    row, school_class = _decidable(ctx, period_mark_id)
    locks = locks_for(ctx.session, [school_class.id], [row.pupil_id])
    with ctx.refusals_audited():
        result = dperiod.remove_override(period_mark_of(row), reason=reason,
                                         school_class_id=school_class.id, locks=locks,
                                         actor=ctx.actor, at=ctx.at)
    return _store(ctx, row, result)


def acknowledge_recompute(ctx: WriteContext, period_mark_id: int) -> db.PeriodMark:
    row, _ = load_period_mark(ctx.session, period_mark_id, ctx.organization_id)
    result = dperiod.acknowledge_recompute(period_mark_of(row), actor=ctx.actor, at=ctx.at)
    return _store(ctx, row, result)


def _decidable(ctx: WriteContext, period_mark_id: int) -> tuple[db.PeriodMark,
                                                                 db.SchoolClass]:
    row, school_class = load_period_mark(ctx.session, period_mark_id, ctx.organization_id)
    if row.source != "computed":
        raise StateConflict("Отметка прошлых лет хранится как история и не изменяется")
    if row.escalated_at is not None and ctx.actor.role == "teacher":
        raise StateConflict(
            "Срок подтверждения истёк: отметку подтверждает или выставляет "
            "заместитель директора"
        )
    return row, school_class


def _store(ctx: WriteContext, row: db.PeriodMark, result) -> db.PeriodMark:  # type: ignore[no-untyped-def]
    fill_period_mark(row, result.value)
    ctx.session.flush()
    audit_log.store(ctx.session, _in_workflow(ctx, result.events), ctx.organization_id)
    return row


def _in_workflow(ctx: WriteContext, events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """A decision taken through the term-grading workflow names it in the audit.

    The domain's decisions (confirm, override, restore) know nothing of workflows; the
    context that carries the decision does.
    """
    if ctx.workflow_id is None:
        return list(events)
    return [event if event.workflow_id else replace(event, workflow_id=ctx.workflow_id)
            for event in events]


# The workflow's bookkeeping: what is pending and for whom, escalation, closing.


@dataclass
class Pending:
    total: int = 0
    escalated: int = 0
    # Teacher user id → marks waiting for them.
    by_teacher: dict[int, int] = field(default_factory=dict)


def pending(session: Session, organization_id: int, period: Period) -> Pending:
    rows = session.execute(
        select(db.PeriodMark.school_class_id, db.PeriodMark.subject_id,
               db.PeriodMark.escalated_at.is_not(None), func.count())
        .join(db.SchoolClass, db.SchoolClass.id == db.PeriodMark.school_class_id)
        .where(db.SchoolClass.organization_id == organization_id,
               db.PeriodMark.status == "proposed", *_same_period(period))
        .group_by(db.PeriodMark.school_class_id, db.PeriodMark.subject_id,
                  db.PeriodMark.escalated_at.is_not(None))
    ).all()
    result = Pending()
    teachers: Counter[int] = Counter()
    for school_class_id, subject_id, escalated, count in rows:
        result.total += count
        if escalated:
            result.escalated += count
            continue
        for user_id in teachers_of(session, school_class_id, subject_id):
            teachers[user_id] += count
    result.by_teacher = dict(teachers)
    return result


def teachers_of(session: Session, school_class_id: int, subject_id: int) -> list[int]:
    """Users who teach the subject to the class (or to one of its groups)."""
    return sorted(set(session.scalars(
        select(db.Teacher.user_id).join(db.TeachingLoad,
                                        db.TeachingLoad.teacher_id == db.Teacher.id)
        .where(db.TeachingLoad.school_class_id == school_class_id,
               db.TeachingLoad.subject_id == subject_id))))


def escalate(session: Session, *, at: datetime, organization_id: int, period: Period,
             workflow_id: str | None = None) -> int:
    """Hand every mark still unconfirmed to the deputy head; returns how many."""
    class_ids = select(db.SchoolClass.id).where(
        db.SchoolClass.organization_id == organization_id)
    ids = list(session.scalars(
        update(db.PeriodMark)
        .where(db.PeriodMark.status == "proposed", db.PeriodMark.escalated_at.is_(None),
               db.PeriodMark.school_class_id.in_(class_ids), *_same_period(period))
        .values(escalated_at=at)
        .returning(db.PeriodMark.id)
    ))
    events = [system_change(at, _object_kind(period), mark_id, "escalate",
                            caused_by_change=None, workflow_id=workflow_id,
                            reason="Истёк срок подтверждения учителем")
              for mark_id in sorted(ids)]
    audit_log.store(session, events, organization_id)
    return len(ids)


def responsible_user(session: Session, organization_id: int) -> int:
    """The deputy head who answers for the school's term grading (else the head)."""
    for role in (Role.deputy_head, Role.school_head):
        user_id = session.scalar(select(User.id).where(
            User.organization_id == organization_id, User.role == role,
            User.is_active.is_(True)).order_by(User.id).limit(1))
        if user_id is not None:
            return user_id
    raise GradebookError("В школе нет заместителя директора или директора")


@dataclass(frozen=True)
class CloseOutcome:
    locked: list[int]
    refused: dict[int, str]


def close(session: Session, *, at: datetime, organization_id: int, period: Period,
          closing_user_id: int | None = None, on_behalf_of: int | None = None,
          workflow_id: str | None = None) -> CloseOutcome:
    """Close the period for every class whose marks are all decided.

    A deputy head (or head) closes in their own name; without `closing_user_id` the system
    closes, in the workflow `workflow_id`, on behalf of the one who answers for grading.
    """
    actor = SYSTEM if closing_user_id is None else _actor(session, closing_user_id)
    ctx = WriteContext(session, actor, at, organization_id, workflow_id)
    year = structure.domain_school_year(session, period.school_year_id)
    locked, refused = [], {}
    for school_class in classes_of(session, organization_id, period):
        if _already_closed(session, school_class.id, period):
            locked.append(school_class.id)
            continue
        try:
            # A pupil without a mark yet (joined since the proposals) gets one to decide: the
            # period does not close over a pupil without a mark.
            for subject_id in class_subjects(session, school_class.id):
                propose(session, at=at, organization_id=organization_id,
                        school_class=school_class, subject_id=subject_id, period=period,
                        workflow_id=workflow_id)
            _close_class(ctx, year, school_class, period, on_behalf_of)
        except GradebookError as error:
            refused[school_class.id] = error.message
            continue
        locked.append(school_class.id)
    return CloseOutcome(locked, refused)


def _close_class(ctx: WriteContext, year: dterms.SchoolYear, school_class: db.SchoolClass,
                 period: Period, on_behalf_of: int | None) -> None:
    session = ctx.session
    rows = session.scalars(select(db.PeriodMark).where(
        db.PeriodMark.school_class_id == school_class.id, *_same_period(period))).all()
    marks = [period_mark_of(row) for row in rows]
    # Every pupil assessed in the period, in every subject taught to the class.
    _, last_day = dates_of(session, period, school_class)
    subjects = class_subjects(session, school_class.id)
    expected = {(pupil_id, subject_id)
                for pupil_id in assessed_pupils(session, school_class.id, last_day)
                for subject_id in subjects}
    titles = dict(session.execute(select(db.Subject.id, db.Subject.name).where(
        db.Subject.id.in_(subjects))).all())
    lock_id = ctx.next_id("term_locks")
    if period.term_id is None:
        # Year marks carry the domain's id of the year, which is not the row's (see mapping).
        as_period = replace(year, id=domain_period_id("year", year.id))
        result = dterms.close_year(as_period, lock_id=lock_id, school_class_id=school_class.id,
                                   period_marks=marks, expected=expected, actor=ctx.actor,
                                   at=ctx.at, workflow_id=ctx.workflow_id,
                                   on_behalf_of=on_behalf_of, subject_titles=titles)
    else:
        term = next(t for t in structure.terms_of_class(session, school_class)
                    if t.id == period.term_id)
        unpublished = set(session.scalars(
            select(db.Mark.id).join(db.Lesson, db.Lesson.id == db.Mark.lesson_id).where(
                db.Lesson.school_class_id == school_class.id,
                db.Mark.published.is_(False),
                db.Mark.lesson_date.between(term.start, term.end))))
        result = dterms.close_term(term, year, lock_id=lock_id,
                                   school_class_id=school_class.id, period_marks=marks,
                                   expected=expected, unpublished_mark_ids=unpublished,
                                   actor=ctx.actor, at=ctx.at, workflow_id=ctx.workflow_id,
                                   on_behalf_of=on_behalf_of, subject_titles=titles)
    lock = result.value
    session.add(db.TermLock(id=lock.id, school_class_id=school_class.id,
                            subject_id=lock.subject_id, period_kind=period.kind,
                            period_id=period.term_id or period.school_year_id,
                            title=lock.period_title, starts_on=lock.start, ends_on=lock.end,
                            closed_at=lock.closed_at, time_zone=_zone_name(ctx.at),
                            closed_by=lock.closed_by, on_behalf_of=lock.on_behalf_of,
                            workflow_id=ctx.workflow_id))
    session.flush()
    audit_log.store(session, result.events, ctx.organization_id)


def _zone_name(at: datetime) -> str:
    return at.tzinfo.key if isinstance(at.tzinfo, ZoneInfo) else "UTC"


def _already_closed(session: Session, school_class_id: int, period: Period) -> bool:
    return session.scalar(select(db.TermLock.id).where(
        db.TermLock.school_class_id == school_class_id,
        db.TermLock.subject_id.is_(None),
        db.TermLock.period_kind == period.kind,
        db.TermLock.period_id == (period.term_id or period.school_year_id),
    ).limit(1)) is not None


def is_closed(session: Session, organization_id: int, period: Period) -> bool:
    return all(_already_closed(session, c.id, period)
               for c in classes_of(session, organization_id, period))


def _actor(session: Session, user_id: int) -> Actor:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Пользователь не найден")
    return Actor(user.id, str(user.role))


def _object_kind(period: Period) -> str:
    return "year_mark" if period.term_id is None else "term_mark"


def decide(ctx: WriteContext, period_mark_ids: list[int], action: str, value: str | None,
           reason: str | None) -> list[db.PeriodMark]:
    """Confirm, override or restore several marks as one act: all of them or none."""
    rows = []
    for period_mark_id in period_mark_ids:
        if action == "confirm":
            rows.append(confirm(ctx, period_mark_id))
        elif action == "override":
            if value is None:
                raise GradebookError("Укажите отметку или «н/а»")
            rows.append(override(ctx, period_mark_id, display_value(value.strip()),
                                 reason or ""))
        elif action == "remove_override":
            rows.append(remove_override(ctx, period_mark_id, reason or ""))
        else:
            raise GradebookError(f"Неизвестное действие «{action}»")
    return rows


def value_in_force(row: db.PeriodMark) -> str:
    return (row.override_value if row.overridden else row.computed_value) or "н/а"
