"""Term grading under the time-skipping server: proposals, reminders, overrides, escalation,
the deputy head's decisions and the closed term."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer, Worker

from activities import context
from activities.gradebook import GRADEBOOK_ACTIVITIES
from domain.gradebook.marks import MarkValue
from tests.gradebook.school import give_marks, lesson, moment, writer
from tsos.db import gradebook as db
from tsos.db.gradebook import GradebookAuditEvent
from tsos.db.session import session_scope
from tsos.gradebook import term_marks
from tsos.gradebook.journal import MarkEntry
from tsos.gradebook.term_marks import Period
from workflows.gradebook import GRADEBOOK_WORKFLOWS
from workflows.gradebook.ids import grading_workflow_id
from workflows.gradebook.messages import Decision, GradingInput
from workflows.gradebook.term_grading import TermGradingWorkflow

pytestmark = pytest.mark.asyncio

Q1 = [date(2025, 9, 8), date(2025, 9, 15), date(2025, 9, 22), date(2025, 10, 6)]


def _marks(database_url: str, school) -> None:  # type: ignore[no-untyped-def]
    with session_scope(database_url) as session:
        give_marks(session, school, 0, [(Q1[0], 5, "classwork"), (Q1[1], 4, "classwork"),
                                        (Q1[2], 5, "test_work")])
        give_marks(session, school, 1, [(Q1[0], 3, "classwork"), (Q1[1], 4, "homework"),
                                        (Q1[3], 3, "control_work")])
        give_marks(session, school, 2, [(Q1[0], 4, "classwork"), (Q1[1], 4, "classwork"),
                                        (Q1[2], 5, "classwork")])
        # Pupil 3 has one mark only: «н/а» with the reason.
        give_marks(session, school, 3, [(Q1[0], 5, "classwork")])


def _first_quarter(school, now) -> tuple[GradingInput, str]:  # type: ignore[no-untyped-def]
    """The grading of the first quarter, teachers' deadline three days from now."""
    inp = GradingInput(organization_id=school.org_id, organization_code=school.org_code,
                       school_year_id=school.year_id, term_id=school.quarter_ids[0],
                       title="1 четверть 2025/2026 учебного года", time_zone="Europe/Simferopol",
                       teacher_deadline=now + timedelta(days=3))
    return inp, grading_workflow_id(school.org_code, school.year_id, school.quarter_ids[0])


