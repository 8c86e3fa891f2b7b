"""A portal cancel that reaches the workflow with its very first task is answered, not lost.

The intake starts an application's workflow and forwards a cancel of the same batch right
after; Temporal may hand both to the worker in one activation, where signal handlers run
before `run` begins. `start_signal` makes that order certain here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from activities.enrollment.facts import facts_of
from activities.enrollment.intake import process_message
from tests.enrollment.payloads import variant
from tsos.db.enrollment import (
    FirstGradeApplication,
    SmevInboxMessage,
    SmevOutboxMessage,
)
from tsos.db.session import session_scope
from workflows import task_queues
from workflows.enrollment.application import FirstGradeApplicationWorkflow

pytestmark = pytest.mark.asyncio


def _store(database_url: str, message_id: str, payload: bytes) -> int:
    now = datetime.now(UTC)
    with session_scope(database_url) as session:
        inbox = SmevInboxMessage(message_id=message_id, reply_to=f"reply-{message_id}",
                                 received_at=now, raw=payload, payload=payload)
        session.add(inbox)
        session.flush()
        return inbox.id


async def test_cancel_in_the_first_task_cancels_the_application(
        database_url, settings, reference_campaign, running_worker,
        queue_names) -> None:
    # An order id of its own: this workflow completes, and the engine keeps its id taken.
    order_id = 4200009901
    application = _store(database_url, "app-1", variant("01-resident", order_id=order_id))
    cancel = _store(database_url, "cancel-1", variant("09-cancel-request", order_id=order_id))
    with session_scope(database_url) as session:
        outcome = process_message(session, session.get(SmevInboxMessage, application),
                                  now=datetime.now(UTC), region_oktmo=settings.region_oktmo)
        assert outcome.start is not None
        forwarded = process_message(session, session.get(SmevInboxMessage, cancel),
                                    now=datetime.now(UTC), region_oktmo=settings.region_oktmo)
        assert forwarded.cancel is not None
        facts = facts_of(session, session.get(FirstGradeApplication,
                                              outcome.start.application_id))

    handle = await running_worker.client.start_workflow(
        FirstGradeApplicationWorkflow.run, facts, id=forwarded.cancel_workflow_id,
        task_queue=queue_names[task_queues.MAIN],
        start_signal="portal_cancel", start_signal_args=[forwarded.cancel])

    assert await handle.result() == "cancelled"
    with session_scope(database_url) as session:
        row = session.get(FirstGradeApplication, facts.application_id)
        assert row is not None and row.state == "cancelled" and row.closed_at is not None
        answers = session.execute(select(SmevOutboxMessage.kind, SmevOutboxMessage.code)
                                  .where(SmevOutboxMessage.order_id == facts.order_id)
                                  .order_by(SmevOutboxMessage.id)).all()
    assert ("cancelResponse", "CANCELLED") in answers
