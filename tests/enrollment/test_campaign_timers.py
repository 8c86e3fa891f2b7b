"""A school's campaign through its long timers, on the time-skipping test server.

Wave 1 closes by the calendar and the confirmed applications are ranked for too few places;
an invitation's deadline passes without documents; wave 2 opens with no places left.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import select

from activities.enrollment.intake import process_message
from tests.enrollment.campaigns import campaign_yaml
from tests.enrollment.payloads import variant
from tsos.campaigns import load_and_prepare, start_campaign_workflows
from tsos.db.enrollment import ApplicationEvent, FirstGradeApplication, SmevInboxMessage
from tsos.db.session import session_scope
from tsos.worker import build_workers, run_workers
from workflows import task_queues
from workflows.enrollment.application import FirstGradeApplicationWorkflow
from workflows.enrollment.messages import Invite, StaffStep

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def skipping_worker(time_skipping_env, settings, database_url, queue_names,
                          activity_executor, demo_region):
    workers = build_workers(time_skipping_env.client, settings, database_url,
                            queues=queue_names, executor=activity_executor)
    stop = asyncio.Event()
    task = asyncio.create_task(run_workers(workers, stop))
    yield time_skipping_env
    stop.set()
    await task
    # The time-skipping server cannot list workflows: end this test's ones by their ids.
    from tsos.db.enrollment import CampaignSchool
    from tsos.db.models import Organization
    from workflows.enrollment.ids import campaign_workflow_id

    with session_scope(database_url) as session:
        ids = [a.workflow_id for a in session.scalars(select(FirstGradeApplication))]
        ids += [campaign_workflow_id(row.campaign_id, code) for row, code in session.execute(
            select(CampaignSchool, Organization.code).join(Organization))]
    for workflow_id in ids:
        try:
            await time_skipping_env.client.get_workflow_handle(workflow_id).terminate()
        except Exception:
            pass


async def _register(env, database_url: str, queue: str, payload: bytes,
                    now: datetime | None = None) -> int:
    """What the SMEV intake does with one stored message, then the workflow start; `now` is
    the intake's clock (the server's, where a test follows it)."""
    def intake() -> tuple[int, object]:
        at = now or datetime.now(UTC)
        with session_scope(database_url) as session:
            inbox = SmevInboxMessage(message_id=str(uuid.uuid1()), reply_to="portal|reply",
                                     received_at=at, raw=payload, payload=payload,
                                     state="new")
            session.add(inbox)
            session.flush()
            outcome = process_message(session, inbox, now=at, region_oktmo="67000000")
            assert outcome.start is not None, inbox.outcome
            return outcome.start.order_id, outcome.start

    order_id, facts = await asyncio.to_thread(intake)
    await env.client.start_workflow(FirstGradeApplicationWorkflow.run, facts,
                                    id=f"first-grade-{order_id}", task_queue=queue)
    return order_id


def _codes(database_url: str, order_id: int) -> list[str]:
    with session_scope(database_url) as session:
        app = session.scalar(select(FirstGradeApplication)
                             .where(FirstGradeApplication.order_id == order_id))
        return [e.code for e in session.scalars(
            select(ApplicationEvent).where(ApplicationEvent.application_id == app.id)
            .order_by(ApplicationEvent.seq))]


async def _until(database_url: str, order_id: int, expected: list[str]) -> None:
    for _ in range(300):
        if await asyncio.to_thread(_codes, database_url, order_id) == expected:
            return
        await asyncio.sleep(0.1)
    assert await asyncio.to_thread(_codes, database_url, order_id) == expected


async def _live_campaign(env, database_url: str, settings, queue: str,  # type: ignore[no-untyped-def]
                         places: int):
    """A campaign around the server's clock (which earlier tests of the session have moved
    on), its school workflow started: (now, inputs, the school's campaign handle)."""
    from workflows.enrollment.ids import campaign_workflow_id

    now = await env.get_current_time()
    with session_scope(database_url) as session:
        inputs = load_and_prepare(session, campaign_yaml(now.date(), places=places), settings)
    await start_campaign_workflows(env.client, inputs, task_queue=queue)
    campaign = env.client.get_workflow_handle(campaign_workflow_id(inputs[0].campaign_id,
                                                                   inputs[0].school_code))
    return now, inputs, campaign


async def _invite_and_confirm(env, order_id: int) -> None:  # type: ignore[no-untyped-def]
    handle = env.client.get_workflow_handle(f"first-grade-{order_id}")
    await handle.execute_update(FirstGradeApplicationWorkflow.invite_to_present_documents,
                                Invite(actor="Специалист"))
    await handle.execute_update(FirstGradeApplicationWorkflow.confirm_documents,
                                StaffStep(actor="Специалист"))


async def test_wave1_close_ranks_for_places_and_deadlines_refuse(
        skipping_worker, settings, database_url, queue_names) -> None:
    env = skipping_worker
    queue = queue_names[task_queues.MAIN]
    now = datetime.now(UTC)
    with session_scope(database_url) as session:
        inputs = load_and_prepare(session, campaign_yaml(now.date(), places=2), settings)
    await start_campaign_workflows(env.client, inputs, task_queue=queue)

    filed = now - timedelta(hours=3)
    # Two residents and a first-priority child compete for two places; a fourth resident
    # never brings the documents; a child from elsewhere waits for wave 2.
    early_resident = await _register(env, database_url, queue, variant(
        "01-resident", order_id=1001, filing_date=filed, child_surname="Ранний"))
    late_resident = await _register(env, database_url, queue, variant(
        "01-resident", order_id=1002, filing_date=filed + timedelta(minutes=30),
        child_surname="Поздний", birth_doc_number="531408"))
    priority = await _register(env, database_url, queue, variant(
        "03-first-priority-right", order_id=1003, filing_date=filed + timedelta(hours=1)))
    no_documents = await _register(env, database_url, queue, variant(
        "01-resident", order_id=1004, filing_date=filed, child_surname="Забывчивый",
        birth_doc_number="531409"))
    elsewhere = await _register(env, database_url, queue, variant(
        "01-resident", order_id=1005, filing_date=filed, child_surname="Приезжий",
        birth_doc_number="531410", street="ул. Дальняя", house="5"))

    await _until(database_url, elsewhere, ["1", "315"])
    for order_id in (early_resident, late_resident, priority, no_documents):
        await _until(database_url, order_id, ["1", "311"])
        handle = env.client.get_workflow_handle(f"first-grade-{order_id}")
        await handle.execute_update(FirstGradeApplicationWorkflow.invite_to_present_documents,
                                    Invite(actor="Специалист"))
        if order_id != no_documents:
            await handle.execute_update(FirstGradeApplicationWorkflow.confirm_documents,
                                        StaffStep(actor="Специалист"))
            await _until(database_url, order_id, ["1", "311", "312", "314"])

    # Three working days pass: the one without documents is refused with 352.
    await env.sleep(timedelta(days=6))
    await _until(database_url, no_documents, ["1", "311", "312", "352"])

    # Wave 1 closes on the calendar: the first-priority child and the earlier resident
    # take the two places, the later resident is refused for lack of places.
    await env.sleep(timedelta(days=6))
    await _until(database_url, late_resident, ["1", "311", "312", "314", "351"])
    for order_id in (early_resident, priority):
        assert _codes(database_url, order_id) == ["1", "311", "312", "314"]

    # Wave 2 opens with no places left: the held application is refused.
    await env.sleep(timedelta(days=5))
    await _until(database_url, elsewhere, ["1", "315", "351"])

    with session_scope(database_url) as session:
        refused = session.scalar(select(FirstGradeApplication)
                                 .where(FirstGradeApplication.order_id == late_resident))
        last = session.scalar(select(ApplicationEvent)
                              .where(ApplicationEvent.application_id == refused.id)
                              .order_by(ApplicationEvent.seq.desc()).limit(1))
        assert last.rule == "confirmed_no_places_left"
        assert "273-ФЗ" in last.clause


async def test_an_unsigned_wave1_order_is_flagged_when_overdue(
        skipping_worker, settings, database_url, queue_names) -> None:
    from tsos.db.models import AuditEvent

    env = skipping_worker
    queue = queue_names[task_queues.MAIN]
    now = datetime.now(UTC)
    with session_scope(database_url) as session:
        inputs = load_and_prepare(session, campaign_yaml(now.date(), places=5), settings)
    await start_campaign_workflows(env.client, inputs, task_queue=queue)

    order_id = await _register(env, database_url, queue, variant(
        "01-resident", order_id=2001, filing_date=now - timedelta(hours=1)))
    await _until(database_url, order_id, ["1", "311"])
    handle = env.client.get_workflow_handle(f"first-grade-{order_id}")
    await handle.execute_update(FirstGradeApplicationWorkflow.invite_to_present_documents,
                                Invite(actor="Специалист"))
    await handle.execute_update(FirstGradeApplicationWorkflow.confirm_documents,
                                StaffStep(actor="Специалист"))

    # Wave 1 ends in 10 days; three working days later nobody has signed the order.
    await env.sleep(timedelta(days=17))
    with session_scope(database_url) as session:
        flagged = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "enrollment_order.overdue"))
        assert flagged is not None and flagged.new_value == {"applications_waiting": 1}


