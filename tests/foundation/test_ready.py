"""Readiness runs a real workflow on a real worker against the real database."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio


async def test_ready_when_database_and_worker_answer(api_client, running_worker) -> None:
    response = await api_client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready",
                               "checks": {"database": "ok", "temporal": "ok"}}


async def test_a_probe_every_second_does_not_start_a_workflow_every_second(
        api_client, running_worker, queue_names) -> None:
    import asyncio

    from workflows import task_queues

    answers = [await api_client.get("/ready") for _ in range(3)]
    answers += await asyncio.gather(*(api_client.get("/ready") for _ in range(5)))
    assert [a.status_code for a in answers] == [200] * 8

    query = f'TaskQueue="{queue_names[task_queues.MAIN]}"'
    assert (await running_worker.client.count_workflows(query)).count == 1


async def test_not_ready_without_a_worker_and_ready_once_one_runs(
        api_client, settings, database_url, queue_names, temporal_env,
        activity_executor) -> None:
    import asyncio

    from tsos.worker import build_workers, run_workers

    # No worker polls this test's queue, so the health workflow cannot finish in time.
    response = await api_client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["temporal"].startswith("error")

    # The failure is not reused: the next probe checks again and sees the worker.
    stop = asyncio.Event()
    workers = build_workers(temporal_env.client, settings, database_url, queues=queue_names,
                            executor=activity_executor)
    running = asyncio.create_task(run_workers(workers, stop))
    try:
        assert (await api_client.get("/ready")).status_code == 200
    finally:
        stop.set()
        await running
