"""Liveness and readiness."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from tsos.db.session import get_engine
from workflows import task_queues
from workflows.health import HealthCheckWorkflow

router = APIRouter(tags=["Служебное"])

# A successful check is reused this long: a probe every second must not start a workflow
# every second. A failed one is not reused, so readiness returns as soon as it can.
READY_FOR_SECONDS = 5.0


@router.get("/health", summary="Процесс API работает")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def _database_ok(url: str) -> bool:
    with get_engine(url).connect() as conn:
        conn.execute(text("SELECT 1"))
    return True


class Readiness:
    """The last check's answer, shared: concurrent probes wait for one check in flight."""

    def __init__(self, ready_for: float = READY_FOR_SECONDS) -> None:
        self.ready_for = ready_for
        self._checks: dict[str, str] | None = None
        self._valid_until = 0.0
        self._running: asyncio.Task[dict[str, str]] | None = None

    async def checks(self, request: Request) -> dict[str, str]:
        if self._checks is not None and time.monotonic() < self._valid_until:
            return self._checks
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._check(request))
        return await asyncio.shield(self._running)

    async def _check(self, request: Request) -> dict[str, str]:
        checks = await _check(request)
        if all(v == "ok" for v in checks.values()):
            self._checks, self._valid_until = checks, time.monotonic() + self.ready_for
        else:
            self._checks = None
        return checks


async def _check(request: Request) -> dict[str, str]:
    checks: dict[str, str] = {}

    try:
        await asyncio.to_thread(_database_ok, request.app.state.database_url)
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready; say which
        checks["database"] = f"error: {type(exc).__name__}"

    try:
        client = await request.app.state.temporal()
        result = await client.execute_workflow(
            HealthCheckWorkflow.run,
            id=f"health-{uuid.uuid4()}",
            task_queue=request.app.state.queue(task_queues.MAIN),
            execution_timeout=timedelta(seconds=10),
        )
        checks["temporal"] = "ok" if result == "ok" else result
    except Exception as exc:
        checks["temporal"] = f"error: {type(exc).__name__}"
    return checks


@router.get("/ready", summary="База данных и Temporal (с обработчиком) доступны")
async def ready(request: Request) -> JSONResponse:
    readiness: Readiness = request.app.state.readiness
    checks = await readiness.checks(request)
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(status_code=200 if ok else 503,
                        content={"status": "ready" if ok else "not_ready", "checks": checks})
