"""The school's structure: years and terms, classes and rosters, teachers, subjects, policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.gradebook import terms as dterms
from domain.gradebook.audit import SYSTEM, user_change
from domain.gradebook.errors import GradebookError
from domain.gradebook.locks import Action, WriteTarget, check_write
from domain.gradebook.policy import GradingPolicy, PolicyError
from tsos.db import gradebook as db
from tsos.db.models import Organization, SchoolYear
from tsos.gradebook import audit_log
from tsos.gradebook.context import WriteContext
from tsos.gradebook.errors import NotFound
from tsos.gradebook.locks import locks_for


def school_zone(session: Session, organization_id: int, default: str) -> str:
    """The school's time zone: its own if set, else the region's."""
    zone = session.scalar(
        select(Organization.time_zone).where(Organization.id == organization_id)
    )
    return zone or default


@dataclass(frozen=True)
class TermDates:
    start: date
    end: date


def create_school_year(
    session: Session,
    organization_id: int,
    *,
    starts_on: date,
    ends_on: date,
    terms: Mapping[str, Sequence[TermDates]],
    grade_plans: Mapping[int, str],
) -> SchoolYear:
    """A school year with its terms by kind and the kind each grade uses, checked by the domain."""
    name = f"{starts_on.year}/{starts_on.year + 1}"
    year = SchoolYear(organization_id=organization_id, name=name, starts_on=starts_on,
                      ends_on=ends_on)
    session.add(year)
    session.flush()

    for kind, spans in terms.items():
        dterms.TermKind(kind)
        for number, span in enumerate(spans, start=1):
            session.add(db.Term(school_year_id=year.id, term_kind=kind, number=number,
                                starts_on=span.start, ends_on=span.end))
    for grade, kind in grade_plans.items():
        if kind not in terms:
            raise GradebookError(f"Для {grade} класса выбран вид периодов без дат: {kind}")
        session.add(db.GradeTermPlan(school_year_id=year.id, grade=grade, term_kind=kind))
    session.flush()

    # Building the domain year runs every rule: counts, order, overlaps, bounds.
    domain_school_year(session, year.id)
    return year


def domain_school_year(session: Session, school_year_id: int) -> dterms.SchoolYear:
    cache: dict[int, dterms.SchoolYear] = session.info.setdefault("gb_years", {})
    if school_year_id in cache:
        return cache[school_year_id]

    year = session.get(SchoolYear, school_year_id)
    if year is None:
        raise NotFound("Учебный год не найден")
    rows = session.scalars(
        select(db.Term).where(db.Term.school_year_id == school_year_id)
        .order_by(db.Term.term_kind, db.Term.number)
    ).all()
    by_kind: dict[str, list[dterms.Term]] = {}
    for row in rows:
        by_kind.setdefault(row.term_kind, []).append(term_of(row))
    plans = session.scalars(
        select(db.GradeTermPlan).where(db.GradeTermPlan.school_year_id == school_year_id)
    )
    schedules = {
        plan.grade: dterms.TermSchedule(
            dterms.TermKind(plan.term_kind), tuple(by_kind.get(plan.term_kind, ()))
        )
        for plan in plans
    }
    result = dterms.SchoolYear(year.id, year.starts_on, year.ends_on, schedules)
    cache[school_year_id] = result
    return result


def term_of(row: db.Term) -> dterms.Term:
    return dterms.Term(row.id, dterms.TermKind(row.term_kind), row.number, row.starts_on,
                       row.ends_on)


def term_for(session: Session, school_class: db.SchoolClass, day: date) -> dterms.Term | None:
    """The term of the class's grade that a date falls in; None in the holidays."""
    year = domain_school_year(session, school_class.school_year_id)
    if school_class.grade not in year.schedules:
        return None
    return year.term_for(school_class.grade, day)


def terms_of_class(session: Session, school_class: db.SchoolClass) -> tuple[dterms.Term, ...]:
    year = domain_school_year(session, school_class.school_year_id)
    return year.schedule_for(school_class.grade).terms


def get_class(session: Session, school_class_id: int) -> db.SchoolClass:
    school_class = session.get(db.SchoolClass, school_class_id)
    if school_class is None:
        raise NotFound("Класс не найден")
    return school_class


def ensure_subject(session: Session, code: str, name: str, scale: str = "five_point",
                   short_name: str | None = None) -> db.Subject:
    subject = session.scalar(select(db.Subject).where(db.Subject.code == code))
    if subject is None:
        subject = db.Subject(code=code, name=name, scale=scale, short_name=short_name)
        session.add(subject)
        session.flush()
    return subject


def create_class(session: Session, school_year: SchoolYear, grade: int, letter: str,
                 homeroom_teacher_id: int | None = None) -> db.SchoolClass:
    school_class = db.SchoolClass(organization_id=school_year.organization_id,
                                  school_year_id=school_year.id, grade=grade,
                                  letter=letter, homeroom_teacher_id=homeroom_teacher_id)
    session.add(school_class)
    session.flush()
    return school_class