async def test_a_school_that_closed_wave1_early_takes_later_filings_into_wave2(
        skipping_worker, settings, database_url, queue_names) -> None:
    from tsos.db.enrollment import CampaignSchool
    from workflows.enrollment.campaign import FirstGradeSchoolCampaignWorkflow

    env = skipping_worker
    queue = queue_names[task_queues.MAIN]
    now, inputs, campaign = await _live_campaign(env, database_url, settings, queue, 3)

    resident = await _register(env, database_url, queue, variant(
        "01-resident", order_id=3001, filing_date=now - timedelta(hours=3)), now=now)
    held = await _register(env, database_url, queue, variant(
        "01-resident", order_id=3002, filing_date=now - timedelta(hours=2),
        child_surname="Приезжий", birth_doc_number="531410", street="ул. Дальняя",
        house="5"), now=now)
    await _until(database_url, held, ["1", "315"])
    await _until(database_url, resident, ["1", "311"])
    await _invite_and_confirm(env, resident)

    # Every wave-1 applicant served: the school closes wave 1 early and opens its wave 2,
    # releasing the held application at once, not on the calendar's date.
    view = await campaign.execute_update(FirstGradeSchoolCampaignWorkflow.close_wave1_early,
                                         StaffStep(actor="Директор"))
    assert view.phase in ("wave1_allocated", "wave2")
    await _until(database_url, held, ["1", "315", "311"])

    # A filing after the early opening, from outside the territory, is a wave-2 one: taken
    # into review, not held for an opening that has already passed.
    with session_scope(database_url) as session:
        opened = session.scalar(select(CampaignSchool.wave1_closed_at))
    assert opened is not None
    later = await _register(env, database_url, queue, variant(
        "01-resident", order_id=3003, filing_date=opened + timedelta(minutes=1),
        child_surname="Поздний", birth_doc_number="531411", street="ул. Дальняя",
        house="9"), now=opened + timedelta(minutes=2))
    await _until(database_url, later, ["1", "311"])
    with session_scope(database_url) as session:
        app = session.scalar(select(FirstGradeApplication)
                             .where(FirstGradeApplication.order_id == later))
        assert app.wave == 2 and not app.deferred


