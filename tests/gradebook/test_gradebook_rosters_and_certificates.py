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
