"""A user's refusal leaves no traceback in the worker's log; a real failure stays loud."""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor

from temporalio.worker import Worker

from tests.foundation.refusal_flow import RefusalFlow, break_down, refuse_politely


async def _run(temporal_env, activity_executor, name: str) -> str:  # type: ignore[no-untyped-def]
    queue = f"refusals-{uuid.uuid4().hex[:8]}"
    async with Worker(temporal_env.client, task_queue=queue, workflows=[RefusalFlow],
                      activities=[refuse_politely, break_down],
                      activity_executor=activity_executor):
        return await temporal_env.client.execute_workflow(
            RefusalFlow.run, name, id=f"refusal-{uuid.uuid4()}", task_queue=queue)


async def test_refusals_are_quiet_failures_are_loud(temporal_env, caplog) -> None:
    executor = ThreadPoolExecutor(max_workers=2)
    caplog.set_level(logging.DEBUG, logger="temporalio.activity")

    assert await _run(temporal_env, executor, "refuse_politely") == "ApplicationError"
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING
                and r.name == "temporalio.activity"]
    assert warnings == []

    assert await _run(temporal_env, executor, "break_down") == "ApplicationError"
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING
            and r.name == "temporalio.activity"]
    assert len(loud) == 1 and loud[0].exc_info is not None
    executor.shutdown()
