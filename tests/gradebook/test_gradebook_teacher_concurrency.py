"""Two teachers writing marks of one pupil, subject and term at the same moment: the stored
term proposal is recomputed once per write, in turn, and ends up counting both marks."""

from __future__ import annotations

import asyncio
import threading
from datetime import date

import pytest
from sqlalchemy import select

from domain.gradebook.marks import MarkValue
from tests.gradebook.school import School, _user, give_marks, lesson, moment, writer
from tsos.db import gradebook as db
from tsos.db.session import session_scope
from tsos.gradebook import structure, term_marks
from tsos.gradebook.journal import MarkEntry
from tsos.gradebook.mapping import period_mark_of
from tsos.gradebook.recompute import term_proposal
from tsos.gradebook.term_marks import Period

DAYS = [date(2025, 9, 8), date(2025, 9, 15), date(2025, 9, 22)]
AT = moment(date(2025, 10, 1))


def _co_teacher(database_url: str, school: School) -> int:
    """A second teacher of 7Б algebra (a load for the whole class, as the first has)."""
    with session_scope(database_url) as session:
        user_id = _user(session, "teacher", school.org_id)
        teacher = structure.ensure_teacher(session, school.org_id, user_id)
        structure.assign_load(session, teacher.id, school.algebra_id, school.class_id)
        return user_id


def _proposed(database_url: str, school: School) -> None:
    """Three marks of 4 for pupil 0 and the term's proposals made: a mark to keep current."""
    with session_scope(database_url) as session:
        give_marks(session, school, 0, [(day, 4, "classwork") for day in DAYS])
        term_marks.propose(session, at=AT, organization_id=school.org_id,
                           school_class=structure.get_class(session, school.class_id),
                           subject_id=school.algebra_id,
                           period=Period(school.year_id, school.quarter_ids[0]))


def _stored_and_fresh(database_url: str, school: School) -> tuple[db.PeriodMark, dict, dict]:  # type: ignore[type-arg]
    """The stored proposal of pupil 0, its computation and one made afresh from the marks."""
    with session_scope(database_url) as session:
        row = session.scalar(select(db.PeriodMark).where(
            db.PeriodMark.pupil_id == school.pupils[0],
            db.PeriodMark.subject_id == school.algebra_id,
            db.PeriodMark.term_id == school.quarter_ids[0]))
        assert row is not None
        school_class = structure.get_class(session, school.class_id)
        term = structure.term_for(session, school_class, DAYS[0])
        assert term is not None
        fresh = term_proposal(session, school_class, school.pupils[0], school.algebra_id, term)
        session.expunge(row)
        return row, period_mark_of(row).computed.snapshot(), fresh.snapshot()


def _recomputations(database_url: str, period_mark_id: int) -> list[db.GradebookAuditEvent]:
    with session_scope(database_url) as session:
        rows = session.scalars(select(db.GradebookAuditEvent).where(
            db.GradebookAuditEvent.object_kind == "term_mark",
            db.GradebookAuditEvent.object_id == period_mark_id,
            db.GradebookAuditEvent.action == "recompute",
        ).order_by(db.GradebookAuditEvent.id)).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def test_a_teachers_write_waits_for_the_other_teachers_and_counts_it(database_url,
                                                                      school) -> None:
    """Teacher A's mark is written and held uncommitted; teacher B's mark on another lesson
    (so no lesson row is shared) waits for A's commit, then recomputes over both marks."""
    co_teacher = _co_teacher(database_url, school)
    _proposed(database_url, school)
    with session_scope(database_url) as session:
        first_lesson = lesson(session, school, date(2025, 10, 6))
        second_lesson = lesson(session, school, date(2025, 10, 13))
    child = school.pupils[0]
    finished = threading.Event()
    errors: list[BaseException] = []

    def second_teacher() -> None:
        try:
            with session_scope(database_url) as session:
                writer(session, school, actor=school.actor(co_teacher, "teacher"),
                       at=AT).add_marks(second_lesson,
                                        [MarkEntry(child, MarkValue.of(2), "control_work")])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finished.set()

    thread = threading.Thread(target=second_teacher)
    with session_scope(database_url) as session:
        writer(session, school, at=AT).add_marks(
            first_lesson, [MarkEntry(child, MarkValue.of(5), "test_work")])
        thread.start()
        assert not finished.wait(0.5), "the second teacher's write did not wait"
    thread.join(30)
    assert errors == []

    row, stored, fresh = _stored_and_fresh(database_url, school)
    # (4 + 4 + 4 + 5×1,5 + 2×2) / 6,5 = 23,5 / 6,5 = 47/13 → «4»: both marks count.
    assert stored == fresh
    assert (row.computed["exact_average"], row.computed_value) == ("47/13", "4")
    assert len(row.computed["lines"]) == 5
    # One recomputation per write, in turn: the second starts from what the first stored.
    first, second = _recomputations(database_url, row.id)
    assert second.old_value["computed"] == first.new_value["computed"]
    assert second.new_value["computed"]["exact_average"] == "47/13"


@pytest.mark.asyncio
async def test_two_teachers_posting_at_once_through_the_api_leave_the_mark_whole(
        gradebook_api, database_url, school, headers) -> None:
    """Rounds of two marks posted at the same moment by two teachers on two lessons: after
    each round the stored proposal is the one computed afresh from every mark, and every
    recomputation starts from the previous one's result (none is lost or torn)."""
    co_teacher = _co_teacher(database_url, school)
    _proposed(database_url, school)
    days = [date(2025, 10, day) for day in (6, 7, 8, 9, 13, 14, 15, 16)]
    with session_scope(database_url) as session:
        lessons = [lesson(session, school, day) for day in days]
    child = school.pupils[0]
    auth = {school.teacher: headers(school.teacher), co_teacher: headers(co_teacher)}
    rounds = [((lessons[i], "5", "test_work"), (lessons[i + 1], "2", "control_work"))
              for i in range(0, len(lessons), 2)]

    for first, second in rounds:
        answers = await asyncio.gather(*(
            gradebook_api.post(f"/gradebook/lessons/{lesson_id}/marks",
                               json={"pupil_id": child, "value": value, "kind": kind},
                               headers=auth[user])
            for user, (lesson_id, value, kind) in ((school.teacher, first),
                                                   (co_teacher, second))))
        assert [answer.status_code for answer in answers] == [201, 201], [
            answer.text for answer in answers]
        _, stored, fresh = _stored_and_fresh(database_url, school)
        assert stored == fresh

    row, _, _ = _stored_and_fresh(database_url, school)
    assert len(row.computed["lines"]) == len(DAYS) + len(lessons)
    events = _recomputations(database_url, row.id)
    assert len(events) == len(lessons)
    for before, after in zip(events, events[1:], strict=False):
        assert after.old_value["computed"] == before.new_value["computed"]
