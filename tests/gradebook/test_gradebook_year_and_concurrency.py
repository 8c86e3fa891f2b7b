"""Year marks by the school's configured method, and concurrent writes that must not tear
a term mark."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from temporalio.worker import Worker

from activities import context
from activities.gradebook import GRADEBOOK_ACTIVITIES
from domain.gradebook.audit import SYSTEM, system_change
from domain.gradebook.locks import WriteRefused
from domain.gradebook.marks import MarkValue
from tests.gradebook.school import (
    School,
    give_marks,
    grade_term,
    lesson,
    moment,
    writer,
)
from tsos.db import gradebook as db
from tsos.db.session import session_scope
from tsos.gradebook import audit_log, structure, term_marks
from tsos.gradebook.context import WriteContext
from tsos.gradebook.journal import MarkEntry
from tsos.gradebook.recompute import recompute_year
from tsos.gradebook.term_marks import Period
from workflows.gradebook import GRADEBOOK_WORKFLOWS
from workflows.gradebook.ids import grading_workflow_id
from workflows.gradebook.messages import Decision, GradingInput
from workflows.gradebook.term_grading import TermGradingWorkflow

# Days inside each quarter, and the algebra marks pupil 0 gets there (three a quarter).
QUARTER_DAYS = [
    [date(2025, 9, 8), date(2025, 9, 15), date(2025, 9, 22)],
    [date(2025, 11, 10), date(2025, 11, 17), date(2025, 11, 24)],
    [date(2026, 1, 19), date(2026, 1, 26), date(2026, 2, 2)],
    [date(2026, 4, 6), date(2026, 4, 13), date(2026, 4, 20)],
]
QUARTER_MARKS = [(5, 5, 5), (4, 4, 4), (4, 4, 4), (5, 5, 4)]
QUARTER_ENDS = [date(2025, 10, 27), date(2025, 12, 29), date(2026, 3, 23),
                date(2026, 5, 27)]


def _four_quarters(database_url: str, school: School, before_the_last=None) -> None:  # type: ignore[no-untyped-def]
    with session_scope(database_url) as session:
        for days, points in zip(QUARTER_DAYS, QUARTER_MARKS, strict=True):
            give_marks(session, school, 0, [(d, p, "classwork")
                                            for d, p in zip(days, points, strict=True)])
    for number, (term_id, end) in enumerate(zip(school.quarter_ids, QUARTER_ENDS,
                                                strict=True), start=1):
        with session_scope(database_url) as session:
            if number == 4 and before_the_last is not None:
                before_the_last(session)
            grade_term(session, school, term_id, moment(end))


@pytest.mark.asyncio
async def test_year_grading_follows_the_configured_method(
        time_skipping_env, settings, database_url, school, activity_executor) -> None:
    def last_term_decides(session) -> None:  # type: ignore[no-untyped-def]
        # From the last quarter on, ties go to the last term (policy version 2).
        structure.publish_policy(session, school.org_id, {
            "weights": {"classwork": "1", "homework": "1", "test_work": "1.5",
                        "control_work": "2"},
            "year_method": "last_term_decides_ties"}, effective_from=date(2026, 4, 1))

    _four_quarters(database_url, school, last_term_decides)

    env = time_skipping_env
    context.configure(settings, database_url)
    queue = f"gradebook-year-{uuid.uuid4().hex[:8]}"
    inp = GradingInput(organization_id=school.org_id, organization_code=school.org_code,
                       school_year_id=school.year_id, term_id=None,
                       title="2025/2026 учебный год", time_zone="Europe/Simferopol",
                       teacher_deadline=await env.get_current_time() + timedelta(days=3))
    async with Worker(env.client, task_queue=queue, workflows=GRADEBOOK_WORKFLOWS,
                      activities=GRADEBOOK_ACTIVITIES, activity_executor=activity_executor):
        handle = await env.client.start_workflow(
            TermGradingWorkflow.run, inp, task_queue=queue,
            id=grading_workflow_id(school.org_code, school.year_id, None))
        # Terms checked, marks proposed: the teachers' phase within about 10 s, or a clear failure.
        for _ in range(200):
            view = await handle.query(TermGradingWorkflow.view)
            if view.phase == "teachers":
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(
                f"the year grading did not reach the teachers' phase in about 10 s: {view.phase}")
        with session_scope(database_url) as session:
            year_marks = {row.pupil_id: row for row in session.scalars(select(
                db.PeriodMark).where(db.PeriodMark.period_kind == "year",
                                     db.PeriodMark.subject_id == school.algebra_id))}
        mine = year_marks[school.pupils[0]]
        # Terms 5, 4, 4, 5: the mean is 4,5 exactly; the last term («5») decides.
        assert mine.computed_value == "5"
        assert (mine.policy_id, mine.policy_version) == (mine.computed["policy_id"], 2)
        assert "решает отметка «5»" in mine.computed["formula"]
        # Pupils without term marks: «н/а», with the reason.
        assert year_marks[school.pupils[1]].computed_value == "н/а"
        await handle.execute_update(TermGradingWorkflow.decide, Decision(
            period_mark_ids=[row.id for row in year_marks.values()], action="confirm",
            user_id=school.teacher, role="teacher"))
        await env.sleep(timedelta(days=4))
        await handle.execute_update(TermGradingWorkflow.decide, Decision(
            period_mark_ids=[row.id for row in _proposed(database_url)], action="confirm",
            user_id=school.deputy, role="deputy_head"))
        view = await handle.result()

    assert view.phase == "locked"
    with session_scope(database_url) as session:
        locks = session.scalars(select(db.TermLock).where(
            db.TermLock.school_class_id == school.class_id)).all()
        assert sorted(lock.period_kind for lock in locks) == ["term"] * 4 + ["year"]
        assert term_marks.is_closed(session, school.org_id, Period(school.year_id))

    # A locked year refuses the year mark's recomputation like any write: a last-term mark
    # changed behind the locks (no correction) does not reach the year mark.
    with session_scope(database_url) as session:
        last = session.scalar(select(db.PeriodMark).where(
            db.PeriodMark.pupil_id == school.pupils[0],
            db.PeriodMark.term_id == school.quarter_ids[3],
            db.PeriodMark.subject_id == school.algebra_id))
        last.computed_value = "2"
        session.flush()
        ctx = WriteContext(session, SYSTEM, moment(date(2026, 6, 10)), school.org_id)
        cause = audit_log.store(session, [system_change(
            ctx.at, "term_mark", last.id, "test", caused_by_change=None)], school.org_id)[0]
        with pytest.raises(WriteRefused, match="пересчитывается только после одобренного"):
            recompute_year(ctx, structure.get_class(session, school.class_id),
                           school.pupils[0], school.algebra_id, caused_by=cause)
    with session_scope(database_url) as session:
        year_mark = session.get(db.PeriodMark, mine.id)
        assert (year_mark.computed_value, year_mark.status) == ("5", "confirmed")


def _proposed(database_url: str) -> list[db.PeriodMark]:
    with session_scope(database_url) as session:
        return list(session.scalars(select(db.PeriodMark).where(
            db.PeriodMark.status == "proposed")))


def test_concurrent_writes_are_serialised_per_pupil_subject_and_term(database_url,
                                                                    school) -> None:
    """Proposals being made (and held open) while a second run proposes the same marks (a
    retried activity) and a teacher adds a mark: both wait for the first to commit, then the
    second run finds the proposals made and the teacher's mark is counted in them.

    A row lock cannot do this: until the proposals commit there is no row to lock, so
    without the per-(pupil, subject, term) lock the second run inserts duplicates and the
    teacher's mark slips past the proposal."""
    days = [date(2025, 9, 8), date(2025, 9, 15), date(2025, 9, 22)]
    with session_scope(database_url) as session:
        give_marks(session, school, 0, [(d, 3, "classwork") for d in days])
        late_lesson = lesson(session, school, date(2025, 10, 6))
    period = Period(school.year_id, school.quarter_ids[0])
    at = moment(date(2025, 10, 27))

    def propose(session) -> int:  # type: ignore[no-untyped-def]
        return term_marks.propose(session, at=at, organization_id=school.org_id,
                                  school_class=structure.get_class(session, school.class_id),
                                  subject_id=school.algebra_id, period=period)

    errors: list[BaseException] = []
    second_run: list[int] = []

    def retried_run() -> None:
        try:
            with session_scope(database_url) as session:
                second_run.append(propose(session))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    def teacher_write() -> None:
        try:
            with session_scope(database_url) as session:
                writer(session, school, at=at).add_marks(
                    late_lesson, [MarkEntry(school.pupils[0], MarkValue.of(5), "control_work")])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=retried_run), threading.Thread(target=teacher_write)]
    with session_scope(database_url) as session:
        assert propose(session) == len(school.pupils)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(0.5)
        assert all(thread.is_alive() for thread in threads), "a writer did not wait"
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert second_run == [0]

    with session_scope(database_url) as session:
        rows = session.scalars(select(db.PeriodMark).where(
            db.PeriodMark.subject_id == school.algebra_id)).all()
        assert sorted(row.pupil_id for row in rows) == sorted(school.pupils)
        mine = next(row for row in rows if row.pupil_id == school.pupils[0])
        # (3 + 3 + 3 + 5×2) / 5 = 19/5: the teacher's control work counted.
        assert mine.computed["exact_average"] == "19/5"
        assert len(mine.computed["lines"]) == 4


