"""Who reaches which journal: teachers by teaching load, school staff by school, families by
their own children (through links that are active at the moment of the request)."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from domain.access import Principal
from tsos.db import gradebook as db
from tsos.db.models import Pupil
from tsos.gradebook.errors import NotAllowed, NotFound

SCHOOL_ADMIN_ROLES = frozenset({"school_head", "deputy_head"})
REGION_READERS = frozenset({"region_admin", "founder_officer"})


def teaches(session: Session, user_id: int, school_class_id: int, subject_id: int,
            study_group_id: int | None = None) -> bool:
    """A load for the whole class covers its groups; a group's load covers that group only."""
    loads = session.execute(
        select(db.TeachingLoad.study_group_id)
        .join(db.Teacher, db.Teacher.id == db.TeachingLoad.teacher_id)
        .where(db.Teacher.user_id == user_id,
               db.TeachingLoad.school_class_id == school_class_id,
               db.TeachingLoad.subject_id == subject_id)
    ).scalars().all()
    return any(group is None or group == study_group_id for group in loads)


def pupils_taught(session: Session, user_id: int, school_class_id: int,
                  subject_id: int) -> set[int] | None:
    """Whom a teacher teaches a subject in a class: None for the whole class (a class load),
    else the pupils of the groups they teach (empty without a load)."""
    groups = set(session.scalars(
        select(db.TeachingLoad.study_group_id)
        .join(db.Teacher, db.Teacher.id == db.TeachingLoad.teacher_id)
        .where(db.Teacher.user_id == user_id,
               db.TeachingLoad.school_class_id == school_class_id,
               db.TeachingLoad.subject_id == subject_id)))
    if None in groups:
        return None
    if not groups:
        return set()
    return set(session.scalars(select(db.ClassMembership.pupil_id).where(
        db.ClassMembership.school_class_id == school_class_id,
        db.ClassMembership.study_group_id.in_(groups))))


def period_mark_scope(session: Session, principal: Principal, school_class: db.SchoolClass,
                      subject_id: int, *, write: bool = False) -> set[int] | None:
    """Whose term and year marks of a subject the caller reaches: None for the whole class;
    a sub-group's teacher reaches the pupils of their groups."""
    if principal.role == "teacher" and principal.organization_id == school_class.organization_id:
        taught = pupils_taught(session, principal.user_id, school_class.id, subject_id)
        if taught:
            return taught
    require_journal(session, principal, school_class, subject_id, write=write)
    return None


def is_homeroom_teacher(session: Session, user_id: int, school_class: db.SchoolClass) -> bool:
    if school_class.homeroom_teacher_id is None:
        return False
    return session.scalar(select(db.Teacher.user_id).where(
        db.Teacher.id == school_class.homeroom_teacher_id)) == user_id


def require_journal(session: Session, principal: Principal, school_class: db.SchoolClass,
                    subject_id: int, *, write: bool = False,
                    study_group_id: int | None = None) -> None:
    """Reading or writing one subject's journal of a class."""
    if principal.role in REGION_READERS and not write:
        return
    if principal.organization_id != school_class.organization_id:
        raise NotAllowed("Журнал другой школы недоступен")
    if principal.role in SCHOOL_ADMIN_ROLES:
        return
    if principal.role == "teacher":
        if teaches(session, principal.user_id, school_class.id, subject_id, study_group_id):
            return
        if not write and is_homeroom_teacher(session, principal.user_id, school_class):
            return
        raise NotAllowed("Вы не ведёте этот предмет в этом классе")
    raise NotAllowed("Журнал класса недоступен для вашей роли")


