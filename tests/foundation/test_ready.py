"""Readiness runs a real workflow on a real worker against the real database."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio


async def test_ready_when_database_and_worker_answer(api_client, running_worker) -> None:
    response = await api_client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready",
                               "checks": {"database": "ok", "temporal": "ok"}}


async def test_not_ready_without_a_worker(api_client, settings) -> None:
    # No worker polls this test's queue, so the health workflow cannot finish in time.
    response = await api_client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["temporal"].startswith("error")