def test_a_write_during_the_proposals_waits_and_is_counted(database_url, school) -> None:
    """Proposals hold each (pupil, subject, term) until they commit; a write meanwhile waits,
    then finds the proposal and recomputes it, instead of slipping past it."""
    days = [date(2025, 9, 8), date(2025, 9, 15), date(2025, 9, 22)]
    with session_scope(database_url) as session:
        give_marks(session, school, 0, [(d, 4, "classwork") for d in days])
        late_lesson = lesson(session, school, date(2025, 10, 6))
    finished = threading.Event()
    errors: list[BaseException] = []

    def late_write() -> None:
        try:
            with session_scope(database_url) as session:
                writer(session, school, at=moment(date(2025, 10, 27))).add_marks(
                    late_lesson, [MarkEntry(school.pupils[0], MarkValue.of(2), "classwork")])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finished.set()

    thread = threading.Thread(target=late_write)
    with session_scope(database_url) as session:
        school_class = structure.get_class(session, school.class_id)
        term_marks.propose(session, at=moment(date(2025, 10, 27)),
                           organization_id=school.org_id, school_class=school_class,
                           subject_id=school.algebra_id,
                           period=Period(school.year_id, school.quarter_ids[0]))
        thread.start()
        assert not finished.wait(0.5), "the write did not wait for the proposals"
    thread.join(30)
    assert errors == []

    with session_scope(database_url) as session:
        row = session.scalar(select(db.PeriodMark).where(
            db.PeriodMark.pupil_id == school.pupils[0],
            db.PeriodMark.subject_id == school.algebra_id))
        assert row is not None
        # (4 + 4 + 4 + 2) / 4 = 3,5 → «4», the late mark included.
        assert (row.computed["exact_average"], row.computed_value) == ("7/2", "4")