def require_lesson(session: Session, principal: Principal, lesson: db.Lesson,
                   school_class: db.SchoolClass) -> None:
    """A lesson's homework: whoever reads its journal, and the pupils on its roster that
    day with their guardians (active links)."""
    if principal.role in ("pupil", "guardian"):
        persons = ({principal.person_id} if principal.role == "pupil"
                   else set(principal.children_person_ids))
        on_roster = session.scalar(
            select(db.ClassMembership.id)
            .join(Pupil, Pupil.id == db.ClassMembership.pupil_id)
            .where(Pupil.person_id.in_(persons),
                   db.ClassMembership.school_class_id == lesson.school_class_id,
                   db.ClassMembership.study_group_id.is_not_distinct_from(
                       lesson.study_group_id),
                   db.ClassMembership.starts_on <= lesson.lesson_date,
                   (db.ClassMembership.ends_on.is_(None))
                   | (db.ClassMembership.ends_on >= lesson.lesson_date))
            .limit(1))
        if on_roster is None:
            raise NotAllowed("Материалы этого урока недоступны")
        return
    require_journal(session, principal, school_class, lesson.subject_id,
                    study_group_id=lesson.study_group_id)


def require_class(session: Session, principal: Principal, school_class: db.SchoolClass) -> None:
    """Whole-class views (attendance over every subject): the school's staff who teach it."""
    if principal.role in REGION_READERS:
        return
    if principal.organization_id != school_class.organization_id:
        raise NotAllowed("Данные другой школы недоступны")
    if principal.role in SCHOOL_ADMIN_ROLES:
        return
    if principal.role == "teacher" and (
        is_homeroom_teacher(session, principal.user_id, school_class)
        or session.scalar(select(db.TeachingLoad.id)
                          .join(db.Teacher, db.Teacher.id == db.TeachingLoad.teacher_id)
                          .where(db.Teacher.user_id == principal.user_id,
                                 db.TeachingLoad.school_class_id == school_class.id)
                          .limit(1)) is not None
    ):
        return
    raise NotAllowed("Вы не ведёте занятий в этом классе")


def require_school_admin(principal: Principal, organization_id: int) -> None:
    if principal.role in SCHOOL_ADMIN_ROLES and principal.organization_id == organization_id:
        return
    if principal.role == "region_admin":
        return
    raise NotAllowed("Действие доступно заместителю директора или директору школы")


def require_pupil(session: Session, principal: Principal, pupil_id: int) -> Pupil:
    """The diary: the pupil, their guardians (active links only), the school's staff."""
    pupil = session.get(Pupil, pupil_id)
    refused = NotAllowed("Нет доступа к дневнику этого обучающегося")
    if pupil is None:
        # Families are told the same for a pupil who is not theirs and for one who does not
        # exist: the answer must not reveal who studies in the region.
        if principal.role in ("pupil", "guardian"):
            raise refused
        raise NotFound("Обучающийся не найден")
    if principal.role == "pupil" and principal.person_id == pupil.person_id:
        return pupil
    if principal.role == "guardian" and pupil.person_id in principal.children_person_ids:
        return pupil
    if principal.role in REGION_READERS:
        return pupil
    if principal.organization_id == pupil.organization_id and principal.role in (
            SCHOOL_ADMIN_ROLES | {"teacher"}):
        if principal.role != "teacher" or _teaches_pupil(session, principal.user_id, pupil_id):
            return pupil
    raise refused


def pupils_taught_by(user_id: int) -> Select[tuple[int]]:
    """Ids of the pupils now on the rosters of the classes a teacher has a load in or
    leads as homeroom teacher: the pupils whose records the teacher may read."""
    teacher_ids = select(db.Teacher.id).where(db.Teacher.user_id == user_id)
    classes = select(db.TeachingLoad.school_class_id).where(
        db.TeachingLoad.teacher_id.in_(teacher_ids)).union(
        select(db.SchoolClass.id).where(db.SchoolClass.homeroom_teacher_id.in_(teacher_ids)))
    return select(db.ClassMembership.pupil_id).where(
        db.ClassMembership.school_class_id.in_(classes),
        or_(db.ClassMembership.ends_on.is_(None),
            db.ClassMembership.ends_on >= func.current_date()))


def _teaches_pupil(session: Session, user_id: int, pupil_id: int) -> bool:
    class_ids = select(db.ClassMembership.school_class_id).where(
        db.ClassMembership.pupil_id == pupil_id)
    return session.scalar(
        select(db.TeachingLoad.id)
        .join(db.Teacher, db.Teacher.id == db.TeachingLoad.teacher_id)
        .where(db.Teacher.user_id == user_id,
               db.TeachingLoad.school_class_id.in_(class_ids))
        .limit(1)) is not None