def create_study_group(session: Session, school_class_id: int, name: str,
                       subject_id: int | None = None) -> db.StudyGroup:
    group = db.StudyGroup(school_class_id=school_class_id, name=name, subject_id=subject_id)
    session.add(group)
    session.flush()
    return group


def enroll(session: Session, school_class_id: int, pupil_id: int, starts_on: date,
           study_group_id: int | None = None, *,
           ctx: WriteContext | None = None) -> db.ClassMembership:
    """On the roster from `starts_on`: not inside (or before) a closed period, whose
    registers and denominators would change. `ctx` names who acts and audits it."""
    _check_roster(session, ctx, WriteTarget.for_roster(school_class_id, pupil_id, starts_on))
    membership = db.ClassMembership(school_class_id=school_class_id, pupil_id=pupil_id,
                                    starts_on=starts_on, study_group_id=study_group_id)
    session.add(membership)
    session.flush()
    _audit_roster(ctx, membership.id, "enroll", None, _membership(membership))
    return membership


def leave(session: Session, school_class_id: int, pupil_id: int, last_day: date, *,
          ctx: WriteContext | None = None) -> int:
    """End the pupil's open memberships of a class and its groups; the rows stay. The days
    after `last_day` must not be in a closed period."""
    rows = session.scalars(
        select(db.ClassMembership).where(
            db.ClassMembership.school_class_id == school_class_id,
            db.ClassMembership.pupil_id == pupil_id,
            db.ClassMembership.ends_on.is_(None),
        )
    ).all()
    if rows:
        _check_roster(session, ctx, WriteTarget.for_roster(
            school_class_id, pupil_id, last_day + timedelta(days=1)))
    for row in rows:
        if last_day < row.starts_on:
            raise GradebookError("Дата выбытия раньше даты зачисления в класс")
        old = _membership(row)
        row.ends_on = last_day
        _audit_roster(ctx, row.id, "leave", old, _membership(row))
    return len(rows)


def _check_roster(session: Session, ctx: WriteContext | None, target: WriteTarget) -> None:
    assert target.school_class_id is not None
    locks = locks_for(session, [target.school_class_id])
    if ctx is None:
        check_write(target, Action.UPDATE, locks, SYSTEM)
        return
    with ctx.refusals_audited():
        check_write(target, Action.UPDATE, locks, ctx.actor)


def _membership(row: db.ClassMembership) -> dict[str, object]:
    return {"school_class_id": row.school_class_id, "pupil_id": row.pupil_id,
            "study_group_id": row.study_group_id, "starts_on": row.starts_on.isoformat(),
            "ends_on": None if row.ends_on is None else row.ends_on.isoformat()}


def _audit_roster(ctx: WriteContext | None, membership_id: int, action: str,
                  old: dict[str, object] | None, new: dict[str, object]) -> None:
    if ctx is None or ctx.actor.is_system:
        return
    event = user_change(ctx.actor, ctx.at, "class_membership", membership_id, action, old=old,
                        new=new, workflow_id=ctx.workflow_id)
    audit_log.store(ctx.session, [event], ctx.organization_id)


def ensure_teacher(session: Session, organization_id: int, user_id: int,
                   person_id: int | None = None) -> db.Teacher:
    teacher = session.scalar(select(db.Teacher).where(
        db.Teacher.organization_id == organization_id, db.Teacher.user_id == user_id))
    if teacher is None:
        teacher = db.Teacher(organization_id=organization_id, user_id=user_id,
                             person_id=person_id)
        session.add(teacher)
        session.flush()
    return teacher


def assign_load(session: Session, teacher_id: int, subject_id: int, school_class_id: int,
                *, study_group_id: int | None = None,
                hours_per_week: Decimal | None = None) -> db.TeachingLoad:
    load = db.TeachingLoad(teacher_id=teacher_id, subject_id=subject_id,
                           school_class_id=school_class_id, study_group_id=study_group_id,
                           hours_per_week=hours_per_week)
    session.add(load)
    session.flush()
    return load


def add_curriculum_line(session: Session, school_year_id: int, grade: int, subject_id: int,
                        hours_per_week: Decimal, scale: str = "five_point") -> db.CurriculumLine:
    line = db.CurriculumLine(school_year_id=school_year_id, grade=grade, subject_id=subject_id,
                             hours_per_week=hours_per_week, scale=scale)
    session.add(line)
    session.flush()
    return line


def subject_scale(session: Session, school_class: db.SchoolClass, subject_id: int) -> str:
    """The scale a subject is assessed on in the class's grade (curriculum first)."""
    scale = session.scalar(select(db.CurriculumLine.scale).where(
        db.CurriculumLine.school_year_id == school_class.school_year_id,
        db.CurriculumLine.grade == school_class.grade,
        db.CurriculumLine.subject_id == subject_id,
    ))
    if scale is None:
        scale = session.scalar(select(db.Subject.scale).where(db.Subject.id == subject_id))
    return scale or "five_point"