async def test_a_calendar_close_of_wave1_is_not_recorded_as_an_early_one(
        skipping_worker, settings, database_url, queue_names) -> None:
    from tsos.db.enrollment import CampaignSchool

    env = skipping_worker
    queue = queue_names[task_queues.MAIN]
    now, _, _ = await _live_campaign(env, database_url, settings, queue, 1)
    held = await _register(env, database_url, queue, variant(
        "01-resident", order_id=3101, filing_date=now - timedelta(hours=2),
        street="ул. Дальняя", house="5"), now=now)
    await _until(database_url, held, ["1", "315"])

    # Wave 1 ends in 10 days by the calendar; wave 2 opens 5 days after that.
    await env.sleep(timedelta(days=12))
    with session_scope(database_url) as session:
        assert session.scalar(select(CampaignSchool.wave1_closed_at)) is None
    assert _codes(database_url, held) == ["1", "315"]
    await env.sleep(timedelta(days=4))
    await _until(database_url, held, ["1", "315", "311"])


async def test_a_reloaded_campaign_file_moves_the_running_timers(
        skipping_worker, settings, database_url, queue_names) -> None:
    from tests.enrollment.campaigns import campaign_yaml as make_yaml
    from workflows.enrollment.campaign import FirstGradeSchoolCampaignWorkflow
    from workflows.enrollment.ids import campaign_workflow_id

    env = skipping_worker
    queue = queue_names[task_queues.MAIN]
    now = await env.get_current_time()
    text = make_yaml(now.date(), places=2)
    with session_scope(database_url) as session:
        inputs = load_and_prepare(session, text, settings)
    assert await start_campaign_workflows(env.client, inputs, task_queue=queue) == 1
    campaign = env.client.get_workflow_handle(campaign_workflow_id(inputs[0].campaign_id,
                                                                   inputs[0].school_code))

    # The region extends wave 1 by a week (10 days left → 17) and moves wave 2 after it.
    first, second = now.date() + timedelta(days=10), now.date() + timedelta(days=15)
    later = text.replace(f"end: {first}", f"end: {first + timedelta(days=7)}").replace(
        f"start: {second}", f"start: {second + timedelta(days=7)}")
    assert later != text
    with session_scope(database_url) as session:
        reloaded = load_and_prepare(session, later, settings)
    assert reloaded[0].campaign_id == inputs[0].campaign_id
    assert await start_campaign_workflows(env.client, reloaded, task_queue=queue) == 0

    await env.sleep(timedelta(days=13))
    view = await campaign.query(FirstGradeSchoolCampaignWorkflow.view)
    assert view.phase == "wave1", "wave 1 closed by the file's old date"
    await env.sleep(timedelta(days=6))
    view = await campaign.query(FirstGradeSchoolCampaignWorkflow.view)
    assert view.phase == "wave1_allocated"
    await env.sleep(timedelta(days=4))
    view = await campaign.query(FirstGradeSchoolCampaignWorkflow.view)
    assert view.phase == "wave2"


