"""Liveness and readiness."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from tsos.db.session import get_engine
from workflows import task_queues
from workflows.health import HealthCheckWorkflow

router = APIRouter(tags=["Служебное"])


@router.get("/health", summary="Процесс API работает")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def _database_ok(url: str) -> bool:
    with get_engine(url).connect() as conn:
        conn.execute(text("SELECT 1"))
    return True


@router.get("/ready", summary="База данных и Temporal (с обработчиком) доступны")
async def ready(request: Request) -> JSONResponse:
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

    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(status_code=200 if ok else 503,
                        content={"status": "ready" if ok else "not_ready", "checks": checks})
