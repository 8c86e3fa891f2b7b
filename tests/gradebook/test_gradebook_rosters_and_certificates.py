"""Rosters over time (leavers stay in past registers, groups keep to their pupils) and the
certificate lock that no correction passes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from domain.gradebook.errors import GradebookError
from domain.gradebook.locks import WriteRefused
from domain.gradebook.marks import MarkValue
from tests.gradebook.school import give_marks, grade_term, lesson, moment, writer
from tsos.db import gradebook as db
from tsos.db.models import Role, User
from tsos.db.session import session_scope
from tsos.gradebook import access, certificate_locks, corrections, structure, views
from tsos.gradebook.context import WriteContext
from tsos.gradebook.journal import MarkEntry

Q1_PARAMS = (date(2025, 9, 1), date(2025, 10, 26))


def test_a_pupil_who_left_stays_in_past_registers(database_url, school) -> None:
    leaver = school.pupils[3]
    with session_scope(database_url) as session:
        give_marks(session, school, 3, [(date(2025, 9, 8), 5, "classwork")])
        late = lesson(session, school, date(2025, 10, 6))
        structure.leave(session, school.class_id, leaver, date(2025, 9, 30))

    with session_scope(database_url) as session, pytest.raises(GradebookError,
                                                                 match="не числится"):
        writer(session, school).add_marks(late, [MarkEntry(leaver, MarkValue.of(4),
                                                           "classwork")])

    with session_scope(database_url) as session:
        school_class = structure.get_class(session, school.class_id)
        journal = views.class_journal(session, school_class, school.algebra_id, *Q1_PARAMS,
                                      for_teacher=True, zone="Europe/Simferopol")
        row = next(p for p in journal.pupils if p.pupil_id == leaver)
        assert row.left_on == date(2025, 9, 30)
        assert row.off_roster == [late] and row.average == "5,00"
        report = views.attendance_report(session, school_class, school.algebra_id, *Q1_PARAMS)
        mine = next(p for p in report.pupils if p.pupil_id == leaver)
        # Held lessons while on the roster only: the one of 8 September.
        assert mine.held == 1 and report.held_lessons == 2

        grade_term(session, school, school.quarter_ids[0], moment(date(2025, 10, 27)))
        proposed = set(session.scalars(select(db.PeriodMark.pupil_id).where(
            db.PeriodMark.subject_id == school.algebra_id)))
        assert leaver not in proposed and len(proposed) == 3


def test_a_group_lesson_keeps_to_its_group(database_url, school) -> None:
    with session_scope(database_url) as session:
        group = structure.create_study_group(session, school.class_id, "Группа 1",
                                             school.algebra_id)
        for pupil_id in school.pupils[:2]:
            structure.enroll(session, school.class_id, pupil_id, date(2025, 9, 1), group.id)
        group_teacher = User(login="gb.group.teacher", display_name="Учитель группы",
                             role=Role.teacher, organization_id=school.org_id)
        session.add(group_teacher)
        session.flush()
        teacher = structure.ensure_teacher(session, school.org_id, group_teacher.id)
        structure.assign_load(session, teacher.id, school.algebra_id, school.class_id,
                              study_group_id=group.id)
        school_class = structure.get_class(session, school.class_id)
        group_lesson = structure.plan_lesson(session, school_class, school.algebra_id,
                                             date(2025, 9, 9), zone="Europe/Simferopol",
                                             study_group_id=group.id, status="held").id
        group_id, group_teacher_id = group.id, group_teacher.id

    with session_scope(database_url) as session, pytest.raises(GradebookError,
                                                                 match="не числится"):
        writer(session, school).add_marks(group_lesson, [
            MarkEntry(school.pupils[2], MarkValue.of(5), "classwork")])
    with session_scope(database_url) as session:
        assert access.teaches(session, group_teacher_id, school.class_id, school.algebra_id,
                              group_id)
        assert not access.teaches(session, group_teacher_id, school.class_id,
                                  school.algebra_id, None)
        writer(session, school).add_marks(group_lesson, [
            MarkEntry(school.pupils[0], MarkValue.of(5), "classwork")])


def test_no_correction_passes_a_certificate_lock(database_url, school) -> None:
    with session_scope(database_url) as session:
        [mark_id] = give_marks(session, school, 0, [(date(2025, 9, 8), 5, "classwork")])
        grade_term(session, school, school.quarter_ids[0], moment(date(2025, 10, 27)))
        secretary = User(login="gb.secretary", display_name="Секретарь", role=Role.secretary,
                         organization_id=school.org_id)
        session.add(secretary)
        session.flush()
        ctx = WriteContext(session, school.actor(secretary.id, "secretary"),
                           moment(date(2026, 6, 20)), school.org_id)
        certificate_locks.lock_for_certificate(
            ctx, certificate_id=9001, pupil_id=school.pupils[0],
            subject_ids=[school.algebra_id], start=date(2025, 9, 1), end=date(2026, 5, 26),
            term_ids=school.quarter_ids, school_year_ids=[school.year_id])
        lesson_id = session.get(db.Mark, mark_id).lesson_id

    with session_scope(database_url) as session, pytest.raises(WriteRefused) as refused:
        ctx = WriteContext(session, school.teacher_actor, moment(date(2026, 6, 21)),
                           school.org_id)
        corrections.request_mark_correction(ctx, lesson_id=lesson_id, mark_id=mark_id,
                                            value=MarkValue.of(4), reason="Ошибка")
    assert refused.value.code == "certificate_locked"
    assert "аттестат" in refused.value.message
    with session_scope(database_url) as session:
        assert session.scalar(select(func.count()).select_from(db.GradebookAuditEvent).where(
            db.GradebookAuditEvent.refusal_code == "certificate_locked")) == 1


def test_a_closed_terms_roster_does_not_change(database_url, school) -> None:
    with session_scope(database_url) as session:
        give_marks(session, school, 0, [(date(2025, 9, 8), 5, "classwork")])
        grade_term(session, school, school.quarter_ids[0], moment(date(2025, 10, 27)))
        newcomer = school.pupils[3]
        structure.leave(session, school.class_id, newcomer, date(2025, 12, 1))
    at = moment(date(2025, 12, 10))

    attempts = {
        "leave inside the closed term": lambda ctx: structure.leave(
            ctx.session, school.class_id, school.pupils[0], date(2025, 10, 1), ctx=ctx),
        "enrol from inside the closed term": lambda ctx: structure.enroll(
            ctx.session, school.class_id, newcomer, date(2025, 10, 20), ctx=ctx),
        "enrol backdated to before it": lambda ctx: structure.enroll(
            ctx.session, school.class_id, newcomer, date(2025, 8, 25), ctx=ctx),
    }
    for name, attempt in attempts.items():
        with pytest.raises(WriteRefused, match="состав класса"), \
                session_scope(database_url) as session:
            attempt(WriteContext(session, school.deputy_actor, at, school.org_id))
        assert name

    # After the closed term, rosters change as usual, audited.
    with session_scope(database_url) as session:
        ctx = WriteContext(session, school.deputy_actor, at, school.org_id)
        assert structure.leave(session, school.class_id, school.pupils[0],
                               date(2025, 11, 20), ctx=ctx) == 1
        structure.enroll(session, school.class_id, newcomer, date(2025, 12, 10), ctx=ctx)
    with session_scope(database_url) as session:
        assert session.scalar(select(func.count()).select_from(db.GradebookAuditEvent).where(
            db.GradebookAuditEvent.object_kind == "class_membership",
            db.GradebookAuditEvent.outcome == "applied")) == 2
        assert session.scalar(select(func.count()).select_from(db.GradebookAuditEvent).where(
            db.GradebookAuditEvent.outcome == "refused",
            db.GradebookAuditEvent.actor_user_id == school.deputy)) == len(attempts)


def test_a_split_class_counts_each_groups_lessons_apart(database_url, school) -> None:
    """Two groups of a class have their own lessons: no pupil attends both, so the class's
    held lessons are not their sum; each share is over the pupil's own lessons."""
    with session_scope(database_url) as session:
        school_class = structure.get_class(session, school.class_id)
        groups = []
        for number, pupils in ((1, school.pupils[:2]), (2, school.pupils[2:])):
            group = structure.create_study_group(session, school.class_id,
                                                 f"Группа {number}", school.algebra_id)
            for pupil_id in pupils:
                structure.enroll(session, school.class_id, pupil_id, date(2025, 9, 1),
                                 group.id)
            groups.append(group.id)
        for group_id, days in ((groups[0], (8, 9, 10)), (groups[1], (8, 9))):
            for day in days:
                structure.plan_lesson(session, school_class, school.algebra_id,
                                      date(2025, 9, day), zone="Europe/Simferopol",
                                      study_group_id=group_id, status="held")
        lesson(session, school, date(2025, 9, 11))
        report = views.attendance_report(session, school_class, school.algebra_id, *Q1_PARAMS)

    assert report.held_lessons == 1
    assert [(g.name, g.held_lessons) for g in report.groups] == [("Группа 1", 3),
                                                                ("Группа 2", 2)]
    assert {p.pupil_id: p.held for p in report.pupils} == {
        school.pupils[0]: 4, school.pupils[1]: 4, school.pupils[2]: 3, school.pupils[3]: 3}
    assert report.pupil_lessons == 14 and report.attended.denominator == 14
    assert "«Группа 1» — 3" in report.denominator and "14" in report.denominator

    # The performance report counts the held lessons the same way, not 6 for the class.
    with session_scope(database_url) as session:
        school_class = structure.get_class(session, school.class_id)
        performance = views.performance(session, school_class, school.algebra_id,
                                        *Q1_PARAMS, None)
    assert performance.held_lessons == 1
    assert [(g.name, g.held_lessons) for g in performance.groups] == [("Группа 1", 3),
                                                                     ("Группа 2", 2)]
    assert "«Группа 2» — 2" in performance.held_lessons_over