def plan_lesson(session: Session, school_class: db.SchoolClass, subject_id: int,
                lesson_date: date, *, zone: str, number: int | None = None,
                starts_at: time | None = None, ends_at: time | None = None,
                teacher_id: int | None = None, study_group_id: int | None = None,
                status: str = "planned", topic: str | None = None,
                lesson_id: int | None = None) -> db.Lesson:
    """A timetable row, unchecked: the journal adds lessons through
    `JournalWriter.create_lesson`, which checks the locks and audits; this is for loading
    a timetable (demo, imports) and for what the writer has checked."""
    year = domain_school_year(session, school_class.school_year_id)
    if not year.start <= lesson_date <= year.end:
        raise GradebookError(
            f"Дата урока {lesson_date:%d.%m.%Y} вне учебного года {year.title}"
        )
    lesson = db.Lesson(id=lesson_id, school_class_id=school_class.id, subject_id=subject_id,
                       lesson_date=lesson_date, time_zone=zone, number=number,
                       starts_at=starts_at, ends_at=ends_at, teacher_id=teacher_id,
                       study_group_id=study_group_id, status=status, topic=topic,
                       homework_links=[])
    session.add(lesson)
    session.flush()
    return lesson


def publish_policy(session: Session, organization_id: int, document: Mapping[str, Any],
                   *, effective_from: date, created_by: int | None = None,
                   title: str = "Положение о текущем контроле") -> GradingPolicy:
    """A new version of the school's grading policy; earlier versions stay as they were."""
    policy_row = session.scalar(select(db.GradingPolicy).where(
        db.GradingPolicy.organization_id == organization_id).with_for_update())
    if policy_row is None:
        policy_row = db.GradingPolicy(organization_id=organization_id, title=title)
        session.add(policy_row)
        session.flush()
    last = session.scalar(select(func.max(db.GradingPolicyVersion.version)).where(
        db.GradingPolicyVersion.policy_id == policy_row.id)) or 0

    _check_effective_from(session, organization_id, policy_row.id, effective_from)

    data = dict(document)
    data.update(id=policy_row.id, version=last + 1, organization_id=organization_id)
    policy = GradingPolicy.from_dict(data)
    session.add(db.GradingPolicyVersion(policy_id=policy_row.id, version=policy.version,
                                        document=policy.to_dict(),
                                        effective_from=effective_from,
                                        created_by=created_by))
    session.flush()
    return policy


def _check_effective_from(session: Session, organization_id: int, policy_id: int,
                          effective_from: date) -> None:
    """A version takes effect after every closed period (those marks are final) and not
    before the version it follows (which it would silently cancel)."""
    closed_until = session.scalar(
        select(func.max(db.TermLock.ends_on))
        .join(db.SchoolClass, db.SchoolClass.id == db.TermLock.school_class_id)
        .where(db.SchoolClass.organization_id == organization_id))
    if closed_until is not None and effective_from <= closed_until:
        raise PolicyError([
            f"Дата начала действия {effective_from:%d.%m.%Y} приходится на закрытый период "
            f"(закрыто по {closed_until:%d.%m.%Y}): новая версия действует только после "
            f"закрытых периодов"])
    previous = session.scalar(select(func.max(db.GradingPolicyVersion.effective_from)).where(
        db.GradingPolicyVersion.policy_id == policy_id))
    if previous is not None and effective_from < previous:
        raise PolicyError([
            f"Дата начала действия {effective_from:%d.%m.%Y} раньше начала действия "
            f"предыдущей версии ({previous:%d.%m.%Y})"])


def policy_version(session: Session, policy_id: int, version: int) -> GradingPolicy:
    """The version a mark was computed with, for recomputing it by the same rules."""
    row = session.get(db.GradingPolicyVersion, (policy_id, version))
    if row is None:
        raise NotFound(f"Версия {version} политики оценивания {policy_id} не найдена")
    return GradingPolicy.from_dict(row.document)


def policy_for(session: Session, organization_id: int, on: date) -> GradingPolicy:
    """The version of the school's policy in force on a date."""
    row = session.scalar(
        select(db.GradingPolicyVersion)
        .join(db.GradingPolicy, db.GradingPolicy.id == db.GradingPolicyVersion.policy_id)
        .where(db.GradingPolicy.organization_id == organization_id,
               db.GradingPolicyVersion.effective_from <= on)
        .order_by(db.GradingPolicyVersion.version.desc())
        .limit(1)
    )
    if row is None:
        raise GradebookError(
            f"У школы нет политики оценивания, действующей на {on:%d.%m.%Y}"
        )
    return GradingPolicy.from_dict(row.document)


def policy_near(session: Session, organization_id: int, on: date) -> GradingPolicy:
    """For reading: the version in force on the date, else the school's first version
    (a view of dates before the policy was published still shows averages)."""
    try:
        return policy_for(session, organization_id, on)
    except GradebookError:
        row = session.scalar(
            select(db.GradingPolicyVersion)
            .join(db.GradingPolicy, db.GradingPolicy.id == db.GradingPolicyVersion.policy_id)
            .where(db.GradingPolicy.organization_id == organization_id)
            .order_by(db.GradingPolicyVersion.version).limit(1))
        if row is None:
            raise
        return GradingPolicy.from_dict(row.document)
