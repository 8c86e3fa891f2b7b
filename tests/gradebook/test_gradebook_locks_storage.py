"""Every write path against a closed term, on the real database; corrections as the way out."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from domain.gradebook.attendance import AbsenceReason, AttendanceRecord, Presence
from domain.gradebook.audit import SYSTEM
from domain.gradebook.lessons import LessonStatus
from domain.gradebook.locks import WriteRefused
from domain.gradebook.marks import MarkValue
from domain.people.names import full_name_key
from tests.gradebook.school import School, give_marks, lesson, moment, writer
from tsos.db import gradebook as db
from tsos.db.models import Person, Pupil
from tsos.db.session import session_scope
from tsos.gradebook import corrections, homework_files, structure, term_marks
from tsos.gradebook.context import WriteContext
from tsos.gradebook.journal import MarkEntry
from tsos.gradebook.term_marks import Period

Q1_DAYS = [date(2025, 9, 8), date(2025, 9, 15), date(2025, 9, 22), date(2025, 10, 6)]
AFTER_Q1 = moment(date(2025, 10, 28))


def _close_first_quarter(database_url: str, school: School) -> Period:
    """Marks for everyone, proposals, confirmation by the teacher, the term closed."""
    period = Period(school.year_id, school.quarter_ids[0])
    with session_scope(database_url) as session:
        for index in range(len(school.pupils)):
            give_marks(session, school, index, [(Q1_DAYS[0], 5, "classwork"),
                                                (Q1_DAYS[1], 4, "classwork"),
                                                (Q1_DAYS[2], 4, "test_work"),
                                                (Q1_DAYS[3], 5, "control_work")])
        for school_class in term_marks.classes_of(session, school.org_id, period):
            for subject_id in term_marks.class_subjects(session, school_class.id):
                term_marks.propose(session, at=AFTER_Q1, organization_id=school.org_id,
                                   school_class=school_class, subject_id=subject_id,
                                   period=period, workflow_id="wf-test")
        rows = session.scalars(select(db.PeriodMark)).all()
        for row in rows:
            teacher = school.teacher if row.subject_id == school.algebra_id else \
                school.other_teacher
            ctx = WriteContext(session, school.actor(teacher, "teacher"), AFTER_Q1,
                               school.org_id)
            term_marks.confirm(ctx, row.id)
        outcome = term_marks.close(session, at=AFTER_Q1, organization_id=school.org_id,
                                   period=period, closing_user_id=school.deputy)
        assert outcome.refused == {}
        assert school.class_id in outcome.locked
    return period


def _refused_count(database_url: str) -> int:
    with session_scope(database_url) as session:
        return session.scalar(select(func.count()).select_from(db.GradebookAuditEvent)
                              .where(db.GradebookAuditEvent.outcome == "refused")) or 0


def test_term_mark_is_stored_with_policy_and_derivation(database_url, school) -> None:
    _close_first_quarter(database_url, school)

    with session_scope(database_url) as session:
        row = session.scalar(select(db.PeriodMark).where(
            db.PeriodMark.pupil_id == school.pupils[0],
            db.PeriodMark.subject_id == school.algebra_id))
        assert row is not None
        # (5 + 4 + 4×1,5 + 5×2) / (1 + 1 + 1,5 + 2) = 25 / 5,5 = 50/11 ≈ 4,54 → «5».
        assert row.computed_value == "5"
        assert row.computed["exact_average"] == "50/11"
        assert (row.policy_id, row.policy_version) == (row.computed["policy_id"], 1)
        assert "50/11" in row.computed["formula"] or "4,54" in row.computed["formula"]
        assert row.status == "confirmed"
        history = session.scalar(select(db.PeriodMark).where(
            db.PeriodMark.pupil_id == school.pupils[0],
            db.PeriodMark.subject_id == school.history_id))
        assert history is not None
        assert history.computed_value == "н/а"
        assert "нет отметок" in (history.not_assessed_reason or "")

        proposal = session.scalar(select(db.GradebookAuditEvent).where(
            db.GradebookAuditEvent.object_kind == "term_mark",
            db.GradebookAuditEvent.object_id == row.id,
            db.GradebookAuditEvent.action == "propose"))
        assert proposal is not None
        assert (proposal.actor_user_id, proposal.cause_kind) == (None, "system")
        assert proposal.workflow_id == "wf-test"


def test_closed_term_refuses_every_write_path_and_audits_it(database_url, school) -> None:
    _close_first_quarter(database_url, school)
    with session_scope(database_url) as session:
        mark = session.scalar(select(db.Mark).where(db.Mark.lesson_date == Q1_DAYS[0],
                                                    db.Mark.pupil_id == school.pupils[0]))
        assert mark is not None
        mark_id, lesson_id = mark.id, mark.lesson_id
        q2_lesson = lesson(session, school, date(2025, 11, 10))
    pupil = school.pupils[0]
    absent = AttendanceRecord(lesson_id, pupil, Presence.ABSENT, AbsenceReason.ILLNESS, True)

    attempts = {
        "add": lambda w: w.add_marks(lesson_id, [MarkEntry(pupil, MarkValue.of(3),
                                                           "classwork")]),
        "change": lambda w: w.change_mark(mark_id, MarkValue.of(2), "ошибка"),
        "remove": lambda w: w.remove_mark(mark_id, "ошибка"),
        "remove lesson (delete and re-add)": lambda w: w.remove_lesson(lesson_id),
        "re-add the lesson (delete and re-add)": lambda w: w.create_lesson(
            w.session.get(db.SchoolClass, school.class_id), school.algebra_id, Q1_DAYS[0],
            zone="Europe/Simferopol", number=3, status=LessonStatus.HELD),
        "a new lesson in the term": lambda w: w.create_lesson(
            w.session.get(db.SchoolClass, school.class_id), school.history_id,
            date(2025, 10, 10), zone="Europe/Simferopol"),
        "move out of the term": lambda w: w.move_lesson(lesson_id, date(2025, 11, 11)),
        "move into the term": lambda w: w.move_lesson(q2_lesson, date(2025, 10, 20)),
        "attendance": lambda w: w.record_attendance(lesson_id, [(pupil, absent)]),
        "unpublish": lambda w: w.set_published(lesson_id, False),
        "topic": lambda w: w.describe_lesson(lesson_id, topic="Другая тема"),
        "homework file": lambda w: homework_files.attach(
            w.ctx, lesson_id, homework_files.check_file("задание.txt", "§ 3".encode())),
        "cancel": lambda w: w.set_lesson_status(lesson_id, LessonStatus.CANCELLED),
    }
    before = _refused_count(database_url)
    for name, attempt in attempts.items():
        with pytest.raises(WriteRefused) as refused, session_scope(database_url) as session:
            attempt(writer(session, school, at=moment(date(2025, 11, 12))))
        assert refused.value.http_status == 409, name
        assert "закрыт" in refused.value.message, name
    # A refusal is audited although its transaction rolled back.
    assert _refused_count(database_url) == before + len(attempts)

    with session_scope(database_url) as session:
        still = session.get(db.Mark, mark_id)
        assert still is not None and still.points == 5
        assert session.get(db.Lesson, q2_lesson).lesson_date == date(2025, 11, 10)
        lessons_in_q1 = session.scalar(select(func.count()).select_from(db.Lesson).where(
            db.Lesson.lesson_date <= date(2025, 10, 26)))
        assert lessons_in_q1 == len(Q1_DAYS)

    # Delete and re-add in an open term is an ordinary, audited write.
    with session_scope(database_url) as session:
        added = writer(session, school, at=moment(date(2025, 11, 12))).create_lesson(
            session.get(db.SchoolClass, school.class_id), school.algebra_id,
            date(2025, 11, 12), zone="Europe/Simferopol")
        created = session.scalar(select(db.GradebookAuditEvent).where(
            db.GradebookAuditEvent.object_kind == "lesson",
            db.GradebookAuditEvent.object_id == added.id))
        assert (created.action, created.actor_user_id) == ("create", school.teacher)


def test_correction_changes_a_locked_mark_only_after_approval(database_url, school) -> None:
    _close_first_quarter(database_url, school)
    at = moment(date(2025, 11, 12))
    with session_scope(database_url) as session:
        mark = session.scalar(select(db.Mark).where(
            db.Mark.lesson_date == Q1_DAYS[3], db.Mark.pupil_id == school.pupils[0]))
        assert mark is not None
        mark_id = mark.id
        ctx = WriteContext(session, school.teacher_actor, at, school.org_id)
        request = corrections.request_mark_correction(
            ctx, lesson_id=mark.lesson_id, mark_id=mark.id, value=MarkValue.of(2),
            reason="Перепутаны работы двух учеников")
        request_id = request.id

    with session_scope(database_url) as session:
        # Requested, not approved: the mark is as it was.
        assert session.get(db.Mark, mark_id).points == 5
        with pytest.raises(Exception, match="не может рассматривать"):
            corrections.approve(WriteContext(session, school.teacher_actor, at,
                                             school.org_id), request_id)

    with session_scope(database_url) as session:
        corrections.approve(WriteContext(session, school.deputy_actor, at, school.org_id),
                            request_id, "Проверено по работам")

    with session_scope(database_url) as session:
        assert session.get(db.Mark, mark_id).points == 2
        term_mark = session.scalar(select(db.PeriodMark).where(
            db.PeriodMark.pupil_id == school.pupils[0],
            db.PeriodMark.subject_id == school.algebra_id))
        assert term_mark is not None
        # (5 + 4 + 6 + 4) / 5,5 = 38/11 ≈ 3,45 → «3»; flagged, still confirmed.
        assert term_mark.computed_value == "3"
        assert term_mark.recompute_flag is not None
        assert term_mark.recompute_flag["previous"] == "5"
        assert term_mark.status == "confirmed"
        request = session.get(db.CorrectionRequest, request_id)
        assert request.status == "applied" and request.decided_by == school.deputy

        change = session.scalar(select(db.GradebookAuditEvent).where(
            db.GradebookAuditEvent.object_kind == "mark",
            db.GradebookAuditEvent.object_id == mark_id,
            db.GradebookAuditEvent.action == "update"))
        assert change is not None
        assert change.actor_user_id == school.deputy
        assert change.on_behalf_of == school.teacher
        assert change.refs == {"correction_request_id": request_id}
        recompute = session.scalar(select(db.GradebookAuditEvent).where(
            db.GradebookAuditEvent.object_kind == "term_mark",
            db.GradebookAuditEvent.action == "recompute"))
        # The recomputation is the system's, caused by the audited change, not the deputy's.
        assert recompute is not None
        assert (recompute.actor_user_id, recompute.cause_kind) == (None, "system")
        assert recompute.caused_by_event_id == change.id


def test_audit_rows_cannot_be_rewritten(database_url, school) -> None:
    with session_scope(database_url) as session:
        give_marks(session, school, 0, [(Q1_DAYS[0], 5, "classwork")])
    with pytest.raises(DBAPIError, match="append-only"), \
            session_scope(database_url) as session:
        row = session.scalar(select(db.GradebookAuditEvent).limit(1))
        assert row is not None
        row.reason = "переписано"
        session.flush()


def test_system_cannot_write_marks(database_url, school) -> None:
    with session_scope(database_url) as session:
        lesson_id = lesson(session, school, Q1_DAYS[0])
    with pytest.raises(Exception, match="пользователь"), \
            session_scope(database_url) as session:
        writer(session, school, actor=SYSTEM).add_marks(
            lesson_id, [MarkEntry(school.pupils[0], MarkValue.of(5), "classwork")])


def test_a_period_does_not_close_over_a_pupil_without_a_mark(database_url, school) -> None:
    """A pupil who joined after the proposals has none: closing proposes theirs and waits
    for them to be decided; a closed period then takes no proposal at all."""
    period = Period(school.year_id, school.quarter_ids[0])
    with session_scope(database_url) as session:
        give_marks(session, school, 0, [(day, 4, "classwork") for day in Q1_DAYS[:3]])
        for subject_id in (school.algebra_id, school.history_id):
            term_marks.propose(session, at=AFTER_Q1, organization_id=school.org_id,
                               school_class=session.get(db.SchoolClass, school.class_id),
                               subject_id=subject_id, period=period)
        newcomer = _new_pupil(session, school)
        structure.enroll(session, school.class_id, newcomer, date(2025, 10, 1))
        ctx = WriteContext(session, school.deputy_actor, AFTER_Q1, school.org_id)
        for row in session.scalars(select(db.PeriodMark)).all():
            term_marks.confirm(ctx, row.id)

    with session_scope(database_url) as session:
        outcome = term_marks.close(session, at=AFTER_Q1, organization_id=school.org_id,
                                   period=period, closing_user_id=school.deputy)
    assert school.class_id not in outcome.locked
    # Subjects by their names, pupils by id (names stay out of notices and logs).
    assert f"ученик {newcomer} — «Алгебра»" in outcome.refused[school.class_id]
    with session_scope(database_url) as session:
        theirs = session.scalars(select(db.PeriodMark).where(
            db.PeriodMark.pupil_id == newcomer)).all()
        expected = [(school.algebra_id, "proposed", "н/а"), (school.history_id, "proposed", "н/а")]
        assert sorted((row.subject_id, row.status, row.computed_value) for row in theirs) == \
            sorted(expected)
        ctx = WriteContext(session, school.deputy_actor, AFTER_Q1, school.org_id)
        for row in theirs:
            term_marks.confirm(ctx, row.id)
    with session_scope(database_url) as session:
        outcome = term_marks.close(session, at=AFTER_Q1, organization_id=school.org_id,
                                   period=period, closing_user_id=school.deputy)
        assert outcome.refused == {} and school.class_id in outcome.locked

    # A pupil put on the closed term's roster by any path gets no proposal there.
    with session_scope(database_url) as session:
        late = _new_pupil(session, school)
        session.add(db.ClassMembership(school_class_id=school.class_id, pupil_id=late,
                                       starts_on=date(2025, 9, 1)))
    with pytest.raises(WriteRefused, match="закрыт"), session_scope(database_url) as session:
        term_marks.propose(session, at=AFTER_Q1, organization_id=school.org_id,
                           school_class=session.get(db.SchoolClass, school.class_id),
                           subject_id=school.algebra_id, period=period)


def _new_pupil(session, school: School) -> int:  # type: ignore[no-untyped-def]
    person = Person(surname="Новикова", name="Ульяна", patronymic="Игоревна",
                    birth_date=date(2012, 3, 3),
                    match_key=full_name_key("Новикова", "Ульяна", "Игоревна"))
    session.add(person)
    session.flush()
    pupil = Pupil(person_id=person.id, organization_id=school.org_id, grade=7,
                  class_letter="Б", school_year="2025/2026", enrolled_on=date(2025, 10, 1))
    session.add(pupil)
    session.flush()
    return pupil.id