async def _phase(handle, wanted: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(200):
        view = await handle.query(TermGradingWorkflow.view)
        if view.phase == wanted:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the workflow did not reach {wanted}: {view.phase}")


def _rows(database_url: str, subject_id: int) -> dict[int, db.PeriodMark]:
    with session_scope(database_url) as session:
        return {row.pupil_id: row for row in session.scalars(select(db.PeriodMark).where(
            db.PeriodMark.subject_id == subject_id))}


def _notices(database_url: str) -> list[tuple[int, str]]:
    with session_scope(database_url) as session:
        return [(row.recipient_user_id, row.kind) for row in session.scalars(
            select(db.GradebookNotification).order_by(db.GradebookNotification.id))]


async def test_term_grading_runs_through_reminders_overrides_and_locking(
        time_skipping_env, settings, database_url, school, activity_executor) -> None:
    _marks(database_url, school)
    env = time_skipping_env
    context.configure(settings, database_url)
    queue = f"gradebook-{uuid.uuid4().hex[:8]}"
    now = await env.get_current_time()
    inp, workflow_id = _first_quarter(school, now)

    async with Worker(env.client, task_queue=queue, workflows=GRADEBOOK_WORKFLOWS,
                      activities=GRADEBOOK_ACTIVITIES, activity_executor=activity_executor):
        handle = await env.client.start_workflow(TermGradingWorkflow.run, inp, id=workflow_id,
                                                 task_queue=queue)
        await _phase(handle, "teachers")

        algebra = _rows(database_url, school.algebra_id)
        # 25/4.5... (5 + 4 + 5×1,5) / 3,5 = 33/7 ≈ 4,71 → «5»; (3 + 4 + 3×2) / 4 = 3,25 → «3».
        assert [algebra[p].computed_value for p in school.pupils] == ["5", "3", "4", "н/а"]
        assert "недостаточно отметок: 1" in algebra[school.pupils[3]].not_assessed_reason
        assert {kind for _, kind in _notices(database_url)} == {"proposed"}
        assert {user for user, _ in _notices(database_url)} == {school.teacher,
                                                               school.other_teacher}

        teacher = dict(user_id=school.teacher, role="teacher")
        await handle.execute_update(TermGradingWorkflow.decide, Decision(
            period_mark_ids=[algebra[p].id for p in school.pupils[:3]], action="confirm",
            **teacher))
        with pytest.raises(WorkflowUpdateFailedError) as no_reason:
            await handle.execute_update(TermGradingWorkflow.decide, Decision(
                period_mark_ids=[algebra[school.pupils[3]].id], action="override",
                value="3", reason=" ", **teacher))
        assert "причину" in str(no_reason.value.cause.cause or no_reason.value.cause)
        result = await handle.execute_update(TermGradingWorkflow.decide, Decision(
            period_mark_ids=[algebra[school.pupils[3]].id], action="override", value="4",
            reason="Пропустил по болезни, зачтена устная сдача тем", **teacher))
        assert result.marks[0].value == "4"
        # History (four «н/а») is still the other teacher's to decide.
        assert result.pending.total == 4

        await env.sleep(timedelta(days=1, hours=1))
        await _until(lambda: ("reminder" in {k for _, k in _notices(database_url)}))
        reminded = {user for user, kind in _notices(database_url) if kind == "reminder"}
        assert reminded == {school.other_teacher}

        await env.sleep(timedelta(days=2, hours=1))
        await _phase(handle, "deputy")
        history = _rows(database_url, school.history_id)
        assert all(row.escalated_at is not None for row in history.values())
        responsible = _responsible(database_url, school.org_id)
        assert (responsible, "escalated") in _notices(database_url)
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(TermGradingWorkflow.decide, Decision(
                period_mark_ids=[history[school.pupils[0]].id], action="confirm",
                user_id=school.other_teacher, role="teacher"))

        await handle.execute_update(TermGradingWorkflow.decide, Decision(
            period_mark_ids=[row.id for row in history.values()], action="confirm",
            user_id=school.deputy, role="deputy_head"))
        view = await handle.result()

    assert view.phase == "locked"
    assert school.class_id in view.locked_classes and view.refused_classes == {}
    with session_scope(database_url) as session:
        lock = session.scalar(select(db.TermLock).where(
            db.TermLock.school_class_id == school.class_id))
        assert lock is not None
        # The workflow closed it: a system act, for the deputy head who answers for it.
        assert (lock.period_id, lock.closed_by, lock.on_behalf_of, lock.workflow_id) == (
            school.quarter_ids[0], None, responsible, workflow_id)
        closing = session.scalar(select(db.GradebookAuditEvent).where(
            db.GradebookAuditEvent.object_kind == "term_lock",
            db.GradebookAuditEvent.object_id == lock.id))
        assert (closing.action, closing.actor_user_id, closing.cause_kind, closing.actor_role,
                closing.on_behalf_of, closing.workflow_id) == (
            "close", None, "system", "system", responsible, workflow_id)
        override = session.scalar(select(db.GradebookAuditEvent).where(
            db.GradebookAuditEvent.action == "override"))
        assert override is not None
        assert override.actor_user_id == school.teacher
        assert override.reason.startswith("Пропустил")
        assert override.old_value["computed"]["value"] == "н/а"
        # Every decision taken through the workflow names it: the teachers' and the deputy's.
        decisions = session.execute(select(
            GradebookAuditEvent.actor_user_id, GradebookAuditEvent.action,
            GradebookAuditEvent.workflow_id).where(
            GradebookAuditEvent.action.in_(("confirm", "override")))).all()
        assert {(user, action) for user, action, _ in decisions} == {
            (school.teacher, "confirm"), (school.teacher, "override"),
            (school.deputy, "confirm")}
        assert {found for _, _, found in decisions} == {workflow_id}
        kept = session.get(db.PeriodMark, algebra[school.pupils[3]].id)
        # The computed «н/а» is kept beside the teacher's mark.
        assert (kept.computed_value, kept.override_value) == ("н/а", "4")


def _notice_text(database_url: str, kind: str) -> str | None:
    with session_scope(database_url) as session:
        return session.scalar(select(db.GradebookNotification.text).where(
            db.GradebookNotification.kind == kind).limit(1))


def _responsible(database_url: str, organization_id: int) -> int:
    with session_scope(database_url) as session:
        return term_marks.responsible_user(session, organization_id)


async def _until(condition, attempts: int = 200) -> None:  # type: ignore[no-untyped-def]
    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


def _held_control_works(database_url: str, school) -> list[int]:  # type: ignore[no-untyped-def]
    """A control work held back for pupils 0 and 2, each on its own lesson: publishing it
    lowers their term mark (5 → 4 and 4 → 3)."""
    held = []
    with session_scope(database_url) as session:
        for pupil_index, day in ((0, date(2025, 10, 13)), (2, date(2025, 10, 20))):
            lesson_id = lesson(session, school, day)
            writer(session, school).add_marks(lesson_id, [MarkEntry(
                school.pupils[pupil_index], MarkValue.of(2), "control_work",
                published=False)])
            held.append(lesson_id)
    return held


def _publish(database_url: str, school, lesson_id: int) -> None:  # type: ignore[no-untyped-def]
    with session_scope(database_url) as session:
        writer(session, school, actor=school.deputy_actor,
               at=moment(date(2025, 10, 29))).set_published(lesson_id, True)


async def test_a_blocked_close_takes_decisions_and_sends_undecided_marks_back(
        time_skipping_env, settings, database_url, school, activity_executor) -> None:
    """Closing refused for held marks; publishing them sends confirmed marks back to
    «proposed»: the deputy head still decides them, and a retry that finds one undecided
    goes back to the deputy head instead of being refused for ever."""
    _marks(database_url, school)
    held = _held_control_works(database_url, school)
    env = time_skipping_env
    context.configure(settings, database_url)
    queue = f"gradebook-blocked-{uuid.uuid4().hex[:8]}"
    inp, workflow_id = _first_quarter(school, await env.get_current_time())
    deputy = dict(user_id=school.deputy, role="deputy_head")

    async with Worker(env.client, task_queue=queue, workflows=GRADEBOOK_WORKFLOWS,
                      activities=GRADEBOOK_ACTIVITIES, activity_executor=activity_executor):
        handle = await env.client.start_workflow(TermGradingWorkflow.run, inp, id=workflow_id,
                                                 task_queue=queue)
        await _phase(handle, "teachers")
        algebra = _rows(database_url, school.algebra_id)
        history = _rows(database_url, school.history_id)
        await handle.execute_update(TermGradingWorkflow.decide, Decision(
            period_mark_ids=[row.id for row in algebra.values()], action="confirm",
            user_id=school.teacher, role="teacher"))
        await handle.execute_update(TermGradingWorkflow.decide, Decision(
            period_mark_ids=[row.id for row in history.values()], action="confirm",
            user_id=school.other_teacher, role="teacher"))
        await _phase(handle, "lock_blocked")
        assert "неопубликованные" in (await handle.query(TermGradingWorkflow.view)
                                      ).refused_classes[school.class_id]
        await _until(lambda: _notice_text(database_url, "lock_refused") is not None)
        refusal = _notice_text(database_url, "lock_refused")
        assert refusal.startswith("Период 1 четверть 2025/2026 учебного года не закрыт")
        assert "7Б класс: В периоде есть неопубликованные отметки (2)" in refusal

        # The teachers' deadline passes while the close waits.
        await env.sleep(timedelta(days=4))
        _publish(database_url, school, held[0])
        first = _rows(database_url, school.algebra_id)[school.pupils[0]]
        assert (first.status, first.computed_value) == ("proposed", "4")
        result = await handle.execute_update(TermGradingWorkflow.decide, Decision(
            period_mark_ids=[first.id], action="confirm", **deputy))
        assert result.marks[0].status == "confirmed"
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(TermGradingWorkflow.decide, Decision(
                period_mark_ids=[first.id], action="confirm", user_id=school.teacher,
                role="teacher"))

        # The other held mark published, closing asked for again before it is decided.
        _publish(database_url, school, held[1])
        await handle.signal(TermGradingWorkflow.retry_closing)
        await _phase(handle, "deputy")
        assert (await handle.query(TermGradingWorkflow.view)).pending == 1
        responsible = _responsible(database_url, school.org_id)
        await _until(lambda: (responsible, "escalated") in _notices(database_url))
        second = _rows(database_url, school.algebra_id)[school.pupils[2]]
        assert (second.status, second.computed_value) == ("proposed", "3")
        await handle.execute_update(TermGradingWorkflow.decide, Decision(
            period_mark_ids=[second.id], action="confirm", **deputy))
        view = await handle.result()

    assert view.phase == "locked" and view.refused_classes == {}
    with session_scope(database_url) as session:
        # The year grading waits on exactly this.
        assert term_marks.is_closed(session, school.org_id,
                                    Period(school.year_id, school.quarter_ids[0]))


async def _next_run(client: Client, workflow_id: str, seen: list[str]) -> str:
    """The run that continued the last of `seen`, once it waits on its first timer (a
    reminder or the deadline): whatever it does at its start is done by then."""
    for _ in range(200):
        latest = await client.get_workflow_handle(workflow_id).describe()
        if latest.run_id not in seen:
            history = await client.get_workflow_handle(
                workflow_id, run_id=latest.run_id).fetch_history()
            if any(event.event_type == EventType.EVENT_TYPE_TIMER_STARTED
                   for event in history.events):
                before = await client.get_workflow_handle(
                    workflow_id, run_id=seen[-1]).describe()
                assert before.status == WorkflowExecutionStatus.CONTINUED_AS_NEW
                return latest.run_id
        await asyncio.sleep(0.05)
    raise AssertionError(f"no run continued {seen[-1]} and started a timer")


def _escalated(database_url: str, subject_id: int) -> list[int]:
    return [pupil for pupil, row in _rows(database_url, subject_id).items()
            if row.escalated_at is not None]


async def test_runs_continued_as_new_wait_for_the_teachers_deadline_and_keep_their_counts(
        time_skipping_env, settings, database_url, school, activity_executor) -> None:
    """Every reminder ends the run (continue-as-new): a run continued in the teachers' phase
    still waits for the teachers until the deadline of the first run, the proposals' count
    goes over, the deputy head is told of the escalation once and, in a run continued in
    the deputy head's phase, assigns a mark of their own."""
    _marks(database_url, school)
    env = time_skipping_env
    context.configure(settings, database_url)
    queue = f"gradebook-continued-{uuid.uuid4().hex[:8]}"
    inp, workflow_id = _first_quarter(school, await env.get_current_time())
    inp = inp.model_copy(update={"reminders_per_run": 1})
    deputy = dict(user_id=school.deputy, role="deputy_head")

    async with Worker(env.client, task_queue=queue, workflows=GRADEBOOK_WORKFLOWS,
                      activities=GRADEBOOK_ACTIVITIES, activity_executor=activity_executor):
        handle = await env.client.start_workflow(TermGradingWorkflow.run, inp, id=workflow_id,
                                                 task_queue=queue)
        await _phase(handle, "teachers")
        runs = [(await handle.describe()).run_id]
        proposals = (await handle.query(TermGradingWorkflow.view)).proposals
        assert proposals == 8
        algebra = _rows(database_url, school.algebra_id)
        history = _rows(database_url, school.history_id)
        await handle.execute_update(TermGradingWorkflow.decide, Decision(
            period_mark_ids=[row.id for row in algebra.values()], action="confirm",
            user_id=school.teacher, role="teacher"))

        # Day 1: the reminder, then the run continues as new; day 2: the same again.
        await env.sleep(timedelta(days=1, hours=1))
        runs.append(await _next_run(env.client, workflow_id, runs))
        view = await handle.query(TermGradingWorkflow.view)
        assert (view.phase, view.pending, view.escalated, view.proposals) == (
            "teachers", 4, 0, proposals)
        assert _escalated(database_url, school.history_id) == []
        # The teachers still decide in the continued run.
        await handle.execute_update(TermGradingWorkflow.decide, Decision(
            period_mark_ids=[history[school.pupils[1]].id], action="confirm",
            user_id=school.other_teacher, role="teacher"))

        await env.sleep(timedelta(days=1))
        runs.append(await _next_run(env.client, workflow_id, runs))
        view = await handle.query(TermGradingWorkflow.view)
        assert (view.phase, view.pending, view.escalated, view.reminders_sent) == (
            "teachers", 3, 0, 2)
        assert _escalated(database_url, school.history_id) == []
        assert "escalated" not in {kind for _, kind in _notices(database_url)}

        # Day 3: the first run's deadline, not one restarted with each run.
        await env.sleep(timedelta(days=1))
        await _phase(handle, "deputy")
        undecided = [school.pupils[0], school.pupils[2], school.pupils[3]]
        await _until(lambda: sorted(_escalated(database_url, school.history_id)) == undecided)
        responsible = _responsible(database_url, school.org_id)
        await _until(lambda: (responsible, "escalated") in _notices(database_url))

        # Day 4: the deputy head's reminder, then a run continued in the deputy's phase.
        await env.sleep(timedelta(days=1))
        runs.append(await _next_run(env.client, workflow_id, runs))
        view = await handle.query(TermGradingWorkflow.view)
        assert (view.phase, view.pending, view.escalated, view.proposals) == (
            "deputy", 3, 3, proposals)
        assert _notices(database_url).count((responsible, "escalated")) == 1
        assert (responsible, "deputy_reminder") in _notices(database_url)

        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(TermGradingWorkflow.decide, Decision(
                period_mark_ids=[history[school.pupils[0]].id], action="override",
                value="4", **deputy))
        assigned = await handle.execute_update(TermGradingWorkflow.decide, Decision(
            period_mark_ids=[history[school.pupils[0]].id], action="override", value="4",
            reason="Зачтены доклады по истории Крыма", **deputy))
        assert [(m.value, m.status) for m in assigned.marks] == [("4", "confirmed")]
        assert assigned.pending.total == 2
        await handle.execute_update(TermGradingWorkflow.decide, Decision(
            period_mark_ids=[history[p].id for p in undecided[1:]], action="confirm",
            **deputy))
        view = await handle.result()
        histories = [await env.client.get_workflow_handle(workflow_id, run_id=run
                                                          ).fetch_history() for run in runs]

    # Each run replays as it ran (the recount on resume is recorded behind its patch).
    replayer = Replayer(workflows=GRADEBOOK_WORKFLOWS, data_converter=pydantic_data_converter)
    for run_history in histories:
        await replayer.replay_workflow(run_history)
    assert len(set(runs)) == 4
    assert view.phase == "locked" and school.class_id in view.locked_classes
    assert (view.proposals, view.reminders_sent) == (proposals, 3)
    with session_scope(database_url) as session:
        mark = session.get(db.PeriodMark, history[school.pupils[0]].id)
        assert mark is not None
        assert (mark.computed_value, mark.override_value, mark.status) == (
            "н/а", "4", "confirmed")
        override = session.scalar(select(db.GradebookAuditEvent).where(
            db.GradebookAuditEvent.action == "override",
            db.GradebookAuditEvent.object_id == mark.id))
        assert override is not None
        assert (override.actor_user_id, override.actor_role, override.reason) == (
            school.deputy, "deputy_head", "Зачтены доклады по истории Крыма")
        assert override.old_value["computed"]["value"] == "н/а"