async def test_a_wave2_order_not_signed_within_five_working_days_is_flagged(
        skipping_worker, settings, database_url, queue_names) -> None:
    from tsos.db.enrollment import CampaignSchool
    from tsos.db.models import AuditEvent
    from workflows.enrollment.campaign import FirstGradeSchoolCampaignWorkflow

    env = skipping_worker
    queue = queue_names[task_queues.MAIN]
    _, _, campaign = await _live_campaign(env, database_url, settings, queue, 3)
    await campaign.execute_update(FirstGradeSchoolCampaignWorkflow.close_wave1_early,
                                  StaffStep(actor="Директор"))
    with session_scope(database_url) as session:
        opened = session.scalar(select(CampaignSchool.wave1_closed_at))
    order_id = await _register(env, database_url, queue, variant(
        "01-resident", order_id=3201, filing_date=opened + timedelta(minutes=1),
        street="ул. Дальняя", house="9"), now=opened + timedelta(minutes=2))
    await _until(database_url, order_id, ["1", "311"])
    await _invite_and_confirm(env, order_id)
    await _until(database_url, order_id, ["1", "311", "312", "314"])

    def flagged() -> list[AuditEvent]:
        with session_scope(database_url) as session:
            return list(session.scalars(select(AuditEvent).where(
                AuditEvent.action == "enrollment_order.overdue",
                AuditEvent.object_type == "first_grade_application")))

    await env.sleep(timedelta(days=2))
    assert flagged() == []
    await env.sleep(timedelta(days=9))
    for _ in range(100):
        if flagged():
            break
        await asyncio.sleep(0.1)
    assert len(flagged()) == 1


async def test_a_foreign_check_past_its_working_days_is_flagged_and_still_awaited(
        skipping_worker, settings, database_url, queue_names) -> None:
    from tsos.db.models import AuditEvent
    from workflows.enrollment.messages import ForeignCheckResult

    env = skipping_worker
    queue = queue_names[task_queues.MAIN]
    now, _, _ = await _live_campaign(env, database_url, settings, queue, 3)
    order_id = await _register(env, database_url, queue, variant(
        "07-foreign-citizen", order_id=3301, filing_date=now - timedelta(hours=1)), now=now)
    await _until(database_url, order_id, ["1", "316"])

    def flagged() -> int:
        with session_scope(database_url) as session:
            return len(list(session.scalars(select(AuditEvent).where(
                AuditEvent.action == "foreign_documents_check.overdue"))))

    await env.sleep(timedelta(days=2))
    assert flagged() == 0
    await env.sleep(timedelta(days=8))
    for _ in range(100):
        if flagged():
            break
        await asyncio.sleep(0.1)
    assert flagged() == 1

    # The check done late still counts: the application goes on to review.
    handle = env.client.get_workflow_handle(f"first-grade-{order_id}")
    await handle.execute_update(FirstGradeApplicationWorkflow.record_foreign_check,
                                ForeignCheckResult(actor="Специалист", result="complete"))
    await _until(database_url, order_id, ["1", "316", "311"])
